"""Extended attributes (fs/xattr.c, xattr(7)) on the simulated objects.

A regular file's inode (:class:`~simuring.kernel.objects.regfile.Inode`) and a
shared memory object (tmpfs) hold a table ``xattrs``: full name (``str``) ->
value (``bytes``), as tmpfs's ``simple_xattrs``.  The checks, in the kernel's
order:

* ``import_xattr_name``: the name is read as a C string of at most
  ``XATTR_NAME_MAX`` (255) bytes: anything but a ``str`` is -EFAULT (an
  unreadable pointer), an empty one or one of 256 bytes or more -ERANGE; a NUL
  ends it;
* ``setxattr_copy``: flags other than XATTR_CREATE | XATTR_REPLACE are
  -EINVAL (before the name), a size above ``XATTR_SIZE_MAX`` (65536) -E2BIG,
  a value that cannot be read for ``size`` bytes -EFAULT;
* ``xattr_permission``: a ``user.*`` name on anything but a regular file or a
  directory is -EPERM to set and -ENODATA to get (pipes, sockets, eventfds
  and the other anonymous inodes); ``trusted.*`` is allowed (the model's
  processes are privileged, as the conformance runs are: root);
* ``xattr_resolve_name``: an object without xattr support (pipefs, sockfs,
  anonymous inodes: no IOP_XATTR) is -EOPNOTSUPP; on a file, the handlers are
  tmpfs's ``user.``, ``trusted.`` and ``security.``: a name that is only one
  of these prefixes is -EINVAL, a name under none of them (``system.*``,
  ``foo.*``, no dot) -EOPNOTSUPP;
* ``simple_xattr_set``: XATTR_CREATE on an existing name is -EEXIST,
  XATTR_REPLACE on a missing one -ENODATA; a size of 0 stores an empty value
  (``__vfs_setxattr``: nothing is removed);
* ``simple_xattr_get`` / ``do_getxattr``: a missing name is -ENODATA; a size
  of 0 asks for the length; a size under the length is -ERANGE; sizes above
  65536 are clamped to it; the value is copied out (-EFAULT if the buffer
  cannot take it) and the result is its length.

Not modelled: POSIX ACLs (``system.posix_acl_*``: -EOPNOTSUPP, as on a file
system without ACL support), security modules (``security.*`` is stored like
any other name), capabilities (``trusted.*`` always allowed), removal
(removexattr(2)), listxattr(2), directories, the per-file-system space
limits (tmpfs charges its inode space; ext4 keeps a file's attributes in one
block and answers -ENOSPC past it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import (
    E2BIG,
    EEXIST,
    EFAULT,
    EINVAL,
    ENODATA,
    ENOENT,
    EOPNOTSUPP,
    EPERM,
    ERANGE,
)
from simuring.kernel.objects.pathfile import PathFile
from simuring.kernel.objects.regfile import Inode, RegFile
from simuring.kernel.objects.shm import ShmFile
from simuring.kernel.uaccess import c_strlen, user_bytes

if TYPE_CHECKING:
    from simuring.kernel import Kernel
    from simuring.kernel.files import File

XATTR_CREATE: Final = 0x1
XATTR_REPLACE: Final = 0x2
XATTR_NAME_MAX: Final = 255
XATTR_SIZE_MAX: Final = 65536
USER_PREFIX: Final = "user."
HANDLER_PREFIXES: Final = (USER_PREFIX, "trusted.", "security.")
"""tmpfs's handlers (``shmem_xattr_handlers``), in the order they are tried."""
ACL_NAMES: Final = ("system.posix_acl_access", "system.posix_acl_default")

Xattrs = dict[str, bytes]
"""A table of extended attributes: full name -> value."""


def import_name(addr: object) -> str | int:
    """``import_xattr_name``: the name, -EFAULT (not a string) or -ERANGE (empty, or 256 bytes or more)."""
    if not isinstance(addr, str):
        return -EFAULT
    name = addr.split("\0", 1)[0]
    if not name or c_strlen(name) > XATTR_NAME_MAX:
        return -ERANGE
    return name


def setxattr_copy(
    name_addr: object, value_addr: object, size: int, flags: int
) -> tuple[str, bytes] | int:
    """``setxattr_copy``: the name and a copy of the value, or -EINVAL / -EFAULT / -ERANGE / -E2BIG."""
    if flags & ~(XATTR_CREATE | XATTR_REPLACE):
        return -EINVAL
    name = import_name(name_addr)
    if isinstance(name, int):
        return name
    if not size:
        return name, b""
    if size > XATTR_SIZE_MAX:
        return -E2BIG
    view = user_bytes(value_addr, size, kernel_writes=False)
    if isinstance(view, int):
        return -EFAULT
    return name, bytes(view)


def file_xattrs(file: File | None) -> Xattrs | None:
    """The table behind an open file: a regular file's (opened, or named by an O_PATH
    file in a registered slot) or a shared memory object's; None for an object whose
    file system keeps none (pipes, sockets, anonymous inodes)."""
    if isinstance(file, (RegFile, PathFile)):
        return None if file.inode is None else file.inode.xattrs
    if isinstance(file, ShmFile):
        return file.obj.xattrs
    return None


def lookup_xattrs(kernel: Kernel, path: str) -> Xattrs | int:
    """``filename_lookup(AT_FDCWD, path, LOOKUP_FOLLOW)`` on the in-memory file system
    (a relative name is under ``/``, the working directory): the inode's table or -ENOENT."""
    name = path if path.startswith("/") else "/" + path
    fs = kernel.fs
    inode: Inode | None = fs.inodes.get(name)
    if inode is None:
        fs.negative.add(name)
        return -ENOENT
    return inode.xattrs


def _resolve(table: Xattrs | None, name: str, write: bool) -> int:
    """``xattr_permission`` then ``xattr_resolve_name``: 0 when the table handles ``name``."""
    if table is None:
        if name.startswith(USER_PREFIX):
            return -EPERM if write else -ENODATA
        return -EOPNOTSUPP
    if name in ACL_NAMES:
        return -EOPNOTSUPP
    for prefix in HANDLER_PREFIXES:
        if name.startswith(prefix):
            return -EINVAL if name == prefix else 0
    return -EOPNOTSUPP


def vfs_setxattr(table: Xattrs | None, name: str, value: bytes, flags: int) -> int:
    """``vfs_setxattr`` -> ``simple_xattr_set``: 0 or -errno."""
    ret = _resolve(table, name, True)
    if ret or table is None:
        return ret
    if name in table:
        if flags & XATTR_CREATE:
            return -EEXIST
    elif flags & XATTR_REPLACE:
        return -ENODATA
    table[name] = value
    return 0


def do_getxattr(table: Xattrs | None, name: str, buf: object, size: int) -> int:
    """``do_getxattr`` -> ``vfs_getxattr`` -> ``simple_xattr_get``: the value's length or -errno."""
    ret = _resolve(table, name, False)
    if ret or table is None:
        return ret
    value = table.get(name)
    if value is None:
        return -ENODATA
    n = len(value)
    if not size:
        return n
    if min(size, XATTR_SIZE_MAX) < n:
        return -ERANGE
    if n:
        view = user_bytes(buf, n, kernel_writes=True)
        if isinstance(view, int):
            return -EFAULT
        view[:] = value
    return n
