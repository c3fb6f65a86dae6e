"""Registered files' resource nodes (kernel/rsrc.py's FileNode): a request through IOSQE_FIXED_FILE
holds its slot's node, which keeps the file open and the slot's tag CQE back until the request is
done, whatever takes the file out of the slot meanwhile (Linux 6.18 ``io_put_rsrc_node``)."""

from __future__ import annotations

from simuring.abi.errno import EBADF, ECANCELED, EPIPE
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_cancel64,
    io_uring_prep_close_direct,
    io_uring_prep_read,
    io_uring_prep_splice,
    io_uring_prep_tee,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_register_files_tags,
    io_uring_register_files_update,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_unregister_files,
)
from simuring.syscalls import close, nanosleep, pipe, write
from simuring.uapi import IOSQE_FIXED_FILE
from tests.helpers.ring import drain, reap
from tests.helpers.sim import run_task

TAG = 10


def _pending_read(close_read_fd: bool = False):
    """A ring, a pipe whose read end is registered in slot 0 with tag :data:`TAG`, and a READ through
    the slot (user_data 1) waiting on it; with ``close_read_fd`` the pipe's read fd is closed, so the
    slot is what keeps the read end open."""
    ring = Ring()
    assert (yield from io_uring_queue_init(8, ring, 0)) == 0
    fds: list[int] = []
    yield from pipe(fds)
    assert (yield from io_uring_register_files_tags(ring, [fds[0]], [TAG], 1)) == 0
    if close_read_fd:
        yield from close(fds[0])
    buf = bytearray(8)
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_read(sqe, 0, buf, 8, 0)
    io_uring_sqe_set_data64(sqe, 1)
    io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    assert (yield from io_uring_submit(ring)) == 1
    return ring, fds, buf


def _submit_and_reap(ring, user_data, n, prep, *args):
    """Submit one SQE filled by ``prep(sqe, *args)`` with ``user_data``; the next ``n`` CQEs."""
    sqe = io_uring_get_sqe(ring)
    prep(sqe, *args)
    io_uring_sqe_set_data64(sqe, user_data)
    yield from io_uring_submit(ring)
    return (yield from reap(ring, n))


def test_unregistering_keeps_the_file_and_the_tag_until_the_request_is_done():
    """With the table unregistered and the read fd closed, the waiting READ's node still holds the
    pipe's read end (a write finds a reader), the READ's CQE comes before the tag's, and once both
    are gone the pipe has no reader left (-EPIPE)."""

    def body():
        ring, fds, buf = yield from _pending_read(close_read_fd=True)
        assert (yield from io_uring_unregister_files(ring)) == 0
        early = drain(ring)
        wrote = yield from write(fds[1], b"data", 4)
        cqes = yield from reap(ring, 2)
        after = yield from write(fds[1], b"gone", 4)
        return early, wrote, cqes, bytes(buf[:4]), after

    assert run_task(body) == ([], 4, [(1, 4), (TAG, 0)], b"data", -EPIPE)


def test_untagged_slot_posts_nothing_and_an_idle_slot_posts_at_once():
    """Emptying an idle tagged slot posts its tag at the update; an untagged slot a request holds
    posts nothing when the request completes."""

    def body():
        ring, fds, _ = yield from _pending_read()
        assert (yield from io_uring_register_files_update(ring, 0, [fds[1]], 1)) == 1
        held = drain(ring)
        assert (yield from io_uring_register_files_update(ring, 0, [-1], 1)) == 1
        untagged = drain(ring)
        yield from write(fds[1], b"data", 4)
        return held, untagged, (yield from reap(ring, 1)), drain(ring)

    assert run_task(body) == ([], [], [(1, 4)], [(TAG, 0)])


def test_close_direct_then_cancel_posts_the_tag_last():
    """CLOSE of the slot completes at once; cancelling the waiting READ gives the cancel's CQE, the
    READ's -ECANCELED, then the slot's tag."""

    def body():
        ring, _, _ = yield from _pending_read()
        closed = yield from _submit_and_reap(ring, 2, 1, io_uring_prep_close_direct, 0)
        return closed, (yield from _submit_and_reap(ring, 3, 3, io_uring_prep_cancel64, 1, 0))

    assert run_task(body) == ([(2, 0)], [(3, 0), (1, -ECANCELED), (TAG, 0)])


def test_ring_exit_releases_the_file_a_waiting_request_held():
    """At ring exit the waiting READ dies with the ring and drops its node: the read end the slot
    alone kept open is released (a write finds no reader)."""

    def body():
        ring, fds, _ = yield from _pending_read(close_read_fd=True)
        before = yield from write(fds[1], b"kept", 4)
        yield from io_uring_queue_exit(ring)
        return before, (yield from write(fds[1], b"gone", 4))

    assert run_task(body) == (4, -EPIPE)


OUT_TAG = 11
SPLICE_F_FD_IN_FIXED = 1 << 31


def _pending_splice(tee: bool):
    """A ring, two pipes, slot 0 the first's read end (tag :data:`TAG`) and slot 1 the second's write
    end (tag :data:`OUT_TAG`), and a SPLICE (or TEE) from slot 0 to slot 1 (user_data 1) blocked in
    io-wq on the empty input."""
    ring = Ring()
    assert (yield from io_uring_queue_init(8, ring, 0)) == 0
    fin: list[int] = []
    fout: list[int] = []
    yield from pipe(fin)
    yield from pipe(fout)
    assert (yield from io_uring_register_files_tags(ring, [fin[0], fout[1]], [TAG, OUT_TAG], 2)) == 0
    sqe = io_uring_get_sqe(ring)
    if tee:
        io_uring_prep_tee(sqe, 0, 1, 8, SPLICE_F_FD_IN_FIXED)
    else:
        io_uring_prep_splice(sqe, 0, -1, 1, -1, 8, SPLICE_F_FD_IN_FIXED)
    io_uring_sqe_set_data64(sqe, 1)
    io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    assert (yield from io_uring_submit(ring)) == 1
    yield from nanosleep(1_000_000)
    return ring, fin, fout


def test_splice_holds_its_fixed_input_slot_then_its_output_slot():
    """Both slots of a waiting SPLICE emptied: nothing is posted; once it moves its bytes its CQE
    comes, then the input slot's tag (io_splice_cleanup), then the output slot's (the request's
    file node)."""

    def body():
        ring, fin, _ = yield from _pending_splice(tee=False)
        assert (yield from io_uring_register_files_update(ring, 0, [-1, -1], 2)) == 2
        early = drain(ring)
        yield from write(fin[1], b"data", 4)
        return early, (yield from reap(ring, 3))

    assert run_task(body) == ([], [(1, 4), (TAG, 0), (OUT_TAG, 0)])


def test_tee_input_slot_unregistered_while_waiting_keeps_its_tag():
    """A TEE holds its fixed input slot the same way: the table unregistered while it waits posts
    nothing until the TEE completes."""

    def body():
        ring, fin, _ = yield from _pending_splice(tee=True)
        assert (yield from io_uring_unregister_files(ring)) == 0
        early = drain(ring)
        yield from write(fin[1], b"data", 4)
        return early, (yield from reap(ring, 3))

    assert run_task(body) == ([], [(1, 4), (TAG, 0), (OUT_TAG, 0)])


def test_an_empty_fixed_input_slot_is_ebadf_and_holds_nothing():
    """A SPLICE from an empty slot is -EBADF; the output slot's tag, held by the request, is
    posted after its CQE when the slot was emptied before."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fout: list[int] = []
        yield from pipe(fout)
        assert (yield from io_uring_register_files_tags(ring, [-1, fout[1]], [0, OUT_TAG], 2)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_splice(sqe, 0, -1, 1, -1, 8, SPLICE_F_FD_IN_FIXED)
        io_uring_sqe_set_data64(sqe, 1)
        io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
        yield from io_uring_submit(ring)
        got = yield from reap(ring, 1)
        assert (yield from io_uring_register_files_update(ring, 1, [-1], 1)) == 1
        return got, drain(ring)

    assert run_task(body) == ([(1, -EBADF)], [(OUT_TAG, 0)])
