"""The terminal view of ``simuring step``, driven headless with textual's Pilot at 80x24.

What the tests read is the screen as drawn: textual's SVG screenshot
(``App.export_screenshot``), turned back into rows of text."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable

import pytest

pytest.importorskip("textual")

from simuring import Simulation  # noqa: E402
from simuring.liburing import (  # noqa: E402
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.step.app import StepApp  # noqa: E402
from simuring.step.driver import Stepper  # noqa: E402
from simuring.syscalls import nanosleep, pipe, read  # noqa: E402

US = 1_000
SIZE = (80, 24)
_TEXT = re.compile(r'<text[^>]*\bx="([\d.]+)"[^>]*textLength="([\d.]+)"[^>]*clip-path="url\(#[^)]*-line-(\d+)\)"[^>]*>([^<]*)</text>')


def screen_rows(app: StepApp) -> list[str]:
    """The screen as rows of text, from the SVG screenshot (each run of text at its column)."""
    rows: dict[int, dict[int, str]] = {}
    for x, length, line, content in _TEXT.findall(app.export_screenshot()):
        text = html.unescape(content).replace("\xa0", " ")
        if not text:
            continue
        cell = float(length) / len(text)
        rows.setdefault(int(line), {})[round(float(x) / cell)] = text
    out = []
    for y in range(SIZE[1]):
        row = ""
        for col, text in sorted(rows.get(y, {}).items()):
            row = row.ljust(col) + text
        out.append(row.rstrip())
    return out


def nops():
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(4, ring, 0)
    for i in range(2):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 0x2A + i)
    yield from io_uring_submit(ring)
    yield from nanosleep(100 * US)
    for _ in range(2):
        yield from io_uring_wait_cqe(ring, cqe)
        io_uring_cqe_seen(ring, cqe[0])
    yield from nanosleep(100 * US)


def app_of(fn=nops, name="nop") -> StepApp:
    sim = Simulation(seed=1, trace=True)
    sim.spawn(fn, name=name, cpu=0)
    return StepApp(Stepper(sim), "nops.py")


def drive(app: StepApp, script: Callable[..., Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await script(pilot)

    asyncio.run(main())


async def press(pilot, *keys: str) -> list[str]:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()
    return screen_rows(pilot.app)


def test_the_view_fits_80x24_with_every_panel_and_the_keys():
    app = app_of()

    async def script(pilot):
        rows = await press(pilot)
        assert rows[0].startswith("simuring step nops.py  clock 0 ns  events 0")
        assert "no ring yet" in rows
        assert any(r.startswith("  tid name") for r in rows)
        assert any("1000 nop" in r and " new " in r for r in rows)
        assert "no kernel event yet" in rows
        footer = rows[-1]
        for key, what in (("s", "step"), ("c", "next CQE"), ("w", "next wake-up"), ("t", "to time"), ("q", "quit")):
            assert f"{key} {what}" in footer, footer
        for widget in pilot.app.query("#header, #rings-box, #tasks-box, #events, Footer"):
            region = widget.region
            assert region.height >= 1 and region.right <= SIZE[0] and region.bottom <= SIZE[1], widget
        assert pilot.app.query_one("#rings-box").region.height >= 4
        assert all(len(r) <= SIZE[0] for r in rows)

    drive(app, script)


def test_keys_step_to_the_next_cqe_and_show_head_tail_and_the_event_in_words():
    app = app_of()

    async def script(pilot):
        rows = await press(pilot, "s")
        assert "events 1" in rows[0]
        rows = await press(pilot, "c")
        screen = "\n".join(rows)
        assert "ring 1  no setup flags  owner 'nop'  in flight 0" in rows
        assert "  SQ head 2 tail 2 mask 3: empty" in rows
        assert "  CQ head 0 tail 2 mask 7: [0] 0x2a res=0  [1] 0x2b res=0" in rows
        assert "ring 1: CQE user_data=0x2b res=0 posted" in screen
        assert "» stopped at ring 1: 2 CQEs posted, CQ tail now 2" in screen
        rows = await press(pilot, "w")  # the nap ends
        screen = "\n".join(rows)
        assert "» stopped at a wake-up: task 'nop' (tid 1000) woke up, running on CPU 0" in screen
        rows = await press(pilot, "space")
        assert "events" in rows[0]

    drive(app, script)


def test_t_runs_to_a_simulated_time_typed_with_a_unit():
    app = app_of()

    async def script(pilot):
        await press(pilot, "t")
        assert pilot.app.query_one("#when").display
        rows = await press(pilot, *"50us", "enter")
        assert not pilot.app.query_one("#when").display
        assert pilot.app.stepper.sim.now <= 50 * US < pilot.app.stepper.sim.next_event_at()
        screen = "\n".join(rows)
        assert "» reached t=50000 ns" in screen
        assert "CQ head 0 tail 2 mask 7" in screen
        rows = await press(pilot, "t", *"+200us", "enter")
        screen = "\n".join(rows)
        assert "CQ head 2 tail 2 mask 7: empty" in screen or "[run over]" in rows[0]

    drive(app, script)


def test_a_bad_time_is_said_and_escape_cancels():
    app = app_of()

    async def script(pilot):
        rows = await press(pilot, "t", *"soon", "enter")
        assert "» not a time: 'soon'" in "\n".join(rows)
        assert pilot.app.stepper.steps == 0
        await press(pilot, "t", "escape")
        assert not pilot.app.query_one("#when").display
        rows = await press(pilot, "s")
        assert "events 1" in rows[0]

    drive(app, script)


def test_next_cqe_on_a_workload_that_never_posts_one_stops_with_a_message():
    def napper():
        for _ in range(5):
            yield from nanosleep(10 * US)

    app = app_of(napper, "napper")

    async def script(pilot):
        rows = await press(pilot, "c")
        screen = "\n".join(rows)
        assert "[run over]" in rows[0]
        assert "» the run is over: every user task has ended" in screen and "no CQE came" in screen
        assert "no ring yet" in rows

    drive(app, script)


def test_a_stall_is_shown_on_the_event_line():
    def stuck():
        fds = []
        yield from pipe(fds)
        yield from read(fds[0], bytearray(1), 1)

    app = app_of(stuck, "stuck")

    async def script(pilot):
        rows = await press(pilot, "w")
        assert "» simulation stalled at t=" in "\n".join(rows)
        assert pilot.app.stepper.error is not None

    drive(app, script)


def test_q_quits():
    app = app_of()

    async def script(pilot):
        await press(pilot, "q")
        assert not pilot.app.is_running

    drive(app, script)
