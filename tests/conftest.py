"""Fixtures shared by every test; shared helper functions live in :mod:`tests.helpers`."""

from __future__ import annotations

import pytest

from tests.helpers.sim import Runner


@pytest.fixture
def runner() -> Runner:
    return Runner()
