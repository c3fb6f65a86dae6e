"""``simuring step``: a run stepped event by event, its rings and tasks shown between events.

:mod:`.state` (the snapshot model), :mod:`.phrases` (kernel events in words),
:mod:`.driver` (the moves), :mod:`.render` (a snapshot as text) and
:mod:`.app` (the textual view, the optional ``ui`` extra).  See docs/step.md.
"""
