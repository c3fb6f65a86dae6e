"""Host profiles: TOML files that give every cost-model parameter a value and a source.

Format::

    [profile]
    name = "rfc-vm-32vcpu"
    description = "..."

    [syscall]
    entry_ns = { value = 60, source = "where the value comes from", range = [20, 300] }
    exit_ns = 60                      # plain number: source "not given"

``range = [LOW, HIGH]`` (optional) is the physically plausible interval of a
parameter: the value must lie in it, and the parameters that have one are
those a fit (``simuring fit``) may move, within it.

Every core section, and every section class the caller passes (the kernel
objects' and the loaded plug-ins' sections: the engine knows them, this
layer does not), must be present with every parameter: nothing falls back to
a class default. Built-in profiles live next to this module in
``profiles/NAME.toml``.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import attrs

from .model import (
    CORE_SECTIONS,
    PROFILE_TABLE,
    CostModel,
    ParamValueError,
    ProfileError,
    check_param,
    missing_sections,
    param_fields,
    section_name,
    show_value,
)

__all__ = ["NOT_GIVEN_SOURCE", "ProfileError", "find_line", "list_profiles", "load_profile", "profile_text"]

NOT_GIVEN_SOURCE: Final = "not given"
_BUILTIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_INLINE_KEYS: Final = ("value", "source", "range")
_PROFILE_KEYS: Final = ("name", "description")


# --------------------------------------------------------------------------- locating lines

_HEADER = re.compile(r"^\s*\[(?!\[)\s*(?P<name>[^\]]*?)\s*\]\s*(?:#.*)?$")


def _table_name(header: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in header.split("."))


def _key_pattern(*parts: str) -> re.Pattern[str]:
    quoted = [rf"(?:{re.escape(p)}|\"{re.escape(p)}\"|'{re.escape(p)}')" for p in parts]
    return re.compile(r"^\s*" + r"\s*\.\s*".join(quoted) + r"\s*[=.]")


def find_line(text: str, section: str | None, key: str | None = None) -> int | None:
    """The 1-based line of ``key = ...`` in table ``[section]`` of a TOML text.

    ``section=None`` means the root table. Falls back to the line of the
    ``[section]`` header (or of a root ``section = ...`` / ``section.key = ...``)
    and returns None when nothing matches. tomllib gives no positions, so this
    is a line scan; it is only used to point error messages at a line.
    """
    current: str | None = None
    header_line: int | None = None
    key_here = _key_pattern(key) if key is not None else None
    key_at_root = _key_pattern(section, key) if section and key else None
    section_at_root = _key_pattern(section) if section else None
    root_fallback: int | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        match = _HEADER.match(line)
        if match:
            current = _table_name(match["name"])
            if current == section and header_line is None:
                header_line = lineno
            continue
        if key_here is not None and current == section and key_here.match(line):
            return lineno
        if current is None:
            if key_at_root is not None and key_at_root.match(line):
                return lineno
            if (
                section_at_root is not None
                and root_fallback is None
                and section_at_root.match(line)
            ):
                root_fallback = lineno
    return header_line if header_line is not None else root_fallback


@attrs.frozen
class _Document:
    """A profile's text and how to name it in messages."""

    where: str  # "path/to/file.toml" or "built-in profile NAME"
    origin: str  # CostModel.origin: the path, or the built-in name
    text: str
    builtin: bool

    def at(self, line: int | None) -> str:
        if line is None:
            return self.where
        return f"{self.where}, line {line}" if self.builtin else f"{self.where}:{line}"

    def error(
        self,
        message: str,
        section: str | None = None,
        key: str | None = None,
        *,
        named: bool = True,
    ) -> ProfileError:
        """A ProfileError at ``section.key``; ``named`` prefixes the message with the dotted key."""
        line = find_line(self.text, section, key) if section or key else None
        dotted = ".".join(p for p in (section, key) if p)
        prefix = f"{dotted}: " if named and dotted else ""
        return ProfileError(f"{self.at(line)}: {prefix}{message}")


# --------------------------------------------------------------------------- finding files


def _builtin_dir() -> Traversable:
    return resources.files(__package__ or "simuring.cost") / "profiles"


def _builtin_names() -> list[str]:
    return sorted(
        entry.name[: -len(".toml")]
        for entry in _builtin_dir().iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


def _looks_like_path(spec: str) -> bool:
    return "/" in spec or "\\" in spec or spec.endswith(".toml")


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read(spec: str | Path) -> _Document:
    if isinstance(spec, Path) or _looks_like_path(spec):
        path = Path(spec)
        where = str(spec)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            hint = ""
            if path.stem in _builtin_names():
                hint = f" (for the built-in profile, give its name: {path.stem})"
            raise ProfileError(f"{where}: no such profile file{hint}") from None
        except IsADirectoryError:
            raise ProfileError(f"{where}: is a directory, not a profile file") from None
        except OSError as exc:
            raise ProfileError(f"{where}: cannot read: {exc.strerror or exc}") from None
        return _Document(where=where, origin=where, text=_decode(raw, where), builtin=False)
    names = _builtin_names()
    resource = _builtin_dir() / f"{spec}.toml"
    if not _BUILTIN_NAME.fullmatch(spec) or not resource.is_file():
        raise ProfileError(
            f"unknown profile {spec!r} (built-in profiles: {', '.join(names) or 'none'}; "
            "or give a path to a .toml file)"
        )
    where = f"built-in profile {spec}"
    return _Document(
        where=where, origin=spec, text=_decode(resource.read_bytes(), where), builtin=True
    )


@functools.lru_cache(maxsize=16)
def _loads(text: str) -> dict[str, Any]:
    """``tomllib.loads``, memoised: every Simulation reads its profile, most often the
    same text.  The result is shared, so callers only read it."""
    return tomllib.loads(text)


def _parse(doc: _Document) -> dict[str, Any]:
    try:
        return _loads(doc.text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise ProfileError(f"{doc.at(line)}: invalid TOML: {exc}") from None


# --------------------------------------------------------------------------- building


def _profile_header(doc: _Document, data: Mapping[str, Any]) -> tuple[str, str]:
    table = data.get("profile")
    if table is None:
        raise doc.error("missing [profile] table (with name and description)")
    if not isinstance(table, dict):
        raise doc.error("expected a [profile] table", None, "profile")
    for key in table:
        if key not in _PROFILE_KEYS:
            raise doc.error(
                f"unknown key 'profile.{key}' (known: {', '.join(_PROFILE_KEYS)})",
                "profile",
                key,
                named=False,
            )
    out = []
    for key in _PROFILE_KEYS:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            got = "nothing" if value is None else show_value(value)
            raise doc.error(f"expected a non-empty string, got {got}", "profile", key)
        out.append(value.strip())
    return out[0], out[1]


def _range(doc: _Document, section: str, key: str, raw: Any) -> tuple[float, float]:
    """A parameter's ``range = [LOW, HIGH]``: two numbers >= 0, LOW <= HIGH."""
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in raw)
        or raw[0] > raw[1]
    ):
        raise doc.error(
            f"range: expected [LOW, HIGH], two numbers >= 0 with LOW <= HIGH, got {show_value(raw)}",
            section,
            key,
        )
    return float(raw[0]), float(raw[1])


def _entry(doc: _Document, section: str, key: str, entry: Any) -> tuple[Any, str]:
    """The raw value and source of one parameter entry (plain number or inline table)."""
    if not isinstance(entry, dict):
        return entry, NOT_GIVEN_SOURCE
    for inner in entry:
        if inner not in _INLINE_KEYS:
            raise doc.error(
                f"unknown key {inner!r} in inline table (allowed: {', '.join(_INLINE_KEYS)})",
                section,
                key,
            )
    if "value" not in entry:
        raise doc.error("inline table has no 'value'", section, key)
    source = entry.get("source", NOT_GIVEN_SOURCE)
    if not isinstance(source, str) or not source.strip():
        raise doc.error(
            f"source: expected a non-empty string, got {show_value(source)}", section, key
        )
    return entry["value"], source.strip()


def _section(
    doc: _Document, name: str, cls: type, table: Mapping[str, Any], ranges: dict[str, tuple[float, float]]
) -> tuple[Any, dict[str, str]]:
    fields = {f.name: f for f in param_fields(cls)}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, entry in table.items():
        field = fields.get(key)
        if field is None:
            raise doc.error(
                f"unknown parameter '{name}.{key}' (known: {', '.join(fields)})",
                name,
                key,
                named=False,
            )
        raw, source = _entry(doc, name, key, entry)
        try:
            values[key] = check_param(field, raw)
        except ParamValueError as exc:
            raise doc.error(exc.reason, name, key) from None
        sources[f"{name}.{key}"] = source
        if isinstance(entry, dict) and "range" in entry:
            low, high = _range(doc, name, key, entry["range"])
            if not low <= values[key] <= high:
                raise doc.error(f"value {values[key]!r} is outside its range [{low:g}, {high:g}]", name, key)
            ranges[f"{name}.{key}"] = (low, high)
    missing = [key for key in fields if key not in values]
    if missing:
        raise doc.error(
            f"missing parameter(s) {', '.join(repr(f'{name}.{k}') for k in missing)} "
            "(a profile gives every parameter of its sections)",
            name,
            named=False,
        )
    try:
        return cls(**values), sources
    except (TypeError, ValueError) as exc:  # a plug-in's own cross-field checks
        raise doc.error(str(exc), name) from None


def _by_name(sections: Iterable[type]) -> dict[str, type]:
    """The section classes by the tables they name (a class given twice counts once)."""
    if isinstance(sections, str | Mapping):
        raise TypeError("load_profile() takes an iterable of cost section classes")
    out: dict[str, type] = {}
    for cls in sections:
        name = section_name(cls)
        if name in CORE_SECTIONS:
            raise ValueError(f"cost section {cls.__qualname__} [{name}] clashes with a core section")
        if out.get(name, cls) is not cls:
            raise ValueError(
                f"cost section [{name}] is declared twice: "
                f"{out[name].__qualname__} and {cls.__qualname__}"
            )
        out[name] = cls
    return out


def load_profile(spec: str | Path, sections: Iterable[type]) -> CostModel:
    """Load a host profile by built-in name or path (anything with "/" or ending in ".toml").

    ``sections`` are the section classes the profile must give besides the
    core ones: the kernel objects' and the loaded plug-ins' (the engine's
    :func:`~simuring.engine.plugins.cost_sections`). Raises ProfileError for
    every user error, naming file, key and line, and for a missing section.
    """
    extra_sections = _by_name(sections)
    doc = _read(spec)
    data = _parse(doc)
    name, description = _profile_header(doc, data)
    known: dict[str, type] = {**CORE_SECTIONS, **extra_sections}
    built: dict[str, Any] = {}
    sources: dict[str, str] = {}
    ranges: dict[str, tuple[float, float]] = {}
    for sec_name, table in data.items():
        if sec_name == PROFILE_TABLE:
            continue
        if sec_name not in known:
            others = ", ".join(sorted(extra_sections)) or "none"
            raise doc.error(
                f"unknown section [{sec_name}] (core sections: {', '.join(CORE_SECTIONS)}; "
                f"kernel and plug-in sections: {others}); it may belong to an opcode plug-in "
                "that is not installed",
                sec_name,
                named=False,
            )
        if not isinstance(table, dict):
            raise doc.error(
                f"expected a table [{sec_name}], got {show_value(table)}", None, sec_name
            )
        built[sec_name], found = _section(doc, sec_name, known[sec_name], table, ranges)
        sources.update(found)
    missing = [sec for sec in CORE_SECTIONS if sec not in built]
    if missing:
        raise doc.error(
            f"missing section(s) {', '.join(f'[{sec}]' for sec in missing)} "
            f"(a profile gives every core section: {', '.join(CORE_SECTIONS)})"
        )
    absent = [cls for sec, cls in extra_sections.items() if sec not in built]
    if absent:
        raise doc.error(missing_sections(absent))
    return CostModel(
        name=name,
        description=description,
        extra=[built[sec] for sec in extra_sections],
        sources=sources,
        ranges=ranges,
        origin=doc.origin,
        **{sec: built[sec] for sec in CORE_SECTIONS},
    )


def profile_text(spec: str | Path) -> str:
    """The TOML text of a profile, by built-in name or path (ProfileError if there is none)."""
    return _read(spec).text


def list_profiles() -> list[tuple[str, str]]:
    """(name, description) of every built-in profile, sorted by name.

    Reads only the [profile] tables, so a built-in that has sections of a
    plug-in that is not installed is still listed.
    """
    out = []
    for builtin in _builtin_names():
        doc = _read(builtin)
        _, description = _profile_header(doc, _parse(doc))
        out.append((builtin, description))
    return out
