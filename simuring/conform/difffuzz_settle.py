"""``settle``: the differential fuzzer's end of every SQE (imported by the programs the fuzzer prints).

A case submits one SQE at a time and settles it before the next: wait for
its completion for :data:`~simuring.conform.difffuzz_case.SETTLE_NS`; if
none came (a request parked on a file that will not become ready, or a
skip-success one), cancel it by ``user_data`` and wait once more; then
consume every completion already visible, so each is recorded on both
backends.  A descriptor a completion handed back is closed, so a long run
does not leak them.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.conform.difffuzz_case import SETTLE_NS

#: user_data of the cancel :func:`settle` sends for a request that did not complete.
CANCEL_UD = 0xCA7C


def _pipe_fds(out: bytearray) -> list[int]:
    """The two ``int`` a PIPE wrote into ``out`` (each -1 where it wrote nothing)."""
    return [int.from_bytes(out[i : i + 4], "little", signed=True) for i in (0, 4)]


def settle(L: Any, ring: Any, user_data: int, *, close: bytearray | None = None, close_res: bool = False) -> Generator[Any, Any, None]:
    """Wait for request ``user_data`` (cancel it if it does not complete), then reap what is visible.

    ``close``: the ``int fds[2]`` (8 bytes, filled with -1 beforehand) a successful PIPE fills; ``close_res``:
    the request's non-negative res is a new descriptor (OPENAT, SOCKET).
    """
    cqe = L.Cqe()
    if (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, SETTLE_NS))) < 0:
        sqe = L.io_uring_get_sqe(ring)
        L.io_uring_prep_cancel64(sqe, user_data, 0)
        L.io_uring_sqe_set_data64(sqe, CANCEL_UD)
        yield from L.io_uring_submit(ring)
        yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, SETTLE_NS))
    opened: list[int] = []
    while L.io_uring_peek_cqe(ring, cqe) == 0:
        done = cqe[0]
        if done.user_data == user_data and done.res >= 0:
            opened += _pipe_fds(close) if close is not None and done.res == 0 else []
            opened += [done.res] if close_res else []
        L.io_uring_cqe_seen(ring, done)
    for fd in (fd for fd in opened if fd > 2):  # never the harness's standard descriptors
        yield from L.close(fd)
