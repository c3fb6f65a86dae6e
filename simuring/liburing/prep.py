"""Filling SQEs: the ``io_uring_prep_*`` helpers and SQE setters (liburing.h).

Plain calls (no kernel entry).  ``fd``, ``len`` and ``offset`` are C
integers: anything else is a misuse of the Python API (TypeError), and so is
a ``None`` SQE (what ``io_uring_get_sqe`` returns when the SQ ring is full).
"""

from __future__ import annotations

from typing import Any

from simuring.abi.io_uring import (
    IORING_ACCEPT_MULTISHOT,
    IORING_ASYNC_CANCEL_FD,
    IORING_FILE_INDEX_ALLOC,
    IORING_MSG_RING_FLAGS_PASS,
    IORING_MSG_SEND_FD,
    IORING_OP_ACCEPT,
    IORING_OP_ASYNC_CANCEL,
    IORING_OP_BIND,
    IORING_OP_CLOSE,
    IORING_OP_CONNECT,
    IORING_OP_EPOLL_CTL,
    IORING_OP_EPOLL_WAIT,
    IORING_OP_FADVISE,
    IORING_OP_FALLOCATE,
    IORING_OP_FGETXATTR,
    IORING_OP_FILES_UPDATE,
    IORING_OP_FIXED_FD_INSTALL,
    IORING_OP_FSETXATTR,
    IORING_OP_FSYNC,
    IORING_OP_FTRUNCATE,
    IORING_OP_FUTEX_WAIT,
    IORING_OP_FUTEX_WAITV,
    IORING_OP_FUTEX_WAKE,
    IORING_OP_GETXATTR,
    IORING_OP_LINK_TIMEOUT,
    IORING_OP_LINKAT,
    IORING_OP_LISTEN,
    IORING_OP_MADVISE,
    IORING_OP_MKDIRAT,
    IORING_OP_MSG_RING,
    IORING_OP_NOP,
    IORING_OP_OPENAT,
    IORING_OP_OPENAT2,
    IORING_OP_PIPE,
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_OP_PROVIDE_BUFFERS,
    IORING_OP_READ,
    IORING_OP_READ_FIXED,
    IORING_OP_READ_MULTISHOT,
    IORING_OP_READV,
    IORING_OP_READV_FIXED,
    IORING_OP_RECV,
    IORING_OP_RECVMSG,
    IORING_OP_REMOVE_BUFFERS,
    IORING_OP_RENAMEAT,
    IORING_OP_SEND,
    IORING_OP_SEND_ZC,
    IORING_OP_SENDMSG,
    IORING_OP_SENDMSG_ZC,
    IORING_OP_SETXATTR,
    IORING_OP_SHUTDOWN,
    IORING_OP_SOCKET,
    IORING_OP_SPLICE,
    IORING_OP_STATX,
    IORING_OP_SYMLINKAT,
    IORING_OP_SYNC_FILE_RANGE,
    IORING_OP_TEE,
    IORING_OP_TIMEOUT,
    IORING_OP_TIMEOUT_REMOVE,
    IORING_OP_UNLINKAT,
    IORING_OP_URING_CMD,
    IORING_OP_WRITE,
    IORING_OP_WRITE_FIXED,
    IORING_OP_WRITEV,
    IORING_OP_WRITEV_FIXED,
    IORING_POLL_ADD_MULTI,
    IORING_RECV_MULTISHOT,
    IORING_RECVSEND_BUNDLE,
    IORING_RECVSEND_FIXED_BUF,
    IORING_TIMEOUT_UPDATE,
    IOSQE_BUFFER_SELECT,
    Sqe,
    Timespec,
    opcode_name,
)
from simuring.abi.io_uring import (
    IOSQE_FIXED_FILE as _IOSQE_FIXED_FILE,
)
from simuring.libc.argcheck import need_buffer, need_int
from simuring.libc.cint import CInt


def io_uring_prep_rw(op: CInt, sqe: Sqe, fd: CInt, addr: Any, length: CInt, offset: CInt) -> None:
    """The common field fill of every prep helper.

    ``fd``, ``length`` and ``offset`` are C integers: anything else is a misuse
    of the Python API (TypeError), and so is a ``None`` SQE (what
    io_uring_get_sqe returns when the SQ ring is full).
    """
    if not (isinstance(fd, int) and isinstance(length, int) and isinstance(offset, int)):
        need_int(f"io_uring_prep_* ({opcode_name(op)})", fd=fd, len=length, offset=offset)
    if sqe is None:
        raise TypeError("prep on a None SQE: io_uring_get_sqe returned NULL because the SQ ring is full (submit first)")
    sqe.opcode = op
    sqe.flags = 0
    sqe.ioprio = 0
    sqe.fd = fd
    sqe.off = offset
    sqe.addr = addr
    sqe.len = length
    sqe.op_flags = 0
    sqe.buf_index = 0
    sqe.personality = 0
    sqe.file_index = 0
    sqe.addr3 = 0


def io_uring_sqe_set_data64(sqe: Sqe, data: CInt) -> None:
    need_int("io_uring_sqe_set_data64", data=data)
    sqe.user_data = data & 0xFFFF_FFFF_FFFF_FFFF  # __u64


def io_uring_sqe_set_flags(sqe: Sqe, flags: CInt) -> None:
    need_int("io_uring_sqe_set_flags", flags=flags)
    sqe.flags = flags & 0xFF  # liburing stores (__u8) flags


def io_uring_prep_nop(sqe: Sqe) -> None:
    io_uring_prep_rw(IORING_OP_NOP, sqe, -1, 0, 0, 0)


def io_uring_prep_read(sqe: Sqe, fd: CInt, buf: Any, nbytes: CInt, offset: CInt) -> None:
    need_buffer(buf, "io_uring_prep_read")
    io_uring_prep_rw(IORING_OP_READ, sqe, fd, buf, nbytes, offset)


def io_uring_prep_write(sqe: Sqe, fd: CInt, buf: Any, nbytes: CInt, offset: CInt) -> None:
    need_buffer(buf, "io_uring_prep_write")
    io_uring_prep_rw(IORING_OP_WRITE, sqe, fd, buf, nbytes, offset)


def io_uring_prep_read_fixed(sqe: Sqe, fd: CInt, buf: Any, nbytes: CInt, offset: CInt, buf_index: CInt) -> None:
    """READ_FIXED: ``nbytes`` into ``buf``, which lies inside registered buffer ``buf_index``
    (a slice of it, e.g. ``memoryview(reg)[16:]``; an int is an address as it stands)."""
    _need_fixed_buffer(buf, buf_index, "io_uring_prep_read_fixed")
    io_uring_prep_rw(IORING_OP_READ_FIXED, sqe, fd, buf, nbytes, offset)
    sqe.buf_index = buf_index & 0xFFFF  # liburing's (__u16) cast


def io_uring_prep_write_fixed(sqe: Sqe, fd: CInt, buf: Any, nbytes: CInt, offset: CInt, buf_index: CInt) -> None:
    """WRITE_FIXED: ``nbytes`` from ``buf``, inside registered buffer ``buf_index``."""
    _need_fixed_buffer(buf, buf_index, "io_uring_prep_write_fixed")
    io_uring_prep_rw(IORING_OP_WRITE_FIXED, sqe, fd, buf, nbytes, offset)
    sqe.buf_index = buf_index & 0xFFFF


def io_uring_prep_readv_fixed(
    sqe: Sqe, fd: CInt, iovecs: list[Any], nr_vecs: CInt, offset: CInt, flags: CInt, buf_index: CInt
) -> None:
    """READV_FIXED: ``iovecs`` (buffers inside registered buffer ``buf_index``, or
    :class:`~simuring.abi.io_uring.Iovec`), ``nr_vecs`` of them; ``flags`` are RWF_*."""
    _fixed_vec(IORING_OP_READV_FIXED, sqe, fd, iovecs, nr_vecs, offset, flags, buf_index, "io_uring_prep_readv_fixed")


def io_uring_prep_writev_fixed(
    sqe: Sqe, fd: CInt, iovecs: list[Any], nr_vecs: CInt, offset: CInt, flags: CInt, buf_index: CInt
) -> None:
    """WRITEV_FIXED: as :func:`io_uring_prep_readv_fixed`, the other way."""
    _fixed_vec(IORING_OP_WRITEV_FIXED, sqe, fd, iovecs, nr_vecs, offset, flags, buf_index, "io_uring_prep_writev_fixed")


def _fixed_vec(
    op: int, sqe: Sqe, fd: CInt, iovecs: list[Any], nr: CInt, offset: CInt, flags: CInt, buf_index: CInt, what: str
) -> None:
    """``io_uring_prep_readv2`` with the fixed opcode and ``buf_index`` (a u16)."""
    if not isinstance(iovecs, (list, tuple)):
        raise TypeError(f"{what}: iovecs must be a list (buffers, Iovec or None)")
    need_int(what, flags=flags, buf_index=buf_index)
    io_uring_prep_rw(op, sqe, fd, list(iovecs), nr, offset)
    sqe.rw_flags = flags & 0xFFFF_FFFF
    sqe.buf_index = buf_index & 0xFFFF


def _need_fixed_buffer(buf: Any, buf_index: Any, what: str) -> None:
    """A fixed op's ``buf`` is a pointer the kernel only compares (a buffer, None or an
    address); ``buf_index`` a C integer."""
    if not isinstance(buf, int):
        need_buffer(buf, what)
    need_int(what, buf_index=buf_index)


def io_uring_prep_readv(sqe: Sqe, fd: CInt, iovecs: list[Any], nr_vecs: CInt, offset: CInt) -> None:
    """READV: ``iovecs`` is a list of buffers (the ``struct iovec`` array), ``nr_vecs`` of them."""
    if not isinstance(iovecs, (list, tuple)):
        raise TypeError("io_uring_prep_readv: iovecs must be a list of bytearray/memoryview buffers")
    for buf in iovecs:
        need_buffer(buf, "io_uring_prep_readv")
    io_uring_prep_rw(IORING_OP_READV, sqe, fd, iovecs, nr_vecs, offset)


def io_uring_prep_writev(sqe: Sqe, fd: CInt, iovecs: list[Any], nr_vecs: CInt, offset: CInt) -> None:
    """WRITEV: ``iovecs`` is a list of buffers, ``nr_vecs`` of them."""
    if not isinstance(iovecs, (list, tuple)):
        raise TypeError("io_uring_prep_writev: iovecs must be a list of bytearray/memoryview buffers")
    for buf in iovecs:
        need_buffer(buf, "io_uring_prep_writev")
    io_uring_prep_rw(IORING_OP_WRITEV, sqe, fd, iovecs, nr_vecs, offset)


def io_uring_prep_timeout(sqe: Sqe, ts: Timespec, count: CInt, flags: CInt) -> None:
    io_uring_prep_rw(IORING_OP_TIMEOUT, sqe, -1, ts, 1, count)
    sqe.op_flags = flags


def io_uring_prep_link_timeout(sqe: Sqe, ts: Timespec, flags: CInt) -> None:
    io_uring_prep_rw(IORING_OP_LINK_TIMEOUT, sqe, -1, ts, 1, 0)
    sqe.op_flags = flags


def io_uring_prep_timeout_remove(sqe: Sqe, user_data: CInt, flags: CInt) -> None:
    """Cancel the pending TIMEOUT whose user_data is ``user_data``."""
    io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, 0, 0, 0)
    sqe.addr = user_data
    sqe.op_flags = flags


def io_uring_prep_timeout_update(sqe: Sqe, ts: Timespec, user_data: CInt, flags: CInt) -> None:
    """Re-arm the pending TIMEOUT ``user_data`` with ``ts`` (``flags`` may add
    IORING_TIMEOUT_ABS or IORING_LINK_TIMEOUT_UPDATE)."""
    io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, 0, 0, 0)
    sqe.off = ts  # type: ignore[assignment]  # addr2 points to the timespec
    sqe.addr = user_data
    sqe.op_flags = flags | IORING_TIMEOUT_UPDATE


def io_uring_prep_cancel64(sqe: Sqe, user_data: CInt, flags: CInt) -> None:
    io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, -1, 0, 0, 0)
    sqe.addr = user_data
    sqe.op_flags = flags


def io_uring_prep_cancel(sqe: Sqe, user_data: CInt, flags: CInt) -> None:
    """C takes a pointer as user_data; here it is the same as io_uring_prep_cancel64."""
    io_uring_prep_cancel64(sqe, user_data, flags)


def io_uring_prep_cancel_fd(sqe: Sqe, fd: CInt, flags: CInt) -> None:
    """Cancel requests on file ``fd`` (IORING_ASYNC_CANCEL_FD is added)."""
    io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, fd, 0, 0, 0)
    sqe.op_flags = flags | IORING_ASYNC_CANCEL_FD


def io_uring_prep_msg_ring(sqe: Sqe, fd: CInt, length: CInt, data: CInt, flags: CInt) -> None:
    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, 0, length, data)
    sqe.op_flags = flags


def io_uring_prep_msg_ring_cqe_flags(sqe: Sqe, fd: CInt, length: CInt, data: CInt, flags: CInt, cqe_flags: CInt) -> None:
    """MSG_RING whose target CQE carries ``cqe_flags`` (IORING_MSG_RING_FLAGS_PASS)."""
    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, 0, length, data)
    sqe.op_flags = IORING_MSG_RING_FLAGS_PASS | flags
    sqe.file_index = cqe_flags


def io_uring_prep_poll_add(sqe: Sqe, fd: CInt, poll_mask: CInt) -> None:
    """POLL_ADD, single shot: the CQE's res is the ready mask."""
    io_uring_prep_rw(IORING_OP_POLL_ADD, sqe, fd, 0, 0, 0)
    sqe.op_flags = poll_mask & 0xFFFF_FFFF  # poll32_events


def io_uring_prep_poll_multishot(sqe: Sqe, fd: CInt, poll_mask: CInt) -> None:
    """POLL_ADD with IORING_POLL_ADD_MULTI: a CQE with IORING_CQE_F_MORE per readiness."""
    io_uring_prep_poll_add(sqe, fd, poll_mask)
    sqe.len = IORING_POLL_ADD_MULTI


def io_uring_prep_poll_remove(sqe: Sqe, user_data: CInt) -> None:
    """POLL_REMOVE of the POLL_ADD whose user_data is ``user_data``."""
    io_uring_prep_rw(IORING_OP_POLL_REMOVE, sqe, -1, 0, 0, 0)
    sqe.addr = user_data


def io_uring_prep_poll_update(sqe: Sqe, old_user_data: CInt, new_user_data: CInt, poll_mask: CInt, flags: CInt) -> None:
    """POLL_REMOVE as a poll update of the POLL_ADD whose user_data is ``old_user_data``:
    ``flags`` (IORING_POLL_UPDATE_EVENTS, IORING_POLL_UPDATE_USER_DATA) say which of
    ``poll_mask`` and ``new_user_data`` replace the poll's own."""
    io_uring_prep_rw(IORING_OP_POLL_REMOVE, sqe, -1, 0, flags, new_user_data)
    sqe.addr = old_user_data
    sqe.op_flags = poll_mask & 0xFFFF_FFFF  # poll32_events


def io_uring_prep_close(sqe: Sqe, fd: CInt) -> None:
    io_uring_prep_rw(IORING_OP_CLOSE, sqe, fd, 0, 0, 0)


def io_uring_prep_close_direct(sqe: Sqe, file_index: CInt) -> None:
    """Close registered-file slot ``file_index`` (``sqe.file_index`` is the slot + 1)."""
    need_int("io_uring_prep_close_direct", file_index=file_index)
    io_uring_prep_close(sqe, 0)
    sqe.file_index = (file_index + 1) & 0xFFFF_FFFF


def io_uring_prep_files_update(sqe: Sqe, fds: Any, nr_fds: CInt, offset: CInt) -> None:
    """``fds`` is the int array (a list: IORING_FILE_INDEX_ALLOC writes the slots back into it)."""
    io_uring_prep_rw(IORING_OP_FILES_UPDATE, sqe, -1, fds, nr_fds, offset)


def io_uring_prep_fsync(sqe: Sqe, fd: CInt, fsync_flags: CInt) -> None:
    need_int("io_uring_prep_fsync", fsync_flags=fsync_flags)
    io_uring_prep_rw(IORING_OP_FSYNC, sqe, fd, 0, 0, 0)
    sqe.op_flags = fsync_flags & 0xFFFF_FFFF


def io_uring_prep_sync_file_range(sqe: Sqe, fd: CInt, length: CInt, offset: CInt, flags: CInt) -> None:
    need_int("io_uring_prep_sync_file_range", flags=flags)
    io_uring_prep_rw(IORING_OP_SYNC_FILE_RANGE, sqe, fd, 0, length, offset)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_fadvise(sqe: Sqe, fd: CInt, offset: CInt, length: CInt, advice: CInt) -> None:
    need_int("io_uring_prep_fadvise", advice=advice)
    io_uring_prep_rw(IORING_OP_FADVISE, sqe, fd, 0, length & 0xFFFF_FFFF, offset)
    sqe.op_flags = advice & 0xFFFF_FFFF


def io_uring_prep_madvise(sqe: Sqe, addr: Any, length: CInt, advice: CInt) -> None:
    """``addr``: a buffer (its memory) or an integer address."""
    need_int("io_uring_prep_madvise", advice=advice)
    io_uring_prep_rw(IORING_OP_MADVISE, sqe, -1, addr, length & 0xFFFF_FFFF, 0)
    sqe.op_flags = advice & 0xFFFF_FFFF


# -- FTRUNCATE / FALLOCATE (opcodes/truncate.py) ----------------------------------------


def io_uring_prep_ftruncate(sqe: Sqe, fd: CInt, length: CInt) -> None:
    """FTRUNCATE of ``fd`` to ``length`` bytes (``off``, an loff_t)."""
    need_int("io_uring_prep_ftruncate", len=length)
    io_uring_prep_rw(IORING_OP_FTRUNCATE, sqe, fd, 0, 0, length & 0xFFFF_FFFF_FFFF_FFFF)


def io_uring_prep_fallocate(sqe: Sqe, fd: CInt, mode: CInt, offset: CInt, length: CInt) -> None:
    """FALLOCATE: ``mode`` goes in ``len``, ``offset`` in ``off``, the 64-bit ``length`` in ``addr``."""
    need_int("io_uring_prep_fallocate", mode=mode, offset=offset, len=length)
    io_uring_prep_rw(IORING_OP_FALLOCATE, sqe, fd, 0, mode & 0xFFFF_FFFF, offset & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.addr = length & 0xFFFF_FFFF_FFFF_FFFF


# -- SEND / RECV (opcodes/net.py) ------------------------------------------------------


def io_uring_prep_send(sqe: Sqe, sockfd: CInt, buf: Any, length: CInt, flags: CInt) -> None:
    """SEND: ``flags`` are send(2)'s MSG_* flags (``msg_flags``)."""
    need_buffer(buf, "io_uring_prep_send")
    need_int("io_uring_prep_send", flags=flags)
    io_uring_prep_rw(IORING_OP_SEND, sqe, sockfd, buf, length, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_send_set_addr(sqe: Sqe, dest_addr: Any, addr_len: CInt) -> None:
    """io_uring_prep_send_set_addr(3): a SEND's destination address in ``addr2`` (``off``), its
    length in ``addr_len`` (the low 16 bits of the ``file_index`` word)."""
    need_int("io_uring_prep_send_set_addr", addr_len=addr_len)
    sqe.off = dest_addr  # addr2: the struct sockaddr pointer
    sqe.addr_len = addr_len & 0xFFFF


def io_uring_prep_sendto(
    sqe: Sqe, sockfd: CInt, buf: Any, length: CInt, flags: CInt, addr: Any, addrlen: CInt
) -> None:
    """io_uring_prep_sendto(3): :func:`io_uring_prep_send` then :func:`io_uring_prep_send_set_addr`."""
    io_uring_prep_send(sqe, sockfd, buf, length, flags)
    io_uring_prep_send_set_addr(sqe, addr, addrlen)


def io_uring_prep_recv(sqe: Sqe, sockfd: CInt, buf: Any, length: CInt, flags: CInt) -> None:
    """RECV: ``flags`` are recv(2)'s MSG_* flags (``msg_flags``)."""
    need_buffer(buf, "io_uring_prep_recv")
    need_int("io_uring_prep_recv", flags=flags)
    io_uring_prep_rw(IORING_OP_RECV, sqe, sockfd, buf, length, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_send_bundle(sqe: Sqe, sockfd: CInt, length: CInt, flags: CInt) -> None:
    """io_uring_prep_send_bundle(3): a SEND of no buffer of its own with IORING_RECVSEND_BUNDLE in
    ``ioprio`` (the caller adds IOSQE_BUFFER_SELECT and the group)."""
    io_uring_prep_send(sqe, sockfd, None, length, flags)
    sqe.ioprio |= IORING_RECVSEND_BUNDLE


def io_uring_prep_recv_multishot(sqe: Sqe, sockfd: CInt, buf: Any, length: CInt, flags: CInt) -> None:
    """io_uring_prep_recv_multishot(3): a RECV with IORING_RECV_MULTISHOT in ``ioprio``."""
    io_uring_prep_recv(sqe, sockfd, buf, length, flags)
    sqe.ioprio |= IORING_RECV_MULTISHOT


def io_uring_prep_sendmsg(sqe: Sqe, fd: CInt, msg: Any, flags: CInt) -> None:
    """SENDMSG of ``msg`` (a :class:`~simuring.syscalls.Msghdr`); ``flags`` are sendmsg(2)'s MSG_* flags."""
    need_int("io_uring_prep_sendmsg", flags=flags)
    io_uring_prep_rw(IORING_OP_SENDMSG, sqe, fd, msg, 1, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_recvmsg(sqe: Sqe, fd: CInt, msg: Any, flags: CInt) -> None:
    """RECVMSG into ``msg``'s iovecs; ``flags`` are recvmsg(2)'s MSG_* flags."""
    need_int("io_uring_prep_recvmsg", flags=flags)
    io_uring_prep_rw(IORING_OP_RECVMSG, sqe, fd, msg, 1, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_send_zc(sqe: Sqe, sockfd: CInt, buf: Any, length: CInt, flags: CInt, zc_flags: CInt) -> None:
    """SEND_ZC (io_uring_prep_send_zc(3)): as SEND, with the IORING_RECVSEND_* / IORING_SEND_ZC_*
    flags in ``ioprio``."""
    need_buffer(buf, "io_uring_prep_send_zc")
    need_int("io_uring_prep_send_zc", flags=flags, zc_flags=zc_flags)
    io_uring_prep_rw(IORING_OP_SEND_ZC, sqe, sockfd, buf, length, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF
    sqe.ioprio = zc_flags & 0xFFFF


def io_uring_prep_send_zc_fixed(
    sqe: Sqe, sockfd: CInt, buf: Any, length: CInt, flags: CInt, zc_flags: CInt, buf_index: CInt
) -> None:
    """SEND_ZC from registered buffer ``buf_index`` (IORING_RECVSEND_FIXED_BUF added to ``zc_flags``)."""
    need_int("io_uring_prep_send_zc_fixed", zc_flags=zc_flags, buf_index=buf_index)
    io_uring_prep_send_zc(sqe, sockfd, buf, length, flags, zc_flags | IORING_RECVSEND_FIXED_BUF)
    sqe.buf_index = buf_index & 0xFFFF


def io_uring_prep_sendmsg_zc(sqe: Sqe, fd: CInt, msg: Any, flags: CInt) -> None:
    """SENDMSG_ZC (io_uring_prep_sendmsg_zc(3)): SENDMSG's fields under the zero-copy opcode."""
    io_uring_prep_sendmsg(sqe, fd, msg, flags)
    sqe.opcode = IORING_OP_SENDMSG_ZC


def io_uring_prep_shutdown(sqe: Sqe, fd: CInt, how: CInt) -> None:
    """SHUTDOWN of socket ``fd``: ``how`` (SHUT_RD, SHUT_WR, SHUT_RDWR) goes in ``len``."""
    need_int("io_uring_prep_shutdown", how=how)
    io_uring_prep_rw(IORING_OP_SHUTDOWN, sqe, fd, 0, how & 0xFFFF_FFFF, 0)


# -- SPLICE / TEE (opcodes/splice.py) --------------------------------------------------


def io_uring_prep_splice(
    sqe: Sqe, fd_in: CInt, off_in: CInt, fd_out: CInt, off_out: CInt, nbytes: CInt, splice_flags: CInt
) -> None:
    """SPLICE from ``fd_in`` (at ``off_in``, -1 for none) to ``fd_out`` (at ``off_out``)."""
    need_int("io_uring_prep_splice", fd_in=fd_in, off_in=off_in, splice_flags=splice_flags)
    io_uring_prep_rw(IORING_OP_SPLICE, sqe, fd_out, 0, nbytes, off_out & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.splice_off_in = off_in & 0xFFFF_FFFF_FFFF_FFFF
    sqe.splice_fd_in = fd_in
    sqe.op_flags = splice_flags & 0xFFFF_FFFF


def io_uring_prep_tee(sqe: Sqe, fd_in: CInt, fd_out: CInt, nbytes: CInt, splice_flags: CInt) -> None:
    """TEE: duplicate up to ``nbytes`` of pipe ``fd_in`` into pipe ``fd_out``."""
    need_int("io_uring_prep_tee", fd_in=fd_in, splice_flags=splice_flags)
    io_uring_prep_rw(IORING_OP_TEE, sqe, fd_out, 0, nbytes, 0)
    sqe.splice_off_in = 0
    sqe.splice_fd_in = fd_in
    sqe.op_flags = splice_flags & 0xFFFF_FFFF


# -- provided buffers (opcodes/kbuf.py) ------------------------------------------------
def io_uring_prep_provide_buffers(sqe: Sqe, addr: Any, length: CInt, nr: CInt, bgid: CInt, bid: CInt) -> None:
    """PROVIDE_BUFFERS: ``nr`` buffers of ``length`` bytes from ``addr`` into group
    ``bgid``, with ids from ``bid`` (``fd`` carries ``nr``, ``off`` the first id)."""
    need_int("io_uring_prep_provide_buffers", bgid=bgid)
    io_uring_prep_rw(IORING_OP_PROVIDE_BUFFERS, sqe, nr, addr, length, bid)
    sqe.buf_group = bgid & 0xFFFF


def io_uring_prep_remove_buffers(sqe: Sqe, nr: CInt, bgid: CInt) -> None:
    """REMOVE_BUFFERS: take up to ``nr`` buffers out of group ``bgid``."""
    need_int("io_uring_prep_remove_buffers", bgid=bgid)
    io_uring_prep_rw(IORING_OP_REMOVE_BUFFERS, sqe, nr, None, 0, 0)
    sqe.buf_group = bgid & 0xFFFF


def io_uring_prep_read_multishot(sqe: Sqe, fd: CInt, nbytes: CInt, offset: CInt, buf_group: CInt) -> None:
    """READ_MULTISHOT (io_uring_prep_read_multishot(3)): read ``fd`` (a pollable file) into
    provided buffers of group ``buf_group``, one CQE with IORING_CQE_F_MORE per read, until end of
    file or an error; ``nbytes`` is 0 (the whole buffer) and IOSQE_BUFFER_SELECT is set."""
    need_int("io_uring_prep_read_multishot", buf_group=buf_group)
    io_uring_prep_rw(IORING_OP_READ_MULTISHOT, sqe, fd, 0, nbytes, offset)
    sqe.buf_group = buf_group & 0xFFFF
    sqe.flags = IOSQE_BUFFER_SELECT


# -- PIPE (opcodes/pipe.py) ------------------------------------------------------------


def io_uring_prep_openat(sqe: Sqe, dfd: CInt, path: Any, flags: CInt, mode: CInt) -> None:
    """OPENAT: open ``path`` (a str, read by the kernel at submission) relative to ``dfd``
    (AT_FDCWD, -100, for the working directory) with open(2)'s ``flags`` and ``mode``."""
    need_int("io_uring_prep_openat", flags=flags, mode=mode)
    io_uring_prep_rw(IORING_OP_OPENAT, sqe, dfd, path, mode, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_openat_direct(sqe: Sqe, dfd: CInt, path: Any, flags: CInt, mode: CInt, file_index: CInt) -> None:
    """OPENAT into registered-file slot ``file_index``, or a free one with IORING_FILE_INDEX_ALLOC."""
    need_int("io_uring_prep_openat_direct", file_index=file_index)
    io_uring_prep_openat(sqe, dfd, path, flags, mode)
    if file_index != IORING_FILE_INDEX_ALLOC:
        file_index += 1
    sqe.file_index = file_index & 0xFFFF_FFFF


def io_uring_prep_openat2(sqe: Sqe, dfd: CInt, path: Any, how: Any) -> None:
    """OPENAT2: ``how`` is ``struct open_how`` (24 bytes: the u64 flags, mode and resolve flags,
    little-endian), pointed to by ``addr2`` with ``len`` its size."""
    io_uring_prep_rw(IORING_OP_OPENAT2, sqe, dfd, path, 24, 0)
    sqe.off = how  # type: ignore[assignment]  # addr2 points to the open_how


def io_uring_prep_openat2_direct(sqe: Sqe, dfd: CInt, path: Any, how: Any, file_index: CInt) -> None:
    """OPENAT2 into registered-file slot ``file_index``, or a free one with IORING_FILE_INDEX_ALLOC."""
    need_int("io_uring_prep_openat2_direct", file_index=file_index)
    io_uring_prep_openat2(sqe, dfd, path, how)
    if file_index != IORING_FILE_INDEX_ALLOC:
        file_index += 1
    sqe.file_index = file_index & 0xFFFF_FFFF


def io_uring_prep_statx(sqe: Sqe, dfd: CInt, path: Any, flags: CInt, mask: CInt, statxbuf: Any) -> None:
    """STATX: describe ``path`` (relative to ``dfd``; "" with AT_EMPTY_PATH: ``dfd`` itself) into
    ``statxbuf``, a ``struct statx`` (a bytearray of 256 bytes); ``flags`` are AT_*, ``mask`` STATX_*."""
    need_int("io_uring_prep_statx", flags=flags, mask=mask)
    io_uring_prep_rw(IORING_OP_STATX, sqe, dfd, path, mask & 0xFFFF_FFFF, 0)
    sqe.off = statxbuf  # type: ignore[assignment]  # addr2 points to the struct statx
    sqe.op_flags = flags & 0xFFFF_FFFF


def _prep_xattr(op: int, sqe: Sqe, fd: CInt, name: Any, value: Any, path: Any, flags: CInt, length: CInt) -> None:
    """The xattr helpers' common fill: ``addr`` the name, ``addr2`` the value, ``len`` its size,
    ``addr3`` the path (0 for the fd forms), ``xattr_flags`` the flags."""
    need_int(f"io_uring_prep_* ({opcode_name(op)})", flags=flags, len=length)
    io_uring_prep_rw(op, sqe, fd, name, length & 0xFFFF_FFFF, 0)
    sqe.off = value  # addr2 points to the value
    sqe.addr3 = path
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_fsetxattr(sqe: Sqe, fd: CInt, name: Any, value: Any, flags: CInt, len: CInt) -> None:
    """FSETXATTR: set attribute ``name`` (a str) of the file ``fd`` to the first ``len`` bytes of
    ``value``; ``flags`` are XATTR_CREATE / XATTR_REPLACE."""
    _prep_xattr(IORING_OP_FSETXATTR, sqe, fd, name, value, 0, flags, len)


def io_uring_prep_setxattr(sqe: Sqe, name: Any, value: Any, path: Any, flags: CInt, len: CInt) -> None:
    """SETXATTR: FSETXATTR on the file named ``path`` (a str)."""
    _prep_xattr(IORING_OP_SETXATTR, sqe, 0, name, value, path, flags, len)


def io_uring_prep_fgetxattr(sqe: Sqe, fd: CInt, name: Any, value: Any, len: CInt) -> None:
    """FGETXATTR: copy attribute ``name`` of the file ``fd`` into ``value`` (a bytearray of at
    least ``len`` bytes; ``len`` 0 asks for the length only)."""
    _prep_xattr(IORING_OP_FGETXATTR, sqe, fd, name, value, 0, 0, len)


def io_uring_prep_getxattr(sqe: Sqe, name: Any, value: Any, path: Any, len: CInt) -> None:
    """GETXATTR: FGETXATTR on the file named ``path`` (a str)."""
    _prep_xattr(IORING_OP_GETXATTR, sqe, 0, name, value, path, 0, len)


def io_uring_prep_pipe(sqe: Sqe, fds: Any, pipe_flags: CInt) -> None:
    """PIPE: ``fds`` is the ``int fds[2]`` the kernel fills (a bytearray of 8 bytes, or a list);
    ``pipe_flags`` are pipe2(2)'s flags."""
    need_int("io_uring_prep_pipe", pipe_flags=pipe_flags)
    io_uring_prep_rw(IORING_OP_PIPE, sqe, 0, fds, 0, 0)
    sqe.op_flags = pipe_flags & 0xFFFF_FFFF


def io_uring_prep_pipe_direct(sqe: Sqe, fds: Any, pipe_flags: CInt, file_index: CInt) -> None:
    """PIPE into the registered-file table: the read end at slot ``file_index``, the write end at the
    next one, or both allocated with IORING_FILE_INDEX_ALLOC."""
    need_int("io_uring_prep_pipe_direct", file_index=file_index)
    io_uring_prep_pipe(sqe, fds, pipe_flags)
    if file_index != IORING_FILE_INDEX_ALLOC:
        file_index += 1
    sqe.file_index = file_index & 0xFFFF_FFFF


# -- FUTEX_WAIT / FUTEX_WAKE (opcodes/futex.py) ------------------------------------------


def io_uring_prep_futex_wait(sqe: Sqe, futex: Any, val: CInt, mask: CInt, futex_flags: CInt, flags: CInt) -> None:
    """FUTEX_WAIT on the 32-bit word ``futex`` (a user buffer) while it holds ``val``;
    ``futex_flags`` (FUTEX2_*) go in ``fd``, ``flags`` in ``futex_flags``, ``mask`` in ``addr3``."""
    need_int("io_uring_prep_futex_wait", val=val, mask=mask, futex_flags=futex_flags, flags=flags)
    io_uring_prep_rw(IORING_OP_FUTEX_WAIT, sqe, futex_flags & 0xFFFF_FFFF, futex, 0, val & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.op_flags = flags & 0xFFFF_FFFF
    sqe.addr3 = mask & 0xFFFF_FFFF_FFFF_FFFF


def io_uring_prep_futex_wake(sqe: Sqe, futex: Any, val: CInt, mask: CInt, futex_flags: CInt, flags: CInt) -> None:
    """FUTEX_WAKE of at most ``val`` waiters on ``futex`` whose mask meets ``mask``."""
    need_int("io_uring_prep_futex_wake", val=val, mask=mask, futex_flags=futex_flags, flags=flags)
    io_uring_prep_rw(IORING_OP_FUTEX_WAKE, sqe, futex_flags & 0xFFFF_FFFF, futex, 0, val & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.op_flags = flags & 0xFFFF_FFFF
    sqe.addr3 = mask & 0xFFFF_FFFF_FFFF_FFFF


def io_uring_prep_futex_waitv(sqe: Sqe, futexv: Any, nr_futex: CInt, flags: CInt) -> None:
    """FUTEX_WAITV on ``nr_futex`` entries of ``futexv`` (a list of FutexWaitv)."""
    need_int("io_uring_prep_futex_waitv", flags=flags)
    io_uring_prep_rw(IORING_OP_FUTEX_WAITV, sqe, 0, futexv, nr_futex, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


# -- MSG_RING IORING_MSG_SEND_FD (opcodes/msg_ring.py), FIXED_FD_INSTALL (opcodes/openclose.py)


def io_uring_prep_msg_ring_fd(sqe: Sqe, fd: CInt, source_fd: CInt, target_fd: CInt, data: CInt, flags: CInt) -> None:
    """MSG_RING IORING_MSG_SEND_FD: registered file ``source_fd`` of this ring into
    slot ``target_fd`` of ring ``fd`` (IORING_FILE_INDEX_ALLOC: any free slot)."""
    need_int("io_uring_prep_msg_ring_fd", source_fd=source_fd, target_fd=target_fd, flags=flags)
    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, IORING_MSG_SEND_FD, 0, data)
    sqe.addr3 = source_fd & 0xFFFF_FFFF_FFFF_FFFF
    if target_fd & 0xFFFF_FFFF == IORING_FILE_INDEX_ALLOC:
        target_fd -= 1  # offset by one: the +1 below gives ALLOC back
    sqe.file_index = (target_fd + 1) & 0xFFFF_FFFF
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_msg_ring_fd_alloc(sqe: Sqe, fd: CInt, source_fd: CInt, data: CInt, flags: CInt) -> None:
    io_uring_prep_msg_ring_fd(sqe, fd, source_fd, IORING_FILE_INDEX_ALLOC, data, flags)


def io_uring_prep_fixed_fd_install(sqe: Sqe, fd: CInt, flags: CInt) -> None:
    """FIXED_FD_INSTALL: registered file ``fd`` into the process's fd table."""
    need_int("io_uring_prep_fixed_fd_install", flags=flags)
    io_uring_prep_rw(IORING_OP_FIXED_FD_INSTALL, sqe, fd, None, 0, 0)
    sqe.flags = _IOSQE_FIXED_FILE
    sqe.op_flags = flags & 0xFFFF_FFFF


# -- EPOLL_CTL / EPOLL_WAIT (opcodes/epoll.py) ------------------------------------------


def io_uring_prep_epoll_ctl(sqe: Sqe, epfd: CInt, fd: CInt, op: CInt, ev: Any) -> None:
    """EPOLL_CTL: epoll_ctl(2)'s ``op`` of ``fd`` on ``epfd``; ``ev`` a packed ``struct
    epoll_event`` (:func:`simuring.syscalls.epoll_event`) or None.  liburing passes
    ``op`` in ``len`` and ``fd`` in ``off``, both as ``__u32``."""
    need_int("io_uring_prep_epoll_ctl", epfd=epfd, fd=fd, op=op)
    need_buffer(ev, "io_uring_prep_epoll_ctl")
    io_uring_prep_rw(IORING_OP_EPOLL_CTL, sqe, epfd, ev, op & 0xFFFF_FFFF, fd & 0xFFFF_FFFF)


def io_uring_prep_epoll_wait(sqe: Sqe, fd: CInt, events: Any, maxevents: CInt, flags: CInt) -> None:
    """EPOLL_WAIT on epoll file ``fd``: up to ``maxevents`` packed ``struct epoll_event``
    into ``events`` (a bytearray of 12 bytes each); ``flags`` go to ``rw_flags``."""
    need_int("io_uring_prep_epoll_wait", fd=fd, maxevents=maxevents, flags=flags)
    need_buffer(events, "io_uring_prep_epoll_wait")
    io_uring_prep_rw(IORING_OP_EPOLL_WAIT, sqe, fd, events, maxevents & 0xFFFF_FFFF, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


# -- SOCKET, BIND, LISTEN, CONNECT, ACCEPT (opcodes/sock.py) ----------------------------------


def _target_slot(sqe: Sqe, file_index: CInt) -> None:
    """``__io_uring_set_target_fixed_file``: slot + 1 (IORING_FILE_INDEX_ALLOC stays as it is)."""
    need_int("io_uring_prep_*_direct", file_index=file_index)
    if file_index != IORING_FILE_INDEX_ALLOC:
        file_index += 1
    sqe.file_index = file_index & 0xFFFF_FFFF


def io_uring_prep_socket(sqe: Sqe, domain: CInt, type: CInt, protocol: CInt, flags: CInt) -> None:
    """SOCKET (io_uring_prep_socket(3)): ``fd`` the domain, ``off`` the type, ``len`` the protocol;
    ``flags`` (``rw_flags``) must be 0."""
    need_int("io_uring_prep_socket", flags=flags)
    io_uring_prep_rw(IORING_OP_SOCKET, sqe, domain, None, protocol, type)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_socket_direct(
    sqe: Sqe, domain: CInt, type: CInt, protocol: CInt, file_index: CInt, flags: CInt
) -> None:
    """SOCKET into registered-file slot ``file_index`` (or IORING_FILE_INDEX_ALLOC)."""
    io_uring_prep_socket(sqe, domain, type, protocol, flags)
    _target_slot(sqe, file_index)


def io_uring_prep_socket_direct_alloc(
    sqe: Sqe, domain: CInt, type: CInt, protocol: CInt, flags: CInt
) -> None:
    """SOCKET into a free registered-file slot (the CQE's result is the slot)."""
    io_uring_prep_socket_direct(sqe, domain, type, protocol, IORING_FILE_INDEX_ALLOC, flags)


def io_uring_prep_bind(sqe: Sqe, sockfd: CInt, addr: Any, addrlen: CInt) -> None:
    """BIND (io_uring_prep_bind(3)): the address in ``addr``, its length in ``off`` (``addr2``)."""
    io_uring_prep_rw(IORING_OP_BIND, sqe, sockfd, addr, 0, addrlen)


def io_uring_prep_listen(sqe: Sqe, sockfd: CInt, backlog: CInt) -> None:
    """LISTEN (io_uring_prep_listen(3)): the backlog in ``len``."""
    io_uring_prep_rw(IORING_OP_LISTEN, sqe, sockfd, None, backlog, 0)


def io_uring_prep_cmd_sock(
    sqe: Sqe, cmd_op: CInt, fd: CInt, level: CInt, optname: CInt, optval: Any, optlen: CInt
) -> None:
    """URING_CMD on a socket (io_uring_prep_cmd_sock(3)): ``cmd_op`` (a SOCKET_URING_OP_*) in the low
    half of ``off``, ``level`` and ``optname`` in the low and high halves of ``addr``, the option
    buffer in ``optval`` (``addr3``) and its length in ``optlen`` (``file_index``)."""
    need_int("io_uring_prep_cmd_sock", cmd_op=cmd_op, level=level, optname=optname, optlen=optlen)
    io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, None, 0, 0)
    sqe.optval = 0 if optval is None else optval
    sqe.optlen = optlen & 0xFFFF_FFFF
    sqe.cmd_op = cmd_op
    sqe.addr = (level & 0xFFFF_FFFF) | (optname & 0xFFFF_FFFF) << 32


def io_uring_prep_connect(sqe: Sqe, sockfd: CInt, addr: Any, addrlen: CInt) -> None:
    """CONNECT (io_uring_prep_connect(3)): the address in ``addr``, its length in ``off``."""
    io_uring_prep_rw(IORING_OP_CONNECT, sqe, sockfd, addr, 0, addrlen)


def io_uring_prep_accept(sqe: Sqe, sockfd: CInt, addr: Any, addrlen: Any, flags: CInt) -> None:
    """ACCEPT (io_uring_prep_accept(3)): the peer address buffer in ``addr``, the pointer to its
    length (a 4-byte buffer, or None) in ``addr2``, accept4(2)'s flags in ``accept_flags``."""
    need_int("io_uring_prep_accept", flags=flags)
    io_uring_prep_rw(IORING_OP_ACCEPT, sqe, sockfd, addr, 0, 0)
    sqe.off = addrlen  # type: ignore[assignment]  # addr2: the socklen_t pointer
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_accept_direct(
    sqe: Sqe, sockfd: CInt, addr: Any, addrlen: Any, flags: CInt, file_index: CInt
) -> None:
    """ACCEPT into registered-file slot ``file_index`` (or IORING_FILE_INDEX_ALLOC)."""
    io_uring_prep_accept(sqe, sockfd, addr, addrlen, flags)
    _target_slot(sqe, file_index)


def io_uring_prep_multishot_accept(
    sqe: Sqe, sockfd: CInt, addr: Any, addrlen: Any, flags: CInt
) -> None:
    """ACCEPT with IORING_ACCEPT_MULTISHOT in ``ioprio``: a CQE per connection."""
    io_uring_prep_accept(sqe, sockfd, addr, addrlen, flags)
    sqe.ioprio |= IORING_ACCEPT_MULTISHOT


def io_uring_prep_multishot_accept_direct(
    sqe: Sqe, sockfd: CInt, addr: Any, addrlen: Any, flags: CInt
) -> None:
    """Multishot ACCEPT, each connection into a free registered-file slot."""
    io_uring_prep_multishot_accept(sqe, sockfd, addr, addrlen, flags)
    _target_slot(sqe, IORING_FILE_INDEX_ALLOC)


# -- MKDIRAT, UNLINKAT, RENAMEAT, SYMLINKAT, LINKAT (opcodes/fs.py) ------------------------------
# A path is a str (``addr``; the second one, ``addr2``, rides in ``off``); another directory
# descriptor rides in ``len``, as the unsigned value C stores.

AT_FDCWD = -100


def io_uring_prep_mkdirat(sqe: Sqe, dfd: CInt, path: Any, mode: CInt) -> None:
    """MKDIRAT: make directory ``path`` (relative to ``dfd``); ``mode`` in ``len``."""
    need_int("io_uring_prep_mkdirat", mode=mode)
    io_uring_prep_rw(IORING_OP_MKDIRAT, sqe, dfd, path, mode & 0xFFFF_FFFF, 0)


def io_uring_prep_mkdir(sqe: Sqe, path: Any, mode: CInt) -> None:
    """MKDIRAT from the working directory (AT_FDCWD)."""
    io_uring_prep_mkdirat(sqe, AT_FDCWD, path, mode)


def io_uring_prep_unlinkat(sqe: Sqe, dfd: CInt, path: Any, flags: CInt) -> None:
    """UNLINKAT: remove ``path``; ``flags`` 0 or AT_REMOVEDIR (a directory, as rmdir(2))."""
    need_int("io_uring_prep_unlinkat", flags=flags)
    io_uring_prep_rw(IORING_OP_UNLINKAT, sqe, dfd, path, 0, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_unlink(sqe: Sqe, path: Any, flags: CInt) -> None:
    """UNLINKAT from the working directory (AT_FDCWD)."""
    io_uring_prep_unlinkat(sqe, AT_FDCWD, path, flags)


def io_uring_prep_renameat(
    sqe: Sqe, olddfd: CInt, oldpath: Any, newdfd: CInt, newpath: Any, flags: CInt
) -> None:
    """RENAMEAT (renameat2(2)): ``newdfd`` in ``len``, ``newpath`` in ``addr2``, RENAME_* ``flags``."""
    need_int("io_uring_prep_renameat", newdfd=newdfd, flags=flags)
    io_uring_prep_rw(IORING_OP_RENAMEAT, sqe, olddfd, oldpath, newdfd & 0xFFFF_FFFF, 0)
    sqe.off = newpath  # type: ignore[assignment]  # addr2 points to the new path
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_rename(sqe: Sqe, oldpath: Any, newpath: Any) -> None:
    """RENAMEAT from and to the working directory, no flags."""
    io_uring_prep_renameat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0)


def io_uring_prep_symlinkat(sqe: Sqe, target: Any, newdirfd: CInt, linkpath: Any) -> None:
    """SYMLINKAT: a link ``linkpath`` (``addr2``, relative to ``newdirfd``) holding ``target`` (``addr``)."""
    io_uring_prep_rw(IORING_OP_SYMLINKAT, sqe, newdirfd, target, 0, 0)
    sqe.off = linkpath  # type: ignore[assignment]  # addr2 points to the link's path


def io_uring_prep_symlink(sqe: Sqe, target: Any, linkpath: Any) -> None:
    """SYMLINKAT in the working directory (AT_FDCWD)."""
    io_uring_prep_symlinkat(sqe, target, AT_FDCWD, linkpath)


def io_uring_prep_linkat(
    sqe: Sqe, olddfd: CInt, oldpath: Any, newdfd: CInt, newpath: Any, flags: CInt
) -> None:
    """LINKAT: a new name ``newpath`` for ``oldpath``; ``newdfd`` in ``len``, AT_SYMLINK_FOLLOW /
    AT_EMPTY_PATH ``flags``."""
    need_int("io_uring_prep_linkat", newdfd=newdfd, flags=flags)
    io_uring_prep_rw(IORING_OP_LINKAT, sqe, olddfd, oldpath, newdfd & 0xFFFF_FFFF, 0)
    sqe.off = newpath  # type: ignore[assignment]  # addr2 points to the new path
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_link(sqe: Sqe, oldpath: Any, newpath: Any, flags: CInt) -> None:
    """LINKAT from and to the working directory."""
    io_uring_prep_linkat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, flags)
