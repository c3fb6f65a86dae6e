"""An optional event trace (off by default, so long runs keep flat memory).

With tracing on, the kernel records one tuple per event of interest
(ring setup, CQE posted, ...) with the simulated time; ``SimResult.trace``
exposes them and ``--json`` includes them.  When off, ``emit`` is a no-op.
"""

from __future__ import annotations

from typing import Any


class Tracer:
    def __init__(self, enabled: bool = False, limit: int = 1_000_000) -> None:
        self.enabled = enabled
        self.limit = limit
        self.events: list[dict[str, Any]] = []
        self.dropped = 0

    def emit(self, at: int, kind: str, **fields: Any) -> None:
        if not self.enabled:
            return
        if len(self.events) >= self.limit:
            self.dropped += 1
            return
        self.events.append({"t": at, "event": kind, **fields})
