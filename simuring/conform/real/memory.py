"""Python objects standing where C passes a pointer, turned into real addresses.

simuring's API puts objects where C has pointers: a ``bytearray`` buffer in
``sqe.addr``, a :class:`~simuring.uapi.Timespec` in ``sqe.addr`` or
``sqe.off``, a list of buffers for READV, a list of fds for
IORING_REGISTER_FILES, a :class:`~simuring.uapi.GeteventsArg` for EXT_ARG.
:class:`Pins` converts each to an address and keeps the memory alive (the
kernel may use it until the request completes; the ring keeps its pins until
``io_uring_queue_exit``).

Conversions:

* ``None`` is NULL; an int is an address as it stands (C's cast);
* a ``bytearray`` or writable ``memoryview`` is used in place, so what the
  kernel writes is really there;
* ``bytes`` or a read-only ``memoryview`` is copied (the kernel only reads
  it);
* a ``Timespec`` or ``GeteventsArg`` is copied into its C struct when the
  SQE or the call is made (the kernel reads it at submission or entry);
* a list of buffers is a ``struct iovec`` array (None an entry ``{NULL, 0}``,
  a :class:`~simuring.uapi.Iovec` its two fields as given); a list of ints
  an ``int`` array; a list of :class:`~simuring.abi.posix.FutexWaitv` a
  ``struct futex_waitv`` array (each ``uaddr`` converted like any pointer);
* a :class:`~simuring.abi.posix.Sockaddr` (``SockaddrUn``, ``SockaddrIn``,
  ``SockaddrIn6``) is its struct's bytes, used in place;
* a :class:`~simuring.abi.posix.Msghdr` is a ``struct msghdr`` (its
  ``msg_iov`` list a ``struct iovec`` array), copied when the SQE is filled;
  the ``msg_flags`` and ``msg_namelen`` the kernel writes back (a RECVMSG's ``____sys_recvmsg``)
  is copied into the Python object after every entering call
  (:func:`msghdr_write_back`).
"""

from __future__ import annotations

import ctypes
from typing import Any

from simuring.abi.limits import U64
from simuring.abi.posix import FutexWaitv, Msghdr, Sockaddr
from simuring.conform.real.abi import CFutexWaitv, CMsghdr, GeteventsArg, Iovec, KernelTimespec
from simuring.uapi import GeteventsArg as PyGeteventsArg
from simuring.uapi import Iovec as PyIovec
from simuring.uapi import Timespec

_MSGHDRS: list[tuple[Msghdr, CMsghdr]] = []
"""The msghdrs handed to the kernel in this run, each with its C copy."""


def msghdr_write_back() -> None:
    """Copy each C msghdr's ``msg_flags`` and ``msg_namelen`` back into its :class:`Msghdr`
    (the name itself is written in place: a :class:`Sockaddr` or buffer is used as is)."""
    for m, c in _MSGHDRS:
        m.msg_flags = c.msg_flags
        m.msg_namelen = c.msg_namelen


def msghdr_forget() -> None:
    """Forget the msghdrs of a finished run."""
    _MSGHDRS.clear()


def buffer_len(buf: Any) -> int:
    """Length in bytes of a buffer object."""
    return memoryview(buf).nbytes


class Pins:
    """Keeps the C memory behind converted objects alive."""

    def __init__(self) -> None:
        self._kept: list[Any] = []

    def clear(self) -> None:
        self._kept.clear()

    def keep(self, obj: Any) -> int:
        """Keep ``obj`` (a ctypes object) alive; its address."""
        self._kept.append(obj)
        return ctypes.addressof(obj)

    def address(self, obj: Any) -> int:
        """The address standing for ``obj`` (see the module docstring)."""
        if obj is None:
            return 0
        if isinstance(obj, bool):
            raise TypeError("a bool is not an address")
        if isinstance(obj, int):
            return obj & U64
        if isinstance(obj, Timespec):
            return self.keep(KernelTimespec(obj.tv_sec, obj.tv_nsec))
        if isinstance(obj, PyGeteventsArg):
            ts = self.address(obj.ts)
            return self.keep(GeteventsArg(obj.sigmask, obj.sigmask_sz, obj.min_wait_usec, ts))
        if isinstance(obj, (list, tuple)):
            return self._array(obj)
        if isinstance(obj, Msghdr):
            return self._msghdr(obj)
        if isinstance(obj, Sockaddr):
            return self._buffer(obj.raw)  # in place: an accept writes the peer's address there
        return self._buffer(obj)

    def _msghdr(self, m: Msghdr) -> int:
        """A ``struct msghdr`` copied from ``m`` (its ``msg_flags`` copied back: :func:`msghdr_write_back`)."""
        iov = 0 if m.msg_iov is None else self._array(list(m.msg_iov))
        c = CMsghdr(
            self.address(m.msg_name),
            m.msg_namelen & 0xFFFF_FFFF,
            iov,
            m.msg_iovlen & U64,
            self.address(m.msg_control),
            m.msg_controllen & U64,
            m.msg_flags,
        )
        _MSGHDRS.append((m, c))
        return self.keep(c)

    def _buffer(self, buf: Any) -> int:
        if isinstance(buf, bytearray) or (isinstance(buf, memoryview) and not buf.readonly):
            view = memoryview(buf).cast("B")
            n = view.nbytes
            if n == 0:
                return self.keep(ctypes.create_string_buffer(1))
            return self.keep((ctypes.c_char * n).from_buffer(view))
        if isinstance(buf, (bytes, memoryview)):
            data = bytes(buf)
            return self.keep(ctypes.create_string_buffer(data, max(1, len(data))))
        raise TypeError(f"cannot pass a {type(buf).__name__} where C has a pointer")

    def _waitv(self, items: list[Any] | tuple[Any, ...]) -> int:
        """A ``struct futex_waitv`` array; each ``uaddr`` converted as any pointer."""
        arr = (CFutexWaitv * len(items))()
        for i, w in enumerate(items):
            arr[i].val = w.val & U64
            arr[i].uaddr = self.address(w.uaddr)
            arr[i].flags = w.flags & 0xFFFF_FFFF
            arr[i].reserved = w.reserved & 0xFFFF_FFFF
        return self.keep(arr)

    def _array(self, items: list[Any] | tuple[Any, ...]) -> int:
        if all(isinstance(x, int) and not isinstance(x, bool) for x in items):
            arr = (ctypes.c_int32 * max(1, len(items)))(*items)
            return self.keep(arr)
        if items and all(isinstance(x, FutexWaitv) for x in items):
            return self._waitv(items)
        vecs = (Iovec * max(1, len(items)))()
        for i, buf in enumerate(items):
            if isinstance(buf, PyIovec):  # the two fields given apart
                vecs[i].iov_base = self.address(buf.base) or None
                vecs[i].iov_len = buf.len & U64
                continue
            vecs[i].iov_base = self.address(buf) or None
            vecs[i].iov_len = 0 if buf is None else buffer_len(buf)
        return self.keep(vecs)
