"""The sender's clock of a streaming benchmark: the simulated time of each window of messages.

A harness (``simuring reproduce rfc``, ``simuring validate``) applies
batch-means statistics to ``window_ns`` or stops the run once its estimate
is precise enough; the reported list is live, so it can read it while the
simulation runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Windows:
    """The sender's clock: one entry of ``window_ns`` per ``window`` messages.

    With ``backlog`` (a function: messages sent and not yet taken by the
    slowest receiver) and ``capacity`` (the buffer's messages), each window
    also records the backlog at its end (``backlog``, ``backlog_capacity``):
    a stream into a bounded buffer is in its steady state only once that
    level has stopped growing (the harness checks it).

    Reported at once: ``window_messages``, ``window_ns`` (the live list, it
    grows as windows end), and with ``backlog`` also ``backlog`` and
    ``backlog_capacity``; by :meth:`finish`: ``messages_sent`` and
    ``sender_ns_per_msg`` (over the whole stream, start-up included).
    """

    def __init__(self, sim: Any, window: int, backlog: Callable[[int], int] | None = None, capacity: int = 0) -> None:
        self.sim = sim
        self.window = window
        self.times: list[int] = []
        self.levels: list[int] = []
        self.backlog = backlog
        self.start = self.last = sim.now
        self.sent = 0
        sim.report("window_messages", window)
        sim.report("window_ns", self.times)  # the live list: it grows as windows end
        if backlog is not None:
            sim.report("backlog", self.levels)
            sim.report("backlog_capacity", capacity)

    def tick(self) -> None:
        """One more message sent (to every receiver)."""
        self.sent += 1
        if self.sent % self.window == 0:
            now = self.sim.now
            self.times.append(now - self.last)
            self.last = now
            if self.backlog is not None:
                self.levels.append(self.backlog(self.sent))

    def finish(self) -> None:
        """The stream is over: report ``messages_sent`` and ``sender_ns_per_msg``."""
        sim = self.sim
        sim.report("messages_sent", self.sent)
        sim.report("sender_ns_per_msg", (sim.now - self.start) / max(1, self.sent))
