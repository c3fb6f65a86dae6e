"""The name space of the in-memory file system (simuring/kernel/namei.py)."""

from __future__ import annotations

from simuring.abi.errno import (
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
from simuring.kernel.namei import (
    RENAME_EXCHANGE,
    RENAME_NOREPLACE,
    RENAME_WHITEOUT,
    do_linkat,
    do_mkdirat,
    do_readlinkat,
    do_renameat2,
    do_rmdir,
    do_symlinkat,
    do_unlinkat,
    kind_of,
    lookup,
    nlink_of,
    parentat,
)
from simuring.kernel.objects.regfile import Inode, SimFs


def fs_with(*dirs: str, files: tuple[str, ...] = ()) -> SimFs:
    fs = SimFs()
    for d in dirs:
        assert do_mkdirat(fs, "/", d) == 0
    for f in files:
        fs.inodes[f] = Inode(f)
    return fs


def test_walk_components_dots_and_slashes():
    fs = fs_with("/a", "/a/b", files=("/a/f",))
    assert lookup(fs, "/", "/a//b/../b/.") == "/a/b"
    assert lookup(fs, "/a", "b/..") == "/a"
    assert lookup(fs, "/", "/..") == "/"
    assert lookup(fs, "/", "/a/f/") == -ENOTDIR
    assert lookup(fs, "/", "/a/f/x") == -ENOTDIR
    assert lookup(fs, "/", "/a/none/x") == -ENOENT
    assert lookup(fs, "/", "/a/none") == -ENOENT
    assert "/a/none" in fs.negative
    assert lookup(fs, -9, "x") == -9  # the descriptor's error passes through
    last = parentat(fs, "/", "/a/b/")
    assert not isinstance(last, int) and (last.dir, last.name, last.slash) == ("/a", "b", True)


def test_mkdir_and_rmdir_errors():
    fs = fs_with("/d", files=("/f",))
    assert [do_mkdirat(fs, "/", p) for p in ("/d", "/f", "/", "/d/.", "/x/y", "/f/y")] == [
        -EEXIST, -EEXIST, -EEXIST, -EEXIST, -ENOENT, -ENOTDIR,
    ]  # fmt: skip
    assert do_mkdirat(fs, "/", "/d/e/") == 0
    assert nlink_of(fs, "/d", None) == 3
    assert [do_rmdir(fs, "/", p) for p in ("/d", "/f", "/d/.", "/d/..", "/", "/none")] == [
        -ENOTEMPTY, -ENOTDIR, -EINVAL, -ENOTEMPTY, -EBUSY, -ENOENT,
    ]  # fmt: skip
    assert do_rmdir(fs, "/", "/d/e/") == 0 and do_rmdir(fs, "/", "/d") == 0
    assert kind_of(fs, "/d") is None


def test_unlink_keeps_the_inode_for_its_holders():
    fs = fs_with("/d", files=("/f",))
    inode = fs.inodes["/f"]
    assert do_linkat(fs, "/f", "/", "/g") == 0 and nlink_of(fs, None, inode) == 2
    assert [do_unlinkat(fs, "/", p) for p in ("/d", "/d/", "/f/", "/none", "/d/.")] == [
        -EISDIR,
        -EISDIR,
        -ENOTDIR,
        -ENOENT,
        -EISDIR,
    ]
    assert do_unlinkat(fs, "/", "/f") == 0 and nlink_of(fs, None, inode) == 1
    assert do_unlinkat(fs, "/", "/g") == 0 and nlink_of(fs, None, inode) == 0
    assert do_linkat(fs, inode, "/", "/h") == -ENOENT  # AT_EMPTY_PATH of a file no name holds


def test_rename_moves_subtrees_and_checks():
    fs = fs_with("/a", "/a/s", "/e", "/full", files=("/a/s/f", "/full/x", "/file"))
    inode = fs.inodes["/a/s/f"]
    assert do_renameat2(fs, "/", "/a", "/", "/a/s/in", 0) == -EINVAL
    assert do_renameat2(fs, "/", "/a/s", "/", "/a", 0) == -ENOTEMPTY
    assert do_renameat2(fs, "/", "/a/s", "/", "/a", RENAME_EXCHANGE) == -EINVAL
    assert do_renameat2(fs, "/", "/file", "/", "/e", 0) == -EISDIR
    assert do_renameat2(fs, "/", "/e", "/", "/file", 0) == -ENOTDIR
    assert do_renameat2(fs, "/", "/e", "/", "/full", 0) == -ENOTEMPTY
    assert do_renameat2(fs, "/", "/file", "/", "/e", RENAME_NOREPLACE | RENAME_EXCHANGE) == -EINVAL
    assert do_renameat2(fs, "/", "/file", "/", "/none", RENAME_EXCHANGE) == -ENOENT
    assert do_renameat2(fs, "/", "/file/", "/", "/g", 0) == -ENOTDIR
    assert do_renameat2(fs, "/", "/a", "/", "/e", 0) == 0  # onto an empty directory
    assert fs.inodes["/e/s/f"] is inode and kind_of(fs, "/a") is None
    assert do_renameat2(fs, "/", "/e", "/", "/file", RENAME_EXCHANGE) == 0
    assert fs.inodes["/file/s/f"] is inode and kind_of(fs, "/e") == "reg"
    assert do_renameat2(fs, "/", "/e", "/", "/w", RENAME_WHITEOUT) == 0
    assert kind_of(fs, "/e") == "chr" and kind_of(fs, "/w") == "reg"


def test_symlinks_followed_and_read():
    fs = fs_with("/d", files=("/d/f",))
    assert do_symlinkat(fs, "d", "/", "/l") == 0
    assert do_symlinkat(fs, "x", "/", "/l") == -EEXIST
    assert do_symlinkat(fs, "x", "/", "/new/") == -ENOENT
    assert lookup(fs, "/", "/l/f") == "/d/f"
    assert lookup(fs, "/", "/l") == "/d" and lookup(fs, "/", "/l", follow=False) == "/l"
    assert do_readlinkat(fs, "/", "/l") == "d" and do_readlinkat(fs, "/", "/d/f") == -EINVAL
    assert do_symlinkat(fs, "/b", "/", "/a") == 0 and do_symlinkat(fs, "/a", "/", "/b") == 0
    assert lookup(fs, "/", "/a") == -ELOOP and lookup(fs, "/", "/a/x") == -ELOOP
    assert do_linkat(fs, "/l", "/", "/l2") == 0 and nlink_of(fs, None, fs.symlinks["/l"]) == 2
    assert do_linkat(fs, "/d", "/", "/d2") == -EPERM
    assert do_unlinkat(fs, "/", "/l/") == -ENOTDIR and do_rmdir(fs, "/", "/l") == -ENOTDIR


def test_iteration_order_is_creation_order():
    fs = fs_with("/z", "/a", "/m", files=("/z/1", "/a/2"))
    assert do_renameat2(fs, "/", "/z", "/", "/b", 0) == 0
    assert list(fs.dirs) == ["/", "/b", "/a", "/m"]
    assert list(fs.inodes) == ["/b/1", "/a/2"]


def test_name_max():
    fs = fs_with()
    ok, long = "/" + "n" * 255, "/" + "m" * 256
    assert do_mkdirat(fs, "/", ok) == 0
    assert do_mkdirat(fs, "/", long) == -ENAMETOOLONG
    assert lookup(fs, "/", long + "/x") == -ENAMETOOLONG
    assert do_unlinkat(fs, "/", long) == -ENAMETOOLONG
    assert do_renameat2(fs, "/", ok, "/", long, 0) == -ENAMETOOLONG
    assert (
        do_renameat2(fs, "/", "/none", "/", long, 0) == -ENOENT
    )  # the old name is looked up first
