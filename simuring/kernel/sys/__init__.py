"""The system call table of the simulated kernel and its one entry point.

User space (:mod:`simuring.libc`, :mod:`simuring.liburing`) enters the kernel
only here, by name: ``ret = yield from syscall("read", fd, buf, count)``.
:data:`SYSCALLS` maps each name to a :class:`Syscall`: the handler (a
``sys_*`` function of this package's modules, called with the calling task
and the arguments) and the name the task's statistics count it under
(``shm_open`` is an ``openat`` on tmpfs, ``send`` a ``sendto``).

:func:`syscall` is ``do_syscall_64`` between ``syscall_enter_from_user_mode``
and ``syscall_exit_to_user_mode``: it charges the entry cost, marks the task
as being in the kernel, runs the handler, runs pending task work on the way
out (``exit_to_user_mode`` handles TIF_NOTIFY_SIGNAL), charges the exit cost
and flushes the burst, so each syscall is at least one stretch of simulated
CPU time.  A handler that may sleep is a generator, run between entry and
exit; one that cannot is a plain function, run as the call starts (its
charges join the same burst).

:data:`SharedRings` and :data:`U32` are re-exported as the ABI of the ring
memory that ``io_uring_mmap`` hands to user space; :func:`vdso_clock_ns` is
the clock data the kernel maps into every process (the vDSO's vvar page),
which ``clock_gettime`` reads without entering the kernel.
"""

from __future__ import annotations

from simuring.abi.limits import U32
from simuring.kernel.rings import SharedRings
from simuring.kernel.sys.entry import SYSCALLS, Syscall, SyscallGen, syscall, vdso_clock_ns

__all__ = ["SYSCALLS", "U32", "SharedRings", "Syscall", "SyscallGen", "syscall", "vdso_clock_ns"]
