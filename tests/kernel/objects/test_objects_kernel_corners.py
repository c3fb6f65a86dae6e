"""Kernel corner cases of the AF_UNIX stream socket and eventfd objects.

Each test pins one behaviour of net/unix/af_unix.c, net/socket.c or
fs/eventfd.c that the model once got wrong:

* ``unix_release_sock``: closing a socket whose receive queue still holds
  unread data leaves ECONNRESET pending on the peer (``sk_err``), reported
  once by a receive (``sock_error``) or by a send asleep for buffer space;
* ``unix_poll``: a socket whose peer is gone stays writable
  (POLLOUT|POLLWRNORM|POLLWRBAND) besides POLLHUP and POLLRDHUP|POLLIN;
* ``sock_read_iter``: a zero-length read(2)/READ is 0 at once, whereas a
  zero-length recv(2) (``unix_stream_recvmsg``) waits like any receive;
* ``eventfd_poll``: only EPOLLIN/EPOLLOUT/EPOLLERR, never RDNORM/WRNORM;
* ``eventfd_write``: even a write of 0 wakes the wait queue with EPOLLIN.
"""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EAGAIN, ECONNRESET, EPIPE
from simuring.host.current import current_task
from simuring.kernel.objects.base import WaitEntry
from simuring.kernel.objects.eventfd import EventFd
from simuring.kernel.objects.socket import POLLWRBAND, UnixSocket
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_peek_cqe,
    io_uring_prep_poll_add,
    io_uring_prep_read,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import (
    AF_UNIX,
    MSG_DONTWAIT,
    SOCK_STREAM,
    close,
    eventfd,
    eventfd_write,
    nanosleep,
    read,
    recv,
    send,
    socketpair,
)
from simuring.uapi import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM

#: what unix_poll reports for a socket whose peer closed (both directions shut)
PEER_GONE_MASK = POLLHUP | POLLRDHUP | POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLWRBAND


def run(*bodies: Any, until: int | None = None) -> dict[str, Any]:
    """Run ``bodies`` as threads of one process (one fd table), sharing ``out``."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {"sim": sim}
    first = None
    for i, body in enumerate(bodies):
        kw: dict[str, Any] = {} if first is None else {"process": first.process}
        t = sim.spawn(body, out, name=f"t{i}", cpu=i, **kw)
        first = first or t
    if until is None:
        sim.run()
    else:
        sim.run(until=until)
    return out


def fd_object(fd: int) -> Any:
    """The object behind descriptor ``fd`` of the running task."""
    return current_task().process.fds.get(fd)


def drain_cqes(ring: Ring) -> list[tuple[int, int, int]]:
    cqe = Cqe()
    got = []
    while io_uring_peek_cqe(ring, cqe) == 0:
        c = cqe[0]
        got.append((c.user_data, c.res, c.flags))
        io_uring_cqe_seen(ring, c)
    return got


def submit_one(ring: Ring, prep: Any, *args: Any, user_data: int) -> Any:
    sqe = io_uring_get_sqe(ring)
    assert sqe is not None
    prep(sqe, *args)
    io_uring_sqe_set_data64(sqe, user_data)
    return (yield from io_uring_submit(ring))


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

    out = run(body)
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

    out = run(sender, closer)
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
        out["cqes"] = drain_cqes(ring)
        yield from io_uring_queue_exit(ring)

    out = run(body)
    assert out["live"] == POLLOUT | POLLWRNORM | POLLWRBAND
    assert out["gone"] == PEER_GONE_MASK
    assert len(out["cqes"]) == 1
    user_data, res, _ = out["cqes"][0]
    assert user_data == 1 and res & POLLOUT and res & POLLHUP


# -- AF_UNIX: zero-length reads ---------------------------------------------------------------
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
        out["uring_read0"] = drain_cqes(ring)
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

    out = run(main, helper, until=50_000_000)
    assert out["read0"] == 0
    assert out["t_read0"] < out["t_send"]  # did not wait for the data
    assert out["uring_read0"] == [(7, 0, 0)]
    assert out["recv0_dontwait"] == -EAGAIN
    assert out["recv0"] == 0
    assert out["t_recv0"] >= out["t_send"] > out["t0"]
    assert out["data"] == b"hi"  # the zero-length recv consumed nothing


# -- eventfd ----------------------------------------------------------------------------------
def test_eventfd_poll_reports_no_rdnorm_or_wrnorm() -> None:
    """``eventfd_poll`` reports EPOLLIN, EPOLLOUT and EPOLLERR only: a POLL_ADD
    for POLLIN|POLLRDNORM completes with POLLIN alone."""

    def body(out: dict[str, Any]) -> Any:
        efd = yield from eventfd(1, 0)
        out["mask"] = fd_object(efd).poll_mask()
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        yield from submit_one(ring, io_uring_prep_poll_add, efd, POLLIN | POLLRDNORM, user_data=1)
        yield from submit_one(ring, io_uring_prep_poll_add, efd, POLLOUT | POLLWRNORM, user_data=2)
        yield from nanosleep(10_000)
        out["cqes"] = sorted(drain_cqes(ring))
        yield from io_uring_queue_exit(ring)

    out = run(body)
    assert out["mask"] == POLLIN | POLLOUT
    assert out["cqes"] == [(1, POLLIN, 0), (2, POLLOUT, 0)]


def test_eventfd_write_of_zero_still_wakes_with_pollin() -> None:
    """``eventfd_write`` wakes its wait queue keyed EPOLLIN after every
    successful add, a value of 0 included (the counter stays 0)."""

    def body(out: dict[str, Any]) -> Any:
        efd = yield from eventfd(0, 0)
        obj: EventFd = fd_object(efd)
        keys: list[int] = []
        obj.wq.add(WaitEntry(POLLIN, func=lambda by, events: keys.append(events)))
        out["ret"] = yield from eventfd_write(efd, 0)
        out["keys"] = keys
        out["count"] = obj.count

    out = run(body)
    assert out["ret"] == 0
    assert out["keys"] == [POLLIN]
    assert out["count"] == 0


def test_io_uring_read_or_write_on_a_socket_at_an_offset_is_espipe():
    """sock_read_iter / sock_write_iter refuse a position other than 0 (-1: the current one)."""
    from simuring import Simulation
    from simuring.abi.errno import ESPIPE
    from simuring.liburing import (
        Cqe,
        Ring,
        io_uring_cqe_seen,
        io_uring_get_sqe,
        io_uring_prep_read,
        io_uring_prep_write,
        io_uring_queue_init,
        io_uring_submit_and_wait,
        io_uring_wait_cqe,
    )
    from simuring.syscalls import AF_UNIX, SOCK_STREAM, socketpair

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
