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
a class default.

Unless the profile names a base: with ``[profile] base = "NAME-or-PATH"`` (a
built-in name, or a .toml path relative to the file that names it) every
parameter the file does not give, and every section it does not have, comes
from that profile, itself loaded by these rules (so bases chain).  An
inherited parameter keeps the base's value and range, and its source reads
``inherited from BASE-NAME: <the base's source>``.  A parameter the file
gives replaces the base's entry whole: its value, its source ("not given"
if it has none) and its range (none if it has none: a plain number is a
fixed value, which a fit does not move).  A missing base, a broken one or a
cycle of bases is one ProfileError at the file's ``base`` line.

Built-in profiles live next to this module in ``profiles/NAME.toml``.
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
    unknown_param,
)

__all__ = [
    "NOT_GIVEN_SOURCE",
    "ProfileError",
    "find_line",
    "inherited_source",
    "list_profiles",
    "looks_like_path",
    "load_profile",
    "profile_text",
]

NOT_GIVEN_SOURCE: Final = "not given"
_BUILTIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_INLINE_KEYS: Final = ("value", "source", "range")
_PROFILE_KEYS: Final = ("name", "description", "base")
CALIBRATE_MARK: Final = "# Host profile written by `simuring calibrate`"
"""The first words of a profile ``simuring calibrate`` wrote (simuring.calibrate.hostprofile)."""


# --------------------------------------------------------------------------- locating lines

_HEADER = re.compile(r"^\s*\[(?!\[)\s*(?P<name>[^\]]*?)\s*\]\s*(?:#.*)?$")


DEFAULT_PROFILE: Final = "rfc-vm-32vcpu"
"""The built-in profile a simulation runs on when it names none (``Simulation``, ``--host``)."""

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

    @property
    def identity(self) -> str:
        """What tells two profiles apart when a chain of bases is followed: the
        built-in's name, or the file's resolved path."""
        return f"built-in {self.origin}" if self.builtin else str(Path(self.origin).resolve())

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


def looks_like_path(spec: str) -> bool:
    """Whether a profile argument names a file (it has a "/" or ends in ".toml"), not a built-in."""
    return "/" in spec or "\\" in spec or spec.endswith(".toml")


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read(spec: str | Path) -> _Document:
    if isinstance(spec, Path) or looks_like_path(spec):
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


@attrs.frozen
class _Header:
    """A profile's ``[profile]`` table."""

    name: str
    description: str
    base: str | None  # ``base = "NAME-or-PATH"`` as written, or None


@attrs.frozen
class _Entry:
    """One parameter as a profile file gives it."""

    value: int | float
    source: str
    range: tuple[float, float] | None


def _profile_header(doc: _Document, data: Mapping[str, Any]) -> _Header:
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
    texts = {}
    for key in _PROFILE_KEYS:
        value = table.get(key)
        if key == "base" and value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            got = "nothing" if value is None else show_value(value)
            raise doc.error(f"expected a non-empty string, got {got}", "profile", key)
        texts[key] = value.strip()
    return _Header(texts["name"], texts["description"], texts.get("base"))


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


def _raw_entry(doc: _Document, section: str, key: str, entry: Any) -> tuple[Any, str]:
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


def _entry(doc: _Document, section: str, field: attrs.Attribute[Any], entry: Any) -> _Entry:
    """One parameter entry, checked: its value, source and range (if it has one)."""
    key = field.name
    raw, source = _raw_entry(doc, section, key, entry)
    try:
        value = check_param(field, raw)
    except ParamValueError as exc:
        raise doc.error(exc.reason, section, key) from None
    if not (isinstance(entry, dict) and "range" in entry):
        return _Entry(value, source, None)
    low, high = _range(doc, section, key, entry["range"])
    if not low <= value <= high:
        raise doc.error(f"value {value!r} is outside its range [{low:g}, {high:g}]", section, key)
    return _Entry(value, source, (low, high))


def _own_entries(doc: _Document, name: str, cls: type, table: Mapping[str, Any]) -> dict[str, _Entry]:
    """The parameters table ``[name]`` of the file gives, each checked (unknown keys are errors)."""
    fields = {f.name: f for f in param_fields(cls)}
    entries: dict[str, _Entry] = {}
    for key, raw in table.items():
        field = fields.get(key)
        if field is None:
            raise doc.error(
                unknown_param(f"{name}.{key}", fields),
                name,
                key,
                named=False,
            )
        entries[key] = _entry(doc, name, field, raw)
    return entries


def _section(
    doc: _Document, name: str, cls: type, table: Mapping[str, Any], base: CostModel | None
) -> tuple[Any, dict[str, _Entry]]:
    """Section ``[name]`` built from the file's table, and the entries the file gives.

    A parameter the table lacks comes from ``base``; without a base it is an error.
    """
    entries = _own_entries(doc, name, cls, table)
    values = {key: entry.value for key, entry in entries.items()}
    if base is not None:
        values = {**attrs.asdict(base.get(cls)), **values}
    missing = [f.name for f in param_fields(cls) if f.name not in values]
    if missing:
        # a calibration records every parameter of its day; a later simuring may have more
        older = CALIBRATE_MARK in doc.text and "; written by an older simuring calibrate: run it again, or add them by hand"
        raise doc.error(
            f"missing parameter(s) {', '.join(repr(f'{name}.{k}') for k in missing)} "
            f"(a profile gives every parameter of its sections, unless it has a base){older or ''}",
            name,
            named=False,
        )
    try:
        return cls(**values), entries
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


@attrs.frozen
class _Sections:
    """The section classes a profile is loaded with: the core's, and the kernel's and plug-ins'."""

    extra: Mapping[str, type]

    @property
    def known(self) -> dict[str, type]:
        return {**CORE_SECTIONS, **self.extra}

    def unknown(self, doc: _Document, name: str) -> ProfileError:
        others = ", ".join(sorted(self.extra)) or "none"
        return doc.error(
            f"unknown section [{name}] (core sections: {', '.join(CORE_SECTIONS)}; "
            f"kernel and plug-in sections: {others}); it may belong to an opcode plug-in "
            "that is not installed",
            name,
            named=False,
        )


def _check_complete(doc: _Document, built: Mapping[str, Any], sections: _Sections) -> None:
    """Raise ProfileError unless a profile without a base gave every section."""
    missing = [sec for sec in CORE_SECTIONS if sec not in built]
    if missing:
        raise doc.error(
            f"missing section(s) {', '.join(f'[{sec}]' for sec in missing)} "
            f"(a profile gives every core section: {', '.join(CORE_SECTIONS)})"
        )
    absent = [cls for sec, cls in sections.extra.items() if sec not in built]
    if absent:
        hint = ""
        if not doc.builtin:
            # a complete profile (simuring calibrate writes one) from before a section
            # existed: naming a base fills in what it lacks and changes nothing it gives
            hint = f'; to take what this file lacks from a built-in profile, add base = "{DEFAULT_PROFILE}" under [profile]'
        raise doc.error(missing_sections(absent) + hint)


def inherited_source(base_name: str, source: str) -> str:
    """The source of a parameter a profile takes from its base ``base_name``."""
    return f"inherited from {base_name}: {source}"


def _inherited(base: CostModel | None, given: Mapping[str, _Entry]) -> dict[str, _Entry]:
    """The entries a profile takes from ``base``: every parameter it does not give,
    with the base's value and range, and a source that says it is inherited."""
    if base is None:
        return {}
    return {
        param.dotted: _Entry(param.value, inherited_source(base.name, param.source), param.range)
        for param in base.describe()
        if param.dotted not in given
    }


def _load_base(
    doc: _Document, spec: str, sections: _Sections, chain: tuple[_Document, ...]
) -> CostModel:
    """The profile ``doc`` names as its base, loaded; any error in it (a missing
    file, a broken base, a cycle) is one ProfileError at ``doc``'s ``base`` line."""
    try:
        if doc.builtin and looks_like_path(spec):
            raise ProfileError("the base of a built-in profile is a built-in name, not a path")
        base_doc = _read(Path(doc.origin).parent / spec if looks_like_path(spec) else spec)
        followed = (*chain, doc)
        identities = [d.identity for d in followed]
        if base_doc.identity in identities:
            loop = followed[identities.index(base_doc.identity) :]
            raise ProfileError(f"a cycle of bases: {' -> '.join(d.where for d in (*loop, base_doc))}")
        return _build(base_doc, sections, followed)
    except ProfileError as exc:
        raise doc.error(str(exc), PROFILE_TABLE, "base") from None


def _own_sections(
    doc: _Document, data: Mapping[str, Any], sections: _Sections, base: CostModel | None
) -> tuple[dict[str, Any], dict[str, _Entry]]:
    """The sections the file has, built (what they lack from ``base``), and the
    entries the file gives, by ``section.key``."""
    known = sections.known
    built: dict[str, Any] = {}
    own: dict[str, _Entry] = {}
    for sec_name, table in data.items():
        if sec_name == PROFILE_TABLE:
            continue
        if sec_name not in known:
            raise sections.unknown(doc, sec_name)
        if not isinstance(table, dict):
            raise doc.error(
                f"expected a table [{sec_name}], got {show_value(table)}", None, sec_name
            )
        built[sec_name], entries = _section(doc, sec_name, known[sec_name], table, base)
        own.update({f"{sec_name}.{key}": entry for key, entry in entries.items()})
    return built, own


def _build(doc: _Document, sections: _Sections, chain: tuple[_Document, ...] = ()) -> CostModel:
    """The cost model of profile ``doc``, its base (if any) loaded first; ``chain``
    holds the profiles that named this one as their base, to find a cycle."""
    data = _parse(doc)
    header = _profile_header(doc, data)
    base = _load_base(doc, header.base, sections, chain) if header.base else None
    built, own = _own_sections(doc, data, sections, base)
    if base is None:
        _check_complete(doc, built, sections)
    else:  # the sections the file does not have are the base's
        built = {sec: built.get(sec, base.get(cls)) for sec, cls in sections.known.items()}
    inherited = _inherited(base, own)
    entries = {**own, **inherited}
    return CostModel(
        name=header.name,
        description=header.description,
        extra=[built[sec] for sec in sections.extra],
        sources={dotted: entry.source for dotted, entry in entries.items()},
        ranges={dotted: entry.range for dotted, entry in entries.items() if entry.range is not None},
        origin=doc.origin,
        base=None if base is None else base.name,
        inherited=inherited,
        **{sec: built[sec] for sec in CORE_SECTIONS},
    )


def load_profile(spec: str | Path, sections: Iterable[type]) -> CostModel:
    """Load a host profile by built-in name or path (anything with "/" or ending in ".toml").

    ``sections`` are the section classes the profile must give besides the
    core ones: the kernel objects' and the loaded plug-ins' (the engine's
    :func:`~simuring.engine.plugins.cost_sections`). A profile with
    ``[profile] base`` takes every parameter it does not give from that
    profile (loaded with the same sections). Raises ProfileError for every
    user error, naming file, key and line, and for a missing section.
    """
    return _build(_read(spec), _Sections(_by_name(sections)))


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
        out.append((builtin, _profile_header(doc, _parse(doc)).description))
    return out
