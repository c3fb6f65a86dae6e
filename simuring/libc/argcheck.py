"""Type checks of the Python API's arguments (misuse raises, as the workload API says).

C would not compile ``read("3", buf, 8)``; in Python the call runs, so the
facade checks the arguments that C types as integers and raises a
``TypeError`` naming the function and the argument.  Values of the right
type that the kernel would refuse are *not* checked here: they go to the
simulated kernel and come back as ``-errno``.
"""

from __future__ import annotations

from typing import Any


def need_int(where: str, **args: Any) -> None:
    """Raise TypeError for the first of ``args`` that is not an int."""
    for name, value in args.items():
        if not isinstance(value, int):
            raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")
