"""The proposal's conclusions, evaluated on a set of figures (simulated or published).

Figures are ns per message keyed by ``(mechanism, msg_size, receivers)``.
Each conclusion gives a :class:`Verdict`: holds (True/False), or None when a
figure it needs is missing, with the numbers it was decided on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

Figures = Mapping[tuple[str, int, int], float]

BASELINES = ("pipe", "unix_sock", "shm_eventfd")
#: the four mechanisms of the scaling table with published figures at 1 and 16 receivers
SCALING_MECHANISMS = ("pipe", "unix_sock", "shm_eventfd", "io_uring_bcast")


@attrs.frozen
class Verdict:
    key: str
    claim: str
    holds: bool | None  # None: not evaluated (figures missing)
    detail: str


class _Missing(Exception):
    pass


def _get(fig: Figures, mechanism: str, size: int, receivers: int) -> float:
    value = fig.get((mechanism, size, receivers))
    if value is None:
        raise _Missing(f"{mechanism} at {_size(size)}, {receivers} receiver{'s' if receivers > 1 else ''}")
    return float(value)


def _size(size: int) -> str:
    return f"{size // 1024} KB" if size >= 1024 and size % 1024 == 0 else f"{size} B"


def _ns(value: float) -> str:
    return f"{value:,.0f} ns"


def bcast_cheapest_from_4k(fig: Figures) -> tuple[bool, str]:
    parts, ok = [], True
    for size in (4096, 16384, 32768):
        b = _get(fig, "io_uring_bcast", size, 16)
        others = {m: _get(fig, m, size, 16) for m in BASELINES}
        best = min(others, key=lambda m: (others[m], m))
        ok &= b < others[best]
        parts.append(f"{_size(size)}: io_uring_bcast {_ns(b)} vs cheapest other {best} {_ns(others[best])}")
    return ok, "; ".join(parts)


def bcast_fifth_of_pipe(fig: Figures) -> tuple[bool, str]:
    b = _get(fig, "io_uring_bcast", 32768, 16)
    p = _get(fig, "pipe", 32768, 16)
    ratio = b / p
    return ratio <= 0.2, f"io_uring_bcast {_ns(b)} / pipe {_ns(p)} = {ratio:.2f} (at most 0.20)"


def unicast_slower_than_pipe(fig: Figures) -> tuple[bool, str]:
    parts, ok = [], True
    for size in (64, 256, 1024):
        u = _get(fig, "io_uring_unicast", size, 1)
        p = _get(fig, "pipe", size, 1)
        ok &= u > p
        parts.append(f"{_size(size)}: io_uring_unicast {_ns(u)} vs pipe {_ns(p)}")
    return ok, "; ".join(parts)


def growth_order(fig: Figures) -> tuple[bool, str]:
    growth = {m: _get(fig, m, 64, 16) / _get(fig, m, 64, 1) for m in SCALING_MECHANISMS}
    most = max(growth, key=lambda m: (growth[m], m))
    least = min(growth, key=lambda m: (growth[m], m))
    ok = most == "pipe" and least == "io_uring_bcast"
    listed = ", ".join(f"{m} x{growth[m]:.1f}" for m in sorted(growth, key=lambda m: (-growth[m], m)))
    return ok, f"cost at 16 / cost at 1 receiver: {listed} (most: {most}, least: {least})"


CONCLUSIONS: tuple[tuple[str, str, Callable[[Figures], tuple[bool, str]]], ...] = (
    ("bcast_cheapest", "At 16 receivers, io_uring broadcast is the cheapest mechanism from 4 KB up", bcast_cheapest_from_4k),
    ("bcast_fifth_of_pipe", "At 16 receivers and 32 KB, io_uring broadcast costs at most a fifth of pipe", bcast_fifth_of_pipe),
    ("unicast_slower_small", "At 1 receiver, io_uring unicast is slower than pipe up to 1 KB", unicast_slower_than_pipe),
    (
        "scaling_order",
        "From 1 to 16 receivers at 64 B, the cost grows most for pipe and least for io_uring broadcast "
        "(growth factor, among pipe, unix_sock, shm_eventfd, io_uring_bcast)",
        growth_order,
    ),
)


def evaluate(fig: Figures) -> list[Verdict]:
    """Every conclusion of the proposal, decided on ``fig``."""
    out = []
    for key, claim, rule in CONCLUSIONS:
        try:
            holds, detail = rule(fig)
        except _Missing as exc:
            out.append(Verdict(key, claim, None, f"not evaluated: no figure for {exc}"))
            continue
        except ZeroDivisionError:
            out.append(Verdict(key, claim, None, "not evaluated: a figure is zero"))
            continue
        out.append(Verdict(key, claim, holds, detail))
    return out
