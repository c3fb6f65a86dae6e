"""The terminal step-through of ``simuring step`` (textual, the ``ui`` extra).

Five rows of widgets, for a terminal of 80x24 or more: a header (script,
clock, events processed), the rings (scrollable), the tasks, the last kernel
events in words with what the last move did, and the keys.  Every move goes
through a :class:`~simuring.step.driver.Stepper` and every view is drawn from
a :class:`~simuring.step.state.Snapshot` by :mod:`simuring.step.render`, the
same lines ``--no-ui`` prints.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from simuring.step.driver import Stepper, parse_time
from simuring.step.render import TASK_HEADER, event_lines, header, rings_lines, tasks_lines
from simuring.step.state import Snapshot, snapshot


class StepApp(App[None]):
    """Step through a simulation one event, CQE, wake-up or instant at a time."""

    TITLE = "simuring step"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #header { height: 1; background: $boost; text-style: bold; }
    #rings-box { height: 1fr; min-height: 4; }
    #tasks-box { height: auto; max-height: 8; }
    #events { height: 3; background: $boost; }
    #when { display: none; height: 1; border: none; padding: 0 1; }
    #when.shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "step", "step"),
        Binding("space", "step", "step", show=False),
        Binding("c", "next_cqe", "next CQE"),
        Binding("w", "next_wakeup", "next wake-up"),
        Binding("t", "ask_time", "to time"),
        Binding("q", "quit", "quit"),
        Binding("escape", "cancel_time", "cancel", show=False),
    ]

    def __init__(self, stepper: Stepper, script: str) -> None:
        super().__init__()
        self.stepper = stepper
        self.script = script
        self.snap: Snapshot = self._snapshot()

    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        with VerticalScroll(id="rings-box"):
            yield Static(id="rings", markup=False)
        with VerticalScroll(id="tasks-box"):
            yield Static(id="tasks", markup=False)
        yield Static(id="events", markup=False)
        yield Input(placeholder="run to simulated time (250000, 10us, 2ms, +1ms), Enter; Esc cancels", id="when")
        yield Footer()

    def on_mount(self) -> None:
        self.show()
        self.query_one("#rings-box").focus()  # the arrow and page keys scroll the rings

    def on_resize(self) -> None:
        self.show()

    # -- the view ------------------------------------------------------------
    def _snapshot(self) -> Snapshot:
        st = self.stepper
        return snapshot(st.sim, since=st.since, steps=st.steps, note=st.note)

    def show(self) -> None:
        """Redraw every panel from a new snapshot."""
        self.snap = snap = self._snapshot()
        width = max(20, self.size.width - 2)  # a scroll bar may take the last columns
        self.query_one("#header", Static).update(header(snap, self.script, width))
        self.query_one("#rings", Static).update(Text("\n".join(rings_lines(snap, width))))
        tasks = Text("\n".join(tasks_lines(snap, width)))
        tasks.stylize("bold", 0, len(TASK_HEADER))
        self.query_one("#tasks", Static).update(tasks)
        lines = event_lines(snap, width)
        text = Text("\n".join(lines))
        if self.stepper.error is not None:
            text.stylize("bold red", len(text.plain) - len(lines[-1]))
        self.query_one("#events", Static).update(text)

    # -- the moves -----------------------------------------------------------
    def action_step(self) -> None:
        self.stepper.step()
        self.show()

    def action_next_cqe(self) -> None:
        self.stepper.next_cqe()
        self.show()

    def action_next_wakeup(self) -> None:
        self.stepper.next_wakeup()
        self.show()

    def action_ask_time(self) -> None:
        box = self.query_one("#when", Input)
        box.value = ""
        box.add_class("shown")
        box.focus()

    def action_cancel_time(self) -> None:
        box = self.query_one("#when", Input)
        box.remove_class("shown")
        self.set_focus(None)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.action_cancel_time()
        try:
            at = parse_time(message.value, self.stepper.sim.now)
        except ValueError as exc:
            self.stepper.note = str(exc)
            self.show()
            return
        self.stepper.until(at)
        self.show()
