"""The differential fuzzer's generator and runner, on the simulated side alone (no kernel needed).

A case must be the same for the same seed (whatever PYTHONHASHSEED), perturb only the
non-pointer fields its opcode allows, keep its paths inside the private directory, and
run on the simulator without a Python exception.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from simuring.conform import difffuzz
from simuring.conform.difffuzz_case import FIELDS, OPS, OPS_BY_NAME, generate
from simuring.conform.observe import Observation
from simuring.conform.report import SIM_ONLY

SEEDS = range(300)
#: What a case may assign to an SQE attribute (pointers -- addr, addr2 as a pointer, buffers -- never).
SAFE_ATTRIBUTES = {"ioprio", "op_flags", "buf_index", "personality", "file_index", "len", "off", "addr3", "fd", "splice_fd_in"}


def _sqe_assignments(source: str) -> list[str]:
    """The SQE attributes the program assigns (``sqe.<name> = ...``)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "sqe":
                    names.append(target.attr)
    return names


def _string_literals(source: str) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_same_seed_same_case_and_seeds_differ() -> None:
    assert generate(17) == generate(17)
    assert generate(17, ["READ"]) == generate(17, ["READ"])
    assert len({generate(s).source for s in range(40)}) == 40


def test_case_independent_of_hash_seed() -> None:
    def printed(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        cmd = [sys.executable, "-m", "simuring.conform.difffuzz", "--print", "123"]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout

    assert printed("1") == printed("2") == generate(123).source + "\n"


@pytest.mark.parametrize("seed", list(range(0, 300, 7)))
def test_only_safe_fields_are_perturbed(seed: int) -> None:
    case = generate(seed)
    spec = OPS_BY_NAME[case.opcode]
    assert set(_sqe_assignments(case.source)) <= SAFE_ATTRIBUTES
    for odd in case.sqes:
        names = {name for name, _ in odd.fields}
        assert 1 <= len(odd.names) <= 3  # one or two fields; a fixed file adds IOSQE_FIXED_FILE to fd
        assert names <= {*spec.fields, "flags", "splice_fd_in"}
        assert "addr" not in names and "addr2" not in names
        for name, expr in odd.fields:
            if name in FIELDS and name not in ("fd", "flags"):
                assert int(expr, 16) >= 0
    paths = [s for s in _string_literals(case.source) if s.startswith("/")]
    assert all(p.startswith("/dfz-") for p in paths), paths


def test_every_opcode_is_drawn_and_can_be_chosen() -> None:
    drawn = {generate(seed).opcode for seed in SEEDS}
    assert drawn == {spec.name for spec in OPS}
    assert {generate(seed, ["TEE"]).opcode for seed in range(10)} == {"TEE"}


def test_every_case_runs_on_the_simulator() -> None:
    for seed in SEEDS:
        result = difffuzz.run_case(generate(seed), sim_only=True, timeout_s=5.0)
        assert result.status == SIM_ONLY, (seed, result.difference and result.difference.describe())


def test_differences_are_traced_to_the_sqe_fields() -> None:
    obs = [
        Observation("call", "io_uring_queue_init", 0),
        Observation("record", "sqe", [0, ["ioprio"]]),
        Observation("cqe", "cqe", [100, 0, 0]),
        Observation("record", "sqe", [1, ["addr3", "off"]]),
        Observation("cqe", "cqe", [101, -22, 0]),
    ]
    assert difffuzz.fields_at(obs, 0) == difffuzz.SETUP
    assert difffuzz.fields_at(obs, 2) == ("ioprio",)
    assert difffuzz.fields_at(obs, 4) == ("addr3", "off")


def test_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert difffuzz.main(["--print", "5"]) == 0
    assert capsys.readouterr().out == generate(5).source + "\n"
    assert difffuzz.main(["--cases", "4", "--seed", "10", "--sim-only", "--opcode", "NOP"]) == 0
    assert "4/4 cases agree" in capsys.readouterr().out
    assert difffuzz.main(["--cases", "1", "--opcode", "NOPE"]) == 2
    assert "unknown opcode NOPE" in capsys.readouterr().err


def test_group_as_json_data() -> None:
    group = difffuzz.Group("FSYNC", ("off",), [1983, 2066], "differs: ...", "def scenario(L): ...")
    assert group.to_dict() == {
        "opcode": "FSYNC",
        "fields": ("off",),
        "seeds": [1983, 2066],
        "difference": "differs: ...",
        "program": "def scenario(L): ...",
    }
