"""Small helpers on top of SimPy events, at absolute simulated instants.

SimPy's ``Event.succeed`` always fires "now" and its timeouts count from
``now``.  A wake-up in simuring must reach the wakee *after* the waker's
position inside its CPU burst (:meth:`simuring.host.task.Task.now`) plus the
wake-up latency, so the helpers here take the absolute instant at which the
event fires (``hrtimer_start`` in ``HRTIMER_MODE_ABS``) and schedule it that
far from the clock.  They use ``Environment.schedule`` (public) and set the
event's outcome the same way ``Event.succeed`` does.  An instant in the past
is a bug in the caller: SimPy rejects the negative delay.

An event fired this way also carries the instant of its *cause*
(:func:`caused_at`): for a wake-up, the instant the waker ran
``try_to_wake_up``, which comes before the instant the wakee runs by the
wake-up latency.  :meth:`simuring.host.task.Task.sleep` compares it with the
instant the sleeper reaches ``schedule()``: SimPy marks an event triggered as
soon as it is scheduled, which says nothing about *when* in simulated time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, cast

import simpy
from simpy.events import NORMAL, PENDING

_NORMAL: Final = NORMAL
"""SimPy's priority of an ordinary event (``Final``: a compiled module reads it
from a C static, not from its globals dict; docs/speed.md, rule 8)."""
_PENDING: Final = PENDING
"""SimPy's value of an event that has not been triggered."""
_TIMEOUT: Final = simpy.Timeout
"""SimPy's timeout class (:func:`caused_at` tells timeouts apart)."""


def clock(env: simpy.Environment) -> int:
    """The simulated instant, ``env.now``, as the int it always is here.

    The clock starts at 0 and every delay simuring schedules is a whole number
    of ns (``Simulation.run(until=...)`` takes an int too), so SimPy's clock
    stays an int: it is read as one, not converted.

    It is read from SimPy's ``Environment._now``, the attribute the public
    ``now`` property returns (SimPy's own ``step()`` sets it).  This is the
    simulator's most frequent read (every ``Task.now()``, every placement and
    timer): through the property it costs a call of interpreted code, about
    7% of a compiled run's instructions.  This is the one place that reads
    it; ``tests/host/test_time_api.py`` checks that it agrees with ``now``.
    """
    return cast(int, env._now)


def timeout_in(env: simpy.Environment, delay: int) -> simpy.Timeout:
    """A timeout that fires ``delay`` from now: ``env.timeout(delay)``.

    Built as the ``Timeout`` SimPy's ``env.timeout`` builds, from the class held
    in a ``Final`` name: compiled, ``env.timeout`` is a look-up of the bound
    class on the environment and a call through it, on every burst
    (:meth:`simuring.host.task.Task.flush`).
    """
    return _TIMEOUT(env, delay)


def timeout_at(env: simpy.Environment, at: int) -> simpy.Timeout:
    """A timeout that fires at instant ``at``."""
    return timeout_in(env, at - clock(env))


def triggered(event: simpy.Event) -> bool:
    """``event.triggered``: whether ``event`` has been triggered (it is scheduled,
    or was processed).

    Read from the event's ``_value`` as SimPy's ``triggered`` property reads it
    (``_value is not PENDING``): the property is a call of interpreted code,
    which a compiled caller pays on every wake-up (docs/architecture.md, "Three
    reads of SimPy's own attributes").  This is the one place that reads it;
    ``tests/host/test_time_api.py`` checks that it agrees with the property.
    """
    return event._value is not _PENDING


_CAUSE: Final = "_simuring_caused_at"


def trigger_at(
    env: simpy.Environment, event: simpy.Event, at: int, value: object = None, cause: int | None = None
) -> bool:
    """Fire ``event`` with ``value`` at instant ``at``; False if it already fired.

    ``cause`` is the instant of what fired it (the waker's ``try_to_wake_up``),
    ``at`` when not given (a timer whose expiry is its own cause).
    """
    if triggered(event):
        return False
    event._ok = True
    event._value = value
    setattr(event, _CAUSE, at if cause is None else cause)
    env.schedule(event, _NORMAL, at - clock(env))
    return True


def caused_at(event: simpy.Event) -> int | None:
    """The instant of the cause of a triggered ``event``: what :func:`trigger_at`
    recorded, else the clock (``Event.succeed`` fires at the current instant).
    None while the event is pending, and for a ``Timeout`` (triggered when it
    is created, its cause is its expiry, not known here)."""
    if not triggered(event) or isinstance(event, _TIMEOUT):
        return None
    cause: int | None = getattr(event, _CAUSE, None)
    return clock(event.env) if cause is None else cause


def call_at(env: simpy.Environment, at: int, callback: Callable[[], object]) -> simpy.Event:
    """Run ``callback()`` at instant ``at`` (a timer: ``hrtimer_start`` + its handler)."""
    ev = timeout_at(env, at)

    def fire(_ev: simpy.Event) -> None:
        callback()

    ev.callbacks.append(fire)
    return ev

