"""fanotify(7) constants and ``struct fanotify_event_metadata`` (``include/uapi/linux/fanotify.h``).

``struct fanotify_event_metadata`` is ``u32 event_len; u8 vers; u8 reserved; u16 metadata_len;
u64 mask; s32 fd; s32 pid``: 24 bytes, and (without FID reporting) the whole record.
:func:`fanotify_events` reads a buffer of them back.  The event bits are fsnotify's, the same
numbers as inotify's (:mod:`simuring.abi.inotify`).
"""

from __future__ import annotations

import struct
from typing import Final

from simuring.abi.posix import O_CLOEXEC, O_NONBLOCK

FAN_ACCESS: Final = 0x00000001
FAN_MODIFY: Final = 0x00000002
FAN_ATTRIB: Final = 0x00000004
FAN_CLOSE_WRITE: Final = 0x00000008
FAN_CLOSE_NOWRITE: Final = 0x00000010
FAN_OPEN: Final = 0x00000020
FAN_MOVED_FROM: Final = 0x00000040
FAN_MOVED_TO: Final = 0x00000080
FAN_CREATE: Final = 0x00000100
FAN_DELETE: Final = 0x00000200
FAN_DELETE_SELF: Final = 0x00000400
FAN_MOVE_SELF: Final = 0x00000800
FAN_OPEN_EXEC: Final = 0x00001000
FAN_Q_OVERFLOW: Final = 0x00004000
FAN_FS_ERROR: Final = 0x00008000
FAN_OPEN_PERM: Final = 0x00010000
FAN_ACCESS_PERM: Final = 0x00020000
FAN_OPEN_EXEC_PERM: Final = 0x00040000
FAN_PRE_ACCESS: Final = 0x00100000
FAN_MNT_ATTACH: Final = 0x01000000
FAN_MNT_DETACH: Final = 0x02000000
FAN_EVENT_ON_CHILD: Final = 0x08000000
FAN_RENAME: Final = 0x10000000
FAN_ONDIR: Final = 0x40000000
FAN_CLOSE: Final = FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE

FAN_CLOEXEC: Final = 0x00000001
FAN_NONBLOCK: Final = 0x00000002
FAN_CLASS_NOTIF: Final = 0x00000000
FAN_CLASS_CONTENT: Final = 0x00000004
FAN_CLASS_PRE_CONTENT: Final = 0x00000008
FAN_UNLIMITED_QUEUE: Final = 0x00000010
FAN_UNLIMITED_MARKS: Final = 0x00000020
FAN_ENABLE_AUDIT: Final = 0x00000040
FAN_REPORT_PIDFD: Final = 0x00000080
FAN_REPORT_TID: Final = 0x00000100
FAN_REPORT_FID: Final = 0x00000200
FAN_REPORT_DIR_FID: Final = 0x00000400
FAN_REPORT_NAME: Final = 0x00000800
FAN_REPORT_TARGET_FID: Final = 0x00001000
FAN_REPORT_FD_ERROR: Final = 0x00002000
FAN_REPORT_MNT: Final = 0x00004000

FAN_MARK_ADD: Final = 0x00000001
FAN_MARK_REMOVE: Final = 0x00000002
FAN_MARK_DONT_FOLLOW: Final = 0x00000004
FAN_MARK_ONLYDIR: Final = 0x00000008
FAN_MARK_MOUNT: Final = 0x00000010
FAN_MARK_IGNORED_MASK: Final = 0x00000020
FAN_MARK_IGNORED_SURV_MODIFY: Final = 0x00000040
FAN_MARK_FLUSH: Final = 0x00000080
FAN_MARK_FILESYSTEM: Final = 0x00000100
FAN_MARK_EVICTABLE: Final = 0x00000200
FAN_MARK_IGNORE: Final = 0x00000400
FAN_MARK_INODE: Final = 0x00000000

FANOTIFY_METADATA_VERSION: Final = 3
FAN_NOFD: Final = -1

# fanotify_init(2)'s event_f_flags are open(2) flags.
FAN_EVENT_O_CLOEXEC: Final = O_CLOEXEC
FAN_EVENT_O_NONBLOCK: Final = O_NONBLOCK

METADATA: Final = struct.Struct("<IBBHQii")
"""``struct fanotify_event_metadata``: event_len, vers, reserved, metadata_len, mask, fd, pid."""


def fanotify_events(buf: bytes | bytearray | memoryview, n: int) -> list[tuple[int, int, int, int, int, int]]:
    """The records in the first ``n`` bytes of ``buf``: (event_len, vers, metadata_len, mask, fd,
    pid) each, stepping by ``event_len``."""
    out = []
    pos = 0
    while pos + METADATA.size <= n:
        event_len, vers, _, metadata_len, mask, fd, pid = METADATA.unpack_from(buf, pos)
        out.append((event_len, vers, metadata_len, mask, fd, pid))
        if event_len < METADATA.size:
            break
        pos += event_len
    return out
