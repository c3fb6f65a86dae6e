"""The kernel's extension table: what opcode plug-ins contribute.

A plug-in's ``register(registry)`` adds opcodes (records of the opcode table,
as ``io_uring/opdef.c`` has one per opcode), ``io_uring_register`` commands
(on a ring, or "blind": fd -1, no ring), cost-model sections (by class: each names its profile table), and hooks run
when a ring is torn down.  The kernel consults the registry; how plug-ins are
found (entry points) is the engine's business (:mod:`simuring.engine.plugins`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import attrs

from simuring.cost import CostSection, section_name
from simuring.kernel.opdef import OpDef, OpTable
from simuring.output.trace import CORE_EVENTS

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx

RegisterFn = Callable[["Task", "RingCtx", object, int], "int | Generator[simpy.Event, Any, int]"]
"""``(task, ctx, arg, nr_args)``: 0 or -errno; a generator function when it may block."""
BlindRegisterFn = Callable[["Task", object, int], int]
"""``(task, arg, nr_args)``: a command of ``io_uring_register_blind`` (fd -1), which names no ring."""
RingExitHook = Callable[["Task | None", "RingCtx"], None]


class PluginError(Exception):
    """A plug-in could not be loaded or registered something invalid."""


class PluginRegistry:
    """What the loaded plug-ins contributed."""

    def __init__(self) -> None:
        self.ops = OpTable()
        self.register_commands: dict[int, tuple[str, RegisterFn]] = {}
        self.blind_register_commands: dict[int, tuple[str, BlindRegisterFn]] = {}
        self.cost_sections: dict[str, type[CostSection]] = {}  # by profile table
        self.ring_exit_hooks: list[RingExitHook] = []
        self.trace_events: dict[str, str] = {}  # event kind -> one line on it (output/trace.py)
        self.loaded: list[str] = []
        self._current = ""

    # -- what a plug-in calls -------------------------------------------
    def add_opcode(self, opdef: OpDef) -> None:
        if not opdef.plugin:
            opdef = attrs.evolve(opdef, plugin=self._current)
        self.ops.add(opdef)

    def add_register_command(self, opcode: int, name: str, handler: RegisterFn) -> None:
        """Handle ``io_uring_register(fd, opcode, arg, nr_args)``; ``handler`` may be a generator."""
        if opcode in self.register_commands:
            raise PluginError(f"io_uring_register opcode {opcode} ({name}) is registered twice")
        self.register_commands[opcode] = (name, handler)

    def add_blind_register_command(self, opcode: int, name: str, handler: BlindRegisterFn) -> None:
        """Handle ``io_uring_register(-1, opcode, arg, nr_args)``, a command that names no ring
        (``io_uring_register_blind``)."""
        if opcode in self.blind_register_commands:
            raise PluginError(f"blind io_uring_register opcode {opcode} ({name}) is registered twice")
        self.blind_register_commands[opcode] = (name, handler)

    def add_cost_section(self, section_cls: type[CostSection]) -> None:
        """Declare the plug-in's cost section: every host profile must then give it.

        The plug-in reads it with ``kernel.costs.get(section_cls)``, once per
        ring or object.
        """
        name = section_name(section_cls)
        if name in self.cost_sections:
            raise PluginError(f"cost section [{name}] is declared by two plug-ins")
        self.cost_sections[name] = section_cls

    def on_ring_exit(self, hook: RingExitHook) -> None:
        """Run ``hook(task, ctx)`` when a ring is torn down (``io_ring_exit_work``)."""
        self.ring_exit_hooks.append(hook)

    def add_trace_event(self, kind: str, doc: str) -> None:
        """Declare an event kind the plug-in records (``kernel.tracer.emit(at, kind, ...)``),
        with one line on what it means: ``--trace-filter`` accepts it and
        docs/tracing.md lists it."""
        if kind in self.trace_events or kind in CORE_EVENTS:
            raise PluginError(f"trace event kind {kind!r} is declared twice")
        self.trace_events[kind] = doc
