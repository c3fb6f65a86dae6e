"""The cost model and host profiles: loading, provenance, overrides and every user error."""

from __future__ import annotations

import argparse
import json
import pickle
import re
from importlib import resources
from pathlib import Path
from typing import ClassVar

import attrs
import pytest

from simuring import Simulation
from simuring.cli import main
from simuring.cost import CostModel, ParamInfo, ProfileError, list_profiles, load_profile, param
from simuring.cost.model import (
    CORE_SECTIONS,
    RENAMED_PARAMS,
    ParamValueError,
    SchedSection,
    section_name,
)
from simuring.cost.profiles import find_line
from simuring.engine.plugins import cost_sections
from simuring.kernel.costs import PipeCosts
from simuring.kernel.registry import PluginError, PluginRegistry
from simuring.opcodes.timeout import TimeoutCosts

SECTIONS = cost_sections()  # the kernel's and the installed plug-ins' sections of the built-in profile
BUILTIN = "rfc-vm-32vcpu"
BUILTIN_TEXT = (resources.files("simuring.cost") / "profiles" / f"{BUILTIN}.toml").read_text()


@attrs.frozen
class IpcSection:
    """A plug-in section, as an opcode plug-in would declare it."""

    SECTION: ClassVar[str] = "toyplug"

    send_ns: int = param(120, "ns", "issue cost of one send")
    copy_ns_per_byte: float = param(0.05, "ns/byte", "copy cost per payload byte")


@attrs.frozen
class Zzz:
    SECTION: ClassVar[str] = "zzz"

    nothing_ns: int = param(1, "ns", "a second plug-in section, sorted after ipc")


TOYPLUG = '\n[toyplug]\nsend_ns = { value = 200, source = "guess" }\ncopy_ns_per_byte = 0.05\n'
ZZZ = "\n[zzz]\nnothing_ns = 1\n"


def full_profile_text(**replace: str) -> str:
    """A complete profile (every core parameter a plain number); ``replace`` swaps lines by key."""
    lines = ["[profile]", 'name = "test"', 'description = "a test profile"', ""]
    defaults = CostModel()
    for sec_name in CORE_SECTIONS:
        lines.append(f"[{sec_name}]")
        section = getattr(defaults, sec_name)
        for f in attrs.fields(type(section)):
            lines.append(replace.get(f.name, f"{f.name} = {getattr(section, f.name)}"))
        lines.append("")
    return "\n".join(lines)


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def load_error(path: Path | str, sections: tuple[type, ...] = ()) -> str:
    with pytest.raises(ProfileError) as info:
        load_profile(path, sections)
    return str(info.value)


def with_toyplug(tmp_path: Path, text: str = TOYPLUG, name: str = "toy.toml") -> CostModel:
    """The built-in profile plus a [toyplug] table, loaded with the toy plug-in's section."""
    return load_profile(write(tmp_path, BUILTIN_TEXT + text, name), (*SECTIONS, IpcSection))


# --------------------------------------------------------------------------- the built-in


def test_builtin_profile_loads_with_32_cpus_and_full_provenance() -> None:
    model = load_profile(BUILTIN, SECTIONS)
    assert model.name == BUILTIN
    assert model.origin == BUILTIN
    assert model.host.cpus == 32
    assert "fitted" in model.description and "PLACEHOLDER" not in model.description
    params = model.describe()
    sections = [*CORE_SECTIONS.values(), *SECTIONS]
    assert len(params) == sum(len(attrs.fields(c)) for c in sections)
    assert 0 < len(model.ranges) <= 20
    for p in params:
        assert p.unit.strip() and p.meaning.strip(), p.dotted
        assert p.source.strip() and p.source != "not given", p.dotted
        assert "placeholder" not in p.source.lower(), p.dotted
        if p.range is not None:
            assert p.source.startswith("fitted to the RFC's published tables"), p.dotted
            assert "range:" in p.source, p.dotted
        elif p.section != "host" and p.key not in ("timeslice_ns", "hz"):
            assert p.source.startswith("documented, not fitted"), p.dotted


def test_builtin_values_that_are_not_fitted_are_the_documented_ones() -> None:
    model = load_profile(BUILTIN, SECTIONS)
    assert model.sched.timeslice_ns == 3_000_000
    assert model.sched.hz == 250
    assert model.host.cache_line_bytes == 64 and model.host.page_bytes == 4096
    assert model.mem.l2_bytes == 2 * 1024 * 1024


def test_list_profiles() -> None:
    profiles = list_profiles()
    assert [name for name, _ in profiles] == sorted(name for name, _ in profiles)
    assert BUILTIN in dict(profiles)
    for name, description in profiles:
        assert description
        assert load_profile(name, SECTIONS).name == name


def test_builtin_profile_carries_the_kernel_and_plugin_sections() -> None:
    model = load_profile(BUILTIN, SECTIONS)
    assert sorted(model.extra) == sorted(section_name(cls) for cls in SECTIONS)
    assert {"poll", "pipe", "unix", "eventfd", "shm", "file"} <= set(model.extra)  # the kernel's
    assert model.get(SchedSection) is model.sched
    assert model.get(PipeCosts) is model.extra["pipe"] and model.get(PipeCosts).create_ns == 1500
    assert model.get(TimeoutCosts).arm_ns == 150
    with pytest.raises(LookupError, match=r"no section IpcSection \(\[toyplug\]\)"):
        model.get(IpcSection)


def test_kernel_sections_are_declared_by_the_kernel_not_a_plugin() -> None:
    from simuring.engine.plugins import default_registry
    from simuring.kernel.costs import KERNEL_COST_SECTIONS

    assert [section_name(cls) for cls in KERNEL_COST_SECTIONS] == [
        "poll", "pipe", "unix", "eventfd", "shm", "file"
    ]
    plugin_sections = default_registry().cost_sections
    assert not set(plugin_sections.values()) & set(KERNEL_COST_SECTIONS)
    assert SECTIONS == (*KERNEL_COST_SECTIONS, *plugin_sections.values())


def test_builtin_profile_needs_the_section_classes() -> None:
    """Without the kernel's and plug-ins' classes, their tables are unknown."""
    message = load_error(BUILTIN)
    assert message.startswith(f"built-in profile {BUILTIN}, line ")
    assert "unknown section [" in message and "not installed" in message


# --------------------------------------------------------------------------- sources, overrides


def test_plain_numbers_get_not_given_and_inline_tables_keep_source(tmp_path: Path) -> None:
    text = full_profile_text(entry_ns='entry_ns = { value = 70, source = "measured by me" }')
    model = load_profile(write(tmp_path, text), ())
    assert model.syscall.entry_ns == 70
    assert model.sources["syscall.entry_ns"] == "measured by me"
    assert model.sources["syscall.exit_ns"] == "not given"
    assert model.origin == str(tmp_path / "p.toml")


def test_inline_table_without_source_is_not_given(tmp_path: Path) -> None:
    model = load_profile(write(tmp_path, full_profile_text(exit_ns="exit_ns = { value = 61 }")), ())
    assert model.syscall.exit_ns == 61
    assert model.sources["syscall.exit_ns"] == "not given"


def test_integral_float_is_converted_for_an_int_field(tmp_path: Path) -> None:
    model = load_profile(write(tmp_path, full_profile_text(nop_ns="nop_ns = 12.0")), ())
    assert model.ops.nop_ns == 12 and isinstance(model.ops.nop_ns, int)


def test_override_changes_value_and_source() -> None:
    base = load_profile(BUILTIN, SECTIONS)
    model = base.with_overrides(["sched.wakeup_ns=500", "syscall.entry_ns = 2.0", "ops.nop_ns=1e2"])
    assert model.sched.wakeup_ns == 500
    assert model.syscall.entry_ns == 2 and isinstance(model.syscall.entry_ns, int)
    assert model.ops.nop_ns == 100
    was = base.sched.wakeup_ns
    assert was != 500
    assert model.sources["sched.wakeup_ns"] == f"--set on the command line (profile value {was})"
    assert model.sources["syscall.exit_ns"] == base.sources["syscall.exit_ns"]
    assert base.sched.wakeup_ns == was  # the original is untouched
    again = model.with_overrides(["sched.wakeup_ns=600"])
    assert again.sched.wakeup_ns == 600
    assert again.sources["sched.wakeup_ns"] == f"--set on the command line (profile value {was})"


def test_override_of_a_float_plugin_field(tmp_path: Path) -> None:
    model = with_toyplug(tmp_path)
    changed = model.with_overrides(["toyplug.copy_ns_per_byte=1", "pipe.op_ns=381"])
    assert changed.get(IpcSection).copy_ns_per_byte == 1.0
    assert isinstance(changed.get(IpcSection).copy_ns_per_byte, float)
    assert changed.sources["toyplug.copy_ns_per_byte"].startswith("--set on the command line")
    assert changed.get(PipeCosts).op_ns == 381 and model.get(PipeCosts).op_ns == load_profile(BUILTIN, SECTIONS).get(PipeCosts).op_ns != 381


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("sched.wakeup_ns", r"--set 'sched\.wakeup_ns': expected SECTION\.KEY=VALUE"),
        ("wakeup_ns=3", r"--set 'wakeup_ns=3': expected SECTION\.KEY=VALUE"),
        ("foo.bar=3", r"--set 'foo\.bar=3': unknown section 'foo' \(sections: host, sched,"),
        (
            "syscall.entr_ns=3",
            r"--set 'syscall\.entr_ns=3': unknown parameter 'syscall\.entr_ns' "
            r"\(known: entry_ns, exit_ns, jitter_ns, fd_ref_ns\)",
        ),
        (
            "sched.tick_irq_ns=3",
            r"--set 'sched\.tick_irq_ns=3': unknown parameter 'sched\.tick_irq_ns': renamed on 2026-12-06: "
            r"sched\.irq_ns \(each interruption's time\) and sched\.irq_hz",
        ),
        ("syscall.entry_ns=fast", r"syscall\.entry_ns: expected a number >= 0, got \"fast\""),
        ("syscall.entry_ns=", r"syscall\.entry_ns: expected a number >= 0, got \"\""),
        ("syscall.entry_ns=-1", r"syscall\.entry_ns: expected a number >= 0, got -1"),
        ("syscall.entry_ns=1.5", r"syscall\.entry_ns: expected an integer >= 0, got 1\.5"),
        ("syscall.entry_ns=nan", r"syscall\.entry_ns: expected a finite number >= 0"),
    ],
)
def test_override_errors(assignment: str, expected: str) -> None:
    with pytest.raises(ProfileError, match=expected):
        load_profile(BUILTIN, SECTIONS).with_overrides([assignment])


# --------------------------------------------------------------------------- file errors


def test_bad_value_names_file_line_and_key(tmp_path: Path) -> None:
    text = full_profile_text(entry_ns='entry_ns = "fast"')
    path = write(tmp_path, text)
    message = load_error(path)
    assert message == (
        f'{path}:{line_of(text, "entry_ns")}: syscall.entry_ns: expected a number >= 0, got "fast"'
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("entry_ns = -5", "expected a number >= 0, got -5"),
        ("entry_ns = 2.5", "expected an integer >= 0, got 2.5"),
        ("entry_ns = { value = 2.5, source = 'x' }", "expected an integer >= 0, got 2.5"),
        ("entry_ns = true", "expected a number >= 0, got True"),
        ("entry_ns = [1, 2]", "expected a number >= 0, got [1, 2]"),
        ("entry_ns = inf", "expected a finite number >= 0, got inf"),
    ],
)
def test_rejected_values(tmp_path: Path, line: str, reason: str) -> None:
    text = full_profile_text(entry_ns=line)
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}:{line_of(text, 'entry_ns')}: syscall.entry_ns: {reason}"


def test_unknown_parameter(tmp_path: Path) -> None:
    text = full_profile_text(entry_ns="entr_ns = 60")
    path = write(tmp_path, text)
    assert load_error(path) == (
        f"{path}:{line_of(text, 'entr_ns')}: unknown parameter 'syscall.entr_ns' "
        "(known: entry_ns, exit_ns, jitter_ns, fd_ref_ns)"
    )


def test_a_renamed_parameter_says_what_it_became(tmp_path: Path) -> None:
    """A profile written before a rename (here: an earlier calibrate's sched.tick_irq_ns)
    fails to load naming the file, the line and the new names."""
    src = Path(__file__).resolve().parents[2] / "docs" / "hosts" / "kvm-2vcpu-xeon.toml"
    text = src.read_text().replace("\nirq_ns = ", "\ntick_irq_ns = ", 1)
    path = write(tmp_path, text)
    assert load_error(path) == (
        f"{path}:{line_of(text, 'tick_irq_ns')}: unknown parameter 'sched.tick_irq_ns': "
        + RENAMED_PARAMS["sched.tick_irq_ns"]
    )


def test_bad_inline_table_key(tmp_path: Path) -> None:
    text = full_profile_text(exit_ns='exit_ns = { value = 60, unit = "ns" }')
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line_of(text, 'exit_ns = {')}: syscall.exit_ns: ")
    assert "unknown key 'unit' in inline table (allowed: value, source, range)" in message


def test_inline_table_without_value(tmp_path: Path) -> None:
    text = full_profile_text(exit_ns='exit_ns = { source = "x" }')
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line_of(text, 'exit_ns = {')}: syscall.exit_ns: ")
    assert "no 'value'" in message


def test_unknown_section_suggests_a_missing_plugin(tmp_path: Path) -> None:
    text = full_profile_text() + "\n[toyplug]\nsend_ns = 5\n"
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line_of(text, '[toyplug]')}: unknown section [toyplug]")
    assert "plug-in" in message and "not installed" in message


def test_missing_core_section(tmp_path: Path) -> None:
    text = full_profile_text().replace("[ops]\nnop_ns = 10\n", "")
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}: missing section(s) [ops]")


def test_missing_core_parameter(tmp_path: Path) -> None:
    text = full_profile_text(exit_ns="")
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line_of(text, '[syscall]')}: missing parameter(s)")
    assert "'syscall.exit_ns'" in message


def test_a_calibration_from_an_older_simuring_is_told_to_run_again(tmp_path: Path) -> None:
    # simuring calibrate records every parameter of its day; a newer simuring may have more
    from simuring.cost.profiles import CALIBRATE_MARK

    text = f"{CALIBRATE_MARK} on 2026-01-01.\n" + full_profile_text(exit_ns="")
    message = load_error(write(tmp_path, text))
    assert "'syscall.exit_ns'" in message and message.endswith("written by an older simuring calibrate: run it again, or add them by hand")
    assert "older simuring" not in load_error(write(tmp_path, full_profile_text(exit_ns=""), "hand.toml"))


def test_missing_or_bad_profile_table(tmp_path: Path) -> None:
    text = full_profile_text().replace(
        '[profile]\nname = "test"\ndescription = "a test profile"\n', ""
    )
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}: missing [profile] table (with name and description)"
    text = full_profile_text().replace('name = "test"', "name = 3")
    path = write(tmp_path, text, "q.toml")
    assert load_error(path) == f"{path}:2: profile.name: expected a non-empty string, got 3"
    text = full_profile_text().replace('name = "test"', 'name = "test"\nauthor = "me"')
    path = write(tmp_path, text, "r.toml")
    assert load_error(path) == (
        f"{path}:3: unknown key 'profile.author' (known: name, description, base)"
    )


def test_toml_syntax_error_keeps_tomllib_position(tmp_path: Path) -> None:
    text = full_profile_text(entry_ns="entry_ns = = 60")
    path = write(tmp_path, text)
    message = load_error(path)
    line = line_of(text, "entry_ns")
    assert message.startswith(f"{path}:{line}: invalid TOML: ")
    assert re.search(rf"line {line}, column \d+", message)


def test_missing_file_and_unknown_builtin(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert load_error(missing) == f"{missing}: no such profile file"
    with pytest.raises(ProfileError) as info:
        load_profile("rfc-vm-32vcpu.toml", SECTIONS)
    assert "no such profile file" in str(info.value)
    assert "give its name: rfc-vm-32vcpu" in str(info.value)
    with pytest.raises(ProfileError) as info:
        load_profile("foo", SECTIONS)
    assert str(info.value) == (
        "unknown profile 'foo' (built-in profiles: rfc-vm-32vcpu; or give a path to a .toml file)"
    )
    assert load_error(tmp_path) == f"{tmp_path}: is a directory, not a profile file"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe[profile]\n")
    assert load_error(path).startswith(f"{path}: not UTF-8 text")


# --------------------------------------------------------------------------- plug-in sections


def test_a_missing_plugin_or_kernel_section_is_an_error_naming_profile_and_section(
    tmp_path: Path,
) -> None:
    """No silent fallback to class defaults: the profile must give every section."""
    assert load_error(BUILTIN, (*SECTIONS, Zzz, IpcSection)) == (
        f"built-in profile {BUILTIN}: missing section(s) [zzz], [toyplug], needed by "
        f"{__name__}.Zzz, {__name__}.IpcSection "
        "(a profile gives every section of the kernel and of the loaded plug-ins)"
    )
    path = write(tmp_path, BUILTIN_TEXT.replace("[pipe]", "[pipe_gone]"))
    assert load_error(path, (*SECTIONS, PipeGone)).startswith(
        f"{path}: missing section(s) [pipe], needed by simuring.kernel.costs.PipeCosts "
    )
    path = write(tmp_path, full_profile_text(), "core.toml")
    message = load_error(path, SECTIONS)
    assert message.startswith(f"{path}: missing section(s) [poll], [pipe], [unix], ")
    assert "simuring.opcodes.timeout.TimeoutCosts" in message


@attrs.frozen
class PipeGone:
    """Stands for the renamed [pipe] table in the test above."""

    SECTION: ClassVar[str] = "pipe_gone"

    create_ns: int = param(1500, "ns", "x")
    op_ns: int = param(80, "ns", "x")
    slot_ns: int = param(0, "ns", "x")
    shared_lines: float = param(2.0, "lines", "x")
    buf_alloc_ns: int = param(60, "ns", "x")
    buf_free_ns: int = param(0, "ns", "x")
    release_ns: int = param(300, "ns", "x")


def test_plugin_sections_are_listed_after_the_core_sorted_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, BUILTIN_TEXT + ZZZ + TOYPLUG)
    model = load_profile(path, (*SECTIONS, Zzz, IpcSection))
    params = [p for p in model.describe() if p.section in ("toyplug", "zzz")]
    assert [p.dotted for p in params] == [
        "toyplug.send_ns",
        "toyplug.copy_ns_per_byte",
        "zzz.nothing_ns",
    ]
    assert params[-2].unit == "ns/byte"
    assert list(model.extra) == sorted(model.extra)


def test_plugin_section_in_profile_is_validated(tmp_path: Path) -> None:
    model = with_toyplug(tmp_path)
    assert model.get(IpcSection).send_ns == 200
    assert model.sources["toyplug.send_ns"] == "guess"
    assert model.sources["toyplug.copy_ns_per_byte"] == "not given"
    partial = BUILTIN_TEXT + '\n[toyplug]\nsend_ns = { value = 200, source = "guess" }\n'
    path = write(tmp_path, partial, "partial.toml")
    assert load_error(path, (*SECTIONS, IpcSection)) == (
        f"{path}:{line_of(partial, '[toyplug]')}: missing parameter(s) "
        "'toyplug.copy_ns_per_byte' (a profile gives every parameter of its sections, unless it has a base)"
    )
    bad = BUILTIN_TEXT + "\n[toyplug]\nsend_ns = 1\ncopy_ns_per_byte = -0.5\n"
    path = write(tmp_path, bad, "bad.toml")
    assert load_error(path, (*SECTIONS, IpcSection)) == (
        f"{path}:{line_of(bad, 'copy_ns_per_byte')}: toyplug.copy_ns_per_byte: "
        "expected a number >= 0, got -0.5"
    )


def test_plugin_section_programming_errors() -> None:
    @attrs.frozen
    class Unnamed:
        x_ns: int = param(1, "ns", "x")

    @attrs.frozen
    class NotParams:
        SECTION: ClassVar[str] = "bad"

        x: int = 3

    @attrs.frozen
    class Sched:
        SECTION: ClassVar[str] = "sched"

        x_ns: int = param(1, "ns", "x")

    @attrs.frozen
    class Toyplug2(IpcSection):
        pass

    with pytest.raises(TypeError, match="must name its profile table"):
        load_profile(BUILTIN, (*SECTIONS, Unnamed))
    with pytest.raises(TypeError, match="must name its profile table"):
        load_profile(BUILTIN, (*SECTIONS, Toyplug2))  # an inherited name does not count
    with pytest.raises(TypeError, match="not declared with simuring.cost.param"):
        load_profile(BUILTIN, (*SECTIONS, NotParams))
    with pytest.raises(ValueError, match="clashes"):
        load_profile(BUILTIN, (*SECTIONS, Sched))
    with pytest.raises(ValueError, match=r"\[pipe\] is declared twice"):
        load_profile(BUILTIN, (*SECTIONS, attrs.frozen(type("PipeCosts", (), {"SECTION": "pipe"}))))
    with pytest.raises(TypeError, match="iterable of cost section classes"):
        load_profile(BUILTIN, {"toyplug": IpcSection})  # type: ignore[arg-type]


def test_registry_declares_sections_by_class() -> None:
    registry = PluginRegistry()
    registry.add_cost_section(IpcSection)
    assert registry.cost_sections == {"toyplug": IpcSection}
    with pytest.raises(PluginError, match=r"cost section \[toyplug\] is declared by two plug-ins"):
        registry.add_cost_section(IpcSection)
    assert cost_sections(registry) == (*SECTIONS, IpcSection)


# --------------------------------------------------------------------------- the classes


def test_param_validates_direct_construction() -> None:
    with pytest.raises(ParamValueError, match="send_ns: expected an integer >= 0, got 1.5"):
        IpcSection(send_ns=1.5)  # type: ignore[arg-type]
    with pytest.raises(ParamValueError, match="send_ns: expected a number >= 0"):
        IpcSection(send_ns=-1)
    with pytest.raises(ParamValueError):
        IpcSection(send_ns=True)
    assert IpcSection(send_ns=3.0).send_ns == 3  # type: ignore[arg-type]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        IpcSection().send_ns = 4  # type: ignore[misc]
    f = attrs.fields(IpcSection).copy_ns_per_byte
    assert (f.metadata["unit"], f.metadata["meaning"]) == ("ns/byte", "copy cost per payload byte")


def test_param_rejects_bad_declarations() -> None:
    with pytest.raises(ValueError):
        param(-1, "ns", "x")
    with pytest.raises(TypeError):
        param("1", "ns", "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        param(1, "", "x")


def test_describe_order_is_stable() -> None:
    model = load_profile(BUILTIN, SECTIONS)
    order = [p.dotted for p in model.describe()]
    by_name = {section_name(cls): cls for cls in SECTIONS}
    expected = [
        f"{name}.{f.name}" for name, cls in CORE_SECTIONS.items() for f in attrs.fields(cls)
    ] + [f"{name}.{f.name}" for name, cls in sorted(by_name.items()) for f in attrs.fields(cls)]
    assert order == expected
    assert order[:4] == [
        "host.cpus",
        "host.cache_line_bytes",
        "host.page_bytes",
        "sched.context_switch_ns",
    ]
    assert order[len(expected) - sum(len(attrs.fields(c)) for c in SECTIONS) - 1] == "mem.pcp_high_max"
    assert [p.dotted for p in model.with_overrides(["ops.nop_ns=1"]).describe()] == order
    assert isinstance(model.describe()[0], ParamInfo)


def test_to_dict_is_json_and_model_is_hashable_and_picklable(tmp_path: Path) -> None:
    model = with_toyplug(tmp_path)
    data = json.loads(json.dumps(model.to_dict()))
    assert data["sections"]["sched"]["wakeup_ns"] == model.sched.wakeup_ns
    assert data["sections"]["toyplug"]["send_ns"] == 200
    assert data["sections"]["pipe"]["create_ns"] == 1500
    assert data["sources"]["host.cpus"].startswith("reference host")
    again = pickle.loads(pickle.dumps(model))
    assert again == model and again.get(IpcSection) == model.get(IpcSection)
    assert hash(model) == hash(with_toyplug(tmp_path))  # the same file again
    assert model != model.with_overrides(["ops.nop_ns=11"])


def test_default_cost_model_has_a_source_for_everything() -> None:
    model = CostModel()
    assert all(p.source == "class default (not from a profile)" for p in model.describe())


def test_a_model_built_by_hand_holds_its_sections_by_class() -> None:
    model = CostModel(extra=[Zzz(), IpcSection(send_ns=3)])
    assert list(model.extra) == ["toyplug", "zzz"]
    assert model.get(IpcSection).send_ns == 3 and model.get(Zzz) == Zzz()
    assert model.sources["toyplug.send_ns"] == "class default (not from a profile)"
    with pytest.raises(LookupError, match=r"no section PipeCosts \(\[pipe\]\)"):
        model.get(PipeCosts)
    with pytest.raises(ValueError, match=r"two cost sections named \[toyplug\]"):
        CostModel(extra=[IpcSection(), IpcSection()])
    with pytest.raises(ValueError, match=r"is \[toyplug\], not \[ipc\]"):
        CostModel(extra={"ipc": IpcSection()})


def test_a_simulation_refuses_a_model_without_the_kernel_sections() -> None:
    with pytest.raises(ProfileError) as info:
        Simulation(host=CostModel())
    assert str(info.value).startswith(
        "cost model defaults (class defaults): missing section(s) [poll], [pipe], [unix], "
    )
    Simulation(host=load_profile(BUILTIN, SECTIONS))  # a complete model is accepted


def test_find_line() -> None:
    text = '[a]\nx = 1\n\n[b] # comment\n"x" = 2\ny.value = 3\n[c.d]\nz=1\ne.f = 1\n'
    assert find_line(text, "b", "x") == 5
    assert find_line(text, "b", "y") == 6
    assert find_line(text, "a", "x") == 2
    assert find_line(text, "b", "nope") == 4
    assert find_line(text, "c.d", "z") == 8
    assert find_line(text, "nope", "x") is None
    assert find_line("e.f = 1\n[e]\n", "e", "f") == 1


# --------------------------------------------------------------------------- the CLI


def run_cli(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    import simuring.cli.profiles as cli

    monkeypatch.setattr(cli, "profile_sections", lambda: (*SECTIONS, IpcSection))
    parser = argparse.ArgumentParser(prog="simuring")
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def test_cli_list(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (("profiles",), ("profiles", "list")):
        assert run_cli(monkeypatch, *argv) == 0
        assert BUILTIN in capsys.readouterr().out


def test_cli_show_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write(tmp_path, BUILTIN_TEXT + TOYPLUG))
    argv = ("profiles", "show", path, "--json", "--set", "ops.nop_ns=7", "--set", "toyplug.send_ns=9")
    assert run_cli(monkeypatch, *argv) == 0
    doc = json.loads(capsys.readouterr().out)
    by_name = {p["name"]: p for p in doc["parameters"]}
    assert by_name["host.cpus"]["value"] == 32
    assert by_name["ops.nop_ns"]["value"] == 7
    assert by_name["ops.nop_ns"]["source"].startswith("--set on the command line")
    assert by_name["toyplug.send_ns"]["value"] == 9
    assert by_name["toyplug.send_ns"]["source"] == "--set on the command line (profile value 200)"
    assert by_name["pipe.create_ns"]["value"] == 1500


def test_cli_show_table_and_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    import simuring.cli.profiles as cli

    assert list(cli.profile_sections()) == list(SECTIONS)
    assert main(["profiles", "show", BUILTIN, "--long"]) == 0
    out = capsys.readouterr().out
    assert "sched.wakeup_latency_ns" in out and "3_000_000" in out and "pipe.create_ns" in out
    with pytest.raises(ProfileError, match="unknown profile 'nope'"):
        run_cli(monkeypatch, "profiles", "show", "nope")
    # the toy plug-in's section is not in the built-in profile
    with pytest.raises(ProfileError, match=r"missing section\(s\) \[toyplug\]"):
        run_cli(monkeypatch, "profiles", "show", BUILTIN)


# --------------------------------------------------------------------------- ranges


def test_a_range_is_kept_and_described(tmp_path: Path) -> None:
    text = full_profile_text(entry_ns='entry_ns = { value = 90, source = "s", range = [40, 300] }')
    model = load_profile(write(tmp_path, text), ())
    assert model.ranges == {"syscall.entry_ns": (40.0, 300.0)}
    info = {p.dotted: p for p in model.describe()}
    assert info["syscall.entry_ns"].range == (40.0, 300.0)
    assert info["syscall.exit_ns"].range is None
    # an override may leave the range (a what-if), the range stays recorded
    assert model.with_overrides(["syscall.entry_ns=1000"]).ranges == model.ranges


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{ value = 30, range = [40, 300] }', "value 30 is outside its range [40, 300]"),
        ('{ value = 50, range = [300, 40] }', "range: expected [LOW, HIGH]"),
        ('{ value = 50, range = [40] }', "range: expected [LOW, HIGH]"),
        ('{ value = 50, range = ["a", 9] }', "range: expected [LOW, HIGH]"),
        ('{ value = 50, range = [-1, 9] }', "range: expected [LOW, HIGH]"),
    ],
)
def test_a_bad_range_is_one_error_naming_key_and_line(tmp_path: Path, entry: str, message: str) -> None:
    text = full_profile_text(entry_ns=f"entry_ns = {entry}")
    path = write(tmp_path, text)
    err = load_error(path)
    assert f"{path}:{line_of(text, 'entry_ns =')}: syscall.entry_ns: {message}" in err
