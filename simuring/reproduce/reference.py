"""The published figures of the IPC proposal, as package data, with a typed loader.

``load_reference()`` reads ``data/rfc_ipc_2026.toml`` (the figures of the
cover letter of "io_uring: add IPC channel infrastructure", March 2026) into
a :class:`Reference`: its :class:`Source` (title, host, units, method and
noise, as published) and its :class:`Table` s, each a tuple of
:class:`Cell` s (table, mechanism, message size, receivers, and the
published ns per message, or None where the table asks for a prediction).
A malformed file is a :class:`ReferenceDataError` naming the table and key.
"""

from __future__ import annotations

import fnmatch
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import attrs

#: the mechanisms the benchmark compares, in the order the tables list them
MECHANISMS = ("pipe", "unix_sock", "shm_eventfd", "io_uring_unicast", "io_uring_bcast", "io_uring_mcast")
#: the io_uring mechanisms (they take IORING_SETUP_* flags; the others do not)
IO_URING_MECHANISMS = ("io_uring_unicast", "io_uring_bcast", "io_uring_mcast")
DATA_FILE = "rfc_ipc_2026.toml"


class ReferenceDataError(ValueError):
    """The reference data file is malformed."""


@attrs.frozen
class Source:
    """Where the figures come from, as published."""

    title: str
    document: str
    date: str
    host: str
    units: str
    method: str
    noise: str



def name_matches(name: str, pattern: str) -> bool:
    """The ``-k PATTERN`` rule of ``reproduce``, ``fit`` and ``validate``: ``name``
    contains ``pattern``, or matches it as a glob (``*:io_uring_*:64:*``)."""
    return pattern in name or fnmatch.fnmatchcase(name, pattern)

@attrs.frozen
class Cell:
    """One figure of a table: ``reference_ns`` is the published ns per message, or None."""

    table: str
    mechanism: str
    msg_size: int
    receivers: int
    reference_ns: int | None

    @property
    def key(self) -> tuple[str, int, int]:
        """What is simulated: (mechanism, msg_size, receivers), shared by tables."""
        return (self.mechanism, self.msg_size, self.receivers)

    @property
    def name(self) -> str:
        """``table:mechanism:msg_size:receivers`` (what ``-k`` matches)."""
        return f"{self.table}:{self.mechanism}:{self.msg_size}:{self.receivers}"


@attrs.frozen
class Table:
    name: str
    title: str
    mechanisms: tuple[str, ...]
    receivers: tuple[int, ...]
    msg_sizes: tuple[int, ...]
    cells: tuple[Cell, ...]

    @property
    def published(self) -> bool:
        """Whether any cell has a published figure (a calibration table)."""
        return any(c.reference_ns is not None for c in self.cells)

    @property
    def axis(self) -> str:
        """The x axis of the table's plot: ``receivers`` if it has several receiver
        counts, else ``msg_size``."""
        return "receivers" if len(self.receivers) > 1 else "msg_size"


@attrs.frozen
class Reference:
    source: Source
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"no table {name!r} (tables: {', '.join(self.table_names)})")

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def cells(self) -> tuple[Cell, ...]:
        return tuple(c for t in self.tables for c in t.cells)

    def published(self) -> dict[tuple[str, int, int], int]:
        """Every published figure by (mechanism, msg_size, receivers), each once."""
        out: dict[tuple[str, int, int], int] = {}
        for c in self.cells():
            if c.reference_ns is not None:
                seen = out.setdefault(c.key, c.reference_ns)
                if seen != c.reference_ns:
                    raise ReferenceDataError(f"{c.name}: {c.reference_ns} differs from {seen} published for the same cell elsewhere")
        return out


def _ints(where: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise ReferenceDataError(f"{where}: expected a non-empty list of positive integers, got {value!r}")
    return tuple(value)


def _str(where: str, data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(f"{where}.{key}: expected a non-empty string")
    return value


def _table(name: str, data: Any) -> Table:
    where = f"tables.{name}"
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{where}: expected a table")
    mechanisms = data.get("mechanisms")
    if not isinstance(mechanisms, list) or not mechanisms or not all(isinstance(m, str) for m in mechanisms):
        raise ReferenceDataError(f"{where}.mechanisms: expected a non-empty list of names")
    for m in mechanisms:
        if m not in MECHANISMS:
            raise ReferenceDataError(f"{where}.mechanisms: unknown mechanism {m!r} (known: {', '.join(MECHANISMS)})")
    receivers = _ints(f"{where}.receivers", data.get("receivers"))
    sizes = _ints(f"{where}.msg_sizes", data.get("msg_sizes"))
    published = data.get("published", {})
    if not isinstance(published, dict):
        raise ReferenceDataError(f"{where}.published: expected a table")
    for m in published:
        if m not in mechanisms:
            raise ReferenceDataError(f"{where}.published.{m}: not one of the table's mechanisms")
    cells = []
    for m in mechanisms:
        values: tuple[int, ...] | None = None
        if m in published:
            values = _ints(f"{where}.published.{m}", published[m])
            if len(values) != len(receivers) * len(sizes):
                raise ReferenceDataError(
                    f"{where}.published.{m}: {len(values)} values for {len(receivers)} receiver counts x {len(sizes)} sizes"
                )
        for i, r in enumerate(receivers):
            for j, s in enumerate(sizes):
                ref = values[i * len(sizes) + j] if values is not None else None
                cells.append(Cell(name, m, s, r, ref))
    return Table(name, _str(where, data, "title"), tuple(mechanisms), receivers, sizes, tuple(cells))


def parse_reference(text: str, where: str = DATA_FILE) -> Reference:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"{where}: {exc}") from None
    src = data.get("source")
    if not isinstance(src, dict):
        raise ReferenceDataError(f"{where}: no [source] table")
    source = Source(*(_str("source", src, f.name) for f in attrs.fields(Source)))
    tables = data.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise ReferenceDataError(f"{where}: no [tables.*]")
    ref = Reference(source, tuple(_table(name, t) for name, t in tables.items()))
    ref.published()  # the same cell published twice must agree
    return ref


def load_reference(path: str | Path | None = None) -> Reference:
    """The package's copy of the published figures (or the file at ``path``)."""
    if path is None:
        text = files("simuring.reproduce").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
        return parse_reference(text)
    p = Path(path)
    return parse_reference(p.read_text(encoding="utf-8"), str(p))
