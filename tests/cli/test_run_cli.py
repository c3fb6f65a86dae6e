"""``simuring run``: parameter errors, the oversubscription note, progress,
``--list-params`` and the provenance in ``--json``."""

from __future__ import annotations

import io
import json
from functools import partial
from pathlib import Path

import pytest
from rich.console import Console

from simuring import Simulation, __version__
from simuring.cli import main
from simuring.cli import run as run_cmd
from simuring.cli.paramdoc import param_docs
from simuring.cli.progress import RunProgress, progress_wanted

ROOT = Path(__file__).resolve().parents[2]
NOP_LOOP = str(ROOT / "workloads" / "nop_loop.py")

REFUSED_AT_SETUP = '''
from simuring import ParamError

def workload(sim, ring_entries=3, receivers=2):
    raise ParamError({"ring_entries": ring_entries}, "IPC channel create", -22)
'''

REFUSED_IN_TASK = '''
from simuring import ParamError
from simuring.syscalls import nanosleep

def maker(entries):
    yield from nanosleep(100)
    if entries & (entries - 1):
        raise ParamError({"ring_entries": entries}, "IPC channel create", -22)

def workload(sim, ring_entries=3):
    sim.spawn(maker, ring_entries, name="maker")
'''

CROWD = '''
from simuring.syscalls import nanosleep

def napper(sim):
    for _ in range(3):
        yield from nanosleep(sim.rng.randrange(1000, 3000))

def workload(sim, tasks=6):
    for i in range(tasks):
        sim.spawn(napper, sim, name=f"n{i}")
'''

DOCUMENTED = '''
def workload(sim, size, ring_entries=256, flags="SINGLE_ISSUER|DEFER_TASKRUN", spin=False, label="", hidden=0.5, **extra):
    """A documented workload.

    Args:
        size (int): message size in bytes.
        ring_entries: channel slots, a power of two;
            the kernel refuses others with -EINVAL.

        flags: IORING_SETUP_* names
            joined by '|'.
        spin: poll instead of sleeping.
        label: a name for the run.
        **extra: passed to the tasks.

    Returns:
        nothing.
    """
    raise AssertionError("--list-params must not call the workload")
'''


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# -- parameters the kernel refuses ---------------------------------------------
@pytest.mark.parametrize("source", [REFUSED_AT_SETUP, REFUSED_IN_TASK], ids=["in workload()", "in a task"])
def test_param_error_is_one_line_naming_parameter_and_errno(tmp_path, capsys, source):
    script = write(tmp_path, "refused.py", source)
    assert main(["run", script]) == 2
    err = capsys.readouterr().err
    assert err == f"simuring: error: {script}: -p ring_entries=3: IPC channel create failed: -EINVAL (Invalid argument)\n"


def test_param_error_names_the_value_given_with_p(tmp_path, capsys):
    script = write(tmp_path, "refused.py", REFUSED_IN_TASK)
    assert main(["run", script, "-p", "ring_entries=6"]) == 2
    assert "-p ring_entries=6: IPC channel create failed: -EINVAL" in capsys.readouterr().err
    assert main(["run", script, "-p", "ring_entries=8", "--quiet"]) == 0


# -- more runnable tasks than CPUs ----------------------------------------------
def test_oversubscription_is_noted_once(tmp_path, capsys):
    script = write(tmp_path, "crowd.py", CROWD)
    assert main(["run", script, "--set", "host.cpus=4"]) == 0
    err = capsys.readouterr().err
    assert err.count("simuring: note:") == 1
    assert "up to 6 tasks were runnable at once on 4 CPUs (first more than 4 at t=0 ns)" in err


def test_no_note_while_the_cpus_suffice_or_when_quiet(tmp_path, capsys):
    script = write(tmp_path, "crowd.py", CROWD)
    assert main(["run", script, "--set", "host.cpus=8"]) == 0
    assert "note" not in capsys.readouterr().err
    assert main(["run", script, "--set", "host.cpus=4", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


# -- progress ------------------------------------------------------------------
class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("choice", "quiet", "tty", "wanted"),
    [
        (None, False, True, True),
        (None, False, False, False),
        (None, True, True, False),
        (False, False, True, False),
        (True, False, False, True),
        (True, True, False, True),
    ],
)
def test_progress_is_shown_on_a_terminal_unless_told_otherwise(choice, quiet, tty, wanted):
    assert progress_wanted(choice, quiet, FakeStream(tty)) is wanted


def test_progress_line_appears_after_the_delay():
    now = [0.0]
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    progress = RunProgress("w.py", lambda: 1_500_000, console, delay_s=3.0, clock=lambda: now[0])
    now[0] = 2.9
    progress(2000)
    assert out.getvalue() == ""  # a short run shows nothing
    now[0] = 3.5
    progress(4000)
    assert "w.py: simulated 1.500 ms, 4,000 events, 3.5 s wall" in out.getvalue()
    now[0] = 4.0
    progress.close()
    assert "6,000" not in out.getvalue() and "4.0 s wall" in out.getvalue()


def test_progress_line_shows_a_warning_as_soon_as_there_is_one():
    warning: list[str | None] = [None]
    now = [1.0]
    out = io.StringIO()
    progress = RunProgress("w.py", lambda: 0, Console(file=out, force_terminal=True, width=200), delay_s=0.0, clock=lambda: now[0], warning=lambda: warning[0])
    progress(2000)
    assert "oversubscribed" not in out.getvalue()
    warning[0] = "oversubscribed: up to 40 runnable tasks on 32 CPUs"
    now[0] = 2.0
    progress(4000)
    assert "(oversubscribed: up to 40 runnable tasks on 32 CPUs)" in out.getvalue()
    progress.close()


def test_progress_closes_without_output_for_a_short_run():
    out = io.StringIO()
    progress = RunProgress("w.py", lambda: 0, Console(file=out, force_terminal=True), clock=lambda: 0.0)
    progress(2000)
    progress.close()
    assert out.getvalue() == ""


def test_progress_does_not_change_the_result(tmp_path, capsys, monkeypatch):
    script = write(tmp_path, "crowd.py", CROWD)
    plain, shown = tmp_path / "plain.json", tmp_path / "shown.json"
    assert main(["run", script, "--no-progress", "--json", str(plain)]) == 0
    capsys.readouterr()
    # shown from the start, redrawn at every callback
    monkeypatch.setattr(run_cmd, "RunProgress", partial(RunProgress, delay_s=0.0, refresh_s=0.0, every=5))
    assert main(["run", script, "--progress", "--json", str(shown)]) == 0
    assert "crowd.py: simulated" in capsys.readouterr().err
    assert shown.read_bytes() == plain.read_bytes()


# -- --list-params ---------------------------------------------------------------
def test_list_params_shows_defaults_and_docs_without_running(tmp_path, capsys):
    script = write(tmp_path, "documented.py", DOCUMENTED)
    assert main(["run", script, "--list-params"]) == 0  # 'size' is required: listing needs no -p
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{script}: workload parameters (set with -p NAME=VALUE)"
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in lines[3:]}
    assert rows == {
        "size": ["required", "message size in bytes."],
        "ring_entries": ["256", "channel slots, a power of two; the kernel refuses others with -EINVAL."],
        "flags": ["SINGLE_ISSUER|DEFER_TASKRUN", "IORING_SETUP_* names joined by '|'."],
        "spin": ["false", "poll instead of sleeping."],
        "label": ["''", "a name for the run."],
        "hidden": ["0.5"],
        "**extra": ["-", "passed to the tasks."],
    }


def test_list_params_of_a_bundled_workload(capsys):
    assert main(["run", NOP_LOOP, "--list-params"]) == 0
    out = capsys.readouterr().out
    defaults = {line.split()[0]: line.split()[1] for line in out.splitlines()[3:]}
    assert defaults == {"ops": "1000", "entries": "64", "flags": "SINGLE_ISSUER,DEFER_TASKRUN", "cpu": "0"}


def test_list_params_of_a_workload_without_parameters(tmp_path, capsys):
    script = write(tmp_path, "bare.py", "def workload(sim):\n    pass\n")
    assert main(["run", script, "--list-params"]) == 0
    assert capsys.readouterr().out == f"{script}: workload() takes no parameters\n"


def _fn_with_doc(doc: str):
    def workload(sim, a=1, b=2):
        pass

    workload.__doc__ = doc
    return workload


@pytest.mark.parametrize(
    ("doc", "expect"),
    [
        ("No section.\n\nParameters: a and b, in prose.", {}),
        ("Parameters:\n    a: first.\n    b: second,\n        continued.\n", {"a": "first.", "b": "second, continued."}),
        ("Args:\n    a:\n        on the next line.\nReturns:\n    b: not a parameter.", {"a": "on the next line."}),
        ("Summary.\n\n    Args:\n        a (int, optional): typed.\n    b: outside the section.", {"a": "typed."}),
    ],
)
def test_param_docs_parser(doc, expect):
    assert param_docs(_fn_with_doc(doc)) == expect


def test_unknown_parameter_points_to_list_params(capsys):
    assert main(["run", NOP_LOOP, "-p", "opz=1"]) == 2
    assert f"'simuring run {NOP_LOOP} --list-params' describes them" in capsys.readouterr().err


# -- provenance in --json ---------------------------------------------------------
def test_json_records_the_provenance(tmp_path):
    out = tmp_path / "r.json"
    override = "syscall.entry_ns=200"
    assert main(["run", NOP_LOOP, "-p", "ops=20", "--seed", "3", "--set", override, "--quiet", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    expected_hash = Simulation(overrides=[override]).costs.content_hash()
    assert doc["simuring_version"] == __version__
    assert doc["host"] == "rfc-vm-32vcpu" and doc["profile_hash"] == expected_hash
    assert expected_hash != Simulation().costs.content_hash()
    assert doc["overrides"] == [override] and doc["seed"] == 3
    assert doc["params"] == {"ops": 20, "entries": 64, "flags": "SINGLE_ISSUER,DEFER_TASKRUN", "cpu": 0}
