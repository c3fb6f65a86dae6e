"""liburing's SQE helpers (io_uring_prep_*(3), io_uring_sqe_set_*(3)) for real SQEs.

Each helper fills the fields its man page names; ``io_uring_prep_rw`` is
the common fill (opcode, fd, addr, len, off, and the other per-request
fields reset).  They work on any object with the SQE field names, and are
written independently of simuring's own helpers so that a helper filling a
field differently from liburing shows up as a difference.
"""

from __future__ import annotations

from typing import Any

from simuring.uapi import (
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
)
from simuring.uapi import (
    IOSQE_FIXED_FILE as _IOSQE_FIXED_FILE,
)


def io_uring_prep_rw(op: int, sqe: Any, fd: int, addr: Any, length: int, offset: int) -> None:
    if sqe is None:
        raise TypeError("prep on a None SQE: io_uring_get_sqe returned NULL because the SQ ring is full")
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


def io_uring_sqe_set_data64(sqe: Any, data: int) -> None:
    sqe.user_data = data & 0xFFFF_FFFF_FFFF_FFFF


def io_uring_sqe_set_flags(sqe: Any, flags: int) -> None:
    sqe.flags = flags & 0xFF


def io_uring_prep_nop(sqe: Any) -> None:
    io_uring_prep_rw(IORING_OP_NOP, sqe, -1, 0, 0, 0)


def io_uring_prep_read(sqe: Any, fd: int, buf: Any, nbytes: int, offset: int) -> None:
    io_uring_prep_rw(IORING_OP_READ, sqe, fd, buf, nbytes, offset)


def io_uring_prep_write(sqe: Any, fd: int, buf: Any, nbytes: int, offset: int) -> None:
    io_uring_prep_rw(IORING_OP_WRITE, sqe, fd, buf, nbytes, offset)


def io_uring_prep_read_fixed(sqe: Any, fd: int, buf: Any, nbytes: int, offset: int, buf_index: int) -> None:
    io_uring_prep_rw(IORING_OP_READ_FIXED, sqe, fd, buf, nbytes, offset)
    sqe.buf_index = buf_index & 0xFFFF


def io_uring_prep_write_fixed(sqe: Any, fd: int, buf: Any, nbytes: int, offset: int, buf_index: int) -> None:
    io_uring_prep_rw(IORING_OP_WRITE_FIXED, sqe, fd, buf, nbytes, offset)
    sqe.buf_index = buf_index & 0xFFFF


def io_uring_prep_readv_fixed(sqe: Any, fd: int, iovecs: list[Any], nr_vecs: int, offset: int, flags: int, buf_index: int) -> None:
    io_uring_prep_rw(IORING_OP_READV_FIXED, sqe, fd, list(iovecs), nr_vecs, offset)
    sqe.rw_flags = flags
    sqe.buf_index = buf_index & 0xFFFF


def io_uring_prep_writev_fixed(sqe: Any, fd: int, iovecs: list[Any], nr_vecs: int, offset: int, flags: int, buf_index: int) -> None:
    io_uring_prep_rw(IORING_OP_WRITEV_FIXED, sqe, fd, list(iovecs), nr_vecs, offset)
    sqe.rw_flags = flags
    sqe.buf_index = buf_index & 0xFFFF


def io_uring_prep_readv(sqe: Any, fd: int, iovecs: list[Any], nr_vecs: int, offset: int) -> None:
    io_uring_prep_rw(IORING_OP_READV, sqe, fd, list(iovecs), nr_vecs, offset)


def io_uring_prep_writev(sqe: Any, fd: int, iovecs: list[Any], nr_vecs: int, offset: int) -> None:
    io_uring_prep_rw(IORING_OP_WRITEV, sqe, fd, list(iovecs), nr_vecs, offset)


def io_uring_prep_timeout(sqe: Any, ts: Any, count: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_TIMEOUT, sqe, -1, ts, 1, count)
    sqe.timeout_flags = flags


def io_uring_prep_timeout_remove(sqe: Any, user_data: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, 0, 0, 0)
    sqe.addr = user_data
    sqe.timeout_flags = flags


def io_uring_prep_timeout_update(sqe: Any, ts: Any, user_data: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, 0, 0, 0)
    sqe.off = ts  # addr2 points to the new timespec
    sqe.addr = user_data
    sqe.timeout_flags = flags | IORING_TIMEOUT_UPDATE


def io_uring_prep_link_timeout(sqe: Any, ts: Any, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_LINK_TIMEOUT, sqe, -1, ts, 1, 0)
    sqe.timeout_flags = flags


def io_uring_prep_cancel64(sqe: Any, user_data: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, -1, 0, 0, 0)
    sqe.addr = user_data
    sqe.cancel_flags = flags


def io_uring_prep_cancel(sqe: Any, user_data: int, flags: int) -> None:
    io_uring_prep_cancel64(sqe, user_data, flags)


def io_uring_prep_cancel_fd(sqe: Any, fd: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, fd, 0, 0, 0)
    sqe.cancel_flags = flags | IORING_ASYNC_CANCEL_FD


def io_uring_prep_poll_add(sqe: Any, fd: int, poll_mask: int) -> None:
    io_uring_prep_rw(IORING_OP_POLL_ADD, sqe, fd, 0, 0, 0)
    sqe.poll32_events = poll_mask & 0xFFFF_FFFF


def io_uring_prep_poll_multishot(sqe: Any, fd: int, poll_mask: int) -> None:
    io_uring_prep_poll_add(sqe, fd, poll_mask)
    sqe.len = IORING_POLL_ADD_MULTI


def io_uring_prep_poll_remove(sqe: Any, user_data: int) -> None:
    io_uring_prep_rw(IORING_OP_POLL_REMOVE, sqe, -1, 0, 0, 0)
    sqe.addr = user_data


def io_uring_prep_poll_update(sqe: Any, old_user_data: int, new_user_data: int, poll_mask: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_POLL_REMOVE, sqe, -1, 0, flags, new_user_data)
    sqe.addr = old_user_data
    sqe.poll32_events = poll_mask & 0xFFFF_FFFF


def io_uring_prep_msg_ring(sqe: Any, fd: int, length: int, data: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, 0, length, data)
    sqe.msg_ring_flags = flags


def io_uring_prep_msg_ring_cqe_flags(sqe: Any, fd: int, length: int, data: int, flags: int, cqe_flags: int) -> None:
    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, 0, length, data)
    sqe.msg_ring_flags = IORING_MSG_RING_FLAGS_PASS | flags
    sqe.file_index = cqe_flags


def io_uring_prep_close(sqe: Any, fd: int) -> None:
    io_uring_prep_rw(IORING_OP_CLOSE, sqe, fd, 0, 0, 0)


def io_uring_prep_close_direct(sqe: Any, file_index: int) -> None:
    io_uring_prep_close(sqe, 0)
    sqe.file_index = (file_index + 1) & 0xFFFF_FFFF  # __io_uring_set_target_fixed_file


def io_uring_prep_files_update(sqe: Any, fds: Any, nr_fds: int, offset: int) -> None:
    io_uring_prep_rw(IORING_OP_FILES_UPDATE, sqe, -1, fds, nr_fds, offset)


def io_uring_prep_fsync(sqe: Any, fd: int, fsync_flags: int) -> None:
    io_uring_prep_rw(IORING_OP_FSYNC, sqe, fd, 0, 0, 0)
    sqe.fsync_flags = fsync_flags & 0xFFFF_FFFF


def io_uring_prep_sync_file_range(sqe: Any, fd: int, length: int, offset: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_SYNC_FILE_RANGE, sqe, fd, 0, length, offset)
    sqe.sync_range_flags = flags & 0xFFFF_FFFF


def io_uring_prep_fadvise(sqe: Any, fd: int, offset: int, length: int, advice: int) -> None:
    io_uring_prep_rw(IORING_OP_FADVISE, sqe, fd, 0, length & 0xFFFF_FFFF, offset)
    sqe.fadvise_advice = advice & 0xFFFF_FFFF


def io_uring_prep_madvise(sqe: Any, addr: Any, length: int, advice: int) -> None:
    io_uring_prep_rw(IORING_OP_MADVISE, sqe, -1, addr, length & 0xFFFF_FFFF, 0)
    sqe.fadvise_advice = advice & 0xFFFF_FFFF


def io_uring_prep_ftruncate(sqe: Any, fd: int, length: int) -> None:
    io_uring_prep_rw(IORING_OP_FTRUNCATE, sqe, fd, 0, 0, length & 0xFFFF_FFFF_FFFF_FFFF)


def io_uring_prep_fallocate(sqe: Any, fd: int, mode: int, offset: int, length: int) -> None:
    io_uring_prep_rw(IORING_OP_FALLOCATE, sqe, fd, 0, mode & 0xFFFF_FFFF, offset & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.addr = length & 0xFFFF_FFFF_FFFF_FFFF


# -- SEND / RECV -----------------------------------------------------------------------


def io_uring_prep_send(sqe: Any, sockfd: int, buf: Any, length: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_SEND, sqe, sockfd, buf, length, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_send_set_addr(sqe: Any, dest_addr: Any, addr_len: int) -> None:
    sqe.addr2 = dest_addr
    sqe.addr_len = addr_len & 0xFFFF


def io_uring_prep_sendto(
    sqe: Any, sockfd: int, buf: Any, length: int, flags: int, addr: Any, addrlen: int
) -> None:
    io_uring_prep_send(sqe, sockfd, buf, length, flags)
    io_uring_prep_send_set_addr(sqe, addr, addrlen)


def io_uring_prep_recv(sqe: Any, sockfd: int, buf: Any, length: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_RECV, sqe, sockfd, buf, length, 0)
    sqe.op_flags = flags & 0xFFFF_FFFF


def io_uring_prep_send_bundle(sqe: Any, sockfd: int, length: int, flags: int) -> None:
    io_uring_prep_send(sqe, sockfd, None, length, flags)
    sqe.ioprio |= IORING_RECVSEND_BUNDLE


def io_uring_prep_recv_multishot(sqe: Any, sockfd: int, buf: Any, length: int, flags: int) -> None:
    io_uring_prep_recv(sqe, sockfd, buf, length, flags)
    sqe.ioprio |= IORING_RECV_MULTISHOT


# -- SPLICE / TEE ----------------------------------------------------------------------


def io_uring_prep_splice(
    sqe: Any, fd_in: int, off_in: int, fd_out: int, off_out: int, nbytes: int, splice_flags: int
) -> None:
    io_uring_prep_rw(IORING_OP_SPLICE, sqe, fd_out, 0, nbytes, off_out & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.splice_off_in = off_in & 0xFFFF_FFFF_FFFF_FFFF
    sqe.splice_fd_in = fd_in
    sqe.splice_flags = splice_flags & 0xFFFF_FFFF


def io_uring_prep_tee(sqe: Any, fd_in: int, fd_out: int, nbytes: int, splice_flags: int) -> None:
    io_uring_prep_rw(IORING_OP_TEE, sqe, fd_out, 0, nbytes, 0)
    sqe.splice_off_in = 0
    sqe.splice_fd_in = fd_in
    sqe.splice_flags = splice_flags & 0xFFFF_FFFF


def io_uring_prep_provide_buffers(sqe: Any, addr: Any, length: int, nr: int, bgid: int, bid: int) -> None:
    io_uring_prep_rw(IORING_OP_PROVIDE_BUFFERS, sqe, nr, addr, length, bid)
    sqe.buf_group = bgid & 0xFFFF


def io_uring_prep_remove_buffers(sqe: Any, nr: int, bgid: int) -> None:
    io_uring_prep_rw(IORING_OP_REMOVE_BUFFERS, sqe, nr, 0, 0, 0)
    sqe.buf_group = bgid & 0xFFFF


def io_uring_prep_read_multishot(sqe: Any, fd: int, nbytes: int, offset: int, buf_group: int) -> None:
    io_uring_prep_rw(IORING_OP_READ_MULTISHOT, sqe, fd, 0, nbytes, offset)
    sqe.buf_group = buf_group & 0xFFFF
    sqe.flags = IOSQE_BUFFER_SELECT


def io_uring_prep_shutdown(sqe: Any, fd: int, how: int) -> None:
    io_uring_prep_rw(IORING_OP_SHUTDOWN, sqe, fd, 0, how & 0xFFFF_FFFF, 0)


def io_uring_prep_sendmsg(sqe: Any, fd: int, msg: Any, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_SENDMSG, sqe, fd, msg, 1, 0)
    sqe.msg_flags = flags & 0xFFFF_FFFF


def io_uring_prep_send_zc(sqe: Any, sockfd: int, buf: Any, length: int, flags: int, zc_flags: int) -> None:
    io_uring_prep_rw(IORING_OP_SEND_ZC, sqe, sockfd, buf, length, 0)
    sqe.msg_flags = flags & 0xFFFF_FFFF
    sqe.ioprio = zc_flags & 0xFFFF


def io_uring_prep_send_zc_fixed(
    sqe: Any, sockfd: int, buf: Any, length: int, flags: int, zc_flags: int, buf_index: int
) -> None:
    io_uring_prep_send_zc(sqe, sockfd, buf, length, flags, zc_flags | IORING_RECVSEND_FIXED_BUF)
    sqe.buf_index = buf_index & 0xFFFF


def io_uring_prep_sendmsg_zc(sqe: Any, fd: int, msg: Any, flags: int) -> None:
    io_uring_prep_sendmsg(sqe, fd, msg, flags)
    sqe.opcode = IORING_OP_SENDMSG_ZC


def io_uring_prep_recvmsg(sqe: Any, fd: int, msg: Any, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_RECVMSG, sqe, fd, msg, 1, 0)
    sqe.msg_flags = flags & 0xFFFF_FFFF


def io_uring_prep_openat(sqe: Any, dfd: int, path: Any, flags: int, mode: int) -> None:
    io_uring_prep_rw(IORING_OP_OPENAT, sqe, dfd, path, mode & 0xFFFF_FFFF, 0)
    sqe.open_flags = flags & 0xFFFF_FFFF


def io_uring_prep_openat_direct(sqe: Any, dfd: int, path: Any, flags: int, mode: int, file_index: int) -> None:
    io_uring_prep_openat(sqe, dfd, path, flags, mode)
    if file_index & 0xFFFF_FFFF == IORING_FILE_INDEX_ALLOC:
        file_index -= 1
    sqe.file_index = (file_index + 1) & 0xFFFF_FFFF


def io_uring_prep_openat2(sqe: Any, dfd: int, path: Any, how: Any) -> None:
    io_uring_prep_rw(IORING_OP_OPENAT2, sqe, dfd, path, 24, how)


def io_uring_prep_openat2_direct(sqe: Any, dfd: int, path: Any, how: Any, file_index: int) -> None:
    io_uring_prep_openat2(sqe, dfd, path, how)
    if file_index & 0xFFFF_FFFF == IORING_FILE_INDEX_ALLOC:
        file_index -= 1
    sqe.file_index = (file_index + 1) & 0xFFFF_FFFF


def io_uring_prep_statx(sqe: Any, dfd: int, path: Any, flags: int, mask: int, statxbuf: Any) -> None:
    io_uring_prep_rw(IORING_OP_STATX, sqe, dfd, path, mask & 0xFFFF_FFFF, statxbuf)
    sqe.statx_flags = flags & 0xFFFF_FFFF


def c_string(s: Any) -> Any:
    """A str as its NUL-terminated bytes (an xattr name); anything else (an address, a buffer) kept."""
    return s.encode(errors="surrogateescape") + b"\0" if isinstance(s, str) else s


def io_uring_prep_fsetxattr(sqe: Any, fd: int, name: Any, value: Any, flags: int, len: int) -> None:
    io_uring_prep_rw(IORING_OP_FSETXATTR, sqe, fd, c_string(name), len & 0xFFFF_FFFF, value)
    sqe.xattr_flags = flags & 0xFFFF_FFFF


def io_uring_prep_setxattr(sqe: Any, name: Any, value: Any, path: Any, flags: int, len: int) -> None:
    io_uring_prep_rw(IORING_OP_SETXATTR, sqe, 0, c_string(name), len & 0xFFFF_FFFF, value)
    sqe.addr3 = path
    sqe.xattr_flags = flags & 0xFFFF_FFFF


def io_uring_prep_fgetxattr(sqe: Any, fd: int, name: Any, value: Any, len: int) -> None:
    io_uring_prep_rw(IORING_OP_FGETXATTR, sqe, fd, c_string(name), len & 0xFFFF_FFFF, value)
    sqe.xattr_flags = 0


def io_uring_prep_getxattr(sqe: Any, name: Any, value: Any, path: Any, len: int) -> None:
    io_uring_prep_rw(IORING_OP_GETXATTR, sqe, 0, c_string(name), len & 0xFFFF_FFFF, value)
    sqe.addr3 = path
    sqe.xattr_flags = 0


def io_uring_prep_pipe(sqe: Any, fds: Any, pipe_flags: int) -> None:
    io_uring_prep_rw(IORING_OP_PIPE, sqe, 0, fds, 0, 0)
    sqe.pipe_flags = pipe_flags & 0xFFFF_FFFF


def io_uring_prep_pipe_direct(sqe: Any, fds: Any, pipe_flags: int, file_index: int) -> None:
    io_uring_prep_pipe(sqe, fds, pipe_flags)
    if file_index != IORING_FILE_INDEX_ALLOC:
        file_index += 1
    sqe.file_index = file_index & 0xFFFF_FFFF


def io_uring_prep_futex_wait(sqe: Any, futex: Any, val: int, mask: int, futex_flags: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_FUTEX_WAIT, sqe, futex_flags, futex, 0, val & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.futex_flags = flags & 0xFFFF_FFFF
    sqe.addr3 = mask & 0xFFFF_FFFF_FFFF_FFFF


def io_uring_prep_futex_wake(sqe: Any, futex: Any, val: int, mask: int, futex_flags: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_FUTEX_WAKE, sqe, futex_flags, futex, 0, val & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.futex_flags = flags & 0xFFFF_FFFF
    sqe.addr3 = mask & 0xFFFF_FFFF_FFFF_FFFF


def io_uring_prep_futex_waitv(sqe: Any, futexv: Any, nr_futex: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_FUTEX_WAITV, sqe, 0, futexv, nr_futex, 0)
    sqe.futex_flags = flags & 0xFFFF_FFFF


def io_uring_prep_msg_ring_fd(sqe: Any, fd: int, source_fd: int, target_fd: int, data: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, IORING_MSG_SEND_FD, 0, data)
    sqe.addr3 = source_fd & 0xFFFF_FFFF_FFFF_FFFF
    if target_fd & 0xFFFF_FFFF == IORING_FILE_INDEX_ALLOC:
        target_fd -= 1
    sqe.file_index = (target_fd + 1) & 0xFFFF_FFFF
    sqe.msg_ring_flags = flags & 0xFFFF_FFFF


def io_uring_prep_msg_ring_fd_alloc(sqe: Any, fd: int, source_fd: int, data: int, flags: int) -> None:
    io_uring_prep_msg_ring_fd(sqe, fd, source_fd, IORING_FILE_INDEX_ALLOC, data, flags)


def io_uring_prep_fixed_fd_install(sqe: Any, fd: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_FIXED_FD_INSTALL, sqe, fd, 0, 0, 0)
    sqe.flags = _IOSQE_FIXED_FILE
    sqe.install_fd_flags = flags & 0xFFFF_FFFF


def io_uring_prep_epoll_ctl(sqe: Any, epfd: int, fd: int, op: int, ev: Any) -> None:
    io_uring_prep_rw(IORING_OP_EPOLL_CTL, sqe, epfd, ev, op & 0xFFFF_FFFF, fd & 0xFFFF_FFFF)


def io_uring_prep_epoll_wait(sqe: Any, fd: int, events: Any, maxevents: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_EPOLL_WAIT, sqe, fd, events, maxevents & 0xFFFF_FFFF, 0)
    sqe.rw_flags = flags & 0xFFFF_FFFF


def _direct_slot(sqe: Any, file_index: int) -> None:
    """liburing's ``__io_uring_set_target_fixed_file``: the SQE holds slot + 1, and
    IORING_FILE_INDEX_ALLOC (the helpers decrement it first) comes out unchanged."""
    if file_index == IORING_FILE_INDEX_ALLOC:
        file_index -= 1
    sqe.file_index = (file_index + 1) & 0xFFFF_FFFF


def io_uring_prep_socket(sqe: Any, domain: int, type: int, protocol: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_SOCKET, sqe, domain, None, protocol, type & 0xFFFF_FFFF_FFFF_FFFF)
    sqe.rw_flags = flags & 0xFFFF_FFFF


def io_uring_prep_socket_direct(
    sqe: Any, domain: int, type: int, protocol: int, file_index: int, flags: int
) -> None:
    io_uring_prep_socket(sqe, domain, type, protocol, flags)
    _direct_slot(sqe, file_index)


def io_uring_prep_socket_direct_alloc(
    sqe: Any, domain: int, type: int, protocol: int, flags: int
) -> None:
    io_uring_prep_socket(sqe, domain, type, protocol, flags)
    sqe.file_index = IORING_FILE_INDEX_ALLOC


def io_uring_prep_bind(sqe: Any, fd: int, addr: Any, addrlen: int) -> None:
    io_uring_prep_rw(IORING_OP_BIND, sqe, fd, addr, 0, addrlen & 0xFFFF_FFFF_FFFF_FFFF)


def io_uring_prep_listen(sqe: Any, fd: int, backlog: int) -> None:
    io_uring_prep_rw(IORING_OP_LISTEN, sqe, fd, None, backlog & 0xFFFF_FFFF, 0)


def io_uring_prep_cmd_sock(
    sqe: Any, cmd_op: int, fd: int, level: int, optname: int, optval: Any, optlen: int
) -> None:
    io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, None, 0, 0)
    sqe.optval = 0 if optval is None else optval
    sqe.optlen = optlen & 0xFFFF_FFFF
    sqe.cmd_op = cmd_op
    sqe.addr = (level & 0xFFFF_FFFF) | (optname & 0xFFFF_FFFF) << 32


def io_uring_prep_connect(sqe: Any, fd: int, addr: Any, addrlen: int) -> None:
    io_uring_prep_rw(IORING_OP_CONNECT, sqe, fd, addr, 0, addrlen & 0xFFFF_FFFF_FFFF_FFFF)


def io_uring_prep_accept(sqe: Any, fd: int, addr: Any, addrlen: Any, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_ACCEPT, sqe, fd, addr, 0, 0)
    sqe.addr2 = addrlen  # socklen_t *: a 4-byte buffer (or None)
    sqe.accept_flags = flags & 0xFFFF_FFFF


def io_uring_prep_accept_direct(
    sqe: Any, fd: int, addr: Any, addrlen: Any, flags: int, file_index: int
) -> None:
    io_uring_prep_accept(sqe, fd, addr, addrlen, flags)
    _direct_slot(sqe, file_index)


def io_uring_prep_multishot_accept(sqe: Any, fd: int, addr: Any, addrlen: Any, flags: int) -> None:
    io_uring_prep_accept(sqe, fd, addr, addrlen, flags)
    sqe.ioprio = sqe.ioprio | IORING_ACCEPT_MULTISHOT


def io_uring_prep_multishot_accept_direct(
    sqe: Any, fd: int, addr: Any, addrlen: Any, flags: int
) -> None:
    io_uring_prep_multishot_accept(sqe, fd, addr, addrlen, flags)
    sqe.file_index = IORING_FILE_INDEX_ALLOC


AT_FDCWD = -100


def io_uring_prep_mkdirat(sqe: Any, dfd: int, path: Any, mode: int) -> None:
    io_uring_prep_rw(IORING_OP_MKDIRAT, sqe, dfd, path, mode & 0xFFFF_FFFF, 0)


def io_uring_prep_mkdir(sqe: Any, path: Any, mode: int) -> None:
    io_uring_prep_mkdirat(sqe, AT_FDCWD, path, mode)


def io_uring_prep_unlinkat(sqe: Any, dfd: int, path: Any, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_UNLINKAT, sqe, dfd, path, 0, 0)
    sqe.unlink_flags = flags & 0xFFFF_FFFF


def io_uring_prep_unlink(sqe: Any, path: Any, flags: int) -> None:
    io_uring_prep_unlinkat(sqe, AT_FDCWD, path, flags)


def io_uring_prep_renameat(
    sqe: Any, olddfd: int, oldpath: Any, newdfd: int, newpath: Any, flags: int
) -> None:
    io_uring_prep_rw(IORING_OP_RENAMEAT, sqe, olddfd, oldpath, newdfd & 0xFFFF_FFFF, newpath)
    sqe.rename_flags = flags & 0xFFFF_FFFF


def io_uring_prep_rename(sqe: Any, oldpath: Any, newpath: Any) -> None:
    io_uring_prep_renameat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0)


def io_uring_prep_symlinkat(sqe: Any, target: Any, newdirfd: int, linkpath: Any) -> None:
    io_uring_prep_rw(IORING_OP_SYMLINKAT, sqe, newdirfd, target, 0, linkpath)


def io_uring_prep_symlink(sqe: Any, target: Any, linkpath: Any) -> None:
    io_uring_prep_symlinkat(sqe, target, AT_FDCWD, linkpath)


def io_uring_prep_linkat(
    sqe: Any, olddfd: int, oldpath: Any, newdfd: int, newpath: Any, flags: int
) -> None:
    io_uring_prep_rw(IORING_OP_LINKAT, sqe, olddfd, oldpath, newdfd & 0xFFFF_FFFF, newpath)
    sqe.hardlink_flags = flags & 0xFFFF_FFFF


def io_uring_prep_link(sqe: Any, oldpath: Any, newpath: Any, flags: int) -> None:
    io_uring_prep_linkat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, flags)
