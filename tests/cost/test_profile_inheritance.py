"""Profiles that inherit (``[profile] base``) and the commented starting file of ``profiles new``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import attrs
import pytest

from simuring.cost import CostModel, ProfileError, load_profile
from simuring.cost.model import CORE_SECTIONS
from simuring.cost.profiles import NOT_GIVEN_SOURCE
from simuring.cost.starter import base_reference, starting_profile
from simuring.engine.plugins import cost_sections

SECTIONS = cost_sections()
BUILTIN = "rfc-vm-32vcpu"


def header(name: str, base: str | None = None) -> str:
    """A ``[profile]`` table; ``base = ...`` is on line 4 when given."""
    lines = ["[profile]", f'name = "{name}"', f'description = "the {name} profile"']
    if base is not None:
        lines.append(f'base = "{base}"')
    return "\n".join(lines) + "\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(spec: str | Path) -> CostModel:
    return load_profile(spec, SECTIONS)


def error_of(spec: str | Path) -> str:
    with pytest.raises(ProfileError) as info:
        load(spec)
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture(scope="module")
def builtin() -> CostModel:
    return load(BUILTIN)


# --------------------------------------------------------------------------- inheriting


def test_a_child_without_overrides_is_its_base(tmp_path: Path, builtin: CostModel) -> None:
    child = load(write(tmp_path, "child.toml", header("child", BUILTIN)))
    assert child.content_hash() == builtin.content_hash()
    assert child.name == "child" and child.base == BUILTIN
    assert child.origin == str(tmp_path / "child.toml")
    assert child.inherited == {p.dotted for p in builtin.describe()}
    assert child.ranges == builtin.ranges  # ranges come with the values
    for param in child.describe():
        assert param.inherited
        assert param.source == f"inherited from {BUILTIN}: {builtin.sources[param.dotted]}"


def test_a_profile_without_base_inherits_nothing(builtin: CostModel) -> None:
    assert builtin.base is None and builtin.inherited == frozenset()
    assert not any(p.inherited for p in builtin.describe())


def test_a_child_replaces_what_it_gives_and_inherits_the_rest(
    tmp_path: Path, builtin: CostModel
) -> None:
    text = header("child", BUILTIN) + (
        "\n[syscall]\n"
        'entry_ns = { value = 120, source = "measured on my host" }\n'
        "exit_ns = 45\n"
        "\n[pipe]\n"
        'op_ns = { value = 500, source = "guess", range = [100, 900] }\n'
    )
    child = load(write(tmp_path, "child.toml", text))
    assert (child.syscall.entry_ns, child.syscall.exit_ns) == (120, 45)
    assert child.syscall.jitter_ns == builtin.syscall.jitter_ns  # the rest of [syscall]
    assert child.sched == builtin.sched  # a section the child does not have
    assert child.extra["pipe"].op_ns == 500
    assert child.extra["pipe"].create_ns == builtin.extra["pipe"].create_ns
    assert child.sources["syscall.entry_ns"] == "measured on my host"
    assert child.sources["syscall.exit_ns"] == NOT_GIVEN_SOURCE
    assert child.sources["syscall.jitter_ns"].startswith(f"inherited from {BUILTIN}: documented")
    # a given parameter replaces the base's entry whole: no range unless it gives one
    assert "syscall.entry_ns" in builtin.ranges and "syscall.entry_ns" not in child.ranges
    assert child.ranges["pipe.op_ns"] == (100.0, 900.0)
    assert child.ranges["sched.wakeup_ns"] == builtin.ranges["sched.wakeup_ns"]
    assert child.inherited == {p.dotted for p in builtin.describe()} - {
        "syscall.entry_ns",
        "syscall.exit_ns",
        "pipe.op_ns",
    }
    assert child.content_hash() != builtin.content_hash()


def test_a_chain_of_bases_with_relative_paths(tmp_path: Path, builtin: CostModel) -> None:
    """base.toml (in lib/) inherits the built-in; mid.toml names ../lib/base.toml;
    top.toml names mid.toml: each path is read relative to the file that names it."""
    write(tmp_path, "lib/base.toml", header("base", BUILTIN) + "\n[ops]\nnop_ns = 11\n")
    write(
        tmp_path,
        "profiles/mid.toml",
        header("mid", "../lib/base.toml") + '\n[syscall]\nexit_ns = { value = 33, source = "mid" }\n',
    )
    top_path = write(tmp_path, "profiles/top.toml", header("top", "mid.toml") + "\n[ops]\nnop_ns = 12\n")
    top = load(top_path)
    assert (top.ops.nop_ns, top.syscall.exit_ns) == (12, 33)
    assert top.base == "mid"
    assert top.sources["ops.nop_ns"] == NOT_GIVEN_SOURCE
    assert top.sources["syscall.exit_ns"] == "inherited from mid: mid"
    assert top.sources["sched.hz"] == (
        f"inherited from mid: inherited from base: inherited from {BUILTIN}: {builtin.sources['sched.hz']}"
    )
    assert top.ranges == builtin.ranges
    assert load(tmp_path / "lib" / "base.toml").ops.nop_ns == 11  # the middle link alone


def test_an_absolute_base_path(tmp_path: Path) -> None:
    base = write(tmp_path, "base.toml", header("base", BUILTIN) + "\n[ops]\nnop_ns = 13\n")
    child = write(tmp_path, "elsewhere/child.toml", header("child", str(base)))
    assert load(child).ops.nop_ns == 13


def test_a_bad_value_in_a_child_names_its_file_and_line(tmp_path: Path) -> None:
    """Values are checked per parameter as in any profile, with file and line."""
    text = header("child", BUILTIN) + "\n[syscall]\nentry_ns = -5\n"
    path = write(tmp_path, "child.toml", text)
    assert error_of(path) == (
        f"{path}:{line_of(text, 'entry_ns')}: syscall.entry_ns: expected a number >= 0, got -5"
    )


# --------------------------------------------------------------------------- errors


def test_unknown_keys_in_a_child_are_still_errors_with_file_and_line(tmp_path: Path) -> None:
    text = header("child", BUILTIN) + "\n[syscall]\nentri_ns = 3\n"
    path = write(tmp_path, "child.toml", text)
    assert error_of(path) == (
        f"{path}:{line_of(text, 'entri_ns')}: unknown parameter 'syscall.entri_ns' "
        "(known: entry_ns, exit_ns, jitter_ns, fd_ref_ns)"
    )
    text = header("child", BUILTIN) + "\n[toyplug]\nx = 3\n"
    path = write(tmp_path, "section.toml", text)
    message = error_of(path)
    assert message.startswith(f"{path}:{line_of(text, '[toyplug]')}: unknown section [toyplug]")
    text = header("child", BUILTIN) + 'parent = "x"\n'
    path = write(tmp_path, "key.toml", text)
    assert error_of(path) == (
        f"{path}:5: unknown key 'profile.parent' (known: name, description, base)"
    )


@pytest.mark.parametrize(
    ("base", "problem"),
    [
        ("nope.toml", "{dir}/nope.toml: no such profile file"),
        ("nope", "unknown profile 'nope' (built-in profiles: rfc-vm-32vcpu; or give a path to a .toml file)"),
        ("", "expected a non-empty string, got \"\""),
    ],
)
def test_a_missing_or_empty_base_is_one_error_at_the_base_line(
    tmp_path: Path, base: str, problem: str
) -> None:
    path = write(tmp_path, "child.toml", header("child", base))
    assert error_of(path) == f"{path}:4: profile.base: {problem.format(dir=tmp_path)}"


def test_a_base_that_is_not_a_string(tmp_path: Path) -> None:
    path = write(tmp_path, "child.toml", header("child") + "base = 3\n")
    assert error_of(path) == f"{path}:4: profile.base: expected a non-empty string, got 3"


def test_a_broken_base_is_one_error_naming_both_files(tmp_path: Path) -> None:
    base_text = header("base", BUILTIN) + '\n[syscall]\nentry_ns = "fast"\n'
    base = write(tmp_path, "base.toml", base_text)
    child = write(tmp_path, "child.toml", header("child", "base.toml"))
    assert error_of(child) == (
        f"{child}:4: profile.base: {base}:{line_of(base_text, 'entry_ns')}: "
        'syscall.entry_ns: expected a number >= 0, got "fast"'
    )
    bad_toml = write(tmp_path, "bad.toml", header("bad") + "[host\n")
    child = write(tmp_path, "child2.toml", header("child", "bad.toml"))
    message = error_of(child)
    assert message.startswith(f"{child}:4: profile.base: {bad_toml}:4: invalid TOML: ")
    assert "\n" not in message


def test_a_base_without_base_must_be_complete(tmp_path: Path) -> None:
    """A base without a base of its own is held to the full rules."""
    partial = write(tmp_path, "partial.toml", header("partial") + "\n[ops]\nnop_ns = 1\n")
    child = write(tmp_path, "child.toml", header("child", "partial.toml"))
    message = error_of(child)
    assert message.startswith(f"{child}:4: profile.base: {partial}: missing section(s) [host], [sched]")


def test_a_cycle_of_bases(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", header("a", "b.toml"))
    b = write(tmp_path, "b.toml", header("b", "./a.toml"))
    assert error_of(a) == (
        f"{a}:4: profile.base: {b}:4: profile.base: a cycle of bases: "
        f"{a} -> {b} -> {a}"
    )
    itself = write(tmp_path, "self.toml", header("self", "self.toml"))
    assert error_of(itself) == (
        f"{itself}:4: profile.base: a cycle of bases: {itself} -> {itself}"
    )


def test_a_cycle_below_the_top(tmp_path: Path) -> None:
    """top -> a -> b -> a: the cycle is named from where it starts."""
    write(tmp_path, "a.toml", header("a", "b.toml"))
    write(tmp_path, "b.toml", header("b", "a.toml"))
    top = write(tmp_path, "top.toml", header("top", "a.toml"))
    message = error_of(top)
    assert message.startswith(f"{top}:4: profile.base: {tmp_path}/a.toml:4: profile.base: ")
    assert message.endswith(f"a cycle of bases: {tmp_path}/a.toml -> {tmp_path}/b.toml -> {tmp_path}/a.toml")


def test_a_builtin_base_names_a_builtin() -> None:
    """A built-in profile cannot name a file as its base (checked on a stand-in document)."""
    from simuring.cost import profiles

    doc = profiles._Document(where="built-in profile x", origin="x", text=header("x", "y.toml"), builtin=True)
    with pytest.raises(ProfileError, match=r"^built-in profile x, line 4: profile\.base: the base of a built-in"):
        profiles._load_base(doc, "y.toml", profiles._Sections({}), ())


def test_without_base_every_parameter_is_still_required(tmp_path: Path) -> None:
    lines = [header("full").rstrip()]
    defaults = CostModel()
    for sec_name in CORE_SECTIONS:
        section = getattr(defaults, sec_name)
        lines.append(f"[{sec_name}]")
        lines += [f"{f.name} = {getattr(section, f.name)}" for f in attrs.fields(type(section))]
    text = "\n".join(lines) + "\n"
    path = write(tmp_path, "full.toml", text)
    assert load_profile(path, ()).base is None
    message = error_of(path)  # with the kernel's sections: missing
    assert message.startswith(f"{path}: missing section(s) [poll]")
    text = text.replace("\njitter_ns = 0\n", "\n", 1)
    assert "jitter_ns" not in text.split("[syscall]")[1].split("[")[0]
    path = write(tmp_path, "partial.toml", text)
    with pytest.raises(ProfileError, match=r"missing parameter\(s\) 'syscall\.jitter_ns' .*unless it has a base"):
        load_profile(path, ())


# --------------------------------------------------------------------------- the starting file


def test_the_starting_file_loads_to_its_base(tmp_path: Path, builtin: CostModel) -> None:
    text = starting_profile("myhost", BUILTIN, builtin, "myhost.toml")
    path = write(tmp_path, "myhost.toml", text)
    model = load(path)
    assert model.content_hash() == builtin.content_hash()
    assert model.name == "myhost" and model.base == BUILTIN
    assert model.ranges == builtin.ranges
    data = tomllib.loads(text)
    assert data["profile"] == {
        "name": "myhost",
        "description": data["profile"]["description"],
        "base": BUILTIN,
    }
    assert all(table == {} for key, table in data.items() if key != "profile")  # nothing given
    assert set(data) - {"profile"} == set(builtin.section_names())


def test_the_starting_file_explains_itself_and_every_parameter(builtin: CostModel) -> None:
    text = starting_profile("myhost", BUILTIN, builtin, "my/myhost.toml")
    assert text.startswith('# Host profile "myhost": a starting file written by `simuring profiles new`.')
    assert "# Use it:   simuring run SCRIPT --host my/myhost.toml" in text
    lines = text.splitlines()
    for param in builtin.describe():
        commented = [line for line in lines if line.startswith(f"# {param.key} = ")]
        assert commented, param.dotted
        about = next(
            i for i, line in enumerate(lines) if line.startswith(f"## {param.key} (")
        )
        assert lines[about].startswith(f"## {param.key} ({param.unit}")
        if param.range is not None:
            assert "range [" in lines[about]
    assert "# entry_ns = { value = 47, range = [20, 300] }" in lines
    assert "# cpus = 32" in lines and "# timeslice_ns = 3_000_000" in lines
    assert "# l2_bytes_per_ns = { value = 51.712, range = [10, 64] }" in lines
    assert all(len(line) <= 79 for line in lines if line.startswith("##"))


@pytest.mark.parametrize(
    ("line", "edited", "dotted", "value"),
    [
        ("# entry_ns = { value = 47, range = [20, 300] }", "entry_ns = { value = 90, range = [20, 300] }", "syscall.entry_ns", 90),
        ("# timeslice_ns = 3_000_000", "timeslice_ns = 1_000_000", "sched.timeslice_ns", 1_000_000),
        ("# l2_bytes_per_ns = { value = 51.712, range = [10, 64] }", "l2_bytes_per_ns = 40.5", "mem.l2_bytes_per_ns", 40.5),
        ("# create_ns = 800", "create_ns = 801", "eventfd.create_ns", 801),
    ],
)
def test_uncommenting_one_line_changes_exactly_that_parameter(
    tmp_path: Path, builtin: CostModel, line: str, edited: str, dotted: str, value: float
) -> None:
    text = starting_profile("myhost", BUILTIN, builtin, "myhost.toml")
    assert text.count(f"\n{line}\n") == 1
    model = load(write(tmp_path, "myhost.toml", text.replace(f"\n{line}\n", f"\n{edited}\n")))
    before = {p.dotted: p.value for p in builtin.describe()}
    after = {p.dotted: p.value for p in model.describe()}
    assert {k for k in before if before[k] != after[k]} == {dotted}
    assert after[dotted] == value
    assert model.inherited == set(before) - {dotted}
    assert (dotted in model.ranges) == ("range" in edited)


def test_the_base_reference_is_relative_to_the_new_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert base_reference(BUILTIN, Path("x.toml")) == BUILTIN
    assert base_reference("lib/base.toml", Path("x.toml")) == "lib/base.toml"
    assert base_reference("base.toml", Path("x.toml")) == "base.toml"
    assert base_reference("lib/base.toml", Path("out/x.toml")) == "../lib/base.toml"
    assert base_reference("out/base.toml", Path("out/x.toml")) == "base.toml"
    assert base_reference("out/base", Path("out/x.toml")) == "./base"  # still a path
    assert base_reference(str(tmp_path / "b.toml"), Path("/elsewhere/x.toml")).endswith("/b.toml")
