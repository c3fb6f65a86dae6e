"""Checks of a workload's parameters, and the rule for their errors.

The rule, for every bundled workload:

1. A value no run could use (a count below 1, a negative time, an unknown
   placement or setup-flag name, more receivers than the placement has
   CPUs for) is a ``ValueError`` naming the parameter, raised by
   ``workload(sim, ...)`` itself, before it spawns any task:
   ``receivers must be a positive integer, got 0``.
2. A well-formed value that the simulated kernel refuses (a channel of 100
   slots, not a power of two; a 100 MB message; DEFER_TASKRUN without
   SINGLE_ISSUER) is found only when the task makes the call: the task
   raises :class:`~simuring.engine.errors.ParamError` naming exactly the
   parameters that went into that call, with the kernel's errno
   (:func:`check_call`).  It ends the run: ``sim.run()`` raises a
   ``ParamError`` (SimPy's copy of the task's, whose ``__cause__`` is the
   original, with a note naming the task).

Other failed calls (an attach, a send) are the workload's or the model's
bugs, not the user's parameters: a ``RuntimeError``.
"""

from __future__ import annotations

from typing import Any

from simuring.engine.errors import ParamError


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_positive(**values: Any) -> None:
    """Each value an int >= 1; else ValueError naming the first that is not."""
    for name, value in values.items():
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_non_negative(unit: str, **values: Any) -> None:
    """Each value an int >= 0 (a whole number of ``unit``); else ValueError."""
    for name, value in values.items():
        if not _is_int(value) or value < 0:
            raise ValueError(f"{name} must be a whole number of {unit} >= 0, got {value!r}")


def check_call(result: int, what: str, **params: Any) -> int:
    """``result`` of the kernel call ``what``, which ``params`` fed; a negative
    result is a :class:`ParamError` naming them (rule 2 above)."""
    if result < 0:
        raise ParamError(params, what, result)
    return result
