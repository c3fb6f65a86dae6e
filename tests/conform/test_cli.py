"""``simuring conform`` (the module simuring/cli/conform.py, on a parser of its own)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from simuring.cli import conform


def main(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="simuring")
    conform.add_parser(parser.add_subparsers())
    args = parser.parse_args(["conform", *argv])
    return int(args.func(args))


def test_list(capsys: Any) -> None:
    assert main("--list", "-k", "msg_ring") == 0
    out = capsys.readouterr().out
    assert "msg-ring-data" in out and "setup-cqsize" not in out


def test_a_pattern_matching_nothing_is_a_one_line_error(capsys: Any) -> None:
    assert main("-k", "no-such-scenario-anywhere") == 2
    err = capsys.readouterr().err.strip()
    assert err == "simuring: error: -k no-such-scenario-anywhere: no scenario matches"
    assert main("--list", "-k", "no-such-scenario-anywhere") == 2


def test_sim_only_with_json(tmp_path: Any, capsys: Any) -> None:
    out = tmp_path / "r.json"
    assert main("--sim-only", "-k", "nop-user-data", "--json", str(out)) == 0
    data = json.loads(out.read_text())
    assert data["mode"] == "sim-only" and data["results"][0]["status"] == "sim-only"
    assert "1 sim-only" in capsys.readouterr().out


def test_unavailable_kernel_exits_0(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("SIMURING_CONFORM_NO_REAL", "1")
    assert main("-k", "nop") == 0
    assert "nothing compared" in capsys.readouterr().out


def test_a_difference_exits_1(tmp_path: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scenario whose expectation the simulator cannot meet, in --sim-only mode, fails the run."""
    from simuring.conform import registry

    def body(L: Any) -> Any:
        """records 1 where 2 is expected"""
        L.record("v", 1)
        yield from L.close(100_000)

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.scenario("conform-test-mismatch", expect={"v": 2})(body)
    assert main("--sim-only", "-k", "conform-test-mismatch") == 1
    assert "expected 2, sim 1" in capsys.readouterr().out
