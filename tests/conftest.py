"""Fixtures shared by every test; shared helper functions live in :mod:`tests.helpers`.

The suite runs in both builds (docs/speed.md): pure Python, and with the hot
modules compiled by mypyc.  ``SIMURING_EXPECT_BUILD=compiled`` (or ``pure``),
as CI sets it, makes the session fail at once if the simuring it imports is
not that build (a source tree on ``sys.path`` would shadow an installed
compiled package).  A test marked ``pure_only`` spies on the package's own
functions by replacing them, which a compiled module does not see: it is
skipped in the compiled build.
"""

from __future__ import annotations

import os

import pytest

import simuring
from tests.helpers.sim import Runner

COMPILED = simuring.__build__.startswith("compiled")


@pytest.fixture
def runner() -> Runner:
    return Runner()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes several seconds (a package build); -m 'not slow' skips it")
    config.addinivalue_line(
        "markers", "pure_only: replaces a function of the package to spy on it (not seen by compiled code)"
    )
    expected = os.environ.get("SIMURING_EXPECT_BUILD")
    if expected and not simuring.__build__.startswith(expected):
        raise pytest.UsageError(
            f"SIMURING_EXPECT_BUILD={expected} but this simuring is {simuring.__build__} "
            f"({simuring.__file__})"
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"simuring {simuring.__version__} ({simuring.__build__}) from {os.path.dirname(simuring.__file__ or '')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not COMPILED:
        return
    skip = pytest.mark.skip(reason="spies by replacing a function, which compiled code does not see")
    for item in items:
        if "pure_only" in item.keywords:
            item.add_marker(skip)
