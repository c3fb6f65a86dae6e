"""Warm-up detection (MSER-5), batch means and the stopping rule, on synthetic series."""

from __future__ import annotations

import math
import random

import pytest

from simuring.output.confidence import t975
from simuring.reproduce.stats import (
    Estimate,
    batch_means,
    checkpoints,
    first_precise,
    mser,
)


def test_t_quantiles():
    assert t975(1) == 12.706 and t975(19) == 2.093 and t975(30) == 2.042
    assert t975(35) == 2.042  # between tabulated values: the lower df, the wider interval
    assert t975(1000) == 1.960
    with pytest.raises(ValueError):
        t975(0)


def test_mser_finds_a_transient():
    # 100 windows at 3000 ns falling to a noisy steady state around 1000 ns
    rng = random.Random(1)
    series = [3000 - 20 * i for i in range(100)] + [1000 + rng.randrange(-50, 50) for _ in range(400)]
    d = mser(series)
    assert d % 5 == 0
    assert 80 <= d <= 120


def test_mser_keeps_a_stationary_series():
    rng = random.Random(2)
    series = [1000 + rng.randrange(-100, 100) for _ in range(400)]
    assert mser(series) <= 20
    assert mser([500] * 100) == 0  # ties go to the earliest truncation
    assert mser([1, 2, 3]) == 0  # fewer than 4 batches: nothing to decide


def test_mser_searches_only_the_first_half():
    series = [1000] * 50 + [5000] * 50  # a late step is no warm-up
    assert mser(series) <= 50


def test_mser_is_exact_integer_arithmetic():
    # huge values where float sums of squares would lose the difference
    base = 10**15
    series = [base + 10**6] * 25 + [base] * 75
    assert mser(series) == 25


def test_batch_means_of_an_iid_series():
    rng = random.Random(3)
    window = 10
    series = [int(rng.gauss(10_000, 500)) for _ in range(400)]  # ns per window of 10: 1000 ns/msg
    est = batch_means(series, window)
    assert isinstance(est, Estimate)
    assert 20 <= est.batches < 40 and est.batch_windows >= 1
    assert est.mean_ns == pytest.approx(1000, rel=0.01)
    # the half-width of a mean of 400 iid windows (sd 50 ns/msg): about 2 * 50 / 20 = 5 ns
    assert 2 < est.ci95_ns < 10
    assert abs(est.mean_ns - 1000) <= 2 * est.ci95_ns
    assert est.precise(0.02) and not est.precise(0.001)


def test_batch_means_coverage():
    """Over many independent series, the 95% interval covers the true mean about 95% of the time."""
    rng = random.Random(4)
    covered = 0
    runs = 200
    for _ in range(runs):
        series = [int(rng.gauss(5_000, 400)) for _ in range(200)]
        est = batch_means(series, 5)
        covered += abs(est.mean_ns - 1000) <= est.ci95_ns
    assert 0.88 <= covered / runs <= 0.99


def test_batch_means_drop_the_warm_up():
    series = [50_000] * 40 + [10_000] * 360
    est = batch_means(series, 10)
    assert est.warmup_windows == 40
    assert est.mean_ns == 1000 and est.ci95_ns == 0
    assert est.used_windows <= 360


def test_short_series_have_no_interval():
    est = batch_means([1000, 1100, 900], 1)
    assert est.batches == 3 and math.isinf(est.ci95_ns) and not est.precise(0.5)
    empty = batch_means([], 1)
    assert math.isnan(empty.mean_ns) and math.isinf(empty.relative_ci)
    with pytest.raises(ValueError):
        batch_means([1], 0)


def test_checkpoints():
    points = checkpoints(40, 300)
    assert points[0] == 40 and points[-1] == 300
    assert all(b > a for a, b in zip(points, points[1:], strict=False))
    assert all(b <= math.ceil(a * 1.25) or b == 300 for a, b in zip(points, points[1:], strict=False))
    assert checkpoints(500, 300) == [300]  # the cap comes first
    assert checkpoints(1, 1) == [1]
    with pytest.raises(ValueError):
        checkpoints(1, 0)


def test_the_stopping_rule_stops_at_the_first_precise_checkpoint():
    rng = random.Random(5)
    series = [int(rng.gauss(10_000, 2_000)) for _ in range(2000)]
    points = checkpoints(40, 2000)
    stop = first_precise(series, 10, points, 0.02)
    assert stop is not None and stop.precise
    assert stop.estimate.relative_ci <= 0.02
    earlier = [n for n in points if n < stop.windows]
    assert all(not batch_means(series[:n], 10).precise(0.02) for n in earlier)
    # the same series, advanced by any amount, stops at the same point
    assert first_precise(series[: stop.windows], 10, points, 0.02) == stop
    assert first_precise(series, 10, points, 0.02, upto=stop.windows - 1) is None
    assert first_precise(series, 10, points, 1e-9) is None


def test_a_buffer_still_filling_is_not_settled_a_full_or_flat_one_is():
    from simuring.reproduce.stats import backlog_settled

    filling = list(range(0, 256, 3))  # 86 windows, growing all along
    assert not backlog_settled(filling, 0, len(filling), 256)
    just_full = list(range(0, 240, 4)) + [256] * 20  # full only in the last quarter
    assert not backlog_settled(just_full, 0, len(just_full), 256)
    full = [40] * 10 + [256] * 80
    assert backlog_settled(full, 10, len(full), 256)
    flat = [5, 7, 6, 4, 6, 5, 7, 6] * 10  # receivers keep up: a few messages in flight
    assert backlog_settled(flat, 0, len(flat), 256)
    assert backlog_settled(filling, 0, 6, 256)  # too few windows to tell
    assert backlog_settled(filling, 0, len(filling), 0)  # no capacity: nothing to tell


def test_the_stopping_rule_waits_for_a_settled_buffer_when_asked():
    from simuring.reproduce.stats import first_precise

    series = [1000] * 400  # perfectly steady clock: precise at the first checkpoint
    points = [100, 200, 300, 400]
    assert first_precise(series, 10, points, 0.02).windows == 100
    seen: list[tuple[int, int]] = []

    def settled(start: int, end: int) -> bool:
        seen.append((start, end))
        return end >= 300  # the buffer fills only by window 300

    stop = first_precise(series, 10, points, 0.02, settled=settled)
    assert stop is not None and stop.windows == 300 and stop.precise
    assert [end for _, end in seen] == [100, 200, 300]
    assert first_precise(series, 10, points, 0.02, settled=lambda s, e: False) is None
