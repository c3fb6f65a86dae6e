"""Errors a workload raises about its own inputs.

A workload script turns a simulated kernel's ``-errno`` into a Python error
only where that result means its *parameters* were wrong (a channel that
cannot be created with the given ring size, say): :class:`ParamError` names
those parameters and the errno, so ``simuring run`` and ``simuring sweep``
can tell the user which ``-p`` to change (exit 2, no traceback).  The kernel
itself never raises: an invalid SQE is a ``-errno`` CQE.

A ``ParamError`` raised in a simulated task reaches the caller of
``Simulation.run`` as SimPy re-raises task failures: a copy built from the
exception's ``args``, with the original as ``__cause__``.  ``args`` are
therefore the constructor's arguments, and :func:`param_error_in` finds the
error in such a chain.
"""

from __future__ import annotations

from collections.abc import Mapping

from simuring.abi.errno import errname
from simuring.abi.errno import errorcode as _errorcode

_STRERROR = {
    "EINVAL": "Invalid argument",
    "ENOMEM": "Cannot allocate memory",
    "ENOBUFS": "No buffer space available",
    "E2BIG": "Argument list too long",
    "EMSGSIZE": "Message too long",
    "EOVERFLOW": "Value too large for defined data type",
    "ERANGE": "Numerical result out of range",
    "EEXIST": "File exists",
    "ENOENT": "No such file or directory",
    "EPERM": "Operation not permitted",
    "EACCES": "Permission denied",
    "EBUSY": "Device or resource busy",
    "EMFILE": "Too many open files",
    "ENOSPC": "No space left on device",
    "EOPNOTSUPP": "Operation not supported",
}


class ParamError(Exception):
    """A workload parameter (or several) that the simulated kernel refused.

    ``params`` maps each parameter that went into the failing call to its
    value; ``what`` says which call failed ("IPC channel create");
    ``result`` is the kernel's negative errno (``-22``).

    ``args`` are the three constructor arguments, so that a copy made with
    ``type(exc)(*exc.args)`` is the same error: SimPy re-raises an exception
    that ends a task as such a copy (the original, with the note naming the
    task, is its ``__cause__``), and pickling (the parallel runs of
    ``simuring reproduce``) rebuilds it the same way."""

    def __init__(self, params: Mapping[str, object], what: str, result: int) -> None:
        self.params = dict(params)
        self.what = what
        self.result = result
        # the constructor's arguments, so that ParamError(*exc.args) rebuilds it
        # (SimPy's re-raise, pickling to a worker process and back)
        super().__init__(self.params, what, result)

    def __str__(self) -> str:
        return self.message

    @property
    def errno_name(self) -> str:
        """``"-EINVAL"`` for -22."""
        return errname(self.result)

    @property
    def message(self) -> str:
        given = " ".join(f"-p {name}={value}" for name, value in self.params.items())
        reason = _STRERROR.get(_errorcode.get(-self.result, ""), "")
        detail = f" ({reason})" if reason else ""
        return f"{given}: {self.what} failed: {self.errno_name}{detail}"


def param_error_in(exc: BaseException) -> ParamError | None:
    """The :class:`ParamError` ``exc`` is, or was caused by (``__cause__``, or
    ``__context__`` when not suppressed, as a traceback would show); None if none."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ParamError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ if cur.__cause__ is not None or cur.__suppress_context__ else cur.__context__
    return None
