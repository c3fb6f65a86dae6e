"""Output analysis of one simulated cell: warm-up detection, batch means, the stopping rule.

A benchmark workload reports the sender's time per window of ``W``
messages (``window_ns``).  On that series:

* **Warm-up** is detected with MSER-5 (White, 1997; White, Cobb and Spratt,
  2000): the series is cut into batches of 5 windows, and the truncation
  ``d`` (in batches, searched over the first half) minimising the
  marginal standard error ``sum((z_j - mean(z[d:]))**2) / (n - d)**2`` is
  the warm-up.  It is computed on integer batch sums with exact integer
  comparisons, so ties resolve to the earliest ``d`` on every machine.
* **Batch means**: the windows after the warm-up are grouped into ``k``
  equal consecutive batches of ``b = max(1, kept // 20)`` windows, so
  ``20 <= k < 40`` once at least 20 windows are kept (the fewer than ``b``
  leftover windows next to the warm-up are dropped); the estimate is the
  mean of the batch means, in ns per message, and its 95% confidence
  half-width is ``t(0.975, k - 1) * s / sqrt(k)`` over the ``k`` batch means
  (infinite with fewer than 5 batches).
* **Stopping rule**: at checkpoints of a growing number of windows (each
  about 25% more than the last), the run stops at the first checkpoint whose
  half-width is within ``precision`` (2%) of the mean, else at the message
  cap.  The checkpoints depend only on the series, so the result is the
  same however the simulation was advanced.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

from simuring.output.confidence import t975

MSER_BATCH = 5
BATCHES = 20
MIN_BATCHES = 5



def mser(series: Sequence[int], m: int = MSER_BATCH) -> int:
    """MSER-m warm-up: how many leading items of ``series`` (integers) to drop.

    The result is a multiple of ``m`` (0 when fewer than 4 batches exist)."""
    nb = len(series) // m
    if nb < 4:
        return 0
    z = [sum(series[i * m : (i + 1) * m]) for i in range(nb)]
    # suffix sums of z and z**2: exact integers
    s1 = [0] * (nb + 1)
    s2 = [0] * (nb + 1)
    for i in range(nb - 1, -1, -1):
        s1[i] = s1[i + 1] + z[i]
        s2[i] = s2[i + 1] + z[i] * z[i]
    best_d, best_num, best_den = 0, -1, 1
    for d in range(nb // 2 + 1):
        n = nb - d
        # sum((z - mean)**2) / n**2 == (n * s2 - s1**2) / n**3
        num, den = n * s2[d] - s1[d] * s1[d], n**3
        if best_num < 0 or num * best_den < best_num * den:
            best_d, best_num, best_den = d, num, den
    return best_d * m


@attrs.frozen
class Estimate:
    """Batch-means estimate of ns per message over a window series."""

    mean_ns: float  # ns per message (nan without data)
    ci95_ns: float  # half-width of the 95% confidence interval (inf when too few batches)
    windows: int  # windows in the series
    warmup_windows: int  # dropped by MSER-5
    batches: int
    batch_windows: int

    @property
    def used_windows(self) -> int:
        """Windows in the batches (the warm-up and the leftover excluded)."""
        return self.batches * self.batch_windows

    @property
    def relative_ci(self) -> float:
        return self.ci95_ns / self.mean_ns if self.mean_ns > 0 and math.isfinite(self.ci95_ns) else math.inf

    def precise(self, precision: float) -> bool:
        return self.relative_ci <= precision


def batch_means(series: Sequence[int], window_messages: int, batches: int = BATCHES) -> Estimate:
    """MSER-5 warm-up, then ``batches`` batch means of ns per message (fewer if short)."""
    n = len(series)
    if window_messages < 1:
        raise ValueError(f"window_messages must be >= 1, got {window_messages}")
    if n == 0:
        return Estimate(math.nan, math.inf, 0, 0, 0, 0)
    d = mser(series)
    kept = n - d
    b = max(1, kept // batches)
    k = kept // b  # from `batches` to 2 * batches - 1 batches (fewer only for a short series)
    start = n - k * b  # the warm-up, and the leftover (< b windows) next to it
    means = [sum(series[start + j * b : start + (j + 1) * b]) / (b * window_messages) for j in range(k)]
    mean = sum(means) / k
    if k < MIN_BATCHES:
        return Estimate(mean, math.inf, n, d, k, b)
    var = sum((x - mean) ** 2 for x in means) / (k - 1)
    half = t975(k - 1) * math.sqrt(var / k)
    return Estimate(mean, half, n, d, k, b)


def checkpoints(first: int, last: int, growth: float = 1.25) -> list[int]:
    """Window counts at which the stopping rule is tried: ``first``, then about
    ``growth`` times more each time, and ``last`` (the cap)."""
    if last < 1:
        raise ValueError(f"the cap must be at least one window, got {last}")
    out = []
    n = max(1, min(first, last))
    while n < last:
        out.append(n)
        n = max(n + 1, math.ceil(n * growth))
    out.append(last)
    return out


@attrs.frozen
class Stop:
    """Where the stopping rule stopped a series."""

    windows: int  # the checkpoint (series length used)
    estimate: Estimate
    precise: bool  # the precision target was met (else: the cap was hit)


BACKLOG_DRIFT = 0.05
"""A buffer's level may drift by this fraction of its capacity (at least 2
messages) between the second and the last quarter of the kept windows."""


def backlog_settled(levels: Sequence[int], start: int, end: int, capacity: int) -> bool:
    """Whether a bounded buffer's level (one entry per window) has settled over
    windows ``start`` to ``end``: full (at least 90% of ``capacity``) in both
    the second and the last quarter of them, or the mean of the last quarter
    within :data:`BACKLOG_DRIFT` of the second quarter's.  A stream whose buffer is still filling (or draining) is not in
    its steady state, however steady the sender's clock looks: the sender runs
    at its own pace until the buffer is full, then at its receivers' pace.
    Fewer than 8 windows, or no capacity: settled (nothing to tell)."""
    kept = list(levels[start:end])
    if capacity <= 0 or len(kept) < 8:
        return True
    q = len(kept) // 4
    second = sum(kept[q : 2 * q]) / q
    last = sum(kept[-q:]) / q
    full = 0.9 * capacity
    return (second >= full and last >= full) or abs(last - second) <= max(2.0, BACKLOG_DRIFT * capacity)


def first_precise(
    series: Sequence[int],
    window_messages: int,
    points: Sequence[int],
    precision: float,
    upto: int | None = None,
    settled: Callable[[int, int], bool] | None = None,
) -> Stop | None:
    """The first checkpoint in ``points`` (at most ``upto`` windows, default
    ``len(series)``) whose estimate meets ``precision`` and, with ``settled``,
    whose kept windows ``settled(warm-up, checkpoint)`` accepts (a buffer's
    level, :func:`backlog_settled`); None if none does."""
    limit = len(series) if upto is None else upto
    for n in points:
        if n > limit:
            break
        est = batch_means(series[:n], window_messages)
        if est.precise(precision) and (settled is None or settled(est.warmup_windows, n)):
            return Stop(n, est, True)
    return None
