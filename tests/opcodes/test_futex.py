"""IORING_OP_FUTEX_WAIT / FUTEX_WAKE (opcodes/futex.py)."""

from __future__ import annotations

import itertools

from simuring.abi.errno import EAGAIN, ECANCELED, EFAULT, EINVAL, ENOENT
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_cancel64,
    io_uring_prep_futex_wait,
    io_uring_prep_futex_waitv,
    io_uring_prep_futex_wake,
    io_uring_prep_nop,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import FutexWaitv
from simuring.uapi import IORING_ASYNC_CANCEL_ALL, IORING_ASYNC_CANCEL_ANY, IOSQE_IO_LINK
from tests.helpers.ring import drain, reap

PRIV = 0x02 | 128  # FUTEX2_SIZE_U32 | FUTEX2_PRIVATE
ANY = 0xFFFF_FFFF


def run(runner, body, rings=1):
    out = {}

    def task():
        rs = []
        for _ in range(rings):
            ring = Ring()
            assert (yield from io_uring_queue_init(16, ring, 0)) == 0
            rs.append(ring)
        out.update((yield from body(*rs)))

    runner.spawn(task)
    runner.run()
    return out


def wait(ring, ud, word, val=0, mask=ANY, fflags=PRIV, sqe_flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_futex_wait(sqe, word, val, mask, fflags, 0)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def wake(ring, ud, word, nr=1, mask=ANY, fflags=PRIV, sqe_flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_futex_wake(sqe, word, nr, mask, fflags, 0)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def test_helpers_fill_the_fields_as_liburing():
    from simuring.uapi import IORING_OP_FUTEX_WAIT, Sqe

    sqe = Sqe()
    io_uring_prep_futex_wait(sqe, b"word", 7, 0xF0, PRIV, 3)
    assert (sqe.opcode, sqe.fd, sqe.addr, sqe.off, sqe.addr3, sqe.op_flags, sqe.len) == (
        IORING_OP_FUTEX_WAIT,
        PRIV,
        b"word",
        7,
        0xF0,
        3,
        0,
    )


def test_wake_returns_the_count_and_wakes_in_arrival_order_after_its_own_cqe(runner):
    def body(ring):
        word = bytearray(4)
        for ud in (1, 2, 3):
            wait(ring, ud, word)
        yield from io_uring_submit(ring)
        wake(ring, 10, word, 2)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 3)
        wake(ring, 11, word, 5)
        yield from io_uring_submit(ring)
        second = yield from reap(ring, 2)
        return {"r": (first, second)}

    assert run(runner, body)["r"] == ([(10, 2), (1, 0), (2, 0)], [(11, 1), (3, 0)])


def test_value_mismatch_is_eagain_at_once_and_fails_the_link(runner):
    def body(ring):
        word = bytearray((5).to_bytes(4, "little"))
        wait(ring, 1, word, 4, sqe_flags=IOSQE_IO_LINK)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        return {"r": (yield from reap(ring, 2))}

    assert run(runner, body)["r"] == [(1, -EAGAIN), (2, -ECANCELED)]


def test_masks_and_the_int_count(runner):
    def body(ring):
        word = bytearray(4)
        for ud, mask in ((1, 1), (2, 2), (3, 3)):
            wait(ring, ud, word, mask=mask)
        yield from io_uring_submit(ring)
        wake(ring, 10, word, 10, mask=2)
        yield from io_uring_submit(ring)
        by_mask = yield from reap(ring, 3)
        wait(ring, 4, word)
        wait(ring, 5, word)
        yield from io_uring_submit(ring)
        wake(ring, 11, word, 0xFFFF_FFFF)  # -1 as an int: one is woken
        yield from io_uring_submit(ring)
        negative = yield from reap(ring, 2)
        wake(ring, 12, word, 0)  # FLAGS_STRICT: 0 without looking
        yield from io_uring_submit(ring)
        zero = (yield from reap(ring, 1)) + drain(ring)
        return {"r": (by_mask, negative, zero)}

    by_mask, negative, zero = run(runner, body)["r"]
    assert by_mask == [(10, 2), (2, 0), (3, 0)]
    assert negative == [(11, 1), (1, 0)]  # the oldest left (mask 1) goes first
    assert zero == [(12, 0)]


def test_prep_and_key_errors(runner):
    def body(ring):
        word = bytearray(8)
        res = []
        for field, value in (("len", 1), ("op_flags", 1), ("buf_index", 1), ("file_index", 1), ("addr3", "x"), ("off", 1 << 32), ("fd", -1), ("fd", 3)):
            sqe = wake(ring, 1, word)
            setattr(sqe, field, value)
            yield from io_uring_submit(ring)
            res.append((yield from reap(ring, 1))[0][1])
        for addr in (memoryview(word)[1:5], None, 0x1001, 0xFFFF_FFFF_FFFF_F000):
            wait(ring, 2, addr)
            yield from io_uring_submit(ring)
            res.append((yield from reap(ring, 1))[0][1])
        wake(ring, 3, None)  # a private key needs no mapping
        wake(ring, 4, None, fflags=0x02)  # a shared one does
        wait(ring, 5, word, mask=0)
        yield from io_uring_submit(ring)
        res.extend(r for _, r in (yield from reap(ring, 3)))
        return {"r": res}

    assert run(runner, body)["r"] == [-EINVAL] * 8 + [-EINVAL, -EFAULT, -EINVAL, -EFAULT, 0, -EFAULT, -EINVAL]


def test_cancel_answers_a_count_and_does_not_fail_the_link(runner):
    def body(ring):
        word = bytearray(4)
        wait(ring, 1, word, sqe_flags=IOSQE_IO_LINK)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 2)
        for _ in range(3):
            wait(ring, 7, word)
        yield from io_uring_submit(ring)
        out = []
        for ud, target, flags in ((10, 1, 0), (11, 1, 0), (12, 7, 0), (13, 7, IORING_ASYNC_CANCEL_ALL)):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_cancel64(sqe, target, flags)
            io_uring_sqe_set_data64(sqe, ud)
            yield from io_uring_submit(ring)
            out.append((yield from reap(ring, 1)))
            out.append(drain(ring))
        return {"r": out}

    r = run(runner, body)["r"]
    assert r[0] == [(10, 1)] and r[1] == [(1, -ECANCELED), (2, 0)]
    assert r[2] == [(11, -ENOENT)]
    assert r[4] == [(12, 1)] and r[5] == [(7, -ECANCELED)]
    assert r[6] == [(13, 1)] and r[7] == [(7, -ECANCELED), (7, -ECANCELED)]


def test_cancel_any_counts_each_request(runner):
    def body(ring):
        word = bytearray(4)
        for ud in (1, 2, 3):
            wait(ring, ud, word)
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY)
        io_uring_sqe_set_data64(sqe, 10)
        yield from io_uring_submit(ring)
        return {"r": (yield from reap(ring, 4))}

    assert run(runner, body)["r"] == [(10, 3), (3, -ECANCELED), (2, -ECANCELED), (1, -ECANCELED)]


def test_ring_exit_takes_its_waits_off_the_hash(runner):
    def body(a, b):
        word = bytearray(4)
        wait(a, 1, word)
        yield from io_uring_submit(a)
        yield from io_uring_queue_exit(a)
        wake(b, 2, word, 5)
        yield from io_uring_submit(b)
        return {"r": (yield from reap(b, 1))}

    assert run(runner, body, rings=2)["r"] == [(2, 0)]


def test_no_field_combination_raises(runner):
    """Odd values in every field the prep reads: always a CQE, never a Python exception."""
    values = (0, 1, -1, 1 << 40, None, "x", b"abcd", bytearray(4), 3.5)

    def body(ring):
        results = []
        for op, (field, value) in itertools.product((wait, wake), itertools.product(("fd", "off", "addr", "addr3", "len", "op_flags"), values)):
            sqe = op(ring, 1, bytearray(4))
            try:
                setattr(sqe, field, value)
            except TypeError:
                continue  # the compiled Sqe refuses the store itself
            yield from io_uring_submit(ring)
            # then a cancel of anything still waiting: two CQEs whatever happened
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY)
            io_uring_sqe_set_data64(sqe, 2)
            yield from io_uring_submit(ring)
            got = yield from reap(ring, 2)
            results.append(got)
        return {"r": results}

    r = run(runner, body)["r"]
    assert len(r) > 50
    assert all(sorted(ud for ud, _ in got) == [1, 2] for got in r)


def waitv(ring, ud, vec, nr=None):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_futex_waitv(sqe, vec, len(vec) if nr is None else nr, 0)
    io_uring_sqe_set_data64(sqe, ud)
    return sqe


def test_waitv_completes_with_the_index_of_the_word_woken(runner):
    def body(ring):
        buf = bytearray(12)
        view = memoryview(buf)
        words = [view[i : i + 4] for i in (0, 4, 8)]
        waitv(ring, 1, [FutexWaitv(0, w, PRIV) for w in words])
        yield from io_uring_submit(ring)
        wake(ring, 2, words[2])
        wake(ring, 3, words[1])  # the WAITV is claimed already: counted, not completed again
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 3)
        wake(ring, 4, words[1])  # the completion took every word off
        yield from io_uring_submit(ring)
        return {"r": (first, (yield from reap(ring, 1)))}

    assert run(runner, body)["r"] == ([(2, 1), (3, 1), (1, 2)], [(4, 0)])


def test_waitv_prep_and_setup_errors(runner):
    def body(ring):
        word = bytearray(4)
        res = []
        for vec, nr in (([FutexWaitv(0, word, PRIV)], 0), ([FutexWaitv(0, word, PRIV)], 129), (None, 1), ([FutexWaitv(0, word, PRIV)], 2),
                        ([FutexWaitv(0, word, PRIV, 1)], 1), ([FutexWaitv(0, word, 0x03)], 1), ([FutexWaitv(1, word, PRIV)], 1),
                        ([FutexWaitv(1, word, PRIV), FutexWaitv(0, memoryview(word)[1:], PRIV)], 2)):
            waitv(ring, 1, vec, nr)
            yield from io_uring_submit(ring)
            res.append((yield from reap(ring, 1))[0][1])
        return {"r": res}

    assert run(runner, body)["r"] == [-EINVAL, -EINVAL, -EFAULT, -EFAULT, -EINVAL, -EINVAL, -EAGAIN, -EINVAL]


def test_waitv_cancel(runner):
    def body(ring):
        word = bytearray(4)
        waitv(ring, 1, [FutexWaitv(0, word, PRIV)])
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 2)
        wake(ring, 3, word, 5)
        yield from io_uring_submit(ring)
        return {"r": first + (yield from reap(ring, 1))}

    assert run(runner, body)["r"] == [(2, 1), (1, -ECANCELED), (3, 0)]
