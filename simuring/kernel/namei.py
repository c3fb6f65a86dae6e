"""The name space of the in-memory file system: path walks, directories, symbolic and hard links.

As fs/namei.c does it, on :class:`~simuring.kernel.objects.regfile.SimFs`,
whose tables are keyed by canonical absolute paths (``/a/b``; the root is
``/``):

* ``fs.dirs``: directory -> inode number (the root is always there);
* ``fs.inodes``: regular file -> :class:`Inode` (a hard link is a second key
  for the same inode, so ``i_nlink`` is the number of keys holding it); the
  nodes mknod(2) makes (FIFOs, device and socket nodes) are
  :class:`~simuring.kernel.objects.fifo.NodeInode` s there too;
* ``fs.symlinks``: symbolic link -> :class:`Symlink` (its target, kept as
  given; a hard link to a symlink shares the object);
* ``fs.devices``: character device -> ``rdev`` (only the whiteouts that
  RENAME_WHITEOUT leaves, 0:0).

A walk (``link_path_walk``) starts at the root for an absolute path, else at
the directory the caller gives (the working directory is the root, or a
directory descriptor's); it goes through every component but the last:
``.`` stays, ``..`` goes up (the root's parent is the root), a symbolic link
is followed (its target read from the link's directory; more than
``MAXSYMLINKS`` links in one resolution is -ELOOP), a missing component is
-ENOENT, one that is not a directory -ENOTDIR, and a name of more than
``NAME_MAX`` (255) bytes that has to be looked up -ENAMETOOLONG (the file
system's ``->lookup``; the last name too, where the operation looks it up).  The last component is
left to the caller with its type (``LAST_NORM``, ``LAST_DOT``,
``LAST_DOTDOT``, ``LAST_ROOT``) and whether slashes followed it, as
``filename_parentat`` does; :func:`lookup` resolves it too
(``filename_lookup``: a trailing slash means "a directory", and follows a
symlink).

The operations (``do_mkdirat``, ``do_mknodat``, ``do_unlinkat``, ``do_rmdir``,
``do_renameat2``, ``do_symlinkat``, ``do_linkat``, ``do_readlinkat``) return
0 (a count for readlink) or -errno with the kernel's checks in its order.
There are no permissions (the caller is root), no mount points and one file
system (no -EXDEV).  The tables are dicts (insertion order), so every
iteration is deterministic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

from simuring.abi.errno import (
    EBADF,
    EBUSY,
    EEXIST,
    EINVAL,
    EISDIR,
    ELOOP,
    ENAMETOOLONG,
    ENOENT,
    ENOTDIR,
    ENOTEMPTY,
    EPERM,
)
from simuring.abi.inotify import (
    IN_CREATE,
    IN_DELETE,
    IN_MOVE_SELF,
    IN_MOVED_FROM,
    IN_MOVED_TO,
)
from simuring.abi.posix import S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK
from simuring.kernel.fsnotify import (
    d_delete,
    fsnotify_dirent,
    fsnotify_inode,
    fsnotify_link_count,
    key_of,
    next_cookie,
)

if TYPE_CHECKING:
    from simuring.host.task import Process
    from simuring.kernel.objects.regfile import Inode, SimFs

MAXSYMLINKS: Final = 40
NAME_MAX: Final = 255
LAST_NORM: Final = 0
LAST_ROOT: Final = 1
LAST_DOT: Final = 2
LAST_DOTDOT: Final = 3

RENAME_NOREPLACE: Final = 1
RENAME_EXCHANGE: Final = 2
RENAME_WHITEOUT: Final = 4
AT_SYMLINK_FOLLOW: Final = 0x400
AT_EMPTY_PATH: Final = 0x1000

DIR: Final = "dir"
REG: Final = "reg"
LNK: Final = "lnk"
CHR: Final = "chr"


class Symlink:
    """A symbolic link: its target, as given to symlink(2); an inode number for statx."""

    __slots__ = ("target", "ino")

    def __init__(self, target: str, ino: int) -> None:
        self.target = target
        self.ino = ino


class Last(NamedTuple):
    """``filename_parentat``'s answer: the parent directory, the last name, its type, a trailing slash."""

    dir: str
    name: str
    kind: int
    slash: bool


def join(parent: str, name: str) -> str:
    return parent + name if parent == "/" else parent + "/" + name


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def kind_of(fs: SimFs, path: str) -> str | None:
    """What ``path`` (canonical) is: DIR, REG, LNK, CHR or None (no such name)."""
    if path in fs.dirs:
        return DIR
    if path in fs.inodes:
        return REG
    if path in fs.symlinks:
        return LNK
    if path in fs.devices:
        return CHR
    return None


def below(path: str, top: str) -> bool:
    """Whether ``path`` is ``top`` or inside it."""
    return path == top or path.startswith(top + "/") or top == "/"


def too_long(name: str) -> bool:
    """A name past NAME_MAX bytes: the file system's ``->lookup`` answers -ENAMETOOLONG."""
    return len(name) > NAME_MAX // 4 and len(name.encode(errors="surrogateescape")) > NAME_MAX


def _step(fs: SimFs, cur: str, name: str, budget: list[int]) -> str | int:
    """One inner component in directory ``cur`` (``walk_component``): the directory it leads to, or -errno."""
    if name == ".":
        return cur
    if name == "..":
        return parent_of(cur)
    child = join(cur, name)
    if child in fs.dirs:
        return child
    if too_long(name):
        return -ENAMETOOLONG
    link = fs.symlinks.get(child)
    if link is not None:
        got = _follow(fs, cur, link, budget)
        if isinstance(got, int):
            return got
        return got if got in fs.dirs else -ENOTDIR
    return -ENOTDIR if child in fs.inodes or child in fs.devices else -ENOENT


def _follow(fs: SimFs, cur: str, link: Symlink, budget: list[int]) -> str | int:
    """``pick_link``: the target resolved from the link's directory ``cur`` (-ELOOP past MAXSYMLINKS)."""
    budget[0] -= 1
    if budget[0] < 0:
        return -ELOOP
    return _lookup(fs, cur, link.target, True, budget)


def _parentat(fs: SimFs, start: str | int, path: str, budget: list[int]) -> Last | int:
    if isinstance(start, int):
        return start  # path_init's -EBADF / -ENOTDIR for the directory descriptor
    cur = "/" if path.startswith("/") else start
    comps = [c for c in path.split("/") if c]
    if not comps:
        return Last(cur, "", LAST_ROOT, False)
    for name in comps[:-1]:
        got = _step(fs, cur, name, budget)
        if isinstance(got, int):
            return got
        cur = got
    last = comps[-1]
    kind = LAST_DOT if last == "." else LAST_DOTDOT if last == ".." else LAST_NORM
    return Last(cur, last, kind, path.endswith("/"))


def parentat(fs: SimFs, start: str | int, path: str) -> Last | int:
    """``filename_parentat``: walk to the last component's directory from ``start``
    (for a relative path; an int is :func:`dfd_start`'s error, returned as the walk's);
    the :class:`Last` or -ENOENT / -ENOTDIR / -ELOOP."""
    return _parentat(fs, start, path, [MAXSYMLINKS])


def _lookup(fs: SimFs, start: str | int, path: str, follow: bool, budget: list[int]) -> str | int:
    last = _parentat(fs, start, path, budget)
    if isinstance(last, int):
        return last
    if last.kind == LAST_ROOT:
        return last.dir
    if last.kind == LAST_DOT:
        return last.dir
    if last.kind == LAST_DOTDOT:
        return parent_of(last.dir)
    child = join(last.dir, last.name)
    if child in fs.dirs:
        return child
    if too_long(last.name):
        return -ENAMETOOLONG
    link = fs.symlinks.get(child)
    if link is not None:
        if not (follow or last.slash):
            return child
        got = _follow(fs, last.dir, link, budget)
        if isinstance(got, int):
            return got
        return -ENOTDIR if last.slash and got not in fs.dirs else got
    if child in fs.inodes or child in fs.devices:
        return -ENOTDIR if last.slash else child
    fs.negative.add(child)  # the lookup leaves a negative dentry
    return -ENOENT


def lookup(fs: SimFs, start: str | int, path: str, follow: bool = True) -> str | int:
    """``filename_lookup``: the canonical path ``path`` names (a symlink itself
    unless ``follow`` or a trailing slash), or -errno; a missing last name is
    remembered in ``fs.negative``."""
    return _lookup(fs, start, path, follow, [MAXSYMLINKS])


def is_empty(fs: SimFs, path: str) -> bool:
    """``simple_empty`` / ``empty_dir``: nothing is named inside ``path``."""
    prefix = path + "/"
    return not any(
        k.startswith(prefix)
        for table in (fs.dirs, fs.inodes, fs.symlinks, fs.devices)
        for k in table
    )


def nlink_of(fs: SimFs, path: str | None, obj: object) -> int:
    """``i_nlink``: a directory has 2 plus one per subdirectory (as ext4 and tmpfs count); a
    file or symlink one per name holding it (0 once unlinked, while still open)."""
    if path is not None and path in fs.dirs:
        return 2 + sum(1 for d in fs.dirs if d != "/" and parent_of(d) == path)
    table = fs.symlinks if isinstance(obj, Symlink) else fs.inodes
    return sum(1 for v in table.values() if v is obj)


def new_ino(fs: SimFs) -> int:
    fs.next_ino += 1
    return fs.next_ino


def make_parents(fs: SimFs, path: str) -> None:
    """Create every missing directory above ``path`` (``mkdir -p`` of its parent), for
    :func:`~simuring.kernel.objects.regfile.create_file`."""
    parts = [c for c in path.split("/") if c][:-1]
    cur = "/"
    for name in parts:
        cur = join(cur, name)
        if cur not in fs.dirs:
            fs.dirs[cur] = new_ino(fs)


def _create_at(fs: SimFs, start: str | int, path: str, want_dir: bool) -> str | int:
    """``filename_create``: the canonical name to create, or -errno (-EEXIST for an existing name
    or no last name; -ENOENT for a missing name with a trailing slash when not creating a directory)."""
    last = parentat(fs, start, path)
    if isinstance(last, int):
        return last
    if last.kind != LAST_NORM:
        return -EEXIST
    if too_long(last.name):
        return -ENAMETOOLONG
    name = join(last.dir, last.name)
    if kind_of(fs, name) is not None:
        return -EEXIST
    if last.slash and not want_dir:
        return -ENOENT
    return name


def do_mkdirat(fs: SimFs, start: str | int, path: str) -> int:
    """mkdirat(2) (``do_mkdirat``); the mode is ignored (no permissions)."""
    name = _create_at(fs, start, path, True)
    if isinstance(name, int):
        return name
    fs.dirs[name] = new_ino(fs)
    fs.negative.discard(name)
    fsnotify_dirent(fs, name, IN_CREATE, True)  # vfs_mkdir -> fsnotify_mkdir
    return 0


MKNOD_TYPES: Final = (0, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK)
"""What mknod(2) makes (``may_mknod``): 0 (a regular file), S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO,
S_IFSOCK."""


def do_mknodat(fs: SimFs, start: str | int, path: str, mode: int, dev: int) -> int:
    """mknodat(2) (``do_mknodat``): the type first (``may_mknod``: -EPERM for S_IFDIR, -EINVAL
    for a type it does not make), then the name (``filename_create``, with an empty name's
    -ENOENT), then the node: an empty regular file for 0 or S_IFREG, else a
    :class:`~simuring.kernel.objects.fifo.NodeInode` with the permission bits less the
    umask (022) and, for a device, ``dev``.  ``mode`` is a ``umode_t`` (16 bits)."""
    from simuring.kernel.objects.fifo import UMASK, NodeInode
    from simuring.kernel.objects.regfile import Inode

    mode &= 0xFFFF
    kind = mode & S_IFMT
    if kind == S_IFDIR:
        return -EPERM
    if kind not in MKNOD_TYPES:
        return -EINVAL
    if not path:
        return -ENOENT
    name = _create_at(fs, start, path, False)
    if isinstance(name, int):
        return name
    if kind in (0, S_IFREG):
        fs.inodes[name] = Inode(name)
    else:
        rdev = dev & 0xFFFF_FFFF if kind in (S_IFCHR, S_IFBLK) else 0
        fs.inodes[name] = NodeInode(name, kind | (mode & 0o7777 & ~UMASK), rdev)
    fs.negative.discard(name)
    fsnotify_dirent(fs, name, IN_CREATE, False)  # vfs_mknod / vfs_create -> fsnotify_create
    return 0


def _remove(fs: SimFs, name: str) -> None:
    for table in (fs.dirs, fs.inodes, fs.symlinks, fs.devices):
        table.pop(name, None)
    fs.negative.add(name)  # d_delete: the dentry turns negative


def _victim(fs: SimFs, last: Last) -> tuple[str, str | None] | int:
    """The name to remove and what it is (``lookup_one_qstr_excl``: not followed), or -ENAMETOOLONG."""
    if too_long(last.name):
        return -ENAMETOOLONG
    name = join(last.dir, last.name)
    return name, kind_of(fs, name)


def do_unlinkat(fs: SimFs, start: str | int, path: str) -> int:
    """unlinkat(2) without AT_REMOVEDIR (``do_unlinkat`` then ``vfs_unlink``): the name goes,
    the inode lives on while a file holds it."""
    last = parentat(fs, start, path)
    if isinstance(last, int):
        return last
    if last.kind != LAST_NORM:
        return -EISDIR
    victim = _victim(fs, last)
    if isinstance(victim, int):
        return victim
    name, kind = victim
    if kind is None:
        return -ENOENT
    if last.slash:
        return -EISDIR if kind == DIR else -ENOTDIR
    if kind == DIR:
        return -EISDIR
    key = key_of(fs, name)
    _remove(fs, name)
    fsnotify_link_count(fs, key)  # vfs_unlink, then d_delete_notify
    d_delete(fs, name, key)
    fsnotify_dirent(fs, name, IN_DELETE, False)
    return 0


def do_rmdir(fs: SimFs, start: str | int, path: str) -> int:
    """unlinkat(2) with AT_REMOVEDIR, rmdir(2) (``do_rmdir`` then ``vfs_rmdir``)."""
    last = parentat(fs, start, path)
    if isinstance(last, int):
        return last
    if last.kind == LAST_DOTDOT:
        return -ENOTEMPTY
    if last.kind == LAST_DOT:
        return -EINVAL
    if last.kind == LAST_ROOT:
        return -EBUSY
    victim = _victim(fs, last)
    if isinstance(victim, int):
        return victim
    name, kind = victim
    if kind is None:
        return -ENOENT
    if kind != DIR:
        return -ENOTDIR
    if not is_empty(fs, name):
        return -ENOTEMPTY
    key = fs.dirs[name]
    _remove(fs, name)
    d_delete(fs, name, key)  # vfs_rmdir -> d_delete_notify: d_delete, then fsnotify_delete
    fsnotify_dirent(fs, name, IN_DELETE, True)
    return 0


def _move(fs: SimFs, moves: dict[str, str]) -> None:
    """Rename every key at or below each ``moves`` key to the same place below its value, all at once."""

    def moved(key: str) -> str:
        for src, dst in moves.items():
            if key == src or key.startswith(src + "/"):
                return dst + key[len(src) :]
        return key

    fs.dirs = {moved(k): v for k, v in fs.dirs.items()}
    fs.inodes = {moved(k): v for k, v in fs.inodes.items()}
    fs.symlinks = {moved(k): v for k, v in fs.symlinks.items()}
    fs.devices = {moved(k): v for k, v in fs.devices.items()}


def _same_object(fs: SimFs, a: str, b: str) -> bool:
    """``source == target`` in ``vfs_rename``: two names of one inode."""
    for table in (fs.inodes, fs.symlinks):
        x, y = table.get(a), table.get(b)
        if x is not None and x is y:
            return True
    return a == b


def do_renameat2(
    fs: SimFs, old_start: str | int, old_path: str, new_start: str | int, new_path: str, flags: int
) -> int:
    """renameat2(2) (``do_renameat2`` then ``vfs_rename``): RENAME_NOREPLACE, RENAME_EXCHANGE (both
    names must exist), RENAME_WHITEOUT (a 0:0 character device is left at the old name)."""
    if flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT):
        return -EINVAL
    if flags & RENAME_NOREPLACE and flags & RENAME_EXCHANGE:
        return -EINVAL
    if flags & RENAME_EXCHANGE and flags & RENAME_WHITEOUT:
        return -EINVAL
    old = parentat(fs, old_start, old_path)
    if isinstance(old, int):
        return old
    new = parentat(fs, new_start, new_path)
    if isinstance(new, int):
        return new
    if old.kind != LAST_NORM:
        return -EBUSY
    if new.kind != LAST_NORM:
        return -EEXIST if flags & RENAME_NOREPLACE else -EBUSY
    if too_long(old.name):
        return -ENAMETOOLONG
    src, dst = join(old.dir, old.name), join(new.dir, new.name)
    skind = kind_of(fs, src)
    if skind is None:
        return -ENOENT
    if too_long(new.name):
        return -ENAMETOOLONG
    dkind = kind_of(fs, dst)
    exchange = bool(flags & RENAME_EXCHANGE)
    if dkind is not None and flags & RENAME_NOREPLACE:
        return -EEXIST
    if dkind is None and exchange:
        return -ENOENT
    if exchange and dkind != DIR and new.slash:
        return -ENOTDIR
    if old.dir != new.dir:  # lock_rename's trap: one name an ancestor of the other's directory
        if below(new.dir, src):
            return -EINVAL
        if below(old.dir, dst):
            return -EINVAL if exchange else -ENOTEMPTY
    if skind != DIR and (old.slash or (not exchange and new.slash)):
        return -ENOTDIR
    if _same_object(fs, src, dst):
        return 0
    if dkind is not None and not exchange:  # may_delete of the target
        if skind == DIR and dkind != DIR:
            return -ENOTDIR
        if skind != DIR and dkind == DIR:
            return -EISDIR
        if dkind == DIR and not is_empty(fs, dst):
            return -ENOTEMPTY
    moved = key_of(fs, src)
    if exchange:
        _move(fs, {src: dst, dst: src})
        _notify_move(fs, src, dst, moved, skind == DIR)
        _notify_move(fs, dst, src, key_of(fs, src), dkind == DIR)
        return 0
    target = None
    if dkind is not None:
        target = key_of(fs, dst)
        _remove(fs, dst)
    _move(fs, {src: dst})
    _notify_move(fs, src, dst, moved, skind == DIR, target)
    if target is not None:  # the replaced target's dentry, put at the end of do_renameat2
        d_delete(fs, dst, target)
    fs.negative.discard(dst)
    if flags & RENAME_WHITEOUT:
        fs.devices[src] = 0
    else:
        fs.negative.add(src)
    return 0


def _notify_move(
    fs: SimFs,
    src: str,
    dst: str,
    moved: Inode | Symlink | int | None,
    is_dir: bool,
    target: Inode | Symlink | int | None = None,
) -> None:
    """``fsnotify_move``: IN_MOVED_FROM in the old directory and IN_MOVED_TO in the new one, with
    one cookie, the replaced ``target``'s IN_ATTRIB (``fsnotify_link_count``: it lost a name),
    then IN_MOVE_SELF on the object moved."""
    if not fs.marks:
        return
    cookie = next_cookie(fs)
    fsnotify_dirent(fs, src, IN_MOVED_FROM, is_dir, cookie)
    fsnotify_dirent(fs, dst, IN_MOVED_TO, is_dir, cookie)
    if target is not None:
        fsnotify_link_count(fs, target)
    fsnotify_inode(fs, moved, IN_MOVE_SELF)


def do_symlinkat(fs: SimFs, target: str, start: str | int, path: str) -> int:
    """symlinkat(2) (``do_symlinkat``): a link holding ``target`` as given (not checked)."""
    name = _create_at(fs, start, path, False)
    if isinstance(name, int):
        return name
    fs.symlinks[name] = Symlink(target, new_ino(fs))
    fs.negative.discard(name)
    fsnotify_dirent(fs, name, IN_CREATE, False)  # vfs_symlink -> fsnotify_create
    return 0


def do_linkat(fs: SimFs, old: str | Inode | int, new_start: str | int, new_path: str) -> int:
    """The body of linkat(2) (``do_linkat`` after the flag check and the old name's lookup:
    ``old`` is the canonical path, an open file's inode for AT_EMPTY_PATH, or -errno), then
    ``filename_create`` and ``vfs_link``: -EPERM for a directory, -ENOENT for an inode no name
    holds any more."""
    if isinstance(old, int):
        return old
    name = _create_at(fs, new_start, new_path, False)
    if isinstance(name, int):
        return name
    if isinstance(old, str):
        kind = kind_of(fs, old)
        if kind == DIR:
            return -EPERM
        if kind == CHR:
            fs.devices[name] = fs.devices[old]
        elif kind == LNK:
            fs.symlinks[name] = fs.symlinks[old]
        else:
            fs.inodes[name] = fs.inodes[old]
    else:
        if not nlink_of(fs, None, old):
            return -ENOENT
        fs.inodes[name] = old
    fs.negative.discard(name)
    fsnotify_link_count(fs, key_of(fs, name))  # vfs_link -> fsnotify_link
    fsnotify_dirent(fs, name, IN_CREATE, False)
    return 0


def do_readlinkat(fs: SimFs, start: str | int, path: str) -> str | int:
    """readlinkat(2) (``do_readlinkat``): the target of the link ``path`` names (not followed),
    -EINVAL if it is not a symlink, or the walk's -errno."""
    got = lookup(fs, start, path, follow=False)
    if isinstance(got, int):
        return got
    link = fs.symlinks.get(got)
    return -EINVAL if link is None else link.target


AT_FDCWD: Final = -100


def dfd_start(process: Process, dfd: int) -> str | int:
    """``path_init`` for a relative path: the directory it starts from: the root for
    AT_FDCWD (the working directory), the path of an open directory or of an O_PATH
    file naming one (``fdget_raw`` finds both), else -EBADF (not open) or -ENOTDIR."""
    from simuring.kernel.files import files_of
    from simuring.kernel.objects.dirfile import DirFile
    from simuring.kernel.objects.pathfile import PathFile

    if dfd == AT_FDCWD:
        return "/"
    file = files_of(process).get_raw(dfd)
    if file is None:
        return -EBADF
    if isinstance(file, DirFile) or (isinstance(file, PathFile) and file.is_dir):
        return file.path
    return -ENOTDIR


def start_of(process: Process, dfd: int, path: str) -> str | int:
    """Where the walk of ``path`` starts: the root for an absolute path (``dfd`` is not looked at)."""
    return "/" if path.startswith("/") else dfd_start(process, dfd)


def is_cached(fs: SimFs, start: str, path: str) -> bool:
    """Whether the dentry cache knows ``path`` (read from ``start``) already: an entry or a
    remembered miss (an inline LOOKUP_CACHED walk needs it); lexical, symlinks are not read."""
    name = path if path.startswith("/") else join(start, path)
    return kind_of(fs, name) is not None or name in fs.negative
