"""The simulated kernel: one :class:`Kernel` per simulated host.

It holds what is global in a real kernel (the ring-id space, the file
system of regular files, plug-in state such as the IPC channel tables,
found by class: :mod:`simuring.kernel.ext`) and the shared request
machinery (the :class:`~simuring.kernel.submit.Submitter`, io-wq pools).
"""

from __future__ import annotations

from simuring.kernel.core import Kernel, kernel_of

__all__ = ["Kernel", "kernel_of"]
