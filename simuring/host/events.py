"""Small helpers on top of SimPy events, at absolute simulated instants.

SimPy's ``Event.succeed`` always fires "now" and its timeouts count from
``now``.  A wake-up in simuring must reach the wakee *after* the waker's
position inside its CPU burst (:meth:`simuring.host.task.Task.now`) plus the
wake-up latency, so the helpers here take the absolute instant at which the
event fires (``hrtimer_start`` in ``HRTIMER_MODE_ABS``) and schedule it that
far from the clock.  They use ``Environment.schedule`` (public) and set the
event's outcome the same way ``Event.succeed`` does.  An instant in the past
is a bug in the caller: SimPy rejects the negative delay.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL


def timeout_at(env: simpy.Environment, at: int) -> simpy.Timeout:
    """A timeout that fires at instant ``at``."""
    return env.timeout(at - env.now)


def trigger_at(env: simpy.Environment, event: simpy.Event, at: int, value: object = None) -> bool:
    """Fire ``event`` with ``value`` at instant ``at``; False if it already fired."""
    if event.triggered:
        return False
    event._ok = True
    event._value = value
    env.schedule(event, NORMAL, at - env.now)
    return True


def call_at(env: simpy.Environment, at: int, callback: Callable[[], object]) -> simpy.Event:
    """Run ``callback()`` at instant ``at`` (a timer: ``hrtimer_start`` + its handler)."""
    ev = env.timeout(at - env.now)

    def fire(_ev: simpy.Event) -> None:
        callback()

    ev.callbacks.append(fire)
    return ev

