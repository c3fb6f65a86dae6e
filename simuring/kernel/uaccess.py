"""User-memory access checks: what ``access_ok`` / ``import_ubuf`` decide.

Python has no addresses, so a user buffer is a ``bytearray``, ``memoryview``
(or read-only ``bytes``) and ``None`` stands for C's ``NULL``.  The kernel
rules modelled here (``include/linux/uaccess.h``, ``lib/iov_iter.c``):

* a zero-length access never faults, whatever the pointer: ``read(fd, NULL,
  0)`` returns 0 and ``copy_from_user(dst, NULL, 0)`` copies nothing;
* otherwise the buffer must hold ``n`` bytes, else -EFAULT;
* the kernel writing into read-only memory faults (-EFAULT);
* a buffer is one flat range of memory: a non-contiguous ``memoryview``
  (``view[::2]``, a column of a 2-D view) has no C equivalent (a C pointer
  cannot skip bytes), so it is -EFAULT like an unmapped range, on every path
  and in both directions, whatever its length (only a zero-length access
  passes, as for any pointer).

Lengths are in **bytes**: a ``memoryview`` with wider items (``array('I')``)
is seen as its flat bytes, as the kernel sees memory.
"""

from __future__ import annotations

from typing import Final

from simuring.abi.errno import EFAULT

_memoryview: Final = memoryview
"""The builtin, as a ``Final`` name: compiled, a builtin that is not one of mypyc's
primitives is read from the builtins module on every use, a ``Final`` from a C
static (docs/speed.md, rule 8)."""

_EMPTY_SOURCE = memoryview(b"")  # nothing to copy from
_EMPTY_DEST = memoryview(bytearray())  # nothing to copy into (writable, so a copy of b"" works)


def user_bytes(buf: object, n: object, kernel_writes: bool) -> memoryview | int:
    """The first ``n`` bytes of user buffer ``buf`` as a flat byte view, or -EFAULT.

    ``kernel_writes`` is True when the kernel copies *into* the buffer
    (``copy_to_user``: a read or a receive), which read-only memory refuses.
    """
    if not isinstance(n, int) or n < 0:
        return -EFAULT
    if n == 0:
        return _EMPTY_DEST if kernel_writes else _EMPTY_SOURCE
    if isinstance(buf, bytearray) or (isinstance(buf, bytes) and not kernel_writes):  # flat bytes, the usual
        return _memoryview(buf)[:n] if n <= len(buf) else -EFAULT
    if not isinstance(buf, (bytearray, memoryview, bytes)):
        return -EFAULT
    mv = _memoryview(buf)
    if not mv.c_contiguous:  # a strided view: no flat range of user memory
        return -EFAULT
    if mv.ndim != 1 or mv.itemsize != 1:
        try:
            mv = mv.cast("B")
        except (TypeError, ValueError):  # a format Python cannot flatten (non-native struct codes)
            return -EFAULT
    if n > len(mv) or (kernel_writes and mv.readonly):
        return -EFAULT
    return mv[:n]


def c_strlen(s: str) -> int:
    """The length in bytes of ``s`` read as a C string (``strncpy_from_user``): its UTF-8 bytes, a
    lone surrogate from ``surrogateescape`` as the byte it stands for, any other as its 3 bytes."""
    try:
        return len(s.encode(errors="surrogateescape"))
    except UnicodeEncodeError:
        return len(s.encode(errors="surrogatepass"))
