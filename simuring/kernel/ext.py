"""Typed extension state: what a plug-in keeps per kernel and per ring.

A plug-in's state is looked up by its class, never by a string key.  In the
kernel a subsystem adds fields to ``struct io_ring_ctx`` (a ring's timeout
lists) or keeps kernel-wide tables of its own (the IPC channel xarray);
here a plug-in declares a class and asks for the one instance of it:

* ``kernel.ext(IpcState)``: the kernel-wide instance, created on first use
  as ``IpcState(kernel)`` (:class:`KernelExt`);
* ``ctx.ext(RingTimeouts)``: the ring's instance, created on first use as
  ``RingTimeouts(ctx)`` (:class:`RingExt`);
* ``peek_ext(cls)`` on either: the instance if it exists, else None (ring
  teardown and reports must not create state).

The state lives on the :class:`~simuring.kernel.Kernel` (one per
simulation), never in module globals, so two simulations are independent.
State that belongs to the kernel itself (the file system of regular files)
is a typed attribute of the kernel instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from mypy_extensions import mypyc_attr

if TYPE_CHECKING:
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled, plug-ins still subclass it
class KernelExt:
    """Base of a plug-in's kernel-wide state: ``kernel.ext(cls)`` creates it as ``cls(kernel)``."""

    def __init__(self, kernel: Kernel) -> None:
        pass


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled, plug-ins still subclass it
class RingExt:
    """Base of a plug-in's per-ring state: ``ctx.ext(cls)`` creates it as ``cls(ctx)``."""

    def __init__(self, ctx: RingCtx) -> None:
        pass


K = TypeVar("K", bound=KernelExt)
R = TypeVar("R", bound=RingExt)
