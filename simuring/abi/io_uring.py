"""The io_uring user-space ABI, as Python names.

This module mirrors ``include/uapi/linux/io_uring.h``: every constant keeps its
C name and the kernel's numeric value, and the structures that user space and
the kernel exchange are small attrs classes whose fields carry the C field
names.  A C program written against the header therefore ports name for name.

Sources of the values:

* the header in linux-next at commit
  ``39ccbd9467e31a0b798b195558764288ec003feb`` (the 6.19 merge window: opcodes
  through ``IORING_OP_URING_CMD128`` = 64, setup flags through
  ``IORING_SETUP_SQE_MIXED``, register opcodes through
  ``IORING_REGISTER_QUERY`` = 35);
* the few additions of Linux 7.0 that the proposal's numbering builds on
  (``IORING_SETUP_SQ_REWIND``, ``IORING_TIMEOUT_IMMEDIATE_ARG``,
  ``IORING_REGISTER_ZCRX_CTRL`` = 36, ``IORING_REGISTER_BPF_FILTER`` = 37);
* the io_uring IPC channel proposal (RFC, March 2026): ``IORING_OP_IPC_SEND``
  = 65, ``IORING_OP_IPC_RECV`` = 66, ``IORING_REGISTER_IPC_CHANNEL_*`` = 38..41
  and the ``IOIPC_*`` flags.  ``IORING_OP_LAST`` and ``IORING_REGISTER_LAST``
  take the values they have once the proposal is applied.

A handful of names are not in the uapi header and are marked where defined:
``IORING_MAX_ENTRIES`` / ``IORING_MAX_CQ_ENTRIES`` (kernel limits from
``io_uring/io_uring.c``), the ``poll(2)`` event bits used with POLL_ADD, and
simuring's own ``IORING_SETUP_FLAGS_ALL``, ``IOSQE_FLAGS_ALL``,
``OPCODE_NAMES`` and ``opcode_name``.

Pointers do not exist in Python: where the C ABI passes an address (a buffer,
a timespec, a struct), the Python field holds the object itself.  The classes
do no validation; the simulated kernel checks fields and answers with a
negative errno, exactly as the real one does.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

from attrs import define, field

from simuring.abi.errno import errname

# =============================================================================
# struct io_uring_sqe ->flags
# =============================================================================

IOSQE_FIXED_FILE_BIT: Final = 0
IOSQE_IO_DRAIN_BIT: Final = 1
IOSQE_IO_LINK_BIT: Final = 2
IOSQE_IO_HARDLINK_BIT: Final = 3
IOSQE_ASYNC_BIT: Final = 4
IOSQE_BUFFER_SELECT_BIT: Final = 5
IOSQE_CQE_SKIP_SUCCESS_BIT: Final = 6

IOSQE_FIXED_FILE: Final = 1 << IOSQE_FIXED_FILE_BIT
IOSQE_IO_DRAIN: Final = 1 << IOSQE_IO_DRAIN_BIT
IOSQE_IO_LINK: Final = 1 << IOSQE_IO_LINK_BIT
IOSQE_IO_HARDLINK: Final = 1 << IOSQE_IO_HARDLINK_BIT
IOSQE_ASYNC: Final = 1 << IOSQE_ASYNC_BIT
IOSQE_BUFFER_SELECT: Final = 1 << IOSQE_BUFFER_SELECT_BIT
IOSQE_CQE_SKIP_SUCCESS: Final = 1 << IOSQE_CQE_SKIP_SUCCESS_BIT

#: simuring's name (not in the header): every SQE flag defined above.  The
#: kernel rejects an SQE carrying any other bit with -EINVAL.
IOSQE_FLAGS_ALL: Final = (
    IOSQE_FIXED_FILE
    | IOSQE_IO_DRAIN
    | IOSQE_IO_LINK
    | IOSQE_IO_HARDLINK
    | IOSQE_ASYNC
    | IOSQE_BUFFER_SELECT
    | IOSQE_CQE_SKIP_SUCCESS
)

#: sqe->file_index value asking the kernel to pick a free direct descriptor.
IORING_FILE_INDEX_ALLOC: Final = 0xFFFFFFFF

#: sqe->attr_type_mask: protection-information attribute.
IORING_RW_ATTR_FLAG_PI: Final = 1 << 0

# =============================================================================
# io_uring_setup(2) flags (io_uring_params->flags)
# =============================================================================

IORING_SETUP_IOPOLL: Final = 1 << 0
IORING_SETUP_SQPOLL: Final = 1 << 1
IORING_SETUP_SQ_AFF: Final = 1 << 2
IORING_SETUP_CQSIZE: Final = 1 << 3
IORING_SETUP_CLAMP: Final = 1 << 4
IORING_SETUP_ATTACH_WQ: Final = 1 << 5
IORING_SETUP_R_DISABLED: Final = 1 << 6
IORING_SETUP_SUBMIT_ALL: Final = 1 << 7
IORING_SETUP_COOP_TASKRUN: Final = 1 << 8
IORING_SETUP_TASKRUN_FLAG: Final = 1 << 9
IORING_SETUP_SQE128: Final = 1 << 10
IORING_SETUP_CQE32: Final = 1 << 11
IORING_SETUP_SINGLE_ISSUER: Final = 1 << 12
IORING_SETUP_DEFER_TASKRUN: Final = 1 << 13
IORING_SETUP_NO_MMAP: Final = 1 << 14
IORING_SETUP_REGISTERED_FD_ONLY: Final = 1 << 15
IORING_SETUP_NO_SQARRAY: Final = 1 << 16
IORING_SETUP_HYBRID_IOPOLL: Final = 1 << 17
IORING_SETUP_CQE_MIXED: Final = 1 << 18
IORING_SETUP_SQE_MIXED: Final = 1 << 19  # Linux 6.19: the simulated kernel (6.18) refuses it
IORING_SETUP_SQ_REWIND: Final = 1 << 20  # Linux 7.0: the simulated kernel (6.18) refuses it

#: simuring's name (not in the header): the OR of every setup flag defined
#: above, i.e. what a kernel of this uapi level recognises.  The simulated
#: kernel models Linux 6.18 and accepts the flags of that version
#: (``simuring.kernel.setup.SETUP_FLAGS``: all of these but SQE_MIXED and
#: SQ_REWIND); io_uring_setup() fails with -EINVAL for any other bit.
IORING_SETUP_FLAGS_ALL: Final = (
    IORING_SETUP_IOPOLL
    | IORING_SETUP_SQPOLL
    | IORING_SETUP_SQ_AFF
    | IORING_SETUP_CQSIZE
    | IORING_SETUP_CLAMP
    | IORING_SETUP_ATTACH_WQ
    | IORING_SETUP_R_DISABLED
    | IORING_SETUP_SUBMIT_ALL
    | IORING_SETUP_COOP_TASKRUN
    | IORING_SETUP_TASKRUN_FLAG
    | IORING_SETUP_SQE128
    | IORING_SETUP_CQE32
    | IORING_SETUP_SINGLE_ISSUER
    | IORING_SETUP_DEFER_TASKRUN
    | IORING_SETUP_NO_MMAP
    | IORING_SETUP_REGISTERED_FD_ONLY
    | IORING_SETUP_NO_SQARRAY
    | IORING_SETUP_HYBRID_IOPOLL
    | IORING_SETUP_CQE_MIXED
    | IORING_SETUP_SQE_MIXED
    | IORING_SETUP_SQ_REWIND
)

#: Kernel limits, from io_uring/io_uring.c (not part of the uapi header).
IORING_MAX_ENTRIES: Final = 32768
IORING_MAX_CQ_ENTRIES: Final = 2 * IORING_MAX_ENTRIES

# =============================================================================
# Opcodes (enum io_uring_op)
# =============================================================================

IORING_OP_NOP: Final = 0
IORING_OP_READV: Final = 1
IORING_OP_WRITEV: Final = 2
IORING_OP_FSYNC: Final = 3
IORING_OP_READ_FIXED: Final = 4
IORING_OP_WRITE_FIXED: Final = 5
IORING_OP_POLL_ADD: Final = 6
IORING_OP_POLL_REMOVE: Final = 7
IORING_OP_SYNC_FILE_RANGE: Final = 8
IORING_OP_SENDMSG: Final = 9
IORING_OP_RECVMSG: Final = 10
IORING_OP_TIMEOUT: Final = 11
IORING_OP_TIMEOUT_REMOVE: Final = 12
IORING_OP_ACCEPT: Final = 13
IORING_OP_ASYNC_CANCEL: Final = 14
IORING_OP_LINK_TIMEOUT: Final = 15
IORING_OP_CONNECT: Final = 16
IORING_OP_FALLOCATE: Final = 17
IORING_OP_OPENAT: Final = 18
IORING_OP_CLOSE: Final = 19
IORING_OP_FILES_UPDATE: Final = 20
IORING_OP_STATX: Final = 21
IORING_OP_READ: Final = 22
IORING_OP_WRITE: Final = 23
IORING_OP_FADVISE: Final = 24
IORING_OP_MADVISE: Final = 25
IORING_OP_SEND: Final = 26
IORING_OP_RECV: Final = 27
IORING_OP_OPENAT2: Final = 28
IORING_OP_EPOLL_CTL: Final = 29
IORING_OP_SPLICE: Final = 30
IORING_OP_PROVIDE_BUFFERS: Final = 31
IORING_OP_REMOVE_BUFFERS: Final = 32
IORING_OP_TEE: Final = 33
IORING_OP_SHUTDOWN: Final = 34
IORING_OP_RENAMEAT: Final = 35
IORING_OP_UNLINKAT: Final = 36
IORING_OP_MKDIRAT: Final = 37
IORING_OP_SYMLINKAT: Final = 38
IORING_OP_LINKAT: Final = 39
IORING_OP_MSG_RING: Final = 40
IORING_OP_FSETXATTR: Final = 41
IORING_OP_SETXATTR: Final = 42
IORING_OP_FGETXATTR: Final = 43
IORING_OP_GETXATTR: Final = 44
IORING_OP_SOCKET: Final = 45
IORING_OP_URING_CMD: Final = 46
IORING_OP_SEND_ZC: Final = 47
IORING_OP_SENDMSG_ZC: Final = 48
IORING_OP_READ_MULTISHOT: Final = 49
IORING_OP_WAITID: Final = 50
IORING_OP_FUTEX_WAIT: Final = 51
IORING_OP_FUTEX_WAKE: Final = 52
IORING_OP_FUTEX_WAITV: Final = 53
IORING_OP_FIXED_FD_INSTALL: Final = 54
IORING_OP_FTRUNCATE: Final = 55
IORING_OP_BIND: Final = 56
IORING_OP_LISTEN: Final = 57
IORING_OP_RECV_ZC: Final = 58
IORING_OP_EPOLL_WAIT: Final = 59
IORING_OP_READV_FIXED: Final = 60
IORING_OP_WRITEV_FIXED: Final = 61
IORING_OP_PIPE: Final = 62
IORING_OP_NOP128: Final = 63
IORING_OP_URING_CMD128: Final = 64
# The IPC channel proposal appends its two opcodes after URING_CMD128.
IORING_OP_IPC_SEND: Final = 65
IORING_OP_IPC_RECV: Final = 66
IORING_OP_LAST: Final = 67

#: simuring's table (not in the header): opcode number -> name without the
#: ``IORING_OP_`` prefix, e.g. ``65 -> "IPC_SEND"``.  IORING_OP_LAST is not an
#: opcode and is left out.
OPCODE_NAMES: dict[int, str] = dict(
    sorted(
        (_v, _k[len("IORING_OP_") :])
        for _k, _v in list(globals().items())
        if _k.startswith("IORING_OP_") and _k != "IORING_OP_LAST"
    )
)


def opcode_name(op: int) -> str:
    """Short name of an opcode (``"READ"``), or ``"OP_<n>"`` if it is unknown."""
    name = OPCODE_NAMES.get(op)
    return name if name is not None else f"OP_{op}"


# =============================================================================
# Per-opcode flags
# =============================================================================

# sqe->uring_cmd_flags
IORING_URING_CMD_FIXED: Final = 1 << 0
IORING_URING_CMD_MULTISHOT: Final = 1 << 1
IORING_URING_CMD_MASK: Final = IORING_URING_CMD_FIXED | IORING_URING_CMD_MULTISHOT

# sqe->cmd_op of a URING_CMD on a socket (io_uring_cmd_sock)
SOCKET_URING_OP_SIOCINQ: Final = 0
SOCKET_URING_OP_SIOCOUTQ: Final = 1
SOCKET_URING_OP_GETSOCKOPT: Final = 2
SOCKET_URING_OP_SETSOCKOPT: Final = 3
SOCKET_URING_OP_TX_TIMESTAMP: Final = 4

# sqe->fsync_flags
IORING_FSYNC_DATASYNC: Final = 1 << 0

# sqe->timeout_flags
IORING_TIMEOUT_ABS: Final = 1 << 0
IORING_TIMEOUT_UPDATE: Final = 1 << 1
IORING_TIMEOUT_BOOTTIME: Final = 1 << 2
IORING_TIMEOUT_REALTIME: Final = 1 << 3
IORING_LINK_TIMEOUT_UPDATE: Final = 1 << 4
IORING_TIMEOUT_ETIME_SUCCESS: Final = 1 << 5
IORING_TIMEOUT_MULTISHOT: Final = 1 << 6
IORING_TIMEOUT_IMMEDIATE_ARG: Final = 1 << 7  # Linux 7.0
IORING_TIMEOUT_CLOCK_MASK: Final = IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME
IORING_TIMEOUT_UPDATE_MASK: Final = IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE

# sqe->splice_flags: top bit of the 32-bit word, on top of splice(2)'s flags
SPLICE_F_FD_IN_FIXED: Final = 1 << 31

# POLL_ADD / POLL_REMOVE command flags (carried in sqe->len)
IORING_POLL_ADD_MULTI: Final = 1 << 0
IORING_POLL_UPDATE_EVENTS: Final = 1 << 1
IORING_POLL_UPDATE_USER_DATA: Final = 1 << 2
IORING_POLL_ADD_LEVEL: Final = 1 << 3

# sqe->cancel_flags (ASYNC_CANCEL and IORING_REGISTER_SYNC_CANCEL)
IORING_ASYNC_CANCEL_ALL: Final = 1 << 0
IORING_ASYNC_CANCEL_FD: Final = 1 << 1
IORING_ASYNC_CANCEL_ANY: Final = 1 << 2
IORING_ASYNC_CANCEL_FD_FIXED: Final = 1 << 3
IORING_ASYNC_CANCEL_USERDATA: Final = 1 << 4
IORING_ASYNC_CANCEL_OP: Final = 1 << 5

# send/recv family flags (carried in sqe->ioprio)
IORING_RECVSEND_POLL_FIRST: Final = 1 << 0
IORING_RECV_MULTISHOT: Final = 1 << 1
IORING_RECVSEND_FIXED_BUF: Final = 1 << 2
IORING_SEND_ZC_REPORT_USAGE: Final = 1 << 3
IORING_RECVSEND_BUNDLE: Final = 1 << 4
IORING_SEND_VECTORIZED: Final = 1 << 5

# cqe->res flag of a zero-copy notification when the data had to be copied
IORING_NOTIF_USAGE_ZC_COPIED: Final = 1 << 31

# accept flags (carried in sqe->ioprio)
IORING_ACCEPT_MULTISHOT: Final = 1 << 0
IORING_ACCEPT_DONTWAIT: Final = 1 << 1
IORING_ACCEPT_POLL_FIRST: Final = 1 << 2

# MSG_RING command types (enum io_uring_msg_ring_flags, carried in sqe->addr)
IORING_MSG_DATA: Final = 0
IORING_MSG_SEND_FD: Final = 1

# sqe->msg_ring_flags
IORING_MSG_RING_CQE_SKIP: Final = 1 << 0
IORING_MSG_RING_FLAGS_PASS: Final = 1 << 1

# sqe->install_fd_flags
IORING_FIXED_FD_NO_CLOEXEC: Final = 1 << 0

# sqe->nop_flags
IORING_NOP_INJECT_RESULT: Final = 1 << 0
IORING_NOP_FILE: Final = 1 << 1
IORING_NOP_FIXED_FILE: Final = 1 << 2
IORING_NOP_FIXED_BUFFER: Final = 1 << 3
IORING_NOP_TW: Final = 1 << 4
IORING_NOP_CQE32: Final = 1 << 5

# =============================================================================
# struct io_uring_cqe ->flags
# =============================================================================

IORING_CQE_F_BUFFER: Final = 1 << 0
IORING_CQE_F_MORE: Final = 1 << 1
IORING_CQE_F_SOCK_NONEMPTY: Final = 1 << 2
IORING_CQE_F_SOCK_FULL: Final = IORING_CQE_F_SOCK_NONEMPTY  # same bit, used by sends
IORING_CQE_F_NOTIF: Final = 1 << 3
IORING_CQE_F_BUF_MORE: Final = 1 << 4
IORING_CQE_F_SKIP: Final = 1 << 5
IORING_CQE_F_32: Final = 1 << 15

IORING_CQE_BUFFER_SHIFT: Final = 16

# Transmit timestamps reported through cqe->flags (SOCKET_URING_OP_TX_TIMESTAMP)
IORING_TIMESTAMP_HW_SHIFT: Final = 16
IORING_TIMESTAMP_TYPE_SHIFT: Final = IORING_TIMESTAMP_HW_SHIFT + 1
IORING_CQE_F_TSTAMP_HW: Final = 1 << IORING_TIMESTAMP_HW_SHIFT

# =============================================================================
# mmap(2) offsets of the rings
# =============================================================================

IORING_OFF_SQ_RING: Final = 0
IORING_OFF_CQ_RING: Final = 0x8000000
IORING_OFF_SQES: Final = 0x10000000
IORING_OFF_PBUF_RING: Final = 0x80000000
IORING_OFF_PBUF_SHIFT: Final = 16
IORING_OFF_MMAP_MASK: Final = 0xF8000000

# =============================================================================
# Ring flags
# =============================================================================

# sq_ring->flags
IORING_SQ_NEED_WAKEUP: Final = 1 << 0
IORING_SQ_CQ_OVERFLOW: Final = 1 << 1
IORING_SQ_TASKRUN: Final = 1 << 2

# cq_ring->flags
IORING_CQ_EVENTFD_DISABLED: Final = 1 << 0

# =============================================================================
# io_uring_enter(2) flags
# =============================================================================

IORING_ENTER_GETEVENTS: Final = 1 << 0
IORING_ENTER_SQ_WAKEUP: Final = 1 << 1
IORING_ENTER_SQ_WAIT: Final = 1 << 2
IORING_ENTER_EXT_ARG: Final = 1 << 3
IORING_ENTER_REGISTERED_RING: Final = 1 << 4
IORING_ENTER_ABS_TIMER: Final = 1 << 5
IORING_ENTER_EXT_ARG_REG: Final = 1 << 6
IORING_ENTER_NO_IOWAIT: Final = 1 << 7

# =============================================================================
# io_uring_params->features
# =============================================================================

IORING_FEAT_SINGLE_MMAP: Final = 1 << 0
IORING_FEAT_NODROP: Final = 1 << 1
IORING_FEAT_SUBMIT_STABLE: Final = 1 << 2
IORING_FEAT_RW_CUR_POS: Final = 1 << 3
IORING_FEAT_CUR_PERSONALITY: Final = 1 << 4
IORING_FEAT_FAST_POLL: Final = 1 << 5
IORING_FEAT_POLL_32BITS: Final = 1 << 6
IORING_FEAT_SQPOLL_NONFIXED: Final = 1 << 7
IORING_FEAT_EXT_ARG: Final = 1 << 8
IORING_FEAT_NATIVE_WORKERS: Final = 1 << 9
IORING_FEAT_RSRC_TAGS: Final = 1 << 10
IORING_FEAT_CQE_SKIP: Final = 1 << 11
IORING_FEAT_LINKED_FILE: Final = 1 << 12
IORING_FEAT_REG_REG_RING: Final = 1 << 13
IORING_FEAT_RECVSEND_BUNDLE: Final = 1 << 14
IORING_FEAT_MIN_TIMEOUT: Final = 1 << 15
IORING_FEAT_RW_ATTR: Final = 1 << 16
IORING_FEAT_NO_IOWAIT: Final = 1 << 17

# =============================================================================
# io_uring_register(2) opcodes (enum io_uring_register_op)
# =============================================================================

IORING_REGISTER_BUFFERS: Final = 0
IORING_UNREGISTER_BUFFERS: Final = 1
IORING_REGISTER_FILES: Final = 2
IORING_UNREGISTER_FILES: Final = 3
IORING_REGISTER_EVENTFD: Final = 4
IORING_UNREGISTER_EVENTFD: Final = 5
IORING_REGISTER_FILES_UPDATE: Final = 6
IORING_REGISTER_EVENTFD_ASYNC: Final = 7
IORING_REGISTER_PROBE: Final = 8
IORING_REGISTER_PERSONALITY: Final = 9
IORING_UNREGISTER_PERSONALITY: Final = 10
IORING_REGISTER_RESTRICTIONS: Final = 11
IORING_REGISTER_ENABLE_RINGS: Final = 12
IORING_REGISTER_FILES2: Final = 13
IORING_REGISTER_FILES_UPDATE2: Final = 14
IORING_REGISTER_BUFFERS2: Final = 15
IORING_REGISTER_BUFFERS_UPDATE: Final = 16
IORING_REGISTER_IOWQ_AFF: Final = 17
IORING_UNREGISTER_IOWQ_AFF: Final = 18
IORING_REGISTER_IOWQ_MAX_WORKERS: Final = 19
IORING_REGISTER_RING_FDS: Final = 20
IORING_UNREGISTER_RING_FDS: Final = 21
IORING_REGISTER_PBUF_RING: Final = 22
IORING_UNREGISTER_PBUF_RING: Final = 23
IORING_REGISTER_SYNC_CANCEL: Final = 24
IORING_REGISTER_FILE_ALLOC_RANGE: Final = 25
IORING_REGISTER_PBUF_STATUS: Final = 26
IORING_REGISTER_NAPI: Final = 27
IORING_UNREGISTER_NAPI: Final = 28
IORING_REGISTER_CLOCK: Final = 29
IORING_REGISTER_CLONE_BUFFERS: Final = 30
IORING_REGISTER_SEND_MSG_RING: Final = 31
IORING_REGISTER_ZCRX_IFQ: Final = 32
IORING_REGISTER_RESIZE_RINGS: Final = 33
IORING_REGISTER_MEM_REGION: Final = 34
IORING_REGISTER_QUERY: Final = 35
IORING_REGISTER_ZCRX_CTRL: Final = 36  # Linux 7.0
IORING_REGISTER_BPF_FILTER: Final = 37  # Linux 7.0
# The IPC channel proposal appends four commands after BPF_FILTER.
IORING_REGISTER_IPC_CHANNEL_CREATE: Final = 38
IORING_REGISTER_IPC_CHANNEL_ATTACH: Final = 39
IORING_REGISTER_IPC_CHANNEL_DETACH: Final = 40
IORING_REGISTER_IPC_CHANNEL_DESTROY: Final = 41
IORING_REGISTER_LAST: Final = 42

#: OR-ed into the register opcode: the fd argument is a registered ring index.
IORING_REGISTER_USE_REGISTERED_RING: Final = 1 << 31

# io-wq worker categories (enum io_wq_type), for IORING_REGISTER_IOWQ_MAX_WORKERS
IO_WQ_BOUND: Final = 0
IO_WQ_UNBOUND: Final = 1

# IORING_REGISTER_FILES_UPDATE: leave the slot that holds this value unchanged
IORING_REGISTER_FILES_SKIP: Final = -2

# struct io_uring_probe_op ->flags
IO_URING_OP_SUPPORTED: Final = 1 << 0

# struct io_uring_rsrc_register ->flags
IORING_RSRC_REGISTER_SPARSE: Final = 1 << 0

# struct io_uring_restriction ->opcode
IORING_RESTRICTION_REGISTER_OP: Final = 0
IORING_RESTRICTION_SQE_OP: Final = 1
IORING_RESTRICTION_SQE_FLAGS_ALLOWED: Final = 2
IORING_RESTRICTION_SQE_FLAGS_REQUIRED: Final = 3
IORING_RESTRICTION_LAST: Final = 4

# struct io_uring_clone_buffers ->flags
IORING_REGISTER_SRC_REGISTERED: Final = 1 << 0
IORING_REGISTER_DST_REPLACE: Final = 1 << 1

# struct io_uring_buf_reg ->flags (IORING_REGISTER_PBUF_RING)
IOU_PBUF_RING_MMAP: Final = 1
IOU_PBUF_RING_INC: Final = 2

# memory regions (IORING_REGISTER_MEM_REGION)
IORING_MEM_REGION_TYPE_USER: Final = 1
IORING_MEM_REGION_REG_WAIT_ARG: Final = 1

# struct io_uring_reg_wait ->flags
IORING_REG_WAIT_TS: Final = 1 << 0

# =============================================================================
# Structures
# =============================================================================

_U16 = 0xFFFF
_U32 = 0xFFFFFFFF

if TYPE_CHECKING:

    class _IntAlias:
        """Typing view of a union member that is another name for a field."""

        def __get__(self, instance: object, owner: type | None = None) -> int: ...
        def __set__(self, instance: object, value: int) -> None: ...

    def _alias(target: str) -> _IntAlias: ...

else:

    def _alias(target):
        """A property reading and writing the field ``target`` under another name."""
        getter = attrgetter(target)

        def setter(self, value):
            setattr(self, target, value)

        return property(getter, setter, doc=f"Union alias of ``{target}``.")


@define(eq=False)
class Sqe:
    """struct io_uring_sqe: one submission queue entry.

    The fields are the C members.  ``op_flags`` stands for the anonymous
    32-bit union after ``len``; its C names (``rw_flags``, ``timeout_flags``,
    ``msg_ring_flags``, ...) are properties that read and write it, and the
    other unions are exposed the same way (``addr2`` is ``off``, ``buf_group``
    is ``buf_index``, ``splice_fd_in``/``optlen``/``addr_len`` live in
    ``file_index``).  ``addr`` holds whatever the C pointer would point to: a
    ``bytearray``/``memoryview``, a :class:`Timespec`, or a plain int; so does
    ``off`` where it is a pointer (``addr2``: TIMEOUT_REMOVE's update Timespec).

    An Sqe stands for a slot of the SQ array, so it compares (and hashes) by
    identity, as C code compares SQE pointers.
    """

    opcode: int = 0
    flags: int = 0
    ioprio: int = 0
    fd: int = 0
    off: Any = 0
    addr: Any = 0
    len: int = 0
    op_flags: int = 0
    user_data: int = 0
    buf_index: int = 0
    personality: int = 0
    file_index: int = 0
    addr3: int = 0

    def clear(self) -> None:
        """Reset every field to zero, like the memset liburing's prep helpers do."""
        self.opcode = 0
        self.flags = 0
        self.ioprio = 0
        self.fd = 0
        self.off = 0
        self.addr = 0
        self.len = 0
        self.op_flags = 0
        self.user_data = 0
        self.buf_index = 0
        self.personality = 0
        self.file_index = 0
        self.addr3 = 0

    # --- union with off ---------------------------------------------------
    addr2 = _alias("off")

    @property
    def cmd_op(self) -> int:
        """Low 32 bits of ``off`` (the uring_cmd sub-command)."""
        return self.off & _U32

    @cmd_op.setter
    def cmd_op(self, value: int) -> None:
        self.off = (self.off & ~_U32) | (value & _U32)

    # --- union with addr --------------------------------------------------
    splice_off_in = _alias("addr")

    # --- the 32-bit op flags union ----------------------------------------
    rw_flags = _alias("op_flags")
    fsync_flags = _alias("op_flags")
    poll32_events = _alias("op_flags")
    sync_range_flags = _alias("op_flags")
    msg_flags = _alias("op_flags")
    timeout_flags = _alias("op_flags")
    accept_flags = _alias("op_flags")
    cancel_flags = _alias("op_flags")
    open_flags = _alias("op_flags")
    statx_flags = _alias("op_flags")
    fadvise_advice = _alias("op_flags")
    splice_flags = _alias("op_flags")
    rename_flags = _alias("op_flags")
    unlink_flags = _alias("op_flags")
    hardlink_flags = _alias("op_flags")
    xattr_flags = _alias("op_flags")
    msg_ring_flags = _alias("op_flags")
    uring_cmd_flags = _alias("op_flags")
    waitid_flags = _alias("op_flags")
    futex_flags = _alias("op_flags")
    install_fd_flags = _alias("op_flags")
    nop_flags = _alias("op_flags")
    pipe_flags = _alias("op_flags")

    @property
    def poll_events(self) -> int:
        """The 16-bit view of ``op_flags`` (little-endian low half)."""
        return self.op_flags & _U16

    @poll_events.setter
    def poll_events(self, value: int) -> None:
        self.op_flags = (self.op_flags & ~_U16) | (value & _U16)

    # --- union with buf_index ---------------------------------------------
    buf_group = _alias("buf_index")

    # --- union with file_index --------------------------------------------
    optlen = _alias("file_index")
    zcrx_ifq_idx = _alias("file_index")

    @property
    def splice_fd_in(self) -> int:
        """``file_index`` read as the signed 32-bit ``splice_fd_in``."""
        v = self.file_index & _U32
        return v - (1 << 32) if v & 0x80000000 else v

    @splice_fd_in.setter
    def splice_fd_in(self, value: int) -> None:
        self.file_index = value & _U32

    @property
    def addr_len(self) -> int:
        """Low 16 bits of ``file_index`` (socket address length for bind/connect)."""
        return self.file_index & _U16

    @addr_len.setter
    def addr_len(self, value: int) -> None:
        self.file_index = (self.file_index & ~_U16) | (value & _U16)

    # --- union with addr3 -------------------------------------------------
    optval = _alias("addr3")


@define(repr=False, eq=False)
class IoUringCqe:
    """struct io_uring_cqe: one completion (``res`` is a count or ``-errno``).

    Like :class:`Sqe` it stands for a ring slot and compares by identity.
    """

    user_data: int = 0
    res: int = 0
    flags: int = 0
    extra1: int = 0
    """``big_cqe[0]``: the first extra word of a 32-byte CQE (a ring set up with
    IORING_SETUP_CQE32, or one with IORING_CQE_F_32 on an IORING_SETUP_CQE_MIXED
    ring); 0 in a 16-byte one."""
    extra2: int = 0
    """``big_cqe[1]``: the second extra word of a 32-byte CQE."""

    @property
    def big_cqe(self) -> tuple[int, int]:
        """``cqe->big_cqe[0..1]``: the extra words of a 32-byte CQE."""
        return (self.extra1, self.extra2)

    def __repr__(self) -> str:
        return f"IoUringCqe(user_data={self.user_data}, res={errname(self.res)}, flags={self.flags:#x})"


class Cqe(list):  # type: ignore[type-arg]
    """The out-container of completion pointers (``struct io_uring_cqe **``).

    liburing's ``io_uring_wait_cqe(ring, &cqe)`` fills a pointer; in Python
    the call fills ``cqe[0]`` with the CQ ring slot (an :class:`IoUringCqe`),
    as the PyPI ``liburing`` binding does.  ``io_uring_peek_batch_cqe``-style
    calls fill ``cqe[0..n-1]``.  Like a C pointer into the ring, the slot is
    only valid until ``io_uring_cqe_seen`` lets the kernel reuse it.
    """

    def __init__(self, n: int = 1) -> None:
        super().__init__([None] * max(1, n))

    def __repr__(self) -> str:
        return f"Cqe({list.__repr__(self)})"


@define
class SqringOffsets:
    """struct io_sqring_offsets: where the SQ ring's fields sit in its mapping."""

    head: int = 0
    tail: int = 0
    ring_mask: int = 0
    ring_entries: int = 0
    flags: int = 0
    dropped: int = 0
    array: int = 0
    resv1: int = 0
    user_addr: int = 0


@define
class CqringOffsets:
    """struct io_cqring_offsets: where the CQ ring's fields sit in its mapping."""

    head: int = 0
    tail: int = 0
    ring_mask: int = 0
    ring_entries: int = 0
    overflow: int = 0
    cqes: int = 0
    flags: int = 0
    resv1: int = 0
    user_addr: int = 0


def reserved_zeros() -> list[int]:
    return [0, 0, 0]


@define
class Params:
    """struct io_uring_params: setup request in, ring geometry and features out."""

    sq_entries: int = 0
    cq_entries: int = 0
    flags: int = 0
    sq_thread_cpu: int = 0
    sq_thread_idle: int = 0
    features: int = 0
    wq_fd: int = 0
    resv: list[int] = field(factory=reserved_zeros)
    sq_off: SqringOffsets = field(factory=SqringOffsets)
    cq_off: CqringOffsets = field(factory=CqringOffsets)


def _c_int(instance: Any, attribute: Any, value: Any) -> None:
    """attrs validator: a field that C types as an integer."""
    if not isinstance(value, int):
        raise TypeError(f"{type(instance).__name__}.{attribute.name} must be an int, got {type(value).__name__} {value!r}")


@define
class Timespec:
    """struct __kernel_timespec: seconds and nanoseconds (both C integers).

    A non-int field (``Timespec(0, 1e6)``) is a misuse of the Python API and
    raises TypeError here, not a puzzling -EFAULT later.  Out-of-range values
    of the right type go to the kernel, which answers -EINVAL.
    """

    tv_sec: int = field(default=0, validator=_c_int)
    tv_nsec: int = field(default=0, validator=_c_int)

    def to_ns(self) -> int:
        """The duration (or instant) in nanoseconds."""
        return self.tv_sec * 1_000_000_000 + self.tv_nsec


@define
class GeteventsArg:
    """struct io_uring_getevents_arg, passed to io_uring_enter with EXT_ARG.

    ``ts`` is the timeout itself (the C field is a pointer), or None for none.
    """

    sigmask: int = 0
    sigmask_sz: int = 0
    min_wait_usec: int = 0
    ts: Timespec | None = None


@define
class ProbeOp:
    """struct io_uring_probe_op: one opcode's entry of IORING_REGISTER_PROBE's answer."""

    op: int = 0
    resv: int = 0
    flags: int = 0  # IO_URING_OP_SUPPORTED
    resv2: int = 0


def _probe_ops() -> list[ProbeOp]:
    return [ProbeOp() for _ in range(PROBE_MAX_OPS)]


@define
class Probe:
    """struct io_uring_probe for IORING_REGISTER_PROBE: zeroed on the way in,
    filled by the kernel (``last_op``, ``ops_len`` and one :class:`ProbeOp` per
    opcode asked for).  ``ops`` is the flexible array; it has
    :data:`PROBE_MAX_OPS` entries by default (what liburing allocates)."""

    last_op: int = 0
    ops_len: int = 0
    resv: int = 0
    resv2: list[int] = field(factory=reserved_zeros)
    ops: list[ProbeOp] = field(factory=_probe_ops)


#: liburing's probe size (``io_uring_get_probe_ring``): 256 ops, also the most
#: IORING_REGISTER_PROBE accepts (``nr_args``).
PROBE_MAX_OPS: Final = 256


@define
class RsrcUpdate:
    """struct io_uring_rsrc_update: for IORING_REGISTER_FILES_UPDATE ``data`` is the
    array of fds the C field points to (None: NULL); for IORING_REGISTER_RING_FDS
    it is a ring fd (an int), and the kernel writes the slot into ``offset``."""

    offset: int = 0
    resv: int = 0
    data: list[int] | int | None = None


@define
class Iovec:
    """struct iovec with its two fields given apart, for what a plain buffer cannot
    say: ``base`` a user buffer, an address (an int) or None (NULL), ``len`` any
    byte count.  Where an iovec array is read (IORING_REGISTER_BUFFERS), a plain
    buffer stands for ``{buf, len(buf)}`` and None for ``{NULL, 0}``."""

    base: Any = None
    len: int = 0


@define
class RsrcUpdate2:
    """struct io_uring_rsrc_update2 (IORING_REGISTER_FILES_UPDATE2 and
    IORING_REGISTER_BUFFERS_UPDATE): ``data`` the fds or the iovecs (buffers,
    :class:`Iovec` or None), ``tags`` the u64 tags (None: NULL), ``nr`` how many."""

    offset: int = 0
    resv: int = 0
    data: list[Any] | None = None
    tags: list[int] | None = None
    nr: int = 0
    resv2: int = 0


@define
class RsrcRegister:
    """struct io_uring_rsrc_register (IORING_REGISTER_FILES2 and
    IORING_REGISTER_BUFFERS2): ``nr`` slots, ``flags``
    (IORING_RSRC_REGISTER_SPARSE), ``data`` the fds or the iovecs (buffers,
    :class:`Iovec` or None) and ``tags`` the u64 tags (None: NULL)."""

    nr: int = 0
    flags: int = 0
    resv2: int = 0
    data: list[Any] | None = None
    tags: list[int] | None = None


@define
class FileIndexRange:
    """struct io_uring_file_index_range (IORING_REGISTER_FILE_ALLOC_RANGE)."""

    off: int = 0
    len: int = 0
    resv: int = 0


@define
class Restriction:
    """struct io_uring_restriction (IORING_REGISTER_RESTRICTIONS, an array of them):
    ``opcode`` is an IORING_RESTRICTION_* kind; ``arg`` the u8 union that is
    ``register_op``, ``sqe_op`` or ``sqe_flags`` by kind (also readable and
    writable under those names); ``resv`` and ``resv2`` (three u32) reserved."""

    opcode: int = 0
    arg: int = 0
    resv: int = 0
    resv2: list[int] = field(factory=lambda: [0, 0, 0])

    register_op = _alias("arg")
    sqe_op = _alias("arg")
    sqe_flags = _alias("arg")


@define
class SyncCancelReg:
    """struct io_uring_sync_cancel_reg (IORING_REGISTER_SYNC_CANCEL): what to cancel, as
    ASYNC_CANCEL's SQE says it (``addr`` the user_data, ``fd``, ``flags`` the
    IORING_ASYNC_CANCEL_* bits, ``opcode``), and how long to wait for requests that
    are running: ``timeout`` (a :class:`Timespec`; -1 and -1, the default, for no
    limit); ``pad`` (7 bytes) and ``pad2`` (3 u64) reserved."""

    addr: int = 0
    fd: int = 0
    flags: int = 0
    timeout: Timespec = field(factory=lambda: Timespec(-1, -1))
    opcode: int = 0
    pad: list[int] = field(factory=lambda: [0] * 7)
    pad2: list[int] = field(factory=lambda: [0, 0, 0])


@define
class ClockRegister:
    """struct io_uring_clock_register (IORING_REGISTER_CLOCK): ``clockid`` the clock of the
    ring's wait timeouts (CLOCK_MONOTONIC or CLOCK_BOOTTIME); ``resv`` three reserved u32."""

    clockid: int = 0
    resv: list[int] = field(factory=lambda: [0, 0, 0])


@define
class CloneBuffers:
    """struct io_uring_clone_buffers (IORING_REGISTER_CLONE_BUFFERS, ``nr_args`` 1):
    copy ``nr`` registered buffers of the ring ``src_fd`` (a registered-ring index
    with IORING_REGISTER_SRC_REGISTERED in ``flags``) from its slot ``src_off``
    into this ring's table at ``dst_off`` (``nr`` 0: the whole source table);
    IORING_REGISTER_DST_REPLACE replaces the table this ring has.  ``pad`` three
    u32 that must be zero."""

    src_fd: int = 0
    flags: int = 0
    src_off: int = 0
    dst_off: int = 0
    nr: int = 0
    pad: list[int] = field(factory=lambda: [0, 0, 0])


#: ``sizeof(struct io_uring_rsrc_register)`` and ``sizeof(struct io_uring_rsrc_update2)``:
#: the ``nr_args`` IORING_REGISTER_FILES2 and IORING_REGISTER_FILES_UPDATE2 require.
RSRC_REGISTER_SIZE: Final = 32
RSRC_UPDATE2_SIZE: Final = 32


@define
class BufReg:
    """struct io_uring_buf_reg (IORING_REGISTER_PBUF_RING / IORING_UNREGISTER_PBUF_RING):
    ``ring_addr`` the ring's memory (a :class:`BufRing`, an int address, or None:
    NULL), ``ring_entries`` its size, ``bgid`` the buffer group, ``flags``
    (IOU_PBUF_RING_MMAP, IOU_PBUF_RING_INC), ``resv`` three reserved u64s."""

    ring_addr: Any = None
    ring_entries: int = 0
    bgid: int = 0
    flags: int = 0
    resv: list[int] = field(factory=lambda: [0, 0, 0])


@define
class BufStatus:
    """struct io_uring_buf_status (IORING_REGISTER_PBUF_STATUS): the kernel writes
    the group's ``head`` back; ``resv`` eight reserved u32s."""

    buf_group: int = 0
    head: int = 0
    resv: list[int] = field(factory=lambda: [0] * 8)


@define
class IoUringBuf:
    """struct io_uring_buf: one entry of a provided-buffer ring.  ``addr`` is the
    buffer (a Python buffer object, or an int address), ``len`` its size, ``bid``
    the id the CQE reports; ``resv`` of entry 0 is the ring's tail."""

    addr: Any = None
    len: int = 0
    bid: int = 0
    resv: int = 0


#: ``sizeof(struct io_uring_buf)``.
IO_URING_BUF_SIZE: Final = 16


class BufRing:
    """struct io_uring_buf_ring in user memory: ``nentries`` :class:`IoUringBuf`
    entries, the tail being the ``resv`` word of entry 0 (a u16 the application
    stores with release semantics, ``io_uring_buf_ring_advance``).  ``nbytes``
    is the size of the mapping holding it (whole pages), which bounds the
    ``ring_entries`` the kernel can map from it."""

    __slots__ = ("bufs", "nbytes")

    def __init__(self, nentries: int, nbytes: int | None = None) -> None:
        self.bufs = [IoUringBuf() for _ in range(max(1, nentries))]
        self.nbytes = len(self.bufs) * IO_URING_BUF_SIZE if nbytes is None else nbytes

    @property
    def tail(self) -> int:
        resv = self.bufs[0].resv
        return resv & 0xFFFF if isinstance(resv, int) else 0

    @tail.setter
    def tail(self, value: int) -> None:
        self.bufs[0].resv = value & 0xFFFF

    def __repr__(self) -> str:
        return f"BufRing(entries={len(self.bufs)}, tail={self.tail})"


#: simuring's name (not in the header): ``sizeof(struct io_uring_getevents_arg)``,
#: the ``argsz`` io_uring_enter(2) requires with IORING_ENTER_EXT_ARG (four u64s).
GETEVENTS_ARG_SIZE: Final = 24


# Literal list (not computed) so that static checkers can read it.
__all__ = [
    "IOSQE_FIXED_FILE_BIT",
    "IOSQE_IO_DRAIN_BIT",
    "IOSQE_IO_LINK_BIT",
    "IOSQE_IO_HARDLINK_BIT",
    "IOSQE_ASYNC_BIT",
    "IOSQE_BUFFER_SELECT_BIT",
    "IOSQE_CQE_SKIP_SUCCESS_BIT",
    "IOSQE_FIXED_FILE",
    "IOSQE_IO_DRAIN",
    "IOSQE_IO_LINK",
    "IOSQE_IO_HARDLINK",
    "IOSQE_ASYNC",
    "IOSQE_BUFFER_SELECT",
    "IOSQE_CQE_SKIP_SUCCESS",
    "IOSQE_FLAGS_ALL",
    "IORING_FILE_INDEX_ALLOC",
    "IORING_RW_ATTR_FLAG_PI",
    "IORING_SETUP_IOPOLL",
    "IORING_SETUP_SQPOLL",
    "IORING_SETUP_SQ_AFF",
    "IORING_SETUP_CQSIZE",
    "IORING_SETUP_CLAMP",
    "IORING_SETUP_ATTACH_WQ",
    "IORING_SETUP_R_DISABLED",
    "IORING_SETUP_SUBMIT_ALL",
    "IORING_SETUP_COOP_TASKRUN",
    "IORING_SETUP_TASKRUN_FLAG",
    "IORING_SETUP_SQE128",
    "IORING_SETUP_CQE32",
    "IORING_SETUP_SINGLE_ISSUER",
    "IORING_SETUP_DEFER_TASKRUN",
    "IORING_SETUP_NO_MMAP",
    "IORING_SETUP_REGISTERED_FD_ONLY",
    "IORING_SETUP_NO_SQARRAY",
    "IORING_SETUP_HYBRID_IOPOLL",
    "IORING_SETUP_CQE_MIXED",
    "IORING_SETUP_SQE_MIXED",
    "IORING_SETUP_SQ_REWIND",
    "IORING_SETUP_FLAGS_ALL",
    "IORING_MAX_ENTRIES",
    "IORING_MAX_CQ_ENTRIES",
    "IORING_OP_NOP",
    "IORING_OP_READV",
    "IORING_OP_WRITEV",
    "IORING_OP_FSYNC",
    "IORING_OP_READ_FIXED",
    "IORING_OP_WRITE_FIXED",
    "IORING_OP_POLL_ADD",
    "IORING_OP_POLL_REMOVE",
    "IORING_OP_SYNC_FILE_RANGE",
    "IORING_OP_SENDMSG",
    "IORING_OP_RECVMSG",
    "IORING_OP_TIMEOUT",
    "IORING_OP_TIMEOUT_REMOVE",
    "IORING_OP_ACCEPT",
    "IORING_OP_ASYNC_CANCEL",
    "IORING_OP_LINK_TIMEOUT",
    "IORING_OP_CONNECT",
    "IORING_OP_FALLOCATE",
    "IORING_OP_OPENAT",
    "IORING_OP_CLOSE",
    "IORING_OP_FILES_UPDATE",
    "IORING_OP_STATX",
    "IORING_OP_READ",
    "IORING_OP_WRITE",
    "IORING_OP_FADVISE",
    "IORING_OP_MADVISE",
    "IORING_OP_SEND",
    "IORING_OP_RECV",
    "IORING_OP_OPENAT2",
    "IORING_OP_EPOLL_CTL",
    "IORING_OP_SPLICE",
    "IORING_OP_PROVIDE_BUFFERS",
    "IORING_OP_REMOVE_BUFFERS",
    "IORING_OP_TEE",
    "IORING_OP_SHUTDOWN",
    "IORING_OP_RENAMEAT",
    "IORING_OP_UNLINKAT",
    "IORING_OP_MKDIRAT",
    "IORING_OP_SYMLINKAT",
    "IORING_OP_LINKAT",
    "IORING_OP_MSG_RING",
    "IORING_OP_FSETXATTR",
    "IORING_OP_SETXATTR",
    "IORING_OP_FGETXATTR",
    "IORING_OP_GETXATTR",
    "IORING_OP_SOCKET",
    "IORING_OP_URING_CMD",
    "IORING_OP_SEND_ZC",
    "IORING_OP_SENDMSG_ZC",
    "IORING_OP_READ_MULTISHOT",
    "IORING_OP_WAITID",
    "IORING_OP_FUTEX_WAIT",
    "IORING_OP_FUTEX_WAKE",
    "IORING_OP_FUTEX_WAITV",
    "IORING_OP_FIXED_FD_INSTALL",
    "IORING_OP_FTRUNCATE",
    "IORING_OP_BIND",
    "IORING_OP_LISTEN",
    "IORING_OP_RECV_ZC",
    "IORING_OP_EPOLL_WAIT",
    "IORING_OP_READV_FIXED",
    "IORING_OP_WRITEV_FIXED",
    "IORING_OP_PIPE",
    "IORING_OP_NOP128",
    "IORING_OP_URING_CMD128",
    "IORING_OP_IPC_SEND",
    "IORING_OP_IPC_RECV",
    "IORING_OP_LAST",
    "OPCODE_NAMES",
    "opcode_name",
    "IORING_URING_CMD_FIXED",
    "IORING_URING_CMD_MULTISHOT",
    "IORING_URING_CMD_MASK",
    "SOCKET_URING_OP_SIOCINQ",
    "SOCKET_URING_OP_SIOCOUTQ",
    "SOCKET_URING_OP_GETSOCKOPT",
    "SOCKET_URING_OP_SETSOCKOPT",
    "SOCKET_URING_OP_TX_TIMESTAMP",
    "IORING_FSYNC_DATASYNC",
    "IORING_TIMEOUT_ABS",
    "IORING_TIMEOUT_UPDATE",
    "IORING_TIMEOUT_BOOTTIME",
    "IORING_TIMEOUT_REALTIME",
    "IORING_LINK_TIMEOUT_UPDATE",
    "IORING_TIMEOUT_ETIME_SUCCESS",
    "IORING_TIMEOUT_MULTISHOT",
    "IORING_TIMEOUT_IMMEDIATE_ARG",
    "IORING_TIMEOUT_CLOCK_MASK",
    "IORING_TIMEOUT_UPDATE_MASK",
    "SPLICE_F_FD_IN_FIXED",
    "IORING_POLL_ADD_MULTI",
    "IORING_POLL_UPDATE_EVENTS",
    "IORING_POLL_UPDATE_USER_DATA",
    "IORING_POLL_ADD_LEVEL",
    "IORING_ASYNC_CANCEL_ALL",
    "IORING_ASYNC_CANCEL_FD",
    "IORING_ASYNC_CANCEL_ANY",
    "IORING_ASYNC_CANCEL_FD_FIXED",
    "IORING_ASYNC_CANCEL_USERDATA",
    "IORING_ASYNC_CANCEL_OP",
    "IORING_RECVSEND_POLL_FIRST",
    "IORING_RECV_MULTISHOT",
    "IORING_RECVSEND_FIXED_BUF",
    "IORING_SEND_ZC_REPORT_USAGE",
    "IORING_RECVSEND_BUNDLE",
    "IORING_SEND_VECTORIZED",
    "IORING_NOTIF_USAGE_ZC_COPIED",
    "IORING_ACCEPT_MULTISHOT",
    "IORING_ACCEPT_DONTWAIT",
    "IORING_ACCEPT_POLL_FIRST",
    "IORING_MSG_DATA",
    "IORING_MSG_SEND_FD",
    "IORING_MSG_RING_CQE_SKIP",
    "IORING_MSG_RING_FLAGS_PASS",
    "IORING_FIXED_FD_NO_CLOEXEC",
    "IORING_NOP_INJECT_RESULT",
    "IORING_NOP_FILE",
    "IORING_NOP_FIXED_FILE",
    "IORING_NOP_FIXED_BUFFER",
    "IORING_NOP_TW",
    "IORING_NOP_CQE32",
    "IORING_CQE_F_BUFFER",
    "IORING_CQE_F_MORE",
    "IORING_CQE_F_SOCK_NONEMPTY",
    "IORING_CQE_F_SOCK_FULL",
    "IORING_CQE_F_NOTIF",
    "IORING_CQE_F_BUF_MORE",
    "IORING_CQE_F_SKIP",
    "IORING_CQE_F_32",
    "IORING_CQE_BUFFER_SHIFT",
    "IORING_TIMESTAMP_HW_SHIFT",
    "IORING_TIMESTAMP_TYPE_SHIFT",
    "IORING_CQE_F_TSTAMP_HW",
    "IORING_OFF_SQ_RING",
    "IORING_OFF_CQ_RING",
    "IORING_OFF_SQES",
    "IORING_OFF_PBUF_RING",
    "IORING_OFF_PBUF_SHIFT",
    "IORING_OFF_MMAP_MASK",
    "IORING_SQ_NEED_WAKEUP",
    "IORING_SQ_CQ_OVERFLOW",
    "IORING_SQ_TASKRUN",
    "IORING_CQ_EVENTFD_DISABLED",
    "IORING_ENTER_GETEVENTS",
    "IORING_ENTER_SQ_WAKEUP",
    "IORING_ENTER_SQ_WAIT",
    "IORING_ENTER_EXT_ARG",
    "IORING_ENTER_REGISTERED_RING",
    "IORING_ENTER_ABS_TIMER",
    "IORING_ENTER_EXT_ARG_REG",
    "IORING_ENTER_NO_IOWAIT",
    "IORING_FEAT_SINGLE_MMAP",
    "IORING_FEAT_NODROP",
    "IORING_FEAT_SUBMIT_STABLE",
    "IORING_FEAT_RW_CUR_POS",
    "IORING_FEAT_CUR_PERSONALITY",
    "IORING_FEAT_FAST_POLL",
    "IORING_FEAT_POLL_32BITS",
    "IORING_FEAT_SQPOLL_NONFIXED",
    "IORING_FEAT_EXT_ARG",
    "IORING_FEAT_NATIVE_WORKERS",
    "IORING_FEAT_RSRC_TAGS",
    "IORING_FEAT_CQE_SKIP",
    "IORING_FEAT_LINKED_FILE",
    "IORING_FEAT_REG_REG_RING",
    "IORING_FEAT_RECVSEND_BUNDLE",
    "IORING_FEAT_MIN_TIMEOUT",
    "IORING_FEAT_RW_ATTR",
    "IORING_FEAT_NO_IOWAIT",
    "IORING_REGISTER_BUFFERS",
    "IORING_UNREGISTER_BUFFERS",
    "IORING_REGISTER_FILES",
    "IORING_UNREGISTER_FILES",
    "IORING_REGISTER_EVENTFD",
    "IORING_UNREGISTER_EVENTFD",
    "IORING_REGISTER_FILES_UPDATE",
    "IORING_REGISTER_EVENTFD_ASYNC",
    "IORING_REGISTER_PROBE",
    "IORING_REGISTER_PERSONALITY",
    "IORING_UNREGISTER_PERSONALITY",
    "IORING_REGISTER_RESTRICTIONS",
    "IORING_REGISTER_ENABLE_RINGS",
    "IORING_REGISTER_FILES2",
    "IORING_REGISTER_FILES_UPDATE2",
    "IORING_REGISTER_BUFFERS2",
    "IORING_REGISTER_BUFFERS_UPDATE",
    "IORING_REGISTER_IOWQ_AFF",
    "IORING_UNREGISTER_IOWQ_AFF",
    "IORING_REGISTER_IOWQ_MAX_WORKERS",
    "IORING_REGISTER_RING_FDS",
    "IORING_UNREGISTER_RING_FDS",
    "IORING_REGISTER_PBUF_RING",
    "IORING_UNREGISTER_PBUF_RING",
    "IORING_REGISTER_SYNC_CANCEL",
    "IORING_REGISTER_FILE_ALLOC_RANGE",
    "IORING_REGISTER_PBUF_STATUS",
    "IORING_REGISTER_NAPI",
    "IORING_UNREGISTER_NAPI",
    "IORING_REGISTER_CLOCK",
    "IORING_REGISTER_CLONE_BUFFERS",
    "IORING_REGISTER_SEND_MSG_RING",
    "IORING_REGISTER_ZCRX_IFQ",
    "IORING_REGISTER_RESIZE_RINGS",
    "IORING_REGISTER_MEM_REGION",
    "IORING_REGISTER_QUERY",
    "IORING_REGISTER_ZCRX_CTRL",
    "IORING_REGISTER_BPF_FILTER",
    "IORING_REGISTER_IPC_CHANNEL_CREATE",
    "IORING_REGISTER_IPC_CHANNEL_ATTACH",
    "IORING_REGISTER_IPC_CHANNEL_DETACH",
    "IORING_REGISTER_IPC_CHANNEL_DESTROY",
    "IORING_REGISTER_LAST",
    "IORING_REGISTER_USE_REGISTERED_RING",
    "IO_WQ_BOUND",
    "IO_WQ_UNBOUND",
    "IORING_REGISTER_FILES_SKIP",
    "IO_URING_OP_SUPPORTED",
    "Probe",
    "ProbeOp",
    "RsrcUpdate",
    "RsrcUpdate2",
    "Iovec",
    "RsrcRegister",
    "FileIndexRange",
    "ClockRegister",
    "CloneBuffers",
    "Restriction",
    "SyncCancelReg",
    "RSRC_REGISTER_SIZE",
    "RSRC_UPDATE2_SIZE",
    "PROBE_MAX_OPS",
    "IORING_RSRC_REGISTER_SPARSE",
    "IORING_RESTRICTION_REGISTER_OP",
    "IORING_RESTRICTION_SQE_OP",
    "IORING_RESTRICTION_SQE_FLAGS_ALLOWED",
    "IORING_RESTRICTION_SQE_FLAGS_REQUIRED",
    "IORING_RESTRICTION_LAST",
    "IORING_REGISTER_SRC_REGISTERED",
    "IORING_REGISTER_DST_REPLACE",
    "IOU_PBUF_RING_MMAP",
    "IOU_PBUF_RING_INC",
    "IORING_MEM_REGION_TYPE_USER",
    "IORING_MEM_REGION_REG_WAIT_ARG",
    "IORING_REG_WAIT_TS",
    "Sqe",
    "Cqe",
    "IoUringCqe",
    "SqringOffsets",
    "CqringOffsets",
    "Params",
    "Timespec",
    "GeteventsArg",
    "GETEVENTS_ARG_SIZE",
    "BufReg",
    "BufStatus",
    "IoUringBuf",
    "BufRing",
    "IO_URING_BUF_SIZE",
]
