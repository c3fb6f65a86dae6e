"""``simuring plot RESULTS --x COL --y COL [--hue COL]``: a PNG of a sweep's rows (matplotlib)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simuring.cli.errors import UserError
from simuring.sweep.plots import PlotError, histogram_plot, line_plot, select
from simuring.sweep.store import StoreError, read_rows

EPILOG = """\
examples:
  simuring plot bcast.parquet --x receivers --y sender_ns_per_msg --hue msg_size --log
  simuring plot bcast.parquet --x receivers --y sender_ns_per_msg --where msg_size=64
  simuring plot nop.csv --histogram --hue syscall.entry_ns      (completion latency histograms)
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "plot",
        help="plot a sweep's results as a PNG",
        description=(
            "Plot the rows of a sweep (simuring sweep --out FILE): a figure (--y) against an input (--x), a line per "
            "value of --hue, replicates (seeds) averaged with 95%% CI error bars; or, with --histogram, the "
            "completion-latency histograms."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("results", metavar="RESULTS", help="a sweep's .parquet or .csv")
    p.add_argument("--x", metavar="COLUMN", help="the column along the x axis (an input: receivers, msg_size, syscall.entry_ns...)")
    p.add_argument("--y", metavar="COLUMN", help="the figure on the y axis (sender_ns_per_msg, latency_p99_ns...)")
    p.add_argument("--hue", metavar="COLUMN", help="a line (or histogram) per value of this column")
    p.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE", help="keep only the rows with this value (repeatable)")
    p.add_argument("--histogram", action="store_true", help="plot the completion-latency histograms instead of --y against --x")
    p.add_argument("--log", action="store_true", help="log scales (x in powers of two)")
    p.add_argument("--out", metavar="FILE.png", help="where to write the PNG (default: next to RESULTS, named after the axes)")
    p.set_defaults(func=run)


def _where(items: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        if "=" not in item:
            raise UserError(f"--where {item}: expected COLUMN=VALUE")
        name, value = item.split("=", 1)
        pairs.append((name.strip(), value.strip()))
    return pairs


def run(args: argparse.Namespace) -> int:
    results = Path(args.results)
    if not results.is_file():
        raise UserError(f"{args.results}: no such results file")
    if not args.histogram and (args.x is None or args.y is None):
        raise UserError("plot: give --x and --y (or --histogram)")
    try:
        rows = select(read_rows(results), _where(args.where))
        if args.histogram:
            out = Path(args.out) if args.out else results.with_name(f"{results.stem}-latency-histogram.png")
            histogram_plot(rows, args.hue, out, _title(results, args.where))
        else:
            out = Path(args.out) if args.out else results.with_name(f"{results.stem}-{args.y}-vs-{args.x}.png")
            line_plot(rows, args.x, args.y, args.hue, args.log, out, _title(results, args.where))
    except (StoreError, PlotError) as exc:
        raise UserError(f"{args.results}: {exc}") from None
    except OSError as exc:
        raise UserError(f"--out: cannot write: {exc}") from None
    print(f"wrote {out}")
    return 0


def _title(results: Path, where: list[str]) -> str:
    return results.name + (f" ({', '.join(where)})" if where else "")
