"""Fixtures shared by every test; shared helper functions live in :mod:`tests.helpers`."""

from __future__ import annotations

import pytest

from tests.helpers.sim import Runner


@pytest.fixture
def runner() -> Runner:
    return Runner()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes several seconds (a package build); -m 'not slow' skips it")
