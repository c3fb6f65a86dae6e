"""A sweep's output file: one row per point, Parquet or CSV by the file's suffix.

The file is rewritten whole (to a temporary file, then renamed over the old
one) every time rows are added, so it is always complete and readable: an
interrupted sweep leaves every row that had finished, and rerunning the same
command skips them (their ``point_id`` is in the file).

Columns come in one order whatever order the rows finished in or how many
runs it took (:func:`column_order`), and rows in the grid's order (rows the
current grid does not have, from an earlier sweep into the same file, stay
after them in their old order), so a sweep's file is the same bytes whether
it ran serially, on local processes or on Dask, at once or resumed.

Parquet (``pyarrow``: ``pip install 'simuring[sweep]'``) keeps each column's
type; a column whose values are of mixed types is written as text.  CSV needs
nothing: values are written with ``str`` (floats as Python's shortest
``repr``), None as an empty field, and rows read back from a CSV stay text.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORMATS = {".parquet": "parquet", ".csv": "csv"}
#: first, in this order
HEAD = ("point_id", "script", "simuring_version", "profile", "profile_hash", "seed")
#: last, in this order
TAIL = (
    "completions",
    "latency_mean_ns",
    "latency_p50_ns",
    "latency_p90_ns",
    "latency_p99_ns",
    "latency_max_ns",
    "latency_histogram",
    "error",
)


class StoreError(Exception):
    """The output file cannot be used (wrong suffix, unreadable, not a sweep's, pyarrow missing)."""


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise StoreError(f"{path}: the output must end in .parquet or .csv")
    return fmt


#: between the inputs (HEAD, parameters, overrides) and the figures
INPUTS_END = "sim_time_ns"


def column_order(columns: Sequence[str], params: Sequence[str], overrides: Sequence[str]) -> list[str]:
    """HEAD, the workload's parameters (signature order), the overrides (axis
    order), ``sim_time_ns``, every other column by name, then TAIL; only the
    columns present.  So the columns of a run's inputs are those before
    ``sim_time_ns`` (:func:`input_columns`)."""
    present = set(columns)
    fixed = [*HEAD, *params, *overrides, INPUTS_END]
    first = [c for c in fixed if c in present]
    last = [c for c in TAIL if c in present]
    middle = sorted(present - set(first) - set(last))
    return first + middle + last


def input_columns(columns: Sequence[str]) -> list[str]:
    """The columns of what was run (profile, seed, parameters, overrides), in a file's column order
    (not the profile's hash, which follows from the profile and the overrides)."""
    cols = list(columns)
    end = cols.index(INPUTS_END) if INPUTS_END in cols else len(cols)
    return [c for c in cols[:end] if c not in ("point_id", "script", "simuring_version", "profile_hash")]


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise StoreError("a .parquet output needs pyarrow: pip install 'simuring[sweep]' (or write a .csv)") from None
    return pyarrow


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows already in ``path`` (none if it does not exist)."""
    fmt = file_format(path)
    if not path.exists():
        return []
    try:
        if fmt == "parquet":
            pa = _pyarrow()
            rows: list[dict[str, Any]] = pa.parquet.read_table(path).to_pylist()
        else:
            with path.open(newline="", encoding="utf-8") as f:
                rows = [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"{path}: cannot read it as {fmt}: {exc}") from None
    if rows and "point_id" not in rows[0]:
        raise StoreError(f"{path}: not a simuring sweep's output (no point_id column); choose another --out")
    return rows


def write_rows(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Write ``rows`` with ``columns`` (missing values as None), replacing ``path`` atomically."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        if file_format(path) == "parquet":
            _write_parquet(tmp, rows, columns)
        else:
            _write_csv(tmp, rows, columns)
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"{path}: cannot write: {exc}") from None


def _write_parquet(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    pa = _pyarrow()
    arrays = []
    for name in columns:
        values = [row.get(name) for row in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
    table = pa.Table.from_arrays(arrays, names=list(columns))
    pa.parquet.write_table(table, path)


def _write_csv(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
