"""A differential fuzzer of SQE field validation: seeded cases run on the real kernel and the simulator.

``python -m simuring.conform.difffuzz --cases N --seed S [--opcode NAME ...] [--json FILE]``
runs seeds S..S+N-1.  Each seed is one scenario
(:func:`~simuring.conform.difffuzz_case.generate`): a ring, a few objects,
and one to three SQEs of one opcode, each filled validly and then given one
or two odd, non-pointer fields (SQE flags, ioprio, the op-specific flags
word, buf_index, personality, splice_fd_in / file_index, len, off, addr3,
fd) -- the fields io_init_req and each opcode's prep check, in the order
they check them.  The scenario runs on both backends through the
conformance runner (:func:`simuring.conform.runner.guarded`,
:func:`~simuring.conform.runner.compare_one`), and each difference is
traced to the SQE whose fields were odd.  Differences are grouped by
(opcode, perturbed fields); each group is shown with its smallest seed and
that seed's program, which reproduces it (``--print SEED`` prints one).

``--sim-only`` runs the simulated side alone (no kernel needed): every case
must run without a Python exception.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import attrs

from simuring.conform import (
    difffuzz_batch,
    difffuzz_bundle,
    difffuzz_register,
    difffuzz_setup,
    difffuzz_state,
    difffuzz_state2,
)
from simuring.conform.difffuzz_case import OPS_BY_NAME, DiffCase, generate
from simuring.conform.observe import Observation
from simuring.conform.registry import Scenario, ScenarioFn
from simuring.conform.report import SAME, SIM_ONLY, ScenarioResult
from simuring.conform.runner import DEFAULT_TIMEOUT_S, check_sim_only, compare_one, guarded

#: The group of a difference found before the first SQE (in the case's setup).
SETUP = ("(setup)",)
#: The kinds of case (``--mode``): one opcode's SQEs with odd fields, batches, register / setup calls,
#: requests on objects in odd states (state: pipes, unix sockets, eventfds, files; state2: TCP, UDP, FIFOs, inotify),
#: send and receive bundles over provided buffers (bundle).
MODES = ("fields", "batch", "register", "setup", "state", "state2", "bundle")


def generate_case(seed: int, mode: str = "fields", opcodes: Sequence[str] = ()) -> DiffCase:
    """The case of ``seed`` in ``mode`` (``opcodes``: the fields mode's choice of opcodes)."""
    if mode == "batch":
        return difffuzz_batch.generate(seed)
    if mode == "register":
        return difffuzz_register.generate(seed)
    if mode == "setup":
        return difffuzz_setup.generate(seed)
    if mode == "state":
        return difffuzz_state.generate(seed)
    if mode == "state2":
        return difffuzz_state2.generate(seed)
    if mode == "bundle":
        return difffuzz_bundle.generate(seed)
    return generate(seed, opcodes)


def scenario_of(case: DiffCase) -> Scenario:
    """The case's program, executed, as a library :class:`Scenario` (not registered)."""
    namespace: dict[str, Any] = {}
    exec(compile(case.source, f"<difffuzz seed {case.seed}>", "exec"), namespace)
    fn: ScenarioFn = namespace["scenario"]
    return Scenario(f"dfz-{case.seed}", fn, ("difffuzz",), fn.__doc__ or "", {}, False, "difffuzz")


def run_case(case: DiffCase, *, sim_only: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S) -> ScenarioResult:
    """Run one case: on both sides and compared, or (``sim_only``) on the simulator alone."""
    from simuring.conform.sim_backend import run_sim

    sc = scenario_of(case)
    if sim_only:
        return check_sim_only(sc, *guarded(run_sim, sc, timeout_s))
    from simuring.conform.real.backend import run_real

    real, real_error = guarded(run_real, sc, timeout_s)
    sim, sim_error = guarded(run_sim, sc, timeout_s)
    return compare_one(sc, real, real_error, sim, sim_error, {})


def fields_at(observations: Sequence[Observation], index: int) -> tuple[str, ...]:
    """The perturbed fields of the SQE whose settling produced observation ``index`` (its last ``sqe`` record)."""
    names: tuple[str, ...] = SETUP
    for obs in observations[: index + 1]:
        if obs.kind == "record" and obs.label == "sqe":
            names = tuple(obs.value[1])
    return names


@attrs.define
class Group:
    """The differences of one (opcode, perturbed fields): their seeds, and the smallest seed's case."""

    opcode: str
    fields: tuple[str, ...]
    seeds: list[int]
    difference: str
    program: str

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def group_key(case: DiffCase, result: ScenarioResult) -> tuple[str, tuple[str, ...]]:
    """Where ``result`` (not ``same``) parted: the case's opcode and the fields of the SQE at the difference."""
    index = result.difference.index if result.difference is not None else 0
    real, sim = result.real or [], result.sim or []
    return case.opcode, fields_at(real if len(real) >= len(sim) else sim, index)


def fuzz(
    seeds: Sequence[int], opcodes: Sequence[str] = (), *, mode: str = "fields", sim_only: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S
) -> tuple[int, list[Group]]:
    """Run the cases of ``seeds``; how many agreed, and the groups of those that did not (by key)."""
    groups: dict[tuple[str, tuple[str, ...]], Group] = {}
    agreed = 0
    for seed in seeds:
        case = generate_case(seed, mode, opcodes)
        result = run_case(case, sim_only=sim_only, timeout_s=timeout_s)
        if result.status in (SAME, SIM_ONLY):
            agreed += 1
            continue
        key = group_key(case, result)
        text = f"{result.status}: {result.difference.describe() if result.difference else ''}"
        if key in groups:
            groups[key].seeds.append(seed)
        else:
            groups[key] = Group(key[0], key[1], [seed], text, case.source)
    return agreed, [groups[k] for k in sorted(groups)]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m simuring.conform.difffuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100, help="how many seeds (default 100)")
    ap.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    ap.add_argument("--mode", choices=MODES, default="fields", help="fields: one opcode's odd SQEs (default); batch: linked/drained batches; register: io_uring_register(2) calls; setup: io_uring_setup(2) and io_uring_enter(2); state: requests on pipes, sockets, eventfds, files in odd states; state2: on TCP and UDP loopback sockets, FIFOs, inotify descriptors; bundle: bundle SENDs and RECVs (IORING_RECVSEND_BUNDLE) over provided buffers of random sizes")
    ap.add_argument("--opcode", action="append", default=[], metavar="NAME", help=f"only this opcode (repeatable): {', '.join(OPS_BY_NAME)}")
    ap.add_argument("--sim-only", action="store_true", help="run the simulated side alone (no kernel needed)")
    ap.add_argument("--print", type=int, metavar="SEED", dest="print_seed", help="print SEED's program and exit")
    ap.add_argument("--json", metavar="FILE", help="write the groups of differences as JSON")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="wall-clock seconds a side of a case may take")
    return ap


#: Descriptors below this one, inherited, shift the real kernel's descriptor numbers.
LOW_FDS = 64


def stray_descriptors() -> list[int]:
    """The descriptors above stdio and below :data:`LOW_FDS` this process holds (inherited from the
    shell that started it).  The real kernel hands a case the lowest free numbers, so with one of
    them held, the descriptor an OPENAT, SOCKET or ACCEPT CQE carries is off by one from the
    simulator's (whose process starts with stdio alone)."""
    from simuring.conform.real.posix import _open_fds

    held = []
    for fd in sorted(_open_fds()):
        try:
            os.fstat(fd)  # the directory listing's own descriptor is closed again by now
        except OSError:
            continue
        if 2 < fd < LOW_FDS:
            held.append(fd)
    return held


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    unknown = [name for name in args.opcode if name not in OPS_BY_NAME]
    if unknown:
        print(f"unknown opcode {', '.join(unknown)}; choose from {', '.join(OPS_BY_NAME)}", file=sys.stderr)
        return 2
    if args.print_seed is not None:
        print(generate_case(args.print_seed, args.mode, args.opcode).source)
        return 0
    if not args.sim_only:
        from simuring.conform.real import availability

        ok, why = availability()
        if not ok:
            print(f"io_uring is not available here ({why}); use --sim-only", file=sys.stderr)
            return 0
        stray = stray_descriptors()
        if stray:
            fds = ", ".join(map(str, stray))
            print(f"warning: descriptors {fds} are open (inherited): the real kernel's descriptor numbers will differ from the simulator's; run with them closed (e.g. {' '.join(f'{fd}<&-' for fd in stray)})", file=sys.stderr)
    seeds = range(args.seed, args.seed + args.cases)
    agreed, groups = fuzz(seeds, args.opcode, mode=args.mode, sim_only=args.sim_only, timeout_s=args.timeout)
    print(f"{agreed}/{len(seeds)} cases agree; {len(groups)} group(s) of differences")
    for g in groups:
        print(f"\n== {g.opcode} [{', '.join(g.fields)}]: {len(g.seeds)} case(s), smallest seed {g.seeds[0]}")
        print(f"   {g.difference}")
        print("\n".join(f"   | {line}" for line in g.program.splitlines()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"cases": len(seeds), "agreed": agreed, "groups": [g.to_dict() for g in groups]}, fh, indent=2)
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
