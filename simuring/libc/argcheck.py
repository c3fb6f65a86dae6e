"""Type checks of the Python API's arguments (misuse raises, as the workload API says).

C would not compile ``read("3", buf, 8)``; in Python the call runs, so the
user-space calls (libc and liburing) check the arguments that C types as
integers, buffers, arrays or strings and raise a ``TypeError`` naming the
function and the argument.  Values of the right
type that the kernel would refuse are *not* checked here: they go to the
simulated kernel and come back as ``-errno``.

The public functions annotate the C integer arguments they check with
:data:`simuring.libc.cint.CInt`, so that the compiled build's own entry
checks never replace these messages (docs/speed.md).
"""

from __future__ import annotations

from typing import Any, Final

BUFFER_TYPES: Final = (bytearray, memoryview, bytes)
"""What a user buffer may be (``None`` aside, C's NULL).  A ``Final`` tuple: a
compiled check reads it from a C static, where a tuple written in the call is
built, and ``memoryview`` read from the builtins module, on every call."""


def need_int(where: str, **args: Any) -> None:
    """Raise TypeError for the first of ``args`` that is not an int."""
    for name, value in args.items():
        if not isinstance(value, int):
            raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")


def need_buffer(buf: Any, what: str) -> None:
    """Reject what cannot be a user buffer; ``None`` is C's NULL (the kernel decides,
    at the syscall or at an SQE's issue)."""
    if buf is not None and not isinstance(buf, BUFFER_TYPES):
        raise TypeError(f"{what}: the buffer must be a bytearray, memoryview or None (got {type(buf).__name__})")


def need_list(out: Any, what: str) -> None:
    """An out-array argument (C's ``int fds[2]``): the call fills the list it is given."""
    if not isinstance(out, list):
        raise TypeError(f"{what}: pass a list to fill (like the C array)")


def need_str(value: Any, what: str, name: str) -> None:
    """A path or name argument (C's ``const char *``)."""
    if not isinstance(value, str):
        raise TypeError(f"{what}: {name} must be a str")
