"""The POSIX calls as user space sees them (glibc), one module per header.

Each call checks its arguments' Python types (misuse raises TypeError, see
:mod:`~simuring.libc.argcheck`) and enters the kernel once through
:func:`simuring.kernel.sys.syscall`, by name.  :mod:`simuring.syscalls`
re-exports them for workloads.
"""
