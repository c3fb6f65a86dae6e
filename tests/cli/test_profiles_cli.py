"""``simuring profiles show`` (compact, --long, --json, --diff) and ``simuring profiles new``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simuring.cli import main
from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections

BUILTIN = "rfc-vm-32vcpu"
ROOT = Path(__file__).resolve().parents[2]
NOP_LOOP = str(ROOT / "workloads" / "nop_loop.py")
CHILD = f"""[profile]
name = "slow-syscalls"
description = "the RFC VM with slower system calls"
base = "{BUILTIN}"

[syscall]
entry_ns = {{ value = 120, source = "measured with perf" }}

[pipe]
op_ns = {{ value = 90, range = [20, 400] }}
"""


def show(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["profiles", "show", *argv]) == 0
    return capsys.readouterr().out


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("simuring: error: ") and err.count("\n") == 1, err
    return err.removeprefix("simuring: error: ").rstrip("\n")


@pytest.fixture
def child(tmp_path: Path) -> Path:
    path = tmp_path / "slow.toml"
    path.write_text(CHILD)
    return path


# --------------------------------------------------------------------------- show


def test_the_compact_view_fits_80_columns_one_line_per_parameter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = show(capsys, BUILTIN)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert lines[0] == f"profile {BUILTIN} (built-in)"
    model = load_profile(BUILTIN, cost_sections())
    assert f"  content hash {model.content_hash()}" in lines
    assert "  range [LOW, HIGH]: a fit may move the value within it" in lines
    params = [line for line in lines if line.startswith("  ") and " = " in line]
    assert len(params) == len(model.describe())
    assert "[syscall]" in lines and "[pipe]" in lines
    assert "  entry_ns  = 47 ns  range [20, 300]" in lines
    assert "  exit_ns   = 30 ns" in lines
    assert "  timeslice_ns      = 3_000_000 ns" in lines
    assert "  l2_bytes_per_ns                  = 51.712 bytes/ns   range [10, 64]" in lines
    assert not any(line.startswith(("*", "+")) for line in lines)  # no base, no --set
    assert show(capsys, BUILTIN) == out  # deterministic


def test_the_compact_view_marks_what_a_child_sets_and_diff_keeps_only_that(
    capsys: pytest.CaptureFixture[str], child: Path
) -> None:
    out = show(capsys, str(child))
    lines = out.splitlines()
    assert lines[0] == f"profile slow-syscalls ({child}), base {BUILTIN}"
    assert f"  * set in {child} (the others are inherited from {BUILTIN})" in lines
    assert "* entry_ns  = 120 ns" in lines
    assert "  exit_ns   = 30 ns" in lines  # inherited
    assert "* op_ns        = 90 ns      range [20, 400]" in lines
    model = load_profile(child, cost_sections())
    assert show(capsys, str(child), "--diff") == (
        f"profile slow-syscalls ({child}), base {BUILTIN}\n"
        "  the RFC VM with slower system calls\n"
        f"  content hash {model.content_hash()}\n"
        f"  * set in {child} (the others are inherited from {BUILTIN})\n"
        "  range [LOW, HIGH]: a fit may move the value within it\n"
        "\n"
        "[syscall]\n"
        "* entry_ns = 120 ns\n"
        "\n"
        "[pipe]\n"
        "* op_ns = 90 ns  range [20, 400]\n"
    )


def test_diff_shows_set_overrides_and_says_when_nothing_is_set(
    capsys: pytest.CaptureFixture[str], child: Path, tmp_path: Path
) -> None:
    out = show(capsys, str(child), "--diff", "--set", "ops.nop_ns=3")
    assert "+ nop_ns = 3 ns" in out.splitlines() and "  + set by --set" in out.splitlines()
    empty = tmp_path / "empty.toml"
    empty.write_text(CHILD.split("\n[syscall]")[0] + "\n")
    out = show(capsys, str(empty), "--diff")
    assert out.endswith(f"\nno parameter is set here: every one is inherited from {BUILTIN}\n")
    assert "[" not in out.split("content hash")[1]
    # a profile without a base sets every parameter
    assert show(capsys, BUILTIN, "--diff") == show(capsys, BUILTIN)


def test_long_view_has_unit_meaning_and_inherited_sources(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, child: Path
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    out = show(capsys, str(child), "--long")
    assert "range (fitted)" in out and "meaning" in out and "source" in out
    assert "syscall.exit_ns" in out and f"inherited from {BUILTIN}: documented" in out
    out = show(capsys, str(child), "--long", "--diff")
    assert "syscall.entry_ns" in out and "measured with perf" in out
    assert "syscall.exit_ns" not in out


def test_json_view_says_what_is_inherited(capsys: pytest.CaptureFixture[str], child: Path) -> None:
    doc = json.loads(show(capsys, str(child), "--json"))
    assert doc["base"] == BUILTIN and doc["name"] == "slow-syscalls"
    assert doc["content_hash"] == load_profile(child, cost_sections()).content_hash()
    by_name = {p["name"]: p for p in doc["parameters"]}
    assert by_name["syscall.entry_ns"]["inherited"] is False
    assert by_name["syscall.exit_ns"]["inherited"] is True
    assert by_name["sched.wakeup_ns"]["range"] == [50.0, 1000.0]  # inherited with its value
    doc = json.loads(show(capsys, str(child), "--json", "--diff", "--set", "ops.nop_ns=3"))
    assert [p["name"] for p in doc["parameters"]] == ["syscall.entry_ns", "ops.nop_ns", "pipe.op_ns"]
    doc = json.loads(show(capsys, BUILTIN, "--json"))
    assert doc["base"] is None and not any(p["inherited"] for p in doc["parameters"])


def test_long_and_json_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["profiles", "show", BUILTIN, "--long", "--json"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_bad_bases_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(CHILD.replace(f'base = "{BUILTIN}"', 'base = "b.toml"'))
    b.write_text(CHILD.replace(f'base = "{BUILTIN}"', 'base = "a.toml"'))
    assert one_line_error(capsys, ["profiles", "show", str(a)]) == (
        f"{a}:4: profile.base: {b}:4: profile.base: a cycle of bases: {a} -> {b} -> {a}"
    )
    missing = tmp_path / "m.toml"
    missing.write_text(CHILD.replace(f'base = "{BUILTIN}"', 'base = "gone/base.toml"'))
    for argv in (["profiles", "show", str(missing)], ["run", NOP_LOOP, "--host", str(missing)]):
        assert one_line_error(capsys, argv) == (
            f"{missing}:4: profile.base: {tmp_path}/gone/base.toml: no such profile file"
        )


def test_a_run_on_a_child_without_overrides_is_a_run_on_its_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "same.toml"
    empty.write_text(CHILD.split("\n[syscall]")[0] + "\n")
    docs = []
    for host in (BUILTIN, str(empty)):
        out = tmp_path / "r.json"
        assert main(["run", NOP_LOOP, "-p", "ops=20", "--quiet", "--host", host, "--json", str(out)]) == 0
        docs.append(json.loads(out.read_text()))
    assert docs[0]["tasks"] == docs[1]["tasks"]
    assert docs[0]["sim_time_ns"] == docs[1]["sim_time_ns"]
    assert docs[0]["profile_hash"] == docs[1]["profile_hash"]
    assert docs[1]["host"] == "slow-syscalls"


# --------------------------------------------------------------------------- new


def test_new_writes_a_starting_file_that_loads_to_its_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["profiles", "new", "myhost", "--base", BUILTIN]) == 0
    assert capsys.readouterr().out == (
        f"wrote myhost.toml: profile myhost, every parameter inherited from {BUILTIN}\n"
        "uncomment and edit what differs, then: simuring run SCRIPT --host myhost.toml\n"
    )
    written = load_profile(tmp_path / "myhost.toml", cost_sections())
    base = load_profile(BUILTIN, cost_sections())
    assert written.content_hash() == base.content_hash()
    assert written.name == "myhost" and written.base == BUILTIN
    text = (tmp_path / "myhost.toml").read_text()
    assert "# Use it:   simuring run SCRIPT --host myhost.toml" in text
    out = show(capsys, "myhost.toml", "--diff")
    assert out.endswith("no parameter is set here: every one is inherited from rfc-vm-32vcpu\n")


def test_new_refuses_to_overwrite_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("myhost.toml").write_text("mine\n")
    assert one_line_error(capsys, ["profiles", "new", "myhost", "--base", BUILTIN]) == (
        "profiles new: myhost.toml exists (give --force to overwrite it)"
    )
    assert Path("myhost.toml").read_text() == "mine\n"
    assert main(["profiles", "new", "myhost.toml", "--base", BUILTIN, "--force"]) == 0
    assert load_profile("myhost.toml", cost_sections()).name == "myhost"


def test_new_with_a_file_base_and_out_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], child: Path
) -> None:
    """The base path, given relative to here, is written relative to the new file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hosts").mkdir()
    assert main(["profiles", "new", "faster", "--base", child.name, "--out", "hosts/faster.toml"]) == 0
    text = (tmp_path / "hosts" / "faster.toml").read_text()
    assert '\nbase = "../slow.toml"\n' in text
    assert "# entry_ns = 120\n" in text  # the base's own value
    assert "# op_ns = { value = 90, range = [20, 400] }\n" in text
    model = load_profile("hosts/faster.toml", cost_sections())
    assert model.content_hash() == load_profile(child, cost_sections()).content_hash()
    assert model.sources["syscall.entry_ns"] == "inherited from slow-syscalls: measured with perf"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "my host", "--base", BUILTIN], "profiles new: 'my host': a profile name is letters"),
        (["new", "x", "--base", "nope"], "unknown profile 'nope'"),
        (["new", "x", "--base", BUILTIN, "--out", "no/such/x.toml"], "profiles new: no/such/x.toml: no such directory 'no/such'"),
        (["new", "x", "--base", BUILTIN, "--out", "."], "profiles new: .: is a directory (give --out FILE)"),
    ],
)
def test_new_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert one_line_error(capsys, ["profiles", *argv]).startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_new_needs_a_base(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["profiles", "new", "x"])
    assert exc.value.code == 2
    assert "--base" in capsys.readouterr().err
