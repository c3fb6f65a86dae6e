"""Provided buffers (io_uring/kbuf.c): PROVIDE/REMOVE_BUFFERS, buffer rings and IOSQE_BUFFER_SELECT."""

from __future__ import annotations

from typing import Any

import pytest

from simuring.abi.errno import (
    E2BIG,
    EBADF,
    ECANCELED,
    EEXIST,
    EFAULT,
    EINVAL,
    ENOBUFS,
    ENOENT,
    EOPNOTSUPP,
)
from simuring.kernel.kbuf import (
    BufferList,
    LegacyBuf,
    Selection,
    kbuf_commit,
    put_kbuf,
    user_offset,
)
from simuring.liburing import (
    Ring,
    io_uring_buf_ring_add,
    io_uring_buf_ring_advance,
    io_uring_buf_ring_head,
    io_uring_buf_ring_mask,
    io_uring_free_buf_ring,
    io_uring_get_sqe,
    io_uring_prep_cancel64,
    io_uring_prep_nop,
    io_uring_prep_provide_buffers,
    io_uring_prep_read,
    io_uring_prep_readv,
    io_uring_prep_recv,
    io_uring_prep_remove_buffers,
    io_uring_prep_send,
    io_uring_prep_write,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_register,
    io_uring_setup_buf_ring,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import AF_UNIX, SOCK_STREAM, close, pipe, send, socketpair, write
from simuring.uapi import (
    IORING_CQE_BUFFER_SHIFT,
    IORING_CQE_F_BUF_MORE,
    IORING_CQE_F_BUFFER,
    IORING_REGISTER_PBUF_RING,
    IORING_REGISTER_PBUF_STATUS,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOU_PBUF_RING_INC,
    BufReg,
    BufRing,
    BufStatus,
)
from tests.helpers.procs import run_threads
from tests.helpers.ring import reap_flags

BS = IOSQE_BUFFER_SELECT


def buf_flags(bid: int) -> int:
    return IORING_CQE_F_BUFFER | (bid << IORING_CQE_BUFFER_SHIFT)


def _sqe(ring: Ring, user_data: int, flags: int = 0) -> Any:
    sqe = io_uring_get_sqe(ring)
    io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def provide(ring: Ring, mem: Any, length: int, nr: int, bgid: int, bid: int, user_data: int) -> Any:
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_provide_buffers(sqe, mem, length, nr, bgid, bid)
    io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def remove(ring: Ring, nr: int, bgid: int, user_data: int) -> Any:
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_remove_buffers(sqe, nr, bgid)
    io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def read_sel(ring: Ring, fd: int, length: int, bgid: int, user_data: int, flags: int = 0) -> Any:
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_read(sqe, fd, None, length, -1)
    sqe.buf_group = bgid
    io_uring_sqe_set_data64(sqe, user_data)
    io_uring_sqe_set_flags(sqe, BS | flags)
    return sqe


def run(body: Any) -> dict[str, Any]:
    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(16, ring, 0)
        yield from body(ring, out)
        yield from io_uring_queue_exit(ring)

    return run_threads(main)


def submit_reap(ring: Ring, n: int) -> Any:
    yield from io_uring_submit(ring)
    return (yield from reap_flags(ring, n))


# -- the kernel side's helpers -------------------------------------------------------------
def test_user_offset_views_and_ints() -> None:
    mem = bytearray(b"0123456789")
    assert bytes(user_offset(mem, 4)) == b"456789"
    assert user_offset(mem, 0) is mem
    assert bytes(user_offset(mem, 20)) == b""
    assert user_offset(0x1000, 16) == 0x1010
    assert user_offset(object(), 1) is None


def test_commit_plain_and_incremental() -> None:
    bl = BufferList(1)
    bl.ring = BufRing(4)
    bl.mask = 3
    assert kbuf_commit(bl, 10, 1) and bl.head == 1
    assert kbuf_commit(bl, -5, 1) and bl.head == 1  # a failed transfer consumes nothing
    bl.inc = True
    bl.ring.bufs[1].addr, bl.ring.bufs[1].len = bytearray(8), 8
    assert not kbuf_commit(bl, 3, 1)  # 5 bytes left in the head buffer
    assert bl.head == 1 and bl.ring.bufs[1].len == 5 and len(bl.ring.bufs[1].addr) == 5
    assert kbuf_commit(bl, 5, 1) and bl.head == 2
    assert not kbuf_commit(bl, 0, 1)  # nothing transferred: the buffer stays


def test_put_kbuf_flags() -> None:
    legacy = Selection(bytearray(4), 4, 7, LegacyBuf(bytearray(4), 4, 7, 1), None)
    assert put_kbuf(legacy, 4) == buf_flags(7)
    bl = BufferList(2)
    bl.ring, bl.mask, bl.inc = BufRing(2), 1, True
    bl.ring.bufs[0].addr, bl.ring.bufs[0].len = bytearray(8), 8
    ring_sel = Selection(bl.ring.bufs[0].addr, 8, 3, None, bl)
    assert put_kbuf(ring_sel, 2) == buf_flags(3) | IORING_CQE_F_BUF_MORE
    assert bl.head == 0


# -- PROVIDE_BUFFERS / REMOVE_BUFFERS ---------------------------------------------------------
def test_provide_then_remove_counts() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        provide(ring, bytearray(40), 10, 4, 1, 0, 1)
        remove(ring, 3, 1, 2)
        remove(ring, 3, 1, 3)
        remove(ring, 1, 2, 4)
        out["cqes"] = yield from submit_reap(ring, 4)

    assert run(body)["cqes"] == [(1, 0, 0), (2, 3, 0), (3, 1, 0), (4, -ENOENT, 0)]


@pytest.mark.parametrize(
    ("length", "nr", "bid", "res"),
    [(1, 0, 0, -E2BIG), (1, 65537, 0, -E2BIG), (1, -1, 0, -E2BIG), (0, 1, 0, -EINVAL), (1, 1, 65536, -E2BIG), (1, 2, 65535, -EINVAL), (1, 1, 65535, 0)],
)
def test_provide_prep_checks(length: int, nr: int, bid: int, res: int) -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        provide(ring, bytearray(8), length, nr, 1, bid, 1)
        out["cqes"] = yield from submit_reap(ring, 1)

    assert run(body)["cqes"] == [(1, res, 0)]


def test_provide_address_checks() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        provide(ring, 0xFFFF_FFFF_FFFF_F000, 4096, 2, 1, 0, 1)
        yield from io_uring_submit(ring)
        provide(ring, 0xFFFF_8000_0000_0000, 4096, 1, 1, 0, 2)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)

    from simuring.abi.errno import EOVERFLOW

    assert run(body)["cqes"] == [(1, -EOVERFLOW, 0), (2, -EFAULT, 0)]


def test_every_field_combination_is_an_errno() -> None:
    """Odd field values (objects where ints go) give -errno CQEs, never a Python exception."""

    def body(ring: Ring, out: dict[str, Any]) -> Any:
        # (the core copies len, fd and the flag words into int fields first: a non-int there is
        # the core's business, a TypeError in the compiled build; a len of 2^32 reads as 0)
        for ud, (field, value) in enumerate((("addr", object()), ("off", "x"), ("len", 1 << 32), ("buf_index", "g")), 1):
            sqe = provide(ring, bytearray(8), 8, 1, 1, 0, ud)
            setattr(sqe, field, value)
            yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 4)

    res = [c[1] for c in run(body)["cqes"]]
    assert res[0] == 0  # an object where memory goes: accepted, faults when used
    assert all(r == -EINVAL for r in res[1:])


# -- buffer selection ------------------------------------------------------------------------
def test_read_selects_in_order_and_reports_ids() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        mem = bytearray(6)
        provide(ring, mem, 3, 2, 4, 10, 1)
        yield from write(fds[1], b"abcdef", 6)
        read_sel(ring, fds[0], 100, 4, 2)
        read_sel(ring, fds[0], 100, 4, 3)
        read_sel(ring, fds[0], 100, 4, 4)
        out["cqes"] = yield from submit_reap(ring, 4)
        out["mem"] = bytes(mem)

    out = run(body)
    assert out["cqes"] == [(1, 0, 0), (2, 3, buf_flags(10)), (3, 3, buf_flags(11)), (4, -ENOBUFS, 0)]
    assert out["mem"] == b"abcdef"


def test_buffer_select_refused_by_ops_without_it() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        sqe = _sqe(ring, 1)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 1)
        io_uring_sqe_set_flags(sqe, BS)
        yield from io_uring_submit(ring)
        sqe = _sqe(ring, 2)
        io_uring_prep_write(sqe, 1, b"x", 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        io_uring_sqe_set_flags(sqe, BS)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)

    assert run(body)["cqes"] == [(1, -EOPNOTSUPP, 0), (2, -EOPNOTSUPP, 0)]


def test_waiting_read_holds_legacy_buffer_and_cancel_names_it() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        provide(ring, bytearray(8), 8, 1, 1, 6, 1)
        read_sel(ring, fds[0], 8, 1, 2)
        out["first"] = yield from submit_reap(ring, 1)
        remove(ring, 1, 1, 3)
        out["remove"] = yield from submit_reap(ring, 1)
        sqe = _sqe(ring, 4)
        io_uring_prep_cancel64(sqe, 2, 0)
        io_uring_sqe_set_data64(sqe, 4)
        out["cancel"] = yield from submit_reap(ring, 2)

    out = run(body)
    assert out["remove"] == [(3, 0, 0)]  # the waiting READ holds the only buffer
    assert sorted(out["cancel"]) == [(2, -ECANCELED, buf_flags(6)), (4, 0, 0)]


def test_read_error_after_select_legacy_names_buffer_ring_does_not() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        provide(ring, bytearray(8), 8, 1, 1, 2, 1)
        read_sel(ring, fds[1], 8, 1, 2)  # the write end: -EBADF after the selection
        out["legacy"] = yield from submit_reap(ring, 2)
        err = [0]
        br = yield from io_uring_setup_buf_ring(ring, 2, 3, 0, err)
        io_uring_buf_ring_add(br, bytearray(4), 4, 9, io_uring_buf_ring_mask(2), 0)
        io_uring_buf_ring_advance(br, 1)
        read_sel(ring, fds[1], 4, 3, 3)
        out["ring"] = yield from submit_reap(ring, 1)
        head = [5]
        out["head_ret"] = yield from io_uring_buf_ring_head(ring, 3, head)
        out["head"] = head[0]

    out = run(body)
    assert out["legacy"] == [(1, 0, 0), (2, -EBADF, buf_flags(2))]
    assert out["ring"] == [(3, -EBADF, 0)]
    assert (out["head_ret"], out["head"]) == (0, 0)


def test_readv_select_needs_one_iovec() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        mem = bytearray(8)
        provide(ring, mem, 8, 1, 1, 0, 1)
        yield from write(fds[1], b"abcdef", 6)
        sqe = _sqe(ring, 2)
        io_uring_prep_readv(sqe, fds[0], [bytearray(2)], 1, 0)
        sqe.buf_group = 1
        io_uring_sqe_set_data64(sqe, 2)
        io_uring_sqe_set_flags(sqe, BS)
        out["ok"] = yield from submit_reap(ring, 2)
        sqe = _sqe(ring, 3)
        io_uring_prep_readv(sqe, fds[0], [bytearray(2), bytearray(2)], 2, 0)
        io_uring_sqe_set_data64(sqe, 3)
        io_uring_sqe_set_flags(sqe, BS)
        out["two"] = yield from submit_reap(ring, 1)
        out["mem"] = bytes(mem[:2])

    out = run(body)
    assert out["ok"] == [(1, 0, 0), (2, 2, buf_flags(0))]
    assert out["two"] == [(3, -EINVAL, 0)]
    assert out["mem"] == b"ab"


def test_async_read_selects_in_iowq() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        provide(ring, bytearray(8), 4, 2, 1, 0, 1)
        yield from write(fds[1], b"12345678", 8)
        read_sel(ring, fds[0], 4, 1, 2, IOSQE_ASYNC)
        out["cqes"] = yield from submit_reap(ring, 2)

    assert run(body)["cqes"] == [(1, 0, 0), (2, 4, buf_flags(0))]


# -- RECV / SEND ------------------------------------------------------------------------------
def test_recv_waits_without_its_buffer_and_eof_gives_it_back() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        provide(ring, bytearray(8), 8, 1, 1, 5, 1)
        sqe = _sqe(ring, 2)
        io_uring_prep_recv(sqe, sv[0], None, 8, 0)
        sqe.buf_group = 1
        io_uring_sqe_set_data64(sqe, 2)
        io_uring_sqe_set_flags(sqe, BS)
        out["provide"] = yield from submit_reap(ring, 1)
        remove(ring, 1, 1, 3)
        out["remove"] = yield from submit_reap(ring, 1)  # the waiting RECV holds nothing
        provide(ring, bytearray(8), 8, 1, 1, 6, 4)
        out["again"] = yield from submit_reap(ring, 1)
        yield from close(sv[1])
        out["eof"] = yield from reap_flags(ring, 1)
        remove(ring, 1, 1, 5)
        out["left"] = yield from submit_reap(ring, 1)

    out = run(body)
    assert out["remove"] == [(3, 1, 0)]
    assert out["eof"] == [(2, 0, 0)]  # end of stream: no buffer named, it went back
    assert out["left"] == [(5, 1, 0)]


def test_send_select_ring_cut_to_length() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        err = [0]
        br = yield from io_uring_setup_buf_ring(ring, 2, 1, 0, err)
        io_uring_buf_ring_add(br, bytearray(b"abcdef"), 6, 4, io_uring_buf_ring_mask(2), 0)
        io_uring_buf_ring_advance(br, 1)
        sqe = _sqe(ring, 1)
        io_uring_prep_send(sqe, sv[0], None, 2, 0)
        sqe.buf_group = 1
        io_uring_sqe_set_data64(sqe, 1)
        io_uring_sqe_set_flags(sqe, BS)
        out["cqes"] = yield from submit_reap(ring, 1)
        out["entry_len"] = br.bufs[0].len
        sqe = _sqe(ring, 2)
        io_uring_prep_send(sqe, sv[0], None, 2, 0)
        sqe.buf_group = 9
        io_uring_sqe_set_data64(sqe, 2)
        io_uring_sqe_set_flags(sqe, BS)
        out["missing"] = yield from submit_reap(ring, 1)
        out["free"] = yield from io_uring_free_buf_ring(ring, br, 2, 1)

    out = run(body)
    assert out["cqes"] == [(1, 2, buf_flags(4))]
    assert out["entry_len"] == 2  # the ring entry was cut to what was sent
    assert out["missing"] == [(2, -ENOENT, 0)]
    assert out["free"] == 0


# -- buffer rings -----------------------------------------------------------------------------
def test_ring_register_checks() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        res = []
        for nentries in (3, 65536):
            err = [0]
            br = yield from io_uring_setup_buf_ring(ring, nentries, 1, 0, err)
            res.append((br is None, err[0]))
        fd = ring.ring_fd
        res.append((yield from io_uring_register(fd, IORING_REGISTER_PBUF_RING, BufReg(ring_entries=4, bgid=1), 1)))
        res.append((yield from io_uring_register(fd, IORING_REGISTER_PBUF_RING, BufReg(ring_addr=0x1008, ring_entries=4), 1)))
        res.append((yield from io_uring_register(fd, IORING_REGISTER_PBUF_RING, "no struct", 1)))
        res.append((yield from io_uring_register(fd, IORING_REGISTER_PBUF_RING, BufReg(), 0)))
        err = [0]
        yield from io_uring_setup_buf_ring(ring, 4, 1, 0, err)
        yield from io_uring_setup_buf_ring(ring, 4, 1, 0, err)
        res.append(err[0])
        res.append((yield from io_uring_register(fd, IORING_REGISTER_PBUF_STATUS, BufStatus(buf_group=2), 1)))
        out["res"] = res

    assert run(body)["res"] == [(True, -EINVAL), (True, -EINVAL), -EFAULT, -EINVAL, -EFAULT, -EINVAL, -EEXIST, -ENOENT]


def test_incremental_ring_reports_buf_more() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        err = [0]
        br = yield from io_uring_setup_buf_ring(ring, 2, 1, IOU_PBUF_RING_INC, err)
        mem = bytearray(8)
        io_uring_buf_ring_add(br, mem, 8, 3, io_uring_buf_ring_mask(2), 0)
        io_uring_buf_ring_advance(br, 1)
        yield from write(fds[1], b"xyz", 3)
        read_sel(ring, fds[0], 0, 1, 1)
        out["a"] = yield from submit_reap(ring, 1)
        yield from write(fds[1], b"12345", 5)
        read_sel(ring, fds[0], 0, 1, 2)
        out["b"] = yield from submit_reap(ring, 1)
        out["mem"] = bytes(mem)

    out = run(body)
    assert out["a"] == [(1, 3, buf_flags(3) | IORING_CQE_F_BUF_MORE)]
    assert out["b"] == [(2, 5, buf_flags(3))]
    assert out["mem"] == b"xyz12345"


def test_ring_recv_head_moves_only_on_completion() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        err = [0]
        br = yield from io_uring_setup_buf_ring(ring, 4, 2, 0, err)
        io_uring_buf_ring_add(br, bytearray(8), 8, 0, io_uring_buf_ring_mask(4), 0)
        io_uring_buf_ring_advance(br, 1)
        sqe = _sqe(ring, 1)
        io_uring_prep_recv(sqe, sv[0], None, 8, 0)
        sqe.buf_group = 2
        io_uring_sqe_set_data64(sqe, 1)
        io_uring_sqe_set_flags(sqe, BS)
        yield from io_uring_submit(ring)
        head = [9]
        yield from io_uring_buf_ring_head(ring, 2, head)
        out["waiting"] = head[0]
        yield from send(sv[1], b"hi", 2, 0)
        out["cqes"] = yield from reap_flags(ring, 1)
        yield from io_uring_buf_ring_head(ring, 2, head)
        out["done"] = head[0]

    out = run(body)
    assert (out["waiting"], out["done"]) == (0, 1)
    assert out["cqes"] == [(1, 2, buf_flags(0))]


def test_garbage_in_ring_memory_is_no_exception() -> None:
    """The ring is user memory: entries holding nonsense give -errno CQEs, never a Python exception."""

    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        err = [0]
        br = yield from io_uring_setup_buf_ring(ring, 2, 1, IOU_PBUF_RING_INC, err)
        br.bufs[0].addr, br.bufs[0].len, br.bufs[0].bid = "not memory", "x", None
        br.bufs[0].resv = 1  # the tail: one entry published
        yield from write(fds[1], b"abc", 3)
        read_sel(ring, fds[0], 3, 1, 1)
        out["cqes"] = yield from submit_reap(ring, 1)
        br.bufs[0].resv = "tail"
        read_sel(ring, fds[0], 3, 1, 2)
        out["empty"] = yield from submit_reap(ring, 1)

    out = run(body)
    # a length of 0 (what a non-integer reads as): a 0-byte read into the buffer, which an
    # incremental ring keeps (nothing consumed: IORING_CQE_F_BUF_MORE)
    assert out["cqes"] == [(1, 0, buf_flags(0) | IORING_CQE_F_BUF_MORE)]
    assert out["empty"] == [(2, -ENOBUFS, 0)]


# -- multishot RECV ---------------------------------------------------------------------------
def _recv_mshot(ring: Ring, fd: int, bgid: int, user_data: int, length: int = 0) -> Any:
    from simuring.uapi import IORING_RECV_MULTISHOT

    sqe = _sqe(ring, user_data)
    io_uring_prep_recv(sqe, fd, None, length, 0)
    sqe.buf_group = bgid
    sqe.ioprio = IORING_RECV_MULTISHOT
    io_uring_sqe_set_data64(sqe, user_data)
    io_uring_sqe_set_flags(sqe, BS)
    return sqe


def test_multishot_recv_loops_past_the_retry_cap_in_order() -> None:
    """40 one-byte buffers and 40 queued bytes: 40 CQEs in buffer order, all with F_MORE (the
    request requeues after 32 receives in a row and goes on), then -ENOBUFS ends it."""
    from simuring.uapi import IORING_CQE_F_MORE

    def body(ring: Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        provide(ring, bytearray(40), 1, 40, 1, 0, 1)
        out["provide"] = yield from submit_reap(ring, 1)
        _recv_mshot(ring, sv[0], 1, 2)
        yield from io_uring_submit(ring)
        yield from send(sv[1], bytes(range(40)), 40, 0)
        out["cqes"] = yield from reap_flags(ring, 40)
        yield from send(sv[1], b"x", 1, 0)
        out["end"] = yield from reap_flags(ring, 1)

    out = run_big(body)
    cqes = out["cqes"]
    assert [c[2] >> IORING_CQE_BUFFER_SHIFT for c in cqes] == list(range(40))
    assert all(c[1] == 1 and c[2] & IORING_CQE_F_MORE for c in cqes)
    assert out["end"] == [(2, -ENOBUFS, 0)]


def run_big(body: Any) -> dict[str, Any]:
    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(64, ring, 0)
        yield from body(ring, out)
        yield from io_uring_queue_exit(ring)

    return run_threads(main)


def test_multishot_recv_needs_buffer_select() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        sqe = _recv_mshot(ring, sv[0], 1, 1)
        io_uring_sqe_set_flags(sqe, 0)
        out["cqes"] = yield from submit_reap(ring, 1)

    assert run(body)["cqes"] == [(1, -EINVAL, 0)]
