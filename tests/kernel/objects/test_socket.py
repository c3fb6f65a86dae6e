"""AF_UNIX stream socket pairs (net/unix/af_unix.c, net/socket.c) as syscalls and through io_uring.

The corner cases each pin one behaviour that the model once got wrong:

* ``unix_release_sock``: closing a socket whose receive queue still holds
  unread data leaves ECONNRESET pending on the peer (``sk_err``), reported
  once by a receive (``sock_error``) or by a send asleep for buffer space;
* ``unix_poll``: a socket whose peer is gone stays writable
  (POLLOUT|POLLWRNORM|POLLWRBAND) besides POLLHUP and POLLRDHUP|POLLIN;
* ``sock_read_iter``: a zero-length read(2)/READ is 0 at once, whereas a
  zero-length recv(2) (``unix_stream_recvmsg``) waits like any receive.
"""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EAGAIN, ECONNRESET, EPIPE, ESPIPE
from simuring.kernel.objects.socket import POLLWRBAND, UnixSocket
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_poll_add,
    io_uring_prep_read,
    io_uring_prep_write,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.syscalls import (
    AF_UNIX,
    MSG_DONTWAIT,
    SOCK_NONBLOCK,
    SOCK_STREAM,
    close,
    nanosleep,
    read,
    recv,
    send,
    socketpair,
    write,
)
from simuring.uapi import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM
from tests.helpers.procs import fd_object, run_threads, two_processes
from tests.helpers.ring import drain_flags, submit_one

#: what unix_poll reports for a socket whose peer closed (both directions shut)
PEER_GONE_MASK = POLLHUP | POLLRDHUP | POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLWRBAND


def test_socketpair_stream_blocking_between_two_processes() -> None:
    def setup(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        assert (yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) == 0
        return sv

    def parent(out: dict[str, Any], sv: list[int]) -> Any:
        yield from close(sv[1])  # as after fork: each side keeps its own end
        yield from nanosleep(10_000)
        assert (yield from send(sv[0], b"abc", 3, 0)) == 3
        assert (yield from send(sv[0], b"defgh", 5, 0)) == 5
        buf = bytearray(16)
        n = yield from recv(sv[0], buf, 16, 0)  # blocks until the child answers
        out["answer"] = bytes(buf[:n])
        yield from close(sv[0])

    def child(out: dict[str, Any], sv: list[int]) -> Any:
        yield from close(sv[0])
        buf = bytearray(64)
        got = b""
        while len(got) < 8:  # a stream: one read may return parts of both sends
            n = yield from recv(sv[1], buf, 64, 0)  # blocks while nothing is queued
            assert n > 0
            got += bytes(buf[:n])
        out["child"] = got
        assert (yield from write(sv[1], b"ok", 2)) == 2
        out["eof"] = yield from recv(sv[1], buf, 64, 0)

    out = two_processes(parent, child, setup)
    assert out["child"] == b"abcdefgh"  # stream: both sends, however split
    assert out["answer"] == b"ok"
    assert out["eof"] == 0


def test_socket_send_buffer_limit_and_dontwait() -> None:
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def body() -> Any:
        sv: list[int] = []
        assert (yield from socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) == 0
        buf = bytearray(16)
        res["empty"] = yield from recv(sv[1], buf, 16, 0)
        sent = 0
        chunk = bytes(65536)
        while True:
            n = yield from send(sv[0], chunk, len(chunk), 0)
            if n < 0:
                res["full"] = n
                break
            sent += n
        res["sent"] = sent
        sv2: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv2)
        res["dontwait"] = yield from recv(sv2[0], buf, 16, MSG_DONTWAIT)

    sim.spawn(body)
    sim.run()
    assert res["empty"] == -EAGAIN
    assert res["full"] == -EAGAIN
    assert 212992 <= res["sent"] < 212992 + 2 * 65536  # stops once wmem_default is in flight
    assert res["dontwait"] == -EAGAIN


# -- AF_UNIX: ECONNRESET -------------------------------------------------------------------
def test_unix_close_with_unread_data_leaves_econnreset_pending_once() -> None:
    """``unix_release_sock`` sets ECONNRESET on the peer when the closing socket
    had unread data; the peer reads its own queued data first, then gets the
    error once (``sock_error`` consumes it), then EOF.  POLLERR while pending.
    A close with an empty receive queue leaves no error: plain EOF."""

    def body(out: dict[str, Any]) -> Any:
        buf = bytearray(64)
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        a, b = sv
        yield from send(a, b"never read", 10, 0)  # sits unread in b's queue
        yield from send(b, b"for a", 5, 0)  # a has data of its own
        sock: UnixSocket = fd_object(a)
        yield from close(b)
        out["mask_pending"] = sock.poll_mask()
        out["reads"] = [
            (yield from recv(a, buf, 64, 0)),  # own data first: no error looked at
            (yield from recv(a, buf, 64, 0)),  # queue empty: the error, consumed
            (yield from read(a, buf, 64)),  # then EOF
        ]
        out["mask_after"] = sock.poll_mask()
        out["send"] = yield from send(a, b"x", 1, 0)

        clean: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, clean)
        yield from close(clean[1])  # nothing unread: no error
        out["clean_mask"] = fd_object(clean[0]).poll_mask()
        out["clean_read"] = yield from recv(clean[0], buf, 64, 0)

    out = run_threads(body)
    assert out["reads"] == [5, -ECONNRESET, 0]
    assert out["mask_pending"] & POLLERR
    assert out["mask_after"] == PEER_GONE_MASK  # POLLERR gone with the consumed error
    assert out["send"] == -EPIPE
    assert out["clean_mask"] == PEER_GONE_MASK
    assert out["clean_read"] == 0


def test_unix_blocked_sender_gets_econnreset_when_the_reader_closes() -> None:
    """A send asleep in ``sock_alloc_send_pskb`` (buffer full of unread data)
    when the reader closes: ``sock_error`` comes before the shut-down check,
    so the send returns -ECONNRESET (nothing of this call was queued) and the
    error is consumed: a later receive sees plain EOF."""

    def sender(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        out["sv"] = sv
        big = bytes(300_000)
        out["filled"] = yield from send(sv[0], big, len(big), MSG_DONTWAIT)
        out["blocked_send"] = yield from send(sv[0], b"0123456789", 10, 0)  # sleeps
        out["t_send"] = out["sim"].now
        out["recv"] = yield from recv(sv[0], bytearray(8), 8, MSG_DONTWAIT)

    def closer(out: dict[str, Any]) -> Any:
        yield from nanosleep(100_000)
        out["t_close"] = out["sim"].now
        yield from close(out["sv"][1])  # its queue is full of unread data

    out = run_threads(sender, closer)
    assert 0 < out["filled"] < 300_000
    assert out["blocked_send"] == -ECONNRESET
    assert out["t_send"] >= out["t_close"]
    assert out["recv"] == 0


# -- AF_UNIX: unix_poll ----------------------------------------------------------------------
def test_unix_poll_stays_writable_after_the_peer_is_gone() -> None:
    """``unix_poll`` sets POLLOUT|POLLWRNORM|POLLWRBAND whenever ``unix_writable``
    holds, also once the peer closed ("prevents stuck sockets"), next to
    POLLHUP (both directions shut) and POLLRDHUP|POLLIN|POLLRDNORM (receive
    side shut); an io_uring POLL_ADD(POLLOUT) then completes with POLLOUT."""

    def body(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        sock: UnixSocket = fd_object(sv[0])
        out["live"] = sock.poll_mask()
        yield from close(sv[1])
        out["gone"] = sock.poll_mask()
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        yield from submit_one(ring, io_uring_prep_poll_add, sv[0], POLLOUT, user_data=1)
        yield from nanosleep(10_000)
        out["cqes"] = drain_flags(ring)
        yield from io_uring_queue_exit(ring)

    out = run_threads(body)
    assert out["live"] == POLLOUT | POLLWRNORM | POLLWRBAND
    assert out["gone"] == PEER_GONE_MASK
    assert len(out["cqes"]) == 1
    user_data, res, _ = out["cqes"][0]
    assert user_data == 1 and res & POLLOUT and res & POLLHUP


# -- AF_UNIX: zero-length reads and offsets ---------------------------------------------------
def test_unix_zero_length_read_is_immediate_but_recv_waits() -> None:
    """``sock_read_iter`` answers a zero-length read(2) or io_uring READ with 0
    at once; recv(2) goes to ``unix_stream_recvmsg`` whose low-water target is
    at least one byte (``sock_rcvlowat``): -EAGAIN with MSG_DONTWAIT, else it
    sleeps until data arrives and returns 0 without consuming it."""

    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        out["sv"] = sv
        buf = bytearray(8)
        out["read0"] = yield from read(sv[1], buf, 0)
        out["t_read0"] = out["sim"].now
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        yield from submit_one(ring, io_uring_prep_read, sv[1], buf, 0, 0, user_data=7)
        yield from nanosleep(10_000)
        out["uring_read0"] = drain_flags(ring)
        yield from io_uring_queue_exit(ring)
        out["recv0_dontwait"] = yield from recv(sv[1], buf, 0, MSG_DONTWAIT)
        out["t0"] = out["sim"].now
        out["recv0"] = yield from recv(sv[1], buf, 0, 0)  # sleeps until the helper sends
        out["t_recv0"] = out["sim"].now
        n = yield from recv(sv[1], buf, 8, 0)
        out["data"] = bytes(buf[:n])

    def helper(out: dict[str, Any]) -> Any:
        yield from nanosleep(200_000)
        out["t_send"] = out["sim"].now
        yield from send(out["sv"][0], b"hi", 2, 0)

    out = run_threads(main, helper, until=50_000_000)
    assert out["read0"] == 0
    assert out["t_read0"] < out["t_send"]  # did not wait for the data
    assert out["uring_read0"] == [(7, 0, 0)]
    assert out["recv0_dontwait"] == -EAGAIN
    assert out["recv0"] == 0
    assert out["t_recv0"] >= out["t_send"] > out["t0"]
    assert out["data"] == b"hi"  # the zero-length recv consumed nothing


def test_io_uring_read_or_write_on_a_socket_at_an_offset_is_espipe():
    """sock_read_iter / sock_write_iter refuse a position other than 0 (-1: the current one)."""

    def body():
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sv = []
        assert (yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) == 0
        out = []
        for prep, buf in ((io_uring_prep_write, b"abcd"), (io_uring_prep_read, bytearray(4))):
            prep(io_uring_get_sqe(ring), sv[0], buf, 4, 8)
            yield from io_uring_submit_and_wait(ring, 1)
            yield from io_uring_wait_cqe(ring, cqe)
            out.append(cqe[0].res)
            io_uring_cqe_seen(ring, cqe[0])
        return out

    sim = Simulation(seed=1)
    t = sim.spawn(body)
    assert sim.run().task(t.name).value == [-ESPIPE, -ESPIPE]


def _send_and_receive_ns(sizes: tuple[int, ...], overrides: list[str]) -> dict[int, tuple[int, int]]:
    """On one CPU, for each size: what a send of that many bytes costs the task, and what
    receiving all of them back costs it (cpu_time around each)."""
    from simuring.host.current import current_task

    sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", *overrides])
    paid: dict[int, tuple[int, int]] = {}

    def task() -> Any:
        fds: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, fds)
        me = current_task()
        for size in sizes:
            before = me.cpu_time()
            yield from send(fds[0], bytearray(size), size, 0)
            sent = me.cpu_time()
            got = 0
            while got < size:
                got += yield from recv(fds[1], bytearray(size), size, 0)
            paid[size] = (sent - before, me.cpu_time() - sent)

    sim.spawn(task, cpu=0)
    sim.run()
    return paid


def test_a_large_send_is_split_into_skbs_of_a_head_and_page_fragments() -> None:
    """unix_stream_sendmsg: at most SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ bytes per skb,
    and each page of fragments costs unix.skb_page_ns."""
    from simuring.kernel.objects.socket import SKB_MAX_HEAD, UNIX_SKB_FRAGS_SZ

    sizes = (SKB_MAX_HEAD, SKB_MAX_HEAD + 1, 65536)

    def sends(page_ns: int) -> dict[int, int]:
        return {size: ns[0] for size, ns in _send_and_receive_ns(sizes, [f"unix.skb_page_ns={page_ns}"]).items()}

    free, priced = sends(0), sends(1000)
    extra = {size: priced[size] - free[size] for size in sizes}
    assert extra[SKB_MAX_HEAD] == 0  # all in the head
    assert extra[SKB_MAX_HEAD + 1] == 1000  # one page of fragments
    first = SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ  # 64 KiB: two skbs, 8 and 7 pages of fragments
    assert extra[65536] == 1000 * (-(-(first - SKB_MAX_HEAD) // 4096) + -(-(65536 - first - SKB_MAX_HEAD) // 4096)) == 15_000


def test_fragment_pages_come_in_blocks_of_up_to_eight() -> None:
    """alloc_skb_with_frags: each allocation the largest block of at most 8 pages that the
    pages still wanted fill, so 3 pages take two allocations and 8 pages one."""
    from simuring.kernel.objects.socket import frag_blocks

    assert [frag_blocks(p) for p in range(10)] == [0, 1, 1, 2, 1, 2, 2, 3, 1, 2]
    assert frag_blocks(15) == 4  # 8 + 4 + 2 + 1
    assert frag_blocks(16) == 2


def test_the_sender_allocates_fragment_blocks_and_the_receiver_frees_them() -> None:
    """unix.skb_frag_alloc_ns is paid by the send per block of fragments
    (sock_alloc_send_pskb), unix.skb_frag_free_ns by the receive that consumes the
    skb (consume_skb): 12 KiB of data is a head and 3 pages in two blocks, 16 KiB a
    head and 4 pages in one, 64 KiB two skbs of 8 and 7 pages, four blocks."""
    sizes = (64, 12288, 16384, 65536)

    def costs(alloc_ns: int, free_ns: int) -> dict[int, tuple[int, int]]:
        return _send_and_receive_ns(sizes, [f"unix.skb_frag_alloc_ns={alloc_ns}", f"unix.skb_frag_free_ns={free_ns}"])

    base, alloc, free = costs(0, 0), costs(1000, 0), costs(0, 100)
    blocks = {64: 0, 12288: 2, 16384: 1, 65536: 4}
    for size in sizes:
        assert alloc[size][0] - base[size][0] == 1000 * blocks[size]  # the send's
        assert alloc[size][1] == base[size][1]
        assert free[size][0] == base[size][0]
        assert free[size][1] - base[size][1] == 100 * blocks[size]  # the receive's
