"""READ and WRITE (io_uring/rw.c) on pipes, sockets, eventfds and regular files; fast poll; io-wq."""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EBADF, ECANCELED, EFAULT, EINVAL
from simuring.kernel.objects.pipe import PIPE_SLOTS
from simuring.kernel.objects.regfile import create_file
from simuring.liburing import (
    Ring,
    io_uring_cq_ready,
    io_uring_prep_nop,
    io_uring_prep_read,
    io_uring_prep_readv,
    io_uring_prep_write,
    io_uring_prep_writev,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_submit,
)
from simuring.syscalls import (
    AF_UNIX,
    SOCK_STREAM,
    eventfd,
    eventfd_write,
    nanosleep,
    open,
    pipe,
    read,
    send,
    socketpair,
    write,
)
from simuring.uapi import IOSQE_ASYNC, IOSQE_IO_LINK
from tests.helpers.procs import run_pair
from tests.helpers.ring import prep, reap_flags


# -- pipes through io_uring ---------------------------------------------------------------
def test_read_on_empty_pipe_completes_when_another_task_writes() -> None:
    def main(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        out["fds"] = fds
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        buf = bytearray(32)
        prep(ring, io_uring_prep_read, fds[0], buf, 32, 0, user_data=7)
        assert (yield from io_uring_submit(ring)) == 1
        out["ready_after_submit"] = io_uring_cq_ready(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        out["t_done"] = out["sim"].now
        out["data"] = bytes(buf[: out["cqes"][0][1]])
        yield from io_uring_queue_exit(ring)

    def helper(out: dict[str, Any]) -> Any:
        yield from nanosleep(40_000)
        out["t_write"] = out["sim"].now
        assert (yield from write(out["fds"][1], b"via poll", 8)) == 8

    sim, out = run_pair(main, helper)
    assert out["ready_after_submit"] == 0  # parked on the pipe, not completed inline
    assert out["cqes"] == [(7, 8, 0)]
    assert out["data"] == b"via poll"
    assert out["t_done"] > out["t_write"]
    main_task = sim.tasks[0]
    assert sim.kernel.iowqs.get(main_task.tid) is None  # fast poll, no io-wq punt


def test_blocked_write_resumes_when_reader_drains() -> None:
    page = bytes(4096)

    def main(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        out["fds"] = fds
        for _ in range(PIPE_SLOTS):
            assert (yield from write(fds[1], page, 4096)) == 4096  # now full
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_write, fds[1], b"tail", 4, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["ready_after_submit"] = io_uring_cq_ready(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        out["t_done"] = out["sim"].now
        yield from io_uring_queue_exit(ring)

    def helper(out: dict[str, Any]) -> Any:
        yield from nanosleep(30_000)
        out["t_read"] = out["sim"].now
        buf = bytearray(4096)
        assert (yield from read(out["fds"][0], buf, 4096)) == 4096

    _, out = run_pair(main, helper)
    assert out["ready_after_submit"] == 0
    assert out["cqes"] == [(1, 4, 0)]
    assert out["t_done"] > out["t_read"]


def test_inline_read_when_data_is_there_and_bad_fd() -> None:
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def main() -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        yield from write(fds[1], b"abcdef", 6)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        a, b = bytearray(2), bytearray(4)
        prep(ring, io_uring_prep_readv, fds[0], [a, b], 2, 0, user_data=1)
        prep(ring, io_uring_prep_read, 77, bytearray(4), 4, 0, user_data=2)
        prep(ring, io_uring_prep_writev, fds[1], [b"xy", b"z"], 2, 0, user_data=3)
        yield from io_uring_submit(ring)
        out["ready"] = io_uring_cq_ready(ring)  # all three completed inline
        out["cqes"] = yield from reap_flags(ring, 3)
        out["bufs"] = (bytes(a), bytes(b))
        tail = bytearray(8)
        out["tail"] = bytes(tail[: (yield from read(fds[0], tail, 8))])
        yield from io_uring_queue_exit(ring)

    sim.spawn(main)
    sim.run()
    assert out["ready"] == 3
    assert out["cqes"] == [(1, 6, 0), (2, -EBADF, 0), (3, 3, 0)]
    assert out["bufs"] == (b"ab", b"cdef")
    assert out["tail"] == b"xyz"


def test_socket_and_eventfd_reads_park_and_complete() -> None:
    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        efd = yield from eventfd(0, 0)
        out["sv"], out["efd"] = sv, efd
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        sbuf, ebuf = bytearray(16), bytearray(8)
        prep(ring, io_uring_prep_read, sv[1], sbuf, 16, 0, user_data=1)
        prep(ring, io_uring_prep_read, efd, ebuf, 8, 0, user_data=2)
        yield from io_uring_submit(ring)
        cqes = yield from reap_flags(ring, 2)
        out["cqes"] = sorted(cqes)
        out["sock"] = bytes(sbuf[: dict((u, r) for u, r, _ in cqes)[1]])
        out["efd_value"] = int.from_bytes(ebuf, "little")
        yield from io_uring_queue_exit(ring)

    def helper(out: dict[str, Any]) -> Any:
        yield from nanosleep(20_000)
        yield from send(out["sv"][0], b"sock", 4, 0)
        yield from eventfd_write(out["efd"], 9)

    _, out = run_pair(main, helper)
    assert out["cqes"] == [(1, 4, 0), (2, 8, 0)]
    assert out["sock"] == b"sock"
    assert out["efd_value"] == 9


# -- links ----------------------------------------------------------------------------------
def test_short_read_in_a_link_chain_cancels_the_next_link() -> None:
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def main() -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        yield from write(fds[1], b"abc", 3)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_read, fds[0], bytearray(10), 10, 0, user_data=1, flags=IOSQE_IO_LINK)
        prep(ring, io_uring_prep_nop, user_data=2)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)
        yield from io_uring_queue_exit(ring)

    sim.spawn(main)
    sim.run()
    assert out["cqes"] == [(1, 3, 0), (2, -ECANCELED, 0)]


# -- regular files and io-wq ------------------------------------------------------------------
def test_regular_file_hit_is_inline_and_miss_goes_to_bounded_iowq() -> None:
    sim = Simulation(seed=1)
    create_file(sim.kernel, "/cold", bytes(range(256)) * 32)  # 8 KiB on disk
    out: dict[str, Any] = {}

    def main() -> Any:
        fd = yield from open("/cold", 0)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        buf = bytearray(4096)
        t0 = sim.now
        prep(ring, io_uring_prep_read, fd, buf, 4096, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["miss_inline"] = io_uring_cq_ready(ring)
        out["miss"] = yield from reap_flags(ring, 1)
        out["miss_ns"] = sim.now - t0
        out["data"] = bytes(buf[:4])
        t0 = sim.now
        prep(ring, io_uring_prep_read, fd, buf, 4096, 0, user_data=2)  # now cached
        yield from io_uring_submit(ring)
        out["hit_inline"] = io_uring_cq_ready(ring)
        out["hit"] = yield from reap_flags(ring, 1)
        out["hit_ns"] = sim.now - t0
        yield from io_uring_queue_exit(ring)

    task = sim.spawn(main)
    sim.run()
    assert out["miss_inline"] == 0 and out["hit_inline"] == 1
    assert out["miss"] == [(1, 4096, 0)] and out["hit"] == [(2, 4096, 0)]
    assert out["data"] == bytes([0, 1, 2, 3])
    assert out["miss_ns"] > 10 * out["hit_ns"]
    wq = sim.kernel.iowqs[task.tid]
    assert len(wq.accounts[True].workers) == 1  # bounded: a regular file
    assert len(wq.accounts[False].workers) == 0


def test_iowq_bounded_cap_and_unbounded_pipe_punts() -> None:
    sim = Simulation(seed=1)
    for i in range(12):
        create_file(sim.kernel, f"/f{i}", bytes(4096))
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)  # SQ entries 4: bounded cap min(4, 4 x 32)
        fds = []
        for i in range(12):
            fds.append((yield from open(f"/f{i}", 0)))
        done = []
        for batch in range(3):
            for j in range(4):
                fd = fds[batch * 4 + j]
                prep(ring, io_uring_prep_read, fd, bytearray(4096), 4096, 0, user_data=fd)
            yield from io_uring_submit(ring)
            done += yield from reap_flags(ring, 4)
        out["done"] = sorted(r for _, r, _ in done)
        # a forced-async read on a pipe: an unbounded worker, which polls instead of blocking
        pfds: list[int] = []
        yield from pipe(pfds)
        out["pfds"] = pfds
        buf = bytearray(8)
        prep(ring, io_uring_prep_read, pfds[0], buf, 8, 0, user_data=100, flags=IOSQE_ASYNC)
        yield from io_uring_submit(ring)
        yield from write(pfds[1], b"async!", 6)
        out["pipe"] = yield from reap_flags(ring, 1)
        out["pdata"] = bytes(buf[:6])
        yield from io_uring_queue_exit(ring)

    task = sim.spawn(main)
    sim.run()
    assert out["done"] == [4096] * 12
    wq = sim.kernel.iowqs[task.tid]
    bounded, unbounded = wq.accounts[True], wq.accounts[False]
    assert bounded.max_workers == 4
    assert 1 < len(bounded.workers) <= 4
    assert len(unbounded.workers) == 1
    assert out["pipe"] == [(100, 6, 0)] and out["pdata"] == b"async!"


# -- buffer faults at issue, ioprio at prep (io_prep_rw) -------------------------------------
def test_null_buffer_faults_at_issue_so_the_chain_fails_on_the_read(runner: Any) -> None:
    """Prep only range-checks: the READ into NULL is issued and faults (-EFAULT); the skip-success
    NOP before it ran (no CQE) and the NOP after it is cancelled with its CQE hidden (scenario
    read-null-buffer-skip-chain)."""
    from simuring.uapi import IOSQE_CQE_SKIP_SUCCESS
    from tests.helpers.ring import drain, nop, reap, run

    def body(ring: Ring) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        yield from write(fds[1], b"data", 4)
        nop(ring, 1, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
        prep(ring, io_uring_prep_read, fds[0], None, 4, 0, user_data=2, flags=IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
        nop(ring, 3, IOSQE_CQE_SKIP_SUCCESS)
        yield from io_uring_submit(ring)
        nop(ring, 4)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2)) + drain(ring)

    assert run(runner, body)["cqes"] == [(2, -EFAULT), (4, 0)]


def test_short_buffer_faults_after_the_file_checks(runner: Any) -> None:
    """A read-only buffer for a READ on a descriptor opened for writing: the file check comes first
    (-EBADF); on the read end the copy faults (-EFAULT)."""
    from tests.helpers.ring import reap, run

    def body(ring: Ring) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        yield from write(fds[1], b"data", 4)
        prep(ring, io_uring_prep_read, fds[1], b"xxxx", 4, 0, user_data=1)
        prep(ring, io_uring_prep_read, fds[0], b"xxxx", 4, 0, user_data=2)
        prep(ring, io_uring_prep_read, fds[0], bytearray(2), 4, 0, user_data=3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    assert run(runner, body)["cqes"] == [(1, -EBADF), (2, -EFAULT), (3, -EFAULT)]


def test_ioprio_classes_as_ioprio_check_cap(runner: Any) -> None:
    """Class 0 takes only level 0 (hints are free), classes 1-3 any level, classes 4-7 none."""
    from tests.helpers.ring import reap, run

    values = [0x1, 0x7, 0x8, 0x1FF8, 1 << 13, (1 << 13) | 7, (2 << 13) | 7, (3 << 13) | 1, 4 << 13, 7 << 13, 0xFFFF]
    expect = [-EINVAL, -EINVAL, 4, 4, 4, 4, 4, 4, -EINVAL, -EINVAL, -EINVAL]  # the real kernel's answers

    def body(ring: Ring) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        out = []
        for i, ioprio in enumerate(values):
            yield from write(fds[1], b"data", 4)
            sqe = prep(ring, io_uring_prep_read, fds[0], bytearray(4), 4, 0, user_data=i)
            sqe.ioprio = ioprio
            yield from io_uring_submit(ring)
            out += yield from reap(ring, 1)
            if out[-1][1] < 0:
                yield from read(fds[0], bytearray(4), 4)
        return [res for _, res in out]

    assert run(runner, body)["cqes"] == expect


# -- rw_flags at issue (io_rw_init_file -> kiocb_set_rw_flags), append ------------------------
def test_rw_flags_are_checked_at_issue_after_the_file(runner: Any) -> None:
    """The real kernel's answers (scenarios li-rw-flags-errors, li-rw-rwf-nosignal-bit,
    li-rw-flags-after-file-checks): RWF_NOSIGNAL (0x100) is supported; an unknown bit, RWF_ATOMIC
    and RWF_DONTCACHE on a pipe are -EOPNOTSUPP; APPEND|NOAPPEND and HIPRI without IOPOLL are -EINVAL;
    a wrong access mode or a bad fd is -EBADF whatever the flags."""
    from simuring.abi.errno import EOPNOTSUPP
    from simuring.opcodes.rw import (
        RWF_APPEND,
        RWF_ATOMIC,
        RWF_DONTCACHE,
        RWF_HIPRI,
        RWF_NOAPPEND,
        RWF_NOSIGNAL,
    )
    from tests.helpers.ring import reap, run

    cases = [
        (True, 1, RWF_NOSIGNAL, 2),
        (True, 1, 1 << 12, -EOPNOTSUPP),
        (True, 1, RWF_ATOMIC, -EOPNOTSUPP),
        (True, 1, RWF_DONTCACHE, -EOPNOTSUPP),
        (False, 0, RWF_ATOMIC, -EOPNOTSUPP),
        (True, 1, RWF_APPEND | RWF_NOAPPEND, -EINVAL),
        (True, 1, RWF_HIPRI, -EINVAL),
        (True, 0, 1 << 12, -EBADF),
        (True, None, 1 << 12, -EBADF),
    ]

    def body(ring: Ring) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        yield from write(fds[1], b"data", 4)
        out = []
        for i, (is_write, end, flags, _) in enumerate(cases):
            fd = 100_000 if end is None else fds[end]
            buf: Any = b"ab" if is_write else bytearray(2)
            sqe = prep(ring, io_uring_prep_write if is_write else io_uring_prep_read, fd, buf, 2, 0, user_data=i)
            sqe.rw_flags = flags
            yield from io_uring_submit(ring)
            out += yield from reap(ring, 1)
        return [res for _, res in out]

    assert run(runner, body)["cqes"] == [res for *_, res in cases]


def test_append_modes_of_a_regular_file(runner: Any) -> None:
    """RWF_APPEND writes at the end whatever the offset; O_APPEND does too, unless RWF_NOAPPEND; a
    write(2) on an O_APPEND descriptor appends (scenarios li-rw-append, li-rw-noappend)."""
    from simuring.opcodes.rw import RWF_APPEND, RWF_NOAPPEND
    from simuring.syscalls import O_APPEND, O_CREAT, O_RDWR, O_WRONLY
    from tests.helpers.ring import reap, run

    def body(ring: Ring) -> Any:
        fd = yield from open("/f", O_CREAT | O_RDWR, 0o644)
        afd = yield from open("/f", O_WRONLY | O_APPEND, 0)
        yield from write(fd, b"abcd", 4)
        for ud, wfd, data, flags in ((1, fd, b"XY", RWF_APPEND), (2, afd, b"pq", 0), (3, afd, b"ZZ", RWF_NOAPPEND)):
            sqe = prep(ring, io_uring_prep_write, wfd, data, 2, 0, user_data=ud)
            sqe.rw_flags = flags
            yield from io_uring_submit(ring)
            yield from reap(ring, 1)
        yield from write(afd, b"!", 1)
        buf = bytearray(16)
        prep(ring, io_uring_prep_read, fd, buf, 16, 0, user_data=4)
        yield from io_uring_submit(ring)
        ((_, n),) = yield from reap(ring, 1)
        return bytes(buf[:n])

    assert run(runner, body)["cqes"] == b"ZZcdXYpq!"


def test_iopoll_ring_refuses_pipe_io_and_non_iopoll_opcodes(runner: Any) -> None:
    """On an IORING_SETUP_IOPOLL ring a pipe READ is -EOPNOTSUPP at issue, a POLL_ADD -EINVAL at
    submission (io_init_req: no ``iopoll`` in its opdef), a NOP completes (scenario li-iopoll-ring-rw-poll)."""
    from simuring.abi.errno import EOPNOTSUPP
    from simuring.liburing import io_uring_prep_poll_add
    from simuring.uapi import IORING_SETUP_IOPOLL, POLLIN
    from tests.helpers.ring import reap, run

    def body(ring: Ring) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        yield from write(fds[1], b"data", 4)
        prep(ring, io_uring_prep_read, fds[0], bytearray(4), 4, 0, user_data=1)
        prep(ring, io_uring_prep_nop, user_data=2)
        prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=3)  # a failed init ends the submission
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    assert run(runner, body, setup_flags=IORING_SETUP_IOPOLL)["cqes"] == [(1, -EOPNOTSUPP), (2, 0), (3, -EINVAL)]


def test_eventfd_writes_take_exactly_8_bytes_and_writev_loops_per_iovec(runner: Any) -> None:
    """eventfd has ->read_iter but only ->write: a READV gathers 4 + 4 bytes; a WRITEV writes each iovec by
    itself (loop_rw_iter): 4 + 4 is -EINVAL, 8 + 8 adds both (16), 8 + 4 stops after the first (8); a
    16-byte WRITE and write(2) are -EINVAL (scenario li-rw-eventfd-vectored)."""
    from tests.helpers.ring import reap, run

    one8, two8 = (1).to_bytes(8, "little"), (2).to_bytes(8, "little")

    def body(ring: Ring) -> Any:
        efd = yield from eventfd(0, 0)
        out = []
        for ud, iovs in ((1, [one8[:4], one8[4:]]), (2, [one8, two8]), (3, [one8, two8[:4]]), (4, [b"", one8])):
            prep(ring, io_uring_prep_writev, efd, iovs, len(iovs), 0, user_data=ud)
            yield from io_uring_submit(ring)
            out += yield from reap(ring, 1)
        prep(ring, io_uring_prep_write, efd, one8 + two8, 16, 0, user_data=5)
        yield from io_uring_submit(ring)
        out += yield from reap(ring, 1)
        lo, hi = bytearray(4), bytearray(4)
        prep(ring, io_uring_prep_readv, efd, [lo, hi], 2, 0, user_data=6)
        yield from io_uring_submit(ring)
        out += yield from reap(ring, 1)
        out.append(("value", int.from_bytes(bytes(lo + hi), "little")))
        out.append(("write(2)", (yield from write(efd, one8 + two8, 16))))
        return out

    assert run(runner, body)["cqes"] == [
        (1, -EINVAL), (2, 16), (3, 8), (4, -EINVAL), (5, -EINVAL), (6, 8), ("value", 4), ("write(2)", -EINVAL),
    ]  # fmt: skip


def test_negative_offsets_are_checked_after_the_file(runner: Any) -> None:
    """An offset below -1 is -EINVAL at issue for a pipe too (rw_verify_area), after the fd and access
    checks (-EBADF first); a positive offset on a pipe is ignored (scenario li-rw-negative-offset)."""
    from tests.helpers.ring import reap, run

    def body(ring: Ring) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        out = []
        for ud, fd, off in ((1, fds[1], -2), (2, fds[1], (1 << 64) - 2), (3, fds[1], 12345), (4, 100_000, -2), (5, fds[0], -2)):
            prep(ring, io_uring_prep_write, fd, b"abc", 3, off, user_data=ud)
            yield from io_uring_submit(ring)
            out += yield from reap(ring, 1)
        return out

    assert run(runner, body)["cqes"] == [(1, -EINVAL), (2, -EINVAL), (3, 3), (4, -EBADF), (5, -EBADF)]


def test_eventfd_write_is_never_inline_on_a_blocking_eventfd(runner: Any) -> None:
    """loop_rw_iter refuses IOCB_NOWAIT without O_NONBLOCK: on a DEFER_TASKRUN ring a WRITE to a blocking
    eventfd has posted nothing when the submit returns, one to an EFD_NONBLOCK eventfd has; both end with
    8 (scenario li-rw-eventfd-write-not-inline)."""
    from simuring.syscalls import EFD_NONBLOCK
    from simuring.uapi import IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER
    from tests.helpers.ring import reap, run

    def body(ring: Ring) -> Any:
        out = []
        for flags in (0, EFD_NONBLOCK):
            efd = yield from eventfd(0, flags)
            prep(ring, io_uring_prep_write, efd, (1).to_bytes(8, "little"), 8, 0, user_data=flags or 1)
            yield from io_uring_submit(ring)
            out.append(io_uring_cq_ready(ring))
            out += yield from reap(ring, 1)
        return out

    flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
    assert run(runner, body, setup_flags=flags)["cqes"] == [0, (1, 8), 1, (EFD_NONBLOCK, 8)]
