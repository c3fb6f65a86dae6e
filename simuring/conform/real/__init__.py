"""The real-kernel backend: ctypes over the io_uring system calls, no compiled code.

:func:`availability` says whether this machine can run it, and why not.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from simuring.errno import errname

#: Set to a non-empty value other than "0" to skip the real kernel (the harness then compares nothing).
DISABLE_ENV = "SIMURING_CONFORM_NO_REAL"


def availability() -> tuple[bool, str]:
    """(True, a description of the kernel) or (False, why io_uring cannot be used here)."""
    if os.environ.get(DISABLE_ENV, "0") not in ("", "0"):
        return False, f"the real kernel is disabled by {DISABLE_ENV}"
    if sys.platform != "linux":
        return False, f"not Linux ({sys.platform})"
    from simuring.conform.real.abi import syscall_numbers

    if syscall_numbers() is None:
        return False, f"architecture {platform.machine()} is not known to the harness"
    knob = Path("/proc/sys/kernel/io_uring_disabled")
    try:
        disabled = knob.read_text().strip()
    except OSError:
        disabled = "0"
    if disabled == "2":
        return False, "io_uring is disabled on this machine (kernel.io_uring_disabled = 2)"
    from simuring.conform.real import liburing
    from simuring.conform.real.libc import call
    from simuring.uapi import Params

    fd = liburing.io_uring_setup(1, Params())
    if fd < 0:
        hint = " (kernel.io_uring_disabled = 1 and not in io_uring_group?)" if disabled == "1" else ""
        return False, f"io_uring_setup failed with {errname(fd)}{hint}"
    call("close", fd)
    return True, f"Linux {platform.release()} {platform.machine()}"
