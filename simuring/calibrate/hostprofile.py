"""Writing a calibrated host profile (TOML), every value with its provenance.

The file is an ordinary host profile (``--host FILE`` everywhere): every
section and parameter of the base profile, each ``source`` saying whether
the value was read from the machine, measured, fitted (with the ``range``
it was fitted in) or inherited from the base.  A comment block at the top
records the machine (CPU model, CPU count, caches, kernel, idle driver),
the date, and every figure the probe measured (median, min, max, runs).

The file copies what it inherits instead of naming the base with
``[profile] base = ...``: a calibration is a record of one machine on one
day, so it must not change when the base profile is refitted or edited,
and it stays valid wherever it is moved, without its base beside it.
"""

from __future__ import annotations

import json
import re

from simuring.calibrate.calibration import Calibration
from simuring.cost.profiles import CALIBRATE_MARK


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string


def _number(value: int | float) -> str:
    return f"{value:_}" if isinstance(value, int) else repr(float(value))


def profile_name(text: str) -> str:
    """A profile name from free text (a file stem): lower case, dashes."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return name or "my-host"


def render(cal: Calibration, name: str) -> str:
    host = cal.host
    lines = [
        f"{CALIBRATE_MARK} on {host.date}.",
        f"# Machine: {host.describe()}.",
        f"# Idle driver: {host.idle_driver or 'unknown'}"
        + (f", guest_halt_poll_ns = {host.halt_poll_ns}" if host.halt_poll_ns is not None else "")
        + ".",
        f"# Base profile (what the probe cannot measure): {cal.base.name}.",
    ]
    if cal.measured.unavailable:
        lines.append(f"# io_uring was unavailable ({cal.measured.unavailable}): its costs are inherited.")
    if host.cpus < 2:
        lines.append("# One CPU only: the costs between two CPUs were not measured, and are inherited.")
    lines.append("#")
    lines.append("# The probe's figures (ns; median of fresh-process runs in shuffled order, min and max):")
    for key, fig in cal.measured.figures.items():
        if fig.ok:
            lines.append(f"#   {key}: {fig.median:.6g} (min {fig.low:.6g}, max {fig.high:.6g}, {len(fig.values)} runs)")
        else:
            lines.append(f"#   {key}: not measured ({fig.error})")
    lines += [
        "",
        "[profile]",
        f"name = {_string(name)}",
        "description = "
        + _string(f"{host.describe()}: measured by simuring calibrate on {host.date[:10]}; what the probe cannot measure is inherited from {cal.base.name}"),
    ]
    section = None
    for info in cal.costs.describe():
        if info.section != section:
            section = info.section
            lines += ["", f"[{section}]"]
        prov = cal.provenance[info.dotted]
        value = cal.values.get(info.dotted, info.value)
        entry = f"{info.key} = {{ value = {_number(value)}, source = {_string(prov.text)}"
        if prov.range is not None:
            entry += f", range = [{_number(prov.range[0])}, {_number(prov.range[1])}]"
        lines.append(entry + " }")
    return "\n".join(lines) + "\n"
