"""The cost sections the kernel itself declares: its POSIX objects and io_uring poll.

These are kernel sections, not a plug-in's: the objects (pipe, AF_UNIX
socket, eventfd, shared memory, regular file) and the poll machinery
(``io_arm_poll_handler`` on the submission path, POLL_ADD) exist whatever
opcode plug-ins are loaded, so every host profile gives these sections.
The engine passes them, with the loaded plug-ins' sections, to
:func:`~simuring.cost.load_profile`. Each object resolves its section once,
when it is created (a pipe keeps its ``PipeCosts``).
"""

from __future__ import annotations

from typing import Final

from simuring.cost import CostSection
from simuring.kernel.objects.eventfd import EventfdCosts
from simuring.kernel.objects.pipe import PipeCosts
from simuring.kernel.objects.regfile import FileCosts
from simuring.kernel.objects.shm import ShmCosts
from simuring.kernel.objects.socket import UnixCosts
from simuring.kernel.poll import PollCosts

KERNEL_COST_SECTIONS: Final[tuple[type[CostSection], ...]] = (
    PollCosts,
    PipeCosts,
    UnixCosts,
    EventfdCosts,
    ShmCosts,
    FileCosts,
)
"""Every cost section the kernel declares (profile tables poll, pipe, unix, eventfd, shm, file)."""
