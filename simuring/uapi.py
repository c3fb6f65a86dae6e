"""The io_uring user-space ABI under its C names: the public import for workloads.

``from simuring.uapi import *`` gives the constants and structures of
``include/uapi/linux/io_uring.h`` (:mod:`simuring.abi.io_uring`), the poll(2)
event bits (:mod:`simuring.abi.poll`) and the IPC channel proposal's flags
and structures (:mod:`simuring.abi.ipc`), the registered regions' structures
(:mod:`simuring.abi.regions`), with the kernel's values.  The
definitions live in :mod:`simuring.abi`; this module only gathers them.
"""
from __future__ import annotations

from simuring.abi import io_uring as _io_uring
from simuring.abi import ipc as _ipc
from simuring.abi import poll as _poll
from simuring.abi import regions as _regions
from simuring.abi.io_uring import *  # noqa: F403 - re-exported
from simuring.abi.ipc import *  # noqa: F403 - re-exported
from simuring.abi.poll import *  # noqa: F403 - re-exported
from simuring.abi.regions import *  # noqa: F403 - re-exported

__all__: list[str] = []
__all__ += _io_uring.__all__
__all__ += _poll.__all__
__all__ += _ipc.__all__
__all__ += _regions.__all__
