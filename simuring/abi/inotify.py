"""inotify(7) constants and ``struct inotify_event`` (``include/uapi/linux/inotify.h``).

``struct inotify_event`` is ``int wd; u32 mask; u32 cookie; u32 len; char name[]``: a
16-byte header then ``len`` bytes of name, NUL-padded (``len`` is 0 for an event about the
watched object itself).  :func:`inotify_events` reads a buffer of them back.
"""

from __future__ import annotations

import struct
from typing import Final

from simuring.abi.posix import O_CLOEXEC, O_NONBLOCK

IN_ACCESS: Final = 0x00000001
IN_MODIFY: Final = 0x00000002
IN_ATTRIB: Final = 0x00000004
IN_CLOSE_WRITE: Final = 0x00000008
IN_CLOSE_NOWRITE: Final = 0x00000010
IN_OPEN: Final = 0x00000020
IN_MOVED_FROM: Final = 0x00000040
IN_MOVED_TO: Final = 0x00000080
IN_CREATE: Final = 0x00000100
IN_DELETE: Final = 0x00000200
IN_DELETE_SELF: Final = 0x00000400
IN_MOVE_SELF: Final = 0x00000800
IN_UNMOUNT: Final = 0x00002000
IN_Q_OVERFLOW: Final = 0x00004000
IN_IGNORED: Final = 0x00008000
IN_CLOSE: Final = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
IN_MOVE: Final = IN_MOVED_FROM | IN_MOVED_TO
IN_ONLYDIR: Final = 0x01000000
IN_DONT_FOLLOW: Final = 0x02000000
IN_EXCL_UNLINK: Final = 0x04000000
IN_MASK_CREATE: Final = 0x10000000
IN_MASK_ADD: Final = 0x20000000
IN_ISDIR: Final = 0x40000000
IN_ONESHOT: Final = 0x80000000
IN_ALL_EVENTS: Final = 0x00000FFF
"""Every event a watch can ask for (IN_ACCESS ... IN_MOVE_SELF)."""
IN_NONBLOCK: Final = O_NONBLOCK
IN_CLOEXEC: Final = O_CLOEXEC

EVENT_HEADER: Final = struct.Struct("<iIII")
"""``struct inotify_event`` without its name: wd, mask, cookie, len."""


def inotify_events(buf: bytes | bytearray | memoryview, n: int) -> list[tuple[int, int, int, str]]:
    """The events in the first ``n`` bytes of ``buf``: (wd, mask, cookie, name) each."""
    out = []
    pos = 0
    while pos + EVENT_HEADER.size <= n:
        wd, mask, cookie, length = EVENT_HEADER.unpack_from(buf, pos)
        pos += EVENT_HEADER.size
        name = bytes(buf[pos : pos + length]).split(b"\0", 1)[0].decode(errors="surrogateescape")
        pos += length
        out.append((wd, mask, cookie, name))
    return out
