"""Running real benchmarks: fresh processes, shuffled order, medians, spread, unavailable io_uring."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simuring.calibrate.measure import Bench, measure, run_once

# A stand-in for the C programs: prints {"bench", "ns"} where ns comes from the
# arguments and a counter file (so repeats differ), or fails as asked.
FAKE = """#!{python}
import json, os, sys
bench, args = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
log = os.path.join(os.path.dirname(sys.argv[0]), "calls.log")
with open(log, "a") as f:
    f.write(f"{{os.getpid()}} {{bench}} {{sys.argv[2:]}}\\n")
if bench == "uring":
    print(json.dumps({{"bench": bench, "unavailable": "io_uring_setup: Operation not permitted"}}))
    sys.exit(3)
if bench == "broken":
    print("bench broken: read: Bad file descriptor", file=sys.stderr)
    sys.exit(1)
if bench == "silent":
    print("hello")
    sys.exit(0)
n = sum(1 for _ in open(log))
print(json.dumps({{"bench": bench, "ns": float(args["base"]) + n % 3, "waker_ns": 7}}))
"""


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    path = tmp_path / "fake"
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(0o755)
    return path


def calls(fake: Path) -> list[str]:
    return (fake.parent / "calls.log").read_text().splitlines()


def test_every_run_is_a_fresh_process_and_the_figure_is_the_median(fake: Path) -> None:
    a = Bench("probe", "x", (("base", 100),))
    b = Bench("probe", "y", (("base", 500),))
    got = measure([a, b], {"probe": fake}, repeats=3, seed=1)
    lines = calls(fake)
    assert len(lines) == 6
    assert len({line.split()[0] for line in lines}) == 6  # six processes
    fa = got.figures[a.key]
    assert fa.ok and len(fa.values) == 3
    assert set(fa.values) <= {100.0, 101.0, 102.0}
    assert fa.low <= fa.median <= fa.high
    assert fa.field("waker_ns") == 7.0
    assert got.get(b) is not None and got.get(b).median >= 500  # type: ignore[union-attr]


def test_the_order_is_shuffled_and_seeded(fake: Path, tmp_path: Path) -> None:
    benches = [Bench("probe", f"b{i}", (("base", i),)) for i in range(6)]
    measure(benches, {"probe": fake}, repeats=2, seed=3)
    first = [line.split()[1] for line in calls(fake)]
    (fake.parent / "calls.log").unlink()
    measure(benches, {"probe": fake}, repeats=2, seed=3)
    assert [line.split()[1] for line in calls(fake)] == first  # same seed, same order
    assert first != sorted(first)  # not bench by bench
    assert sorted(first) == sorted(f"b{i}" for i in range(6) for _ in range(2))


def test_unavailable_io_uring_is_reported_and_skips_the_other_io_uring_benches(fake: Path) -> None:
    uring = Bench("probe", "uring", (("base", 1),), io_uring=True)
    uring2 = Bench("probe", "uring", (("base", 2),), io_uring=True)
    plain = Bench("probe", "x", (("base", 5),))
    got = measure([uring, uring2, plain], {"probe": fake}, repeats=2)
    assert got.unavailable == "io_uring_setup: Operation not permitted"
    assert sum(" uring " in line for line in calls(fake)) == 1  # the first refusal stops the rest
    assert not got.figures[uring2.key].ok and "unavailable" in (got.figures[uring2.key].error or "")
    assert got.figures[plain.key].ok


def test_a_failing_bench_keeps_its_message_and_the_others_go_on(fake: Path) -> None:
    broken = Bench("probe", "broken")
    silent = Bench("probe", "silent")
    fine = Bench("probe", "x", (("base", 9),))
    got = measure([broken, silent, fine], {"probe": fake}, repeats=2)
    assert got.figures[broken.key].error == "probe broken: exit 1: bench broken: read: Bad file descriptor"
    assert "printed no figure" in (got.figures[silent.key].error or "")
    assert got.figures[fine.key].ok
    assert got.get(broken) is None


def test_run_once_times_out(tmp_path: Path) -> None:
    slow = tmp_path / "slow"
    slow.write_text(f"#!{sys.executable}\nimport time; time.sleep(5)\n")
    slow.chmod(0o755)
    status, _, err = run_once(slow, Bench("probe", "x"), timeout=0.2)
    assert status == 1 and "timed out" in err
