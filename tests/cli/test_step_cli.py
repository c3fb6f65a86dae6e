"""``simuring step``: --no-ui, the terminal view's start, and the errors of ``simuring run``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simuring.cli import main
from simuring.cli.step import parse_moves

ROOT = Path(__file__).resolve().parents[2]
NOP_LOOP = str(ROOT / "workloads" / "nop_loop.py")
DELIVERY = str(ROOT / "examples" / "delivery_modes.py")

STUCK = '''
from simuring.syscalls import pipe, read

def stuck():
    fds = []
    yield from pipe(fds)
    yield from read(fds[0], bytearray(1), 1)

def workload(sim):
    sim.spawn(stuck, name="stuck")
'''

CRASH = '''
from simuring.syscalls import nanosleep

def broken():
    yield from nanosleep(1000)
    raise ValueError("boom")

def workload(sim):
    sim.spawn(broken, name="broken")
'''

REFUSED_IN_TASK = '''
from simuring import ParamError
from simuring.syscalls import nanosleep

def maker(entries):
    yield from nanosleep(100)
    raise ParamError({"ring_entries": entries}, "IPC channel create", -22)

def workload(sim, ring_entries=3):
    sim.spawn(maker, ring_entries, name="maker")
'''


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("simuring: error: "), err
    return err


def test_no_ui_prints_the_state_after_each_move(capsys):
    assert main(["step", NOP_LOOP, "-p", "ops=2", "--no-ui", "--moves", "2c,c"]) == 0
    out = capsys.readouterr().out
    assert out.count("move ") == 3 and "move 1: c" in out and "move 3: c" in out
    assert "ring 1  SINGLE_ISSUER|DEFER_TASKRUN  owner 'nop'" in out
    assert "  CQ head 0 tail 1 mask 127: [0] 0x0 res=0" in out
    assert "  CQ head 1 tail 2 mask 127: [1] 0x1 res=0" in out
    assert "ring 1: CQE user_data=0x1 res=0 posted" in out
    assert "» the run is over: every user task has ended: no CQE came" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_no_ui_stops_printing_once_the_run_is_over(capsys):
    assert main(["step", NOP_LOOP, "-p", "ops=1", "--no-ui", "--moves", "9w"]) == 0
    out = capsys.readouterr().out
    assert "[run over]" in out and out.count("move ") < 9


def test_no_ui_shows_defer_taskrun_deferring_completions(capsys):
    assert main(["step", DELIVERY, "--no-ui", "--moves", "t=100us"]) == 0
    out = capsys.readouterr().out
    assert "» reached t=100000 ns" in out
    assert "local work" in out and "waiting: 'waiter' for 8 items" in out
    assert "  CQ head 0 tail 0 mask 31: empty" in out


def test_parse_moves():
    assert parse_moves("s 2c, w t=10us") == [("s", ""), ("c", ""), ("c", ""), ("w", ""), ("t", "10us")]
    for bad in ("x", "2", "t=soon", "", "c3"):
        with pytest.raises(Exception, match="--moves"):
            parse_moves(bad)


@pytest.mark.parametrize("moves", ["x", "t=soon", ""])
def test_bad_moves_exit_2(capsys, moves):
    assert main(["step", NOP_LOOP, "--no-ui", "--moves", moves]) == 2
    assert "--moves" in one_error_line(capsys)


def test_the_errors_of_simuring_run(tmp_path, capsys):
    assert main(["step", str(tmp_path / "none.py"), "--no-ui"]) == 2
    assert "no such workload script" in one_error_line(capsys)
    assert main(["step", NOP_LOOP, "-p", "opz=3", "--no-ui"]) == 2
    assert "has no parameter 'opz'" in one_error_line(capsys)
    assert main(["step", NOP_LOOP, "-p", "ops=0", "--no-ui"]) == 2
    assert "workload() failed: ValueError" in one_error_line(capsys)
    assert main(["step", NOP_LOOP, "--host", "no-such-host", "--no-ui"]) == 2
    one_error_line(capsys)
    assert main(["step", NOP_LOOP, "--set", "nope.x=1", "--no-ui"]) == 2
    one_error_line(capsys)


def test_a_param_error_in_a_task_exits_2(tmp_path, capsys):
    script = write(tmp_path, "refused.py", REFUSED_IN_TASK)
    assert main(["step", script, "--no-ui", "--moves", "c"]) == 2
    err = one_error_line(capsys)
    assert "-p ring_entries=3: IPC channel create failed: -EINVAL" in err
    assert "simulation stalled" not in capsys.readouterr().out


def test_a_stall_exits_2_after_showing_it(tmp_path, capsys):
    script = write(tmp_path, "stuck.py", STUCK)
    assert main(["step", script, "--no-ui", "--moves", "c"]) == 2
    captured = capsys.readouterr()
    assert "» simulation stalled at t=" in captured.out
    assert captured.err.startswith(f"simuring: error: {script}: simulation stalled at t=")


def test_a_crash_in_a_task_exits_1_naming_the_script_line(tmp_path, capsys):
    script = write(tmp_path, "crash.py", CRASH)
    assert main(["step", script, "--no-ui", "--moves", "c"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"simuring: error: {script}:6: ValueError: boom")


def test_without_textual_it_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual", None)
    assert main(["step", NOP_LOOP]) == 2
    err = one_error_line(capsys)
    assert "pip install 'simuring[ui]'" in err


def test_without_a_terminal_it_points_to_no_ui(capsys):
    pytest.importorskip("textual")
    assert main(["step", NOP_LOOP]) == 2  # pytest's stdin and stdout are not terminals
    assert "--no-ui" in one_error_line(capsys)


def test_in_a_terminal_it_runs_the_app(monkeypatch):
    pytest.importorskip("textual")
    from simuring.step import app as app_mod

    started = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(app_mod.StepApp, "run", lambda self: started.append((self.script, self.stepper.sim.params)))
    assert main(["step", NOP_LOOP, "-p", "ops=7", "--seed", "4"]) == 0
    assert started == [("nop_loop.py", {"ops": 7, "entries": 64, "flags": "SINGLE_ISSUER,DEFER_TASKRUN", "cpu": 0})]
