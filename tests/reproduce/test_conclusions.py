"""The proposal's conclusions, decided on hand-made figures."""

from __future__ import annotations

import pytest

from simuring.reproduce.conclusions import evaluate
from simuring.reproduce.reference import load_reference

KEYS = ["bcast_cheapest", "bcast_fifth_of_pipe", "unicast_slower_small", "scaling_order"]


def figures(**changes):
    """A set of figures for which every conclusion holds; ``changes`` as mechanism_size_rx=ns."""
    fig = {}
    for size in (64, 256, 1024, 4096, 16384, 32768):
        fig[("pipe", size, 1)] = 200.0
        fig[("io_uring_unicast", size, 1)] = 600.0
        fig[("pipe", size, 16)] = 30_000.0
        fig[("unix_sock", size, 16)] = 20_000.0
        fig[("shm_eventfd", size, 16)] = 10_000.0
        fig[("io_uring_bcast", size, 16)] = 5_000.0
    fig[("unix_sock", 64, 1)] = 400.0
    fig[("shm_eventfd", 64, 1)] = 200.0
    fig[("io_uring_bcast", 64, 1)] = 700.0
    for name, value in changes.items():
        mechanism, size, rx = name.rsplit("_", 2)
        fig[(mechanism, int(size), int(rx))] = value
    return fig


def verdicts(fig):
    return {v.key: v for v in evaluate(fig)}


def test_all_hold():
    got = verdicts(figures())
    assert list(got) == KEYS
    assert all(v.holds is True for v in got.values()), got
    assert "io_uring_bcast 5,000 ns / pipe 30,000 ns = 0.17" in got["bcast_fifth_of_pipe"].detail
    assert "pipe x150.0" in got["scaling_order"].detail


def test_bcast_not_cheapest_at_one_size():
    got = verdicts(figures(shm_eventfd_16384_16=4_000.0))
    assert got["bcast_cheapest"].holds is False
    assert "16 KB: io_uring_bcast 5,000 ns vs cheapest other shm_eventfd 4,000 ns" in got["bcast_cheapest"].detail
    # below 4 KB it does not matter
    assert verdicts(figures(shm_eventfd_1024_16=10.0))["bcast_cheapest"].holds is True


@pytest.mark.parametrize(("bcast", "holds"), [(6_000.0, True), (6_001.0, False)])
def test_a_fifth_of_pipe_is_the_bound(bcast, holds):
    assert verdicts(figures(io_uring_bcast_32768_16=bcast))["bcast_fifth_of_pipe"].holds is holds


def test_unicast_slower_than_pipe_up_to_1k_only():
    assert verdicts(figures(io_uring_unicast_1024_1=199.0))["unicast_slower_small"].holds is False
    assert verdicts(figures(io_uring_unicast_1024_1=200.0))["unicast_slower_small"].holds is False  # not slower
    assert verdicts(figures(io_uring_unicast_4096_1=100.0))["unicast_slower_small"].holds is True


def test_scaling_order():
    # shm grows most (x200): the order fails
    got = verdicts(figures(shm_eventfd_64_16=40_000.0))
    assert got["scaling_order"].holds is False and "most: shm_eventfd" in got["scaling_order"].detail
    # unix grows least
    got = verdicts(figures(unix_sock_64_16=1_000.0))
    assert got["scaling_order"].holds is False and "least: unix_sock" in got["scaling_order"].detail
    # the growth factor decides, not the absolute growth: unix grows by more ns than pipe here
    got = verdicts(figures(unix_sock_64_1=4_000.0, unix_sock_64_16=33_000.0))
    assert got["scaling_order"].holds is True


def test_missing_figures_are_not_evaluated():
    fig = figures()
    del fig[("io_uring_bcast", 64, 1)]
    got = verdicts(fig)
    assert got["scaling_order"].holds is None
    assert "io_uring_bcast at 64 B, 1 receiver" in got["scaling_order"].detail
    assert got["bcast_cheapest"].holds is True
    assert all(v.holds is None for v in evaluate({}))


def test_the_published_figures_support_every_conclusion():
    published = {k: float(v) for k, v in load_reference().published().items()}
    got = verdicts(published)
    assert all(v.holds is True for v in got.values()), got
