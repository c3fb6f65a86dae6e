"""One run as one flat record: the tidy row of ``SimResult.to_row`` and of ``simuring sweep``.

Columns, in this order:

- provenance: ``simuring_version``, ``profile`` (the host profile's name),
  ``profile_hash`` (:meth:`CostModel.content_hash` with the overrides
  applied), ``seed``;
- the workload's parameters, by their own names (``receivers``, ``msg_size``),
  defaults included;
- each ``--set`` override by its dotted name (``syscall.entry_ns``), with the
  number it set;
- ``sim_time_ns``;
- the workload's scalar figures (``sim.report``), by name, sorted; a figure
  whose name is already a column gets a ``reported_`` prefix; series and
  tables (lists, dicts) are left to ``to_json``;
- the completion latency of the benchmark tasks (user tasks not spawned with
  ``helper=True``), their histograms merged: ``completions``,
  ``latency_mean_ns``, ``latency_p50_ns``, ``latency_p90_ns``,
  ``latency_p99_ns``, ``latency_max_ns`` (absent when there was none), and
  ``latency_histogram`` as JSON text ``[[lower bound ns, count], ...]``
  (JSON text so that a CSV holds it as well as a Parquet file).

Values are plain ints, floats, bools and strings, so the row is the same
whatever writes it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simuring.output.metrics import Histogram

if TYPE_CHECKING:
    from simuring.output.result import SimResult

LATENCY = ("completions", "latency_mean_ns", "latency_p50_ns", "latency_p90_ns", "latency_p99_ns", "latency_max_ns", "latency_histogram")
REPORTED_PREFIX = "reported_"


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def override_values(overrides: list[str]) -> dict[str, Any]:
    """``["syscall.entry_ns=200"]`` -> ``{"syscall.entry_ns": 200}`` (a number when it reads as one)."""
    out: dict[str, Any] = {}
    for text in overrides:
        key, _, value = text.partition("=")
        out[key.strip()] = number_or_text(value.strip())
    return out


def number_or_text(text: str) -> int | float | str:
    for convert in (int, float):
        try:
            return convert(text)  # type: ignore[no-any-return]
        except ValueError:
            pass
    return text


def benchmark_latency(result: SimResult) -> Histogram:
    """The completion latencies of the benchmark tasks, merged."""
    merged = Histogram()
    for task in result.benchmark_tasks():
        if task.latency is not None:
            merged.merge(task.latency)
    return merged


def latency_columns(hist: Histogram) -> dict[str, Any]:
    if hist.n == 0:
        return {"completions": 0}
    return {
        "completions": hist.n,
        "latency_mean_ns": hist.total // hist.n,
        "latency_p50_ns": hist.percentile(50),
        "latency_p90_ns": hist.percentile(90),
        "latency_p99_ns": hist.percentile(99),
        "latency_max_ns": hist.max,
        "latency_histogram": json.dumps([list(pair) for pair in hist.buckets()], separators=(",", ":")),
    }


def run_columns(
    version: str, profile: str, profile_hash: str, seed: int, params: dict[str, Any], overrides: list[str]
) -> dict[str, Any]:
    """The columns that say what was run: provenance, parameters, overrides."""
    row: dict[str, Any] = {"simuring_version": version, "profile": profile, "profile_hash": profile_hash, "seed": seed}
    for name, value in params.items():
        row[name] = value if is_scalar(value) else json.dumps(value, sort_keys=True, default=str)
    row.update(override_values(overrides))
    return row


def result_row(result: SimResult) -> dict[str, Any]:
    """The flat record of ``result`` (see the module's docstring for the columns)."""
    row = run_columns(result.version, result.host, result.profile_hash, result.seed, result.params, result.overrides)
    row["sim_time_ns"] = result.sim_time_ns
    taken = set(row) | set(LATENCY)
    for name in sorted(result.extra):
        value = result.extra[name]
        if is_scalar(value):
            row[REPORTED_PREFIX + name if name in taken else name] = value
    row.update(latency_columns(benchmark_latency(result)))
    return row
