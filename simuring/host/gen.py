"""Is this a generator?  One answer for interpreted and compiled code.

The kernel runs code that may let simulated time pass as generators: a
syscall handler that may sleep, an opcode's ``issue`` in an io-wq worker.
It tells such a call from a plain one by its result, with
:func:`is_generator`, never by inspecting the function: a function compiled
by mypyc (the optional compiled build, docs/architecture.md) is neither a
``types.FunctionType`` nor has a ``__code__``, so ``inspect`` cannot tell
whether it is a generator function, and the generator it returns is not a
``types.GeneratorType`` either.  It is a ``collections.abc.Generator``
(``send``, ``throw``, ``close``, ``__next__``), as CPython's own generators are.
"""

from __future__ import annotations

from collections.abc import Generator
from types import GeneratorType
from typing import Any, Final, TypeGuard


def is_generator(obj: object) -> TypeGuard[Generator[Any, Any, Any]]:
    """True for a generator object, CPython's or one of a mypyc-compiled function.

    Hot (every syscall, every request's issue): the answer is kept per type,
    so a call is a dict lookup; a type seen for the first time asks
    :class:`collections.abc.Generator` once.
    """
    kind = type(obj)
    known = _answers.get(kind)
    if known is None:
        known = _answers[kind] = isinstance(obj, Generator)
    return known


_answers: Final[dict[type, bool]] = {GeneratorType: True, int: False}
"""Per type: is it a generator type (a few entries; CPython's generators and
ints, the usual plain result, from the start)."""
