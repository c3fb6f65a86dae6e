"""Small helpers on top of SimPy events.

SimPy's ``Event.succeed`` always fires "now". A wake-up in simuring must
reach the wakee *after* the waker's in-flight CPU burst position plus the
wake-up latency, so these helpers schedule an event with a delay. They use
``Environment.schedule`` (public) and set the event's outcome the same way
``Event.succeed`` does.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL


def trigger_after(env: simpy.Environment, event: simpy.Event, delay: int, value: object = None) -> bool:
    """Fire ``event`` with ``value`` ``delay`` ns from now; False if it already fired."""
    if event.triggered:
        return False
    event._ok = True
    event._value = value
    env.schedule(event, NORMAL, delay)
    return True


def call_after(env: simpy.Environment, delay: int, callback: Callable[[], object]) -> simpy.Event:
    """Run ``callback()`` at ``now + delay`` (a timer, as ``hrtimer_start`` + handler)."""
    ev = env.timeout(delay)

    def fire(_ev: simpy.Event) -> None:
        callback()

    ev.callbacks.append(fire)
    return ev
