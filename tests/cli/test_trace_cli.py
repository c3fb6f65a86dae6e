"""``simuring run`` tracing: --trace-out (Chrome trace-event JSON for Perfetto),
--trace-filter, --trace-limit and what the summary and --json say of drops."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simuring.cli import main
from tests.helpers.chrome_trace import check_chrome_trace

ROOT = Path(__file__).resolve().parents[2]
PINGPONG = str(ROOT / "workloads" / "pipe_pingpong.py")
BROADCAST = str(ROOT / "workloads" / "ipc_broadcast.py")
SMALL_BROADCAST = ["-p", "receivers=2", "-p", "messages=10"]


def test_trace_out_of_a_pipe_pingpong(tmp_path, capsys):
    out = tmp_path / "pp.perfetto.json"
    assert main(["run", PINGPONG, "-p", "messages=3", "--trace-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "trace: " in printed and "dropped" not in printed and f"trace written to {out}" in printed
    summary = check_chrome_trace(out.read_text())
    assert {"CPU 0", "CPU 1", "ping", "pong"} <= summary.thread_names()
    assert {"io_uring_create", "io_uring_submit_req", "io_uring_poll_arm", "io_uring_task_add", "io_uring_complete", "sched_switch", "sched_wakeup"} <= summary.instants
    assert summary.other["script"] == "pipe_pingpong.py" and summary.other["params"]["messages"] == 3


def test_trace_out_of_an_ipc_broadcast(tmp_path):
    out = tmp_path / "b.json"
    assert main(["run", BROADCAST, *SMALL_BROADCAST, "--trace-out", str(out), "--quiet"]) == 0
    summary = check_chrome_trace(out.read_text())
    assert {"sender", "receiver0", "receiver1", "summary"} <= summary.thread_names()
    assert {"ipc_send", "ipc_recv", "ipc_wake", "io_uring_local_work_run"} <= summary.instants
    assert {"ring 1 CQ entries", "ring 2 local work items"} <= summary.counters


def test_the_same_seed_gives_a_byte_identical_trace_whatever_the_hash_seed(tmp_path):
    files = []
    for hashseed in ("0", "4242"):
        out = tmp_path / f"t{hashseed}.json"
        cmd = [sys.executable, "-m", "simuring", "run", BROADCAST, *SMALL_BROADCAST, "--seed", "7", "--quiet", "--trace-out", str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": hashseed}, timeout=300)
        assert done.returncode == 0, done.stderr
        files.append(out.read_bytes())
    assert files[0] == files[1]


def test_a_capped_trace_says_how_many_events_it_dropped(tmp_path, capsys):
    out, js = tmp_path / "t.json", tmp_path / "r.json"
    args = ["run", PINGPONG, "-p", "messages=10", "--trace-limit", "100", "--trace-out", str(out), "--json", str(js)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    doc = json.loads(js.read_text())
    dropped = doc["trace_dropped"]
    assert dropped > 0 and len(doc["trace"]) == 100 and doc["trace_limit"] == 100
    assert f"trace: 100 events ({dropped:,} dropped: cap 100; whole until t=" in printed
    summary = check_chrome_trace(out.read_text())
    assert summary.other["trace_dropped"] == dropped and "trace cap reached" in summary.instants


def test_json_says_nothing_was_dropped(tmp_path):
    js = tmp_path / "r.json"
    assert main(["run", PINGPONG, "-p", "messages=2", "--trace", "--json", str(js), "--quiet"]) == 0
    doc = json.loads(js.read_text())
    assert doc["trace"] and doc["trace_dropped"] == 0 and doc["trace_dropped_from_ns"] is None


def test_filter_keeps_the_kinds_chosen(tmp_path):
    js = tmp_path / "r.json"
    args = ["run", PINGPONG, "-p", "messages=2", "--trace-filter", "io_uring_complete,sched_*", "--json", str(js), "--quiet"]
    assert main(args) == 0
    kinds = {e["event"] for e in json.loads(js.read_text())["trace"]}
    assert kinds == {"io_uring_complete", "sched_switch", "sched_wakeup", "sched_wakeup_new"}


@pytest.mark.parametrize("bad", ["io_uring_completion", "sched_*,nope"])
def test_an_unknown_kind_exits_2_naming_it_and_the_known_ones(bad, capsys):
    assert main(["run", PINGPONG, "--trace-filter", bad]) == 2
    err = capsys.readouterr().err
    wrong = bad.split(",")[-1]
    assert f"--trace-filter: unknown trace event kind {wrong!r}" in err
    assert "io_uring_complete" in err and "ipc_send" in err and "sched_switch" in err
    assert "Traceback" not in err


def test_a_negative_limit_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", PINGPONG, "--trace-limit", "-1"])
    assert info.value.code == 2 and "must be >= 0" in capsys.readouterr().err
