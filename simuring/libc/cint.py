"""``CInt``: how the public API annotates the C integers it checks itself.

The optional compiled build (docs/speed.md) compiles the hot user-space
modules with mypyc, which checks every ``int``-annotated argument as the
function is entered, with a message of its own ("int object expected; got
str") that does not name the argument.  So a C integer argument of the
public API is annotated :data:`CInt`: ``int`` to a type checker (and to a
user's), ``Any`` to mypyc, and the function checks it with
:func:`simuring.libc.argcheck.need_int`, whose message names it, in both
builds.  This module itself is never compiled: to mypyc its first branch
is unreachable, which a compiled module would enforce at run time.
"""

from __future__ import annotations

from typing import Any, TypeAlias

MYPYC = False
"""True only while mypyc compiles the package: the build passes mypy's
``--always-true=MYPYC``.  To any other type checker both branches below are
reachable and the first definition holds: ``int``."""

if not MYPYC:
    CInt: TypeAlias = int
    """A C integer argument of the public API, checked by ``need_int`` (see above)."""
    CIntArray: TypeAlias = list[int]
    """An ``int fds[2]``-style out-array argument, checked by ``need_list``."""
else:
    CInt: TypeAlias = Any  # type: ignore[misc,no-redef]
    CIntArray: TypeAlias = Any  # type: ignore[misc,no-redef]
