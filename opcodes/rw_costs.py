"""The READ/WRITE plug-in's cost section (``[rw]``), in a module of its own.

The plug-in's data path (``opcodes/rw.py``) is compiled in the optional
compiled build (docs/speed.md), and a compiled module holds no attrs class:
mypyc mishandles the fields that :func:`simuring.cost.param` declares.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from simuring.cost import param


@attrs.frozen
class RwCosts:
    """io_uring read/write issue costs (the file's own costs are in its section)."""

    SECTION: ClassVar[str] = "rw"

    prep_ns: int = param(20, "ns", "io_prep_rw: read the SQE's buffer, length, offset and flags")
    issue_ns: int = param(60, "ns", "io_read/io_write: import the buffer, set up the kiocb, call read_iter/write_iter")
    iovec_ns: int = param(10, "ns", "importing one iovec of READV/WRITEV")
