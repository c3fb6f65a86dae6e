"""FUTEX_WAIT, FUTEX_WAKE and FUTEX_WAITV as liburing's test/futex.c uses them, and MSG_RING's
IORING_MSG_SEND_FD and FIXED_FD_INSTALL as test/msg-ring-fd.c and test/fd-install.c do, written from the
man pages (io_uring_prep_futex_wait(3), io_uring_prep_futex_wake(3), io_uring_prep_futex_waitv(3),
io_uring_prep_msg_ring_fd(3), io_uring_prep_fixed_fd_install(3)); names prefixed ``lf-``.

Every scenario runs in one task: the waits are queued first, the wake comes in a later submission, so
the order is fixed on the real kernel without any race.  The futex word is a ``bytearray`` (the real
backend passes its own memory, so a ``memoryview`` slice at an odd offset is a misaligned address on
both sides)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    link_timeout,
    new_pipe,
    new_ring,
    nop,
    reap,
    reap_ready,
    record_unordered,
    round_trip,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_OP,
    IORING_FILE_INDEX_ALLOC,
    IORING_FIXED_FD_NO_CLOEXEC,
    IORING_MSG_RING_CQE_SKIP,
    IORING_OP_FUTEX_WAIT,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "futex")

#: futex2 flags (include/uapi/linux/futex.h)
FUTEX2_SIZE_U8, FUTEX2_SIZE_U16, FUTEX2_SIZE_U32, FUTEX2_SIZE_U64 = 0x00, 0x01, 0x02, 0x03
FUTEX2_NUMA = 0x04
FUTEX2_MPOL = 0x08
FUTEX2_PRIVATE = 128
PRIV = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE
#: FUTEX_BITSET_MATCH_ANY
ANY = 0xFFFF_FFFF


def _word(value: int = 0, size: int = 4) -> bytearray:
    return bytearray(value.to_bytes(4, "little") + bytes(size - 4))


def _wait(L: Any, ring: Any, ud: int, word: Any, val: int = 0, mask: int = ANY, fflags: int = PRIV, flags: int = 0, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_futex_wait(sqe, word, val, mask, fflags, flags)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _wake(L: Any, ring: Any, ud: int, word: Any, nr: int = 1, mask: int = ANY, fflags: int = PRIV, flags: int = 0, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_futex_wake(sqe, word, nr, mask, fflags, flags)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _queue_waits(L: Any, ring: Any, word: Any, uds: list[int], masks: list[int] | None = None) -> Gen:
    """Queue one WAIT per user_data (value 0), submitted together; nothing completes."""
    for i, ud in enumerate(uds):
        _wait(L, ring, ud, word, 0, masks[i] if masks else ANY)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    L.record("ready", L.io_uring_cq_ready(ring))


@scenario("lf-wait-wake", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_wait_wake(L: Any) -> Gen:
    """A private WAIT on a word holding 0 (value 0, any mask) stays pending; a WAKE of one waiter returns
    1 and its CQE comes before the WAIT's, which completes with 0."""
    ring = yield from new_ring(L, 8)
    word = _word()
    yield from _queue_waits(L, ring, word, [1])
    _wake(L, ring, 2, word, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-wait-value-mismatch", tags=(*TAGS, "futex_wait"))
def lf_wait_value_mismatch(L: Any) -> Gen:
    """A WAIT whose value differs from the word's completes at once with -EAGAIN; a word of 5 waited on
    with 5 does wait (a WAKE gets it)."""
    ring = yield from new_ring(L, 8)
    word = _word(5)
    _wait(L, ring, 1, word, 4)
    yield from submit_and_reap(L, ring)
    _wait(L, ring, 2, word, 5)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 3, word, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-wake-none", tags=(*TAGS, "futex_wake"))
def lf_wake_none(L: Any) -> Gen:
    """A WAKE with nobody waiting returns 0; so does a WAKE of 0 waiters while one waits (the WAIT stays),
    which a later WAKE of one gets."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wake(L, ring, 1, word, 5)
    yield from submit_and_reap(L, ring)
    yield from _queue_waits(L, ring, word, [2])
    _wake(L, ring, 3, word, 0)
    yield from submit_and_reap(L, ring)
    yield from round_trip(L, ring)
    _wake(L, ring, 4, word, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-wake-count-order", tags=(*TAGS, "futex_wake"))
def lf_wake_count_order(L: Any) -> Gen:
    """Four WAITs on one word; a WAKE of 2 returns 2 and wakes the first two queued (their CQEs in that
    order, after the WAKE's); a WAKE of 10 then returns 2, the other two in order."""
    ring = yield from new_ring(L, 16)
    word = _word()
    yield from _queue_waits(L, ring, word, [1, 2, 3, 4])
    _wake(L, ring, 10, word, 2)
    yield from submit_and_reap(L, ring, 3)
    yield from round_trip(L, ring)
    _wake(L, ring, 11, word, 10)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-wake-count-high-bit", tags=(*TAGS, "futex_wake"))
def lf_wake_count_high_bit(L: Any) -> Gen:
    """The count is a C ``int`` inside the kernel: a WAKE of 0xFFFFFFFF (or 0x80000000) waiters with
    three waiting wakes only one each time; a count of 2^32 does not fit in 32 bits: -EINVAL."""
    ring = yield from new_ring(L, 16)
    word = _word()
    yield from _queue_waits(L, ring, word, [1, 2, 3])
    _wake(L, ring, 10, word, 0xFFFF_FFFF)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 11, word, 0x8000_0000)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 12, word, 1 << 32)
    yield from submit_and_reap(L, ring)
    _wake(L, ring, 13, word, 0x7FFF_FFFF)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-wake-masks", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_wake_masks(L: Any) -> Gen:
    """WAITs with masks 1, 2, 3 and 4; a WAKE with mask 2 wakes only those whose mask shares a bit (2 and
    3); a WAKE with mask 8 wakes nobody (0); one with mask 5 wakes 1 and 4."""
    ring = yield from new_ring(L, 16)
    word = _word()
    yield from _queue_waits(L, ring, word, [1, 2, 3, 4], [1, 2, 3, 4])
    _wake(L, ring, 10, word, 10, 2)
    yield from submit_and_reap(L, ring, 3)
    _wake(L, ring, 11, word, 10, 8)
    yield from submit_and_reap(L, ring)
    yield from round_trip(L, ring)
    _wake(L, ring, 12, word, 10, 5)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-mask-zero", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_mask_zero(L: Any) -> Gen:
    """A mask of 0 passes prep but is -EINVAL at issue, for WAIT (before the word is read: a mismatching
    value does not give -EAGAIN) and for WAKE (even a WAKE of 0 waiters); the error fails the link."""
    ring = yield from new_ring(L, 8)
    word = _word(1)
    _wait(L, ring, 1, word, 0, 0)
    _wait(L, ring, 2, word, 1, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 3)
    _wake(L, ring, 4, word, 1, 0)
    _wake(L, ring, 5, word, 0, 0)
    yield from submit_and_reap(L, ring, 5)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-value-mask-width", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_value_mask_width(L: Any) -> Gen:
    """A 32-bit futex takes values and masks of 32 bits: a value or a mask with a bit above bit 31 is
    -EINVAL at prep, for WAIT and WAKE."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word, 1 << 32)
    yield from submit_and_reap(L, ring)
    _wait(L, ring, 2, word, 0, 1 << 32 | 1)
    yield from submit_and_reap(L, ring)
    _wake(L, ring, 3, word, 1, 1 << 63)
    yield from submit_and_reap(L, ring)
    _wait(L, ring, 4, word, 0, 0xFFFF_FFFF_FFFF_FFFF)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-futex2-flags", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_futex2_flags(L: Any) -> Gen:
    """futex2 flags: sizes U8, U16 and U64 are -EINVAL (only U32 is implemented), so are bits outside
    SIZE | NUMA | MPOL | PRIVATE (0x10, 0x40, 0x100, 1 << 31); FUTEX2_MPOL alone is accepted (a WAKE
    of nobody: 0)."""
    ring = yield from new_ring(L, 16)
    word = _word(1)
    ud = 1
    for fflags in (
        FUTEX2_SIZE_U8 | FUTEX2_PRIVATE,
        FUTEX2_SIZE_U16 | FUTEX2_PRIVATE,
        FUTEX2_SIZE_U64 | FUTEX2_PRIVATE,
        PRIV | 0x10,
        PRIV | 0x40,
        PRIV | 0x100,
        PRIV | 1 << 31,
        PRIV | FUTEX2_MPOL,
    ):
        _wake(L, ring, ud, word, 1, ANY, fflags)
        yield from submit_and_reap(L, ring)
        ud += 1
    _wait(L, ring, ud, word, 0, ANY, FUTEX2_SIZE_U8)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-prep-fields", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_prep_fields(L: Any) -> Gen:
    """Fields prep refuses: a non-zero ``len``, ``futex_flags`` (the helper's last argument),
    ``buf_index`` or ``file_index`` is -EINVAL, for WAIT and WAKE; so is a non-zero ioprio (the
    generic check)."""
    ring = yield from new_ring(L, 16)
    word = _word()
    ud = 1
    for field in ("len", "buf_index", "file_index", "ioprio"):
        for prep in (_wait, _wake):
            sqe = prep(L, ring, ud, word)
            setattr(sqe, field, 1)
            yield from submit_and_reap(L, ring)
            ud += 1
    _wait(L, ring, ud, word, 0, ANY, PRIV, 1)
    yield from submit_and_reap(L, ring)
    _wake(L, ring, ud + 1, word, 1, ANY, PRIV, 0x80)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-unaligned", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_unaligned(L: Any) -> Gen:
    """The word must be 4-byte aligned: a WAIT or WAKE at an address 1, 2 or 3 bytes into a buffer is
    -EINVAL (a WAIT's -EINVAL comes before the value is compared); at 4 bytes in it works."""
    ring = yield from new_ring(L, 16)
    buf = bytearray(16)
    view = memoryview(buf)
    for off in (1, 2, 3):
        _wait(L, ring, off, view[off : off + 4], 7)
        _wake(L, ring, 10 + off, view[off : off + 4], 1)
    yield from submit_and_reap(L, ring, 6)
    _wait(L, ring, 4, view[4:8], 0)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 14, view[4:8], 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-bad-address", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_bad_address(L: Any) -> Gen:
    """Addresses: a private WAKE at NULL is 0 (a private key needs no mapping), a private WAIT at NULL is
    -EFAULT (the word cannot be read); a shared (no FUTEX2_PRIVATE) WAIT or WAKE at NULL is -EFAULT; an
    odd integer address is -EINVAL; one past the user address space is -EFAULT."""
    ring = yield from new_ring(L, 16)
    _wake(L, ring, 1, None, 1)
    _wait(L, ring, 2, None, 0)
    _wake(L, ring, 3, None, 1, ANY, FUTEX2_SIZE_U32)
    _wait(L, ring, 4, None, 0, ANY, FUTEX2_SIZE_U32)
    _wake(L, ring, 5, 0x1001, 1)
    _wait(L, ring, 6, 0x1002, 0)
    _wake(L, ring, 7, 0xFFFF_FFFF_FFFF_F000, 1)
    _wait(L, ring, 8, 0x8000_0000_0000, 0)
    _wake(L, ring, 9, 0x1000, 1)
    yield from submit_and_reap(L, ring, 9)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-private-shared-keys", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_private_shared_keys(L: Any) -> Gen:
    """A shared and a private WAIT on the same word are different futexes: a private WAKE of 5 wakes only
    the private one (1), a shared WAKE then the shared one (1)."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word, 0, ANY, FUTEX2_SIZE_U32)
    _wait(L, ring, 2, word, 0, ANY, PRIV)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 3, word, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from round_trip(L, ring)
    _wake(L, ring, 4, word, 5, ANY, FUTEX2_SIZE_U32)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-two-words", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_two_words(L: Any) -> Gen:
    """WAITs on two words of one buffer (offsets 0 and 4): a WAKE of the second word wakes only its waiter."""
    ring = yield from new_ring(L, 8)
    buf = bytearray(8)
    view = memoryview(buf)
    _wait(L, ring, 1, view[0:4], 0)
    _wait(L, ring, 2, view[4:8], 0)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 3, view[4:8], 5)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 4, buf, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-wake-in-same-submit", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_wake_in_same_submit(L: Any) -> Gen:
    """A WAIT and a WAKE in one submission: the WAIT is queued first, the WAKE returns 1, the WAKE's CQE
    first; a WAKE before the WAIT in one submission finds nobody (0) and the WAIT stays."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word)
    _wake(L, ring, 2, word, 1)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 3, word, 1)
    _wait(L, ring, 4, word)
    yield from submit_and_reap(L, ring)
    yield from round_trip(L, ring)
    _wake(L, ring, 5, word, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-cancel-one", tags=(*TAGS, "futex_wait", "cancel"))
def lf_cancel_one(L: Any) -> Gen:
    """ASYNC_CANCEL of a waiting WAIT by user_data: the cancel's result (io_futex_cancel counts what it
    cancelled) and the WAIT's -ECANCELED; a second cancel finds nothing (-ENOENT)."""
    ring = yield from new_ring(L, 8)
    word = _word()
    yield from _queue_waits(L, ring, word, [1, 2])
    cancel(L, ring, 10, 2)
    yield from submit_and_reap(L, ring, 2)
    cancel(L, ring, 11, 2)
    yield from submit_and_reap(L, ring)
    _wake(L, ring, 12, word, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-cancel-same-data", tags=(*TAGS, "futex_wait", "cancel"))
def lf_cancel_same_data(L: Any) -> Gen:
    """Three WAITs with the same user_data: a plain cancel takes the newest one; IORING_ASYNC_CANCEL_ALL
    takes the rest (its result counts calls, not requests)."""
    ring = yield from new_ring(L, 16)
    buf = bytearray(12)
    view = memoryview(buf)
    for i in range(3):
        _wait(L, ring, 7, view[4 * i : 4 * i + 4], 0, 1 << i)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 10, 7)
    yield from submit_and_reap(L, ring, 2)
    cancel(L, ring, 11, 7, IORING_ASYNC_CANCEL_ALL)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-cancel-any", tags=(*TAGS, "futex_wait", "cancel"))
def lf_cancel_any(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_ANY with three WAITs of different user_data: every one is cancelled (newest
    first) and the result is the count."""
    ring = yield from new_ring(L, 16)
    word = _word()
    yield from _queue_waits(L, ring, word, [1, 2, 3])
    cancel(L, ring, 10, 0, IORING_ASYNC_CANCEL_ANY)
    yield from submit_and_reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-cancel-by-fd", tags=(*TAGS, "futex_wait", "cancel"))
def lf_cancel_by_fd(L: Any) -> Gen:
    """A cancel by file never finds a WAIT (io_futex_cancel refuses CANCEL_FD): -ENOENT, the WAIT stays."""
    ring = yield from new_ring(L, 8)
    word = _word()
    yield from _queue_waits(L, ring, word, [1])
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel_fd(sqe, 0, IORING_ASYNC_CANCEL_FD)
    L.io_uring_sqe_set_data64(sqe, 10)
    yield from submit_and_reap(L, ring)
    _wake(L, ring, 11, word, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-cancel-link-goes-on", tags=(*TAGS, "futex_wait", "cancel", "link"))
def lf_cancel_link_goes_on(L: Any) -> Gen:
    """A cancelled WAIT's -ECANCELED does not fail its link (no req_set_fail): the linked NOP runs and
    completes with 0.  A WAIT with IOSQE_CQE_SKIP_SUCCESS, cancelled, posts no CQE at all."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 10, 1)
    yield from submit_and_reap(L, ring, 3)
    _wait(L, ring, 3, word, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 11, 3)
    yield from submit_and_reap(L, ring)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-error-fails-link", tags=(*TAGS, "futex_wait", "futex_wake", "link"))
def lf_error_fails_link(L: Any) -> Gen:
    """A WAIT with a mismatched value (-EAGAIN) fails its link: the NOP after it is -ECANCELED; a WAKE
    that returns 0 (nobody) does not, and a woken WAIT's link goes on."""
    ring = yield from new_ring(L, 8)
    word = _word(1)
    _wait(L, ring, 1, word, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    _wake(L, ring, 3, word, 1, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 4)
    _wait(L, ring, 5, word, 1, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 7, word, 1)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-link-timeout", tags=(*TAGS, "futex_wait", "link_timeout"))
def lf_link_timeout(L: Any) -> Gen:
    """A WAIT guarded by a 20 ms LINK_TIMEOUT: the timer cancels it (-ECANCELED) and the LINK_TIMEOUT's
    own result is what the cancel returned; the CQE order of the two."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word, sqe_flags=IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 20_000_000)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-wake-chain", tags=(*TAGS, "futex_wait", "futex_wake", "link"))
def lf_wake_chain(L: Any) -> Gen:
    """WAKEs run in a link after the WAIT they wake: a WAIT on word A linked to a NOP, then a chain WAKE A
    -> WAKE A: the first WAKE gets 1, the second 0 (nobody left); the NOP follows the woken WAIT."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 3, word, 1, sqe_flags=IOSQE_IO_LINK)
    _wake(L, ring, 4, word, 1)
    yield from submit_and_reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-async", tags=(*TAGS, "futex_wait", "futex_wake", "iowq"))
def lf_async(L: Any) -> Gen:
    """With IOSQE_ASYNC (io-wq): a WAIT still waits and a WAKE wakes it (1, 0: in either order, the
    worker posting the WAKE's CQE racing the task work that posts the WAIT's); a mismatched WAIT from
    io-wq is -EAGAIN (a result, not a retry)."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(L.Timespec(0, 20_000_000), None)
    _wake(L, ring, 2, word, 1, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from record_unordered(L, ring, 2, "wait and wake")
    yield from L.io_uring_queue_exit(ring)
    ring = yield from new_ring(L, 8)
    _wait(L, ring, 3, word, 9, sqe_flags=IOSQE_ASYNC)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-two-rings", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_two_rings(L: Any) -> Gen:
    """The futex is the process's, not the ring's: a WAKE on ring B wakes a WAIT of ring A (B's CQE 1, A's
    CQE 0).  After ring A (with a WAIT still queued) is closed, a WAKE from B finds nobody: 0."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    word = _word()
    yield from _queue_waits(L, a, word, [1, 2])
    _wake(L, b, 3, word, 1)
    yield from submit_and_reap(L, b)
    yield from reap(L, a, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.nanosleep(L.Timespec(0, 50_000_000), None)
    _wake(L, b, 4, word, 1)
    yield from submit_and_reap(L, b)
    yield from L.io_uring_queue_exit(b)


@scenario("lf-read-only-word", tags=(*TAGS, "futex_wait"))
def lf_read_only_word(L: Any) -> Gen:
    """A WAIT reads the word only: read-only memory (``bytes``) holding 3 waited on with 3 waits (cancelled
    after), with 4 is -EAGAIN; a word shorter than the buffer's 4 bytes is not used here (C has no such
    pointer)."""
    ring = yield from new_ring(L, 8)
    word = bytes((3).to_bytes(4, "little"))
    _wait(L, ring, 1, word, 4)
    yield from submit_and_reap(L, ring)
    _wait(L, ring, 2, word, 3)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    cancel(L, ring, 10, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-numa", tags=(*TAGS, "futex_wait", "futex_wake"))
def lf_numa(L: Any) -> Gen:
    """FUTEX2_NUMA: the word is followed by a node word and the pair must be 8-byte aligned (at offset 4:
    -EINVAL); a node of FUTEX_NO_NODE (~0) is replaced by the current node (0 on a one-node machine,
    written back); a node that does not exist is -EINVAL."""
    ring = yield from new_ring(L, 16)
    buf = bytearray(16)
    view = memoryview(buf)
    view[4:8] = b"\xff\xff\xff\xff"
    _wake(L, ring, 1, view[4:12], 1, ANY, PRIV | FUTEX2_NUMA)
    yield from submit_and_reap(L, ring)
    _wake(L, ring, 2, view[0:8], 1, ANY, PRIV | FUTEX2_NUMA)
    yield from submit_and_reap(L, ring)
    L.record("node word", bytes(buf[4:8]))
    view[12:16] = (5000).to_bytes(4, "little")
    _wait(L, ring, 3, view[8:16], 0, ANY, PRIV | FUTEX2_NUMA)
    yield from submit_and_reap(L, ring)
    _wait(L, ring, 4, view[0:8], 0, ANY, PRIV | FUTEX2_NUMA)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 5, view[0:8], 1, ANY, PRIV | FUTEX2_NUMA)
    yield from submit_and_reap(L, ring, 2)
    L.record("ready", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-cancel-by-op", tags=(*TAGS, "futex_wait", "cancel"))
def lf_cancel_by_op(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_OP naming FUTEX_WAIT, with ``addr`` 0: io_futex_cancel matches on user_data
    whatever the cancel's flags (short of ANY), so the WAIT whose user_data is 0 is cancelled and the one
    with user_data 5 stays (a WAKE gets it)."""
    ring = yield from new_ring(L, 8)
    word = _word()
    yield from _queue_waits(L, ring, word, [5, 0])
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_OP)
    sqe.len = IORING_OP_FUTEX_WAIT
    L.io_uring_sqe_set_data64(sqe, 10)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 11, word, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-defer-taskrun", tags=(*TAGS, "futex_wait", "futex_wake", "defer_taskrun"))
def lf_defer_taskrun(L: Any) -> Gen:
    """On a SINGLE_ISSUER | DEFER_TASKRUN ring the woken WAITs' completions are task work run when the
    task waits: after a WAKE of 2 only the WAKE's CQE is ready; waiting brings the two WAITs, in order."""
    ring = yield from new_ring(L, 8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    word = _word()
    yield from _queue_waits(L, ring, word, [1, 2, 3])
    _wake(L, ring, 10, word, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready after submit", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 3)
    cancel(L, ring, 11, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-iopoll", tags=(*TAGS, "futex_wait", "futex_wake", "iopoll"))
def lf_iopoll(L: Any) -> Gen:
    """FUTEX_WAIT and FUTEX_WAKE on an IORING_SETUP_IOPOLL ring: refused at submission (-EINVAL)."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    word = _word()
    _wait(L, ring, 1, word)
    yield from submit_and_reap(L, ring)
    _wake(L, ring, 2, word, 1)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


# -- FUTEX_WAITV ----------------------------------------------------------------------------------


def _waitv(L: Any, ring: Any, ud: int, vec: Any, nr: int | None = None, flags: int = 0, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_futex_waitv(sqe, vec, len(vec) if nr is None else nr, flags)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _words(n: int) -> tuple[bytearray, list[memoryview]]:
    buf = bytearray(4 * n)
    view = memoryview(buf)
    return buf, [view[4 * i : 4 * i + 4] for i in range(n)]


@scenario("lf-waitv-wake-index", tags=(*TAGS, "futex_waitv", "futex_wake"))
def lf_waitv_wake_index(L: Any) -> Gen:
    """FUTEX_WAITV on three words (io_uring_prep_futex_waitv(3)) waits; a WAKE of the third word returns
    1 and the WAITV completes with 2, the index of the word that woke it; the other words are no longer
    waited on (a WAKE of the first: 0)."""
    ring = yield from new_ring(L, 8)
    _, w = _words(3)
    vec = [L.FutexWaitv(0, w[i], PRIV) for i in range(3)]
    _waitv(L, ring, 1, vec)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    L.record("ready", L.io_uring_cq_ready(ring))
    _wake(L, ring, 2, w[2], 1)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 3, w[0], 1)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-waitv-mismatch", tags=(*TAGS, "futex_waitv"))
def lf_waitv_mismatch(L: Any) -> Gen:
    """A WAITV whose second word does not hold its value is -EAGAIN at once (and fails its link); the first
    word, queued meanwhile, is taken off (a WAKE of it: 0)."""
    ring = yield from new_ring(L, 8)
    _, w = _words(2)
    w[1][0] = 1
    _waitv(L, ring, 1, [L.FutexWaitv(0, w[0], PRIV), L.FutexWaitv(0, w[1], PRIV)], sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 3, w[0], 1)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-waitv-keys-first", tags=(*TAGS, "futex_waitv"))
def lf_waitv_keys_first(L: Any) -> Gen:
    """Every entry's address is checked before any word is read: a mismatching first entry and a
    misaligned second one is -EINVAL, not -EAGAIN; a shared entry at NULL is -EFAULT."""
    ring = yield from new_ring(L, 8)
    buf = bytearray(12)
    view = memoryview(buf)
    view[0] = 9
    _waitv(L, ring, 1, [L.FutexWaitv(0, view[0:4], PRIV), L.FutexWaitv(0, view[5:9], PRIV)])
    yield from submit_and_reap(L, ring)
    _waitv(L, ring, 2, [L.FutexWaitv(0, view[0:4], PRIV), L.FutexWaitv(0, None, FUTEX2_SIZE_U32)])
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-waitv-prep", tags=(*TAGS, "futex_waitv"))
def lf_waitv_prep(L: Any) -> Gen:
    """WAITV prep: 0 entries or more than 128 is -EINVAL; a non-zero ``fd``, ``addr2``, ``addr3``,
    ``futex_flags``, ``buf_index`` or ``file_index`` is -EINVAL; an entry with a size other than U32,
    unknown flags, a non-zero reserved word or a value above 32 bits is -EINVAL; a NULL vector is
    -EFAULT."""
    ring = yield from new_ring(L, 8)
    _, w = _words(1)
    good = [L.FutexWaitv(0, w[0], PRIV)]
    ud = 1
    for nr in (0, 129):
        _waitv(L, ring, ud, good, nr)
        yield from submit_and_reap(L, ring)
        ud += 1
    for field in ("fd", "off", "addr3", "op_flags", "buf_index", "file_index"):
        sqe = _waitv(L, ring, ud, good)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
        ud += 1
    for entry in (
        L.FutexWaitv(0, w[0], FUTEX2_SIZE_U64 | FUTEX2_PRIVATE),
        L.FutexWaitv(0, w[0], PRIV | 0x10),
        L.FutexWaitv(0, w[0], PRIV, 1),
        L.FutexWaitv(1 << 32, w[0], PRIV),
    ):
        _waitv(L, ring, ud, [entry])
        yield from submit_and_reap(L, ring)
        ud += 1
    _waitv(L, ring, ud, None, 1)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-waitv-cancel", tags=(*TAGS, "futex_waitv", "cancel"))
def lf_waitv_cancel(L: Any) -> Gen:
    """ASYNC_CANCEL of a waiting WAITV: 1, the WAITV -ECANCELED; its words are no longer waited on."""
    ring = yield from new_ring(L, 8)
    _, w = _words(2)
    _waitv(L, ring, 1, [L.FutexWaitv(0, w[0], PRIV), L.FutexWaitv(0, w[1], PRIV)])
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 10, 1)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 11, w[1], 1)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-waitv-two-wakes", tags=(*TAGS, "futex_waitv", "futex_wake"))
def lf_waitv_two_wakes(L: Any) -> Gen:
    """Two WAKEs, of a WAITV's first and second word, in one submission: the first claims the WAITV, the
    second still counts its waiter (1 each); the WAITV completes with 0, the first word's index.  A WAKE
    of two on a WAITV waiting twice on one word counts both entries (2)."""
    ring = yield from new_ring(L, 8)
    _, w = _words(2)
    _waitv(L, ring, 1, [L.FutexWaitv(0, w[0], PRIV), L.FutexWaitv(0, w[1], PRIV)])
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 2, w[0], 1)
    _wake(L, ring, 3, w[1], 1)
    yield from submit_and_reap(L, ring, 3)
    _waitv(L, ring, 4, [L.FutexWaitv(0, w[1], PRIV), L.FutexWaitv(0, w[1], PRIV)])
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 5, w[1], 2)
    yield from submit_and_reap(L, ring, 2)
    _wake(L, ring, 6, w[1], 2)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-waitv-with-waits", tags=(*TAGS, "futex_waitv", "futex_wait", "futex_wake"))
def lf_waitv_with_waits(L: Any) -> Gen:
    """A WAIT, then a WAITV, then a WAIT on one word: a WAKE of 2 wakes the first two in arrival order (the
    WAIT with 0, the WAITV with index 0), then the last WAIT is cancelled."""
    ring = yield from new_ring(L, 8)
    word = _word()
    _wait(L, ring, 1, word)
    _waitv(L, ring, 2, [L.FutexWaitv(0, word, PRIV)])
    _wait(L, ring, 3, word)
    yield from L.io_uring_submit(ring)
    _wake(L, ring, 4, word, 2)
    yield from submit_and_reap(L, ring, 3)
    cancel(L, ring, 5, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- MSG_RING IORING_MSG_SEND_FD and FIXED_FD_INSTALL (liburing's test/msg-ring-fd.c, test/fd-install.c) --

FD_TAGS = ("liburing", "msg_ring", "fixed_files")


def _send_fd(L: Any, ring: Any, ud: int, target_fd: int, src: int, slot: int, data: int, flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    if slot == IORING_FILE_INDEX_ALLOC:
        L.io_uring_prep_msg_ring_fd_alloc(sqe, target_fd, src, data, flags)
    else:
        L.io_uring_prep_msg_ring_fd(sqe, target_fd, src, slot, data, flags)
    L.io_uring_sqe_set_data64(sqe, ud)
    return sqe


def _fixed_write(L: Any, ring: Any, ud: int, slot: int, data: bytes) -> Gen:
    """WRITE ``data`` through registered file ``slot``; the CQE is recorded."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, slot, data, len(data), 0)
    L.io_uring_sqe_set_data64(sqe, ud)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)


def _two_rings_and_pipe(L: Any, b_flags: int = 0, b_slots: int = 4) -> Gen:
    """Ring A with the pipe's write end in slot 0, ring B with ``b_slots`` empty slots (none: no table)."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8, b_flags)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files(a, [fds[1]], 1)
    if b_slots:
        yield from L.io_uring_register_files_sparse(b, b_slots)
    return a, b, fds


@scenario("lf-msg-fd-slot", tags=(*FD_TAGS, "msg_fd"))
def lf_msg_fd_slot(L: Any) -> Gen:
    """MSG_RING IORING_MSG_SEND_FD (io_uring_prep_msg_ring_fd(3)): A's registered file 0 into B's slot 2:
    A's CQE 0, B's CQE (user_data the message's data) 0; B writes to the pipe through slot 2 and the
    bytes come out of the pipe; sending into the occupied slot again replaces it (0)."""
    a, b, fds = yield from _two_rings_and_pipe(L)
    _send_fd(L, a, 1, b.ring_fd, 0, 2, 0x77)
    yield from submit_and_reap(L, a)
    yield from reap(L, b, 1)
    yield from _fixed_write(L, b, 2, 2, b"via B")
    buf = bytearray(8)
    L.record("read", (yield from L.read(fds[0], buf, 8)))
    L.record("bytes", bytes(buf[:5]))
    _send_fd(L, a, 3, b.ring_fd, 0, 2, 0x78)
    yield from submit_and_reap(L, a)
    yield from reap(L, b, 1)
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("lf-msg-fd-alloc", tags=(*FD_TAGS, "msg_fd"))
def lf_msg_fd_alloc(L: Any) -> Gen:
    """io_uring_prep_msg_ring_fd_alloc(3): each message takes the next free slot of B's table (0, then 1),
    which is both CQEs' result; with the two slots taken the next is -ENFILE (no CQE on B)."""
    a, b, fds = yield from _two_rings_and_pipe(L, b_slots=2)
    for ud in (1, 2, 3):
        _send_fd(L, a, ud, b.ring_fd, 0, IORING_FILE_INDEX_ALLOC, 0x100 + ud)
        yield from submit_and_reap(L, a)
    L.record("b ready", reap_ready(L, b))
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("lf-msg-fd-errors", tags=(*FD_TAGS, "msg_fd"))
def lf_msg_fd_errors(L: Any) -> Gen:
    """SEND_FD errors, in the kernel's order: a non-zero ``len`` -EINVAL; the sender's own ring -EINVAL; a
    source index past A's table, or an empty source slot, -EBADF; a target slot past B's table -EINVAL;
    ``file_index`` 0 (slot -1) -EINVAL; a target that is not a ring -EBADFD.  B gets no CQE."""
    a, b, fds = yield from _two_rings_and_pipe(L)
    sqe = _send_fd(L, a, 1, b.ring_fd, 0, 0, 1)
    sqe.len = 1
    yield from submit_and_reap(L, a)
    _send_fd(L, a, 2, a.ring_fd, 0, 0, 2)
    yield from submit_and_reap(L, a)
    _send_fd(L, a, 3, b.ring_fd, 1, 0, 3)
    yield from submit_and_reap(L, a)
    _send_fd(L, a, 4, b.ring_fd, 0, 4, 4)
    yield from submit_and_reap(L, a)
    sqe = _send_fd(L, a, 5, b.ring_fd, 0, 0, 5)
    sqe.file_index = 0
    yield from submit_and_reap(L, a)
    _send_fd(L, a, 6, fds[0], 0, 0, 6)
    yield from submit_and_reap(L, a)
    yield from L.io_uring_register_files_update(a, 0, [-1], 1)
    _send_fd(L, a, 7, b.ring_fd, 0, 0, 7)
    yield from submit_and_reap(L, a)
    L.record("b ready", reap_ready(L, b))
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("lf-msg-fd-no-tables", tags=(*FD_TAGS, "msg_fd"))
def lf_msg_fd_no_tables(L: Any) -> Gen:
    """Without a table on B: a given slot is -ENXIO, IORING_FILE_INDEX_ALLOC -ENFILE; without a table on
    A (the sender) -EBADF."""
    a, b, fds = yield from _two_rings_and_pipe(L, b_slots=0)
    _send_fd(L, a, 1, b.ring_fd, 0, 0, 1)
    yield from submit_and_reap(L, a)
    _send_fd(L, a, 2, b.ring_fd, 0, IORING_FILE_INDEX_ALLOC, 2)
    yield from submit_and_reap(L, a)
    _send_fd(L, b, 3, a.ring_fd, 0, 0, 3)
    yield from submit_and_reap(L, b)
    L.record("ready", [reap_ready(L, a), reap_ready(L, b)])
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("lf-msg-fd-cqe-skip", tags=(*FD_TAGS, "msg_fd"))
def lf_msg_fd_cqe_skip(L: Any) -> Gen:
    """IORING_MSG_RING_CQE_SKIP: the file is installed (B can write through it) but B gets no CQE; A's CQE
    is 0."""
    a, b, fds = yield from _two_rings_and_pipe(L)
    _send_fd(L, a, 1, b.ring_fd, 0, 1, 0x55, IORING_MSG_RING_CQE_SKIP)
    yield from submit_and_reap(L, a)
    L.record("b ready", reap_ready(L, b))
    yield from _fixed_write(L, b, 2, 1, b"xy")
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("lf-msg-fd-disabled", tags=(*FD_TAGS, "msg_fd"))
def lf_msg_fd_disabled(L: Any) -> Gen:
    """A target still IORING_SETUP_R_DISABLED is -EBADFD; once enabled the same message works."""
    a, b, fds = yield from _two_rings_and_pipe(L, IORING_SETUP_R_DISABLED)
    _send_fd(L, a, 1, b.ring_fd, 0, 0, 1)
    yield from submit_and_reap(L, a)
    yield from L.io_uring_enable_rings(b)
    _send_fd(L, a, 2, b.ring_fd, 0, 0, 2)
    yield from submit_and_reap(L, a)
    yield from reap(L, b, 1)
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("lf-msg-fd-defer-taskrun", tags=(*FD_TAGS, "msg_fd", "defer_taskrun"))
def lf_msg_fd_defer_taskrun(L: Any) -> Gen:
    """A SINGLE_ISSUER | DEFER_TASKRUN target (owned by this task): the install runs from task work; A's
    CQE (0) and B's CQE, and B can write through the slot."""
    a, b, fds = yield from _two_rings_and_pipe(L, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    _send_fd(L, a, 1, b.ring_fd, 0, 3, 0x99)
    yield from submit_and_reap(L, a)
    yield from reap(L, b, 1)
    yield from _fixed_write(L, b, 2, 3, b"z")
    _send_fd(L, a, 3, b.ring_fd, 0, 9, 0x9A)
    yield from submit_and_reap(L, a)
    L.record("b ready", reap_ready(L, b))
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


def _install(L: Any, ring: Any, ud: int, slot: int, flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_fixed_fd_install(sqe, slot, flags)
    L.io_uring_sqe_set_data64(sqe, ud)
    return sqe


@scenario("lf-fd-install", tags=("liburing", "fixed_fd_install", "fixed_files"))
def lf_fd_install(L: Any) -> Gen:
    """FIXED_FD_INSTALL (io_uring_prep_fixed_fd_install(3)): the pipe's write end, registered and then
    closed as a normal fd, comes back as the lowest free descriptor (the result), which writes into the
    pipe; a second install gives another descriptor; IORING_FIXED_FD_NO_CLOEXEC is accepted."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files(ring, [fds[1]], 1)
    yield from L.close(fds[1])
    _install(L, ring, 1, 0)
    ret = yield from L.io_uring_submit(ring)
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe(ring, cqe)
    newfd = cqe[0].res
    L.record("same as the closed fd", newfd == fds[1])
    L.io_uring_cqe_seen(ring, cqe[0])
    L.record("submitted", ret)
    if newfd >= 0:
        L.record("write", (yield from L.write(newfd, b"abc", 3)))
        buf = bytearray(4)
        L.record("read", (yield from L.read(fds[0], buf, 4)))
        _install(L, ring, 2, 0, IORING_FIXED_FD_NO_CLOEXEC)
        yield from L.io_uring_submit(ring)
        yield from L.io_uring_wait_cqe(ring, cqe)
        other = cqe[0].res
        L.record("another fd", other >= 0 and other != newfd)
        L.io_uring_cqe_seen(ring, cqe[0])
        yield from L.close(newfd)
        if other >= 0:
            yield from L.close(other)
    yield from L.close(fds[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lf-fd-install-errors", tags=("liburing", "fixed_fd_install", "fixed_files"))
def lf_fd_install_errors(L: Any) -> Gen:
    """FIXED_FD_INSTALL errors: without IOSQE_FIXED_FILE -EBADF; flags other than NO_CLOEXEC -EINVAL; a
    non-zero ``off``, ``addr``, ``len``, ``buf_index``, ``file_index`` or ``addr3`` -EINVAL; an empty
    slot, or one past the table, -EBADF."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files(ring, [fds[1], -1], 2)
    sqe = _install(L, ring, 1, 0)
    L.io_uring_sqe_set_flags(sqe, 0)
    yield from submit_and_reap(L, ring)
    _install(L, ring, 2, 0, 2)
    yield from submit_and_reap(L, ring)
    ud = 3
    for field in ("off", "addr", "len", "buf_index", "file_index", "addr3"):
        sqe = _install(L, ring, ud, 0)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
        ud += 1
    _install(L, ring, ud, 1)
    yield from submit_and_reap(L, ring)
    _install(L, ring, ud + 1, 5)
    yield from submit_and_reap(L, ring)
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)
