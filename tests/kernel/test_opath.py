"""O_PATH files: made by open(2) with O_PATH (build_open_flags, do_o_path), not found by fget/fdget
(-EBADF for I/O), found by fdget_raw (close, a walk's directory descriptor)."""

from __future__ import annotations

from simuring.abi.errno import EBADF, ENOENT, ENOTDIR
from simuring.kernel.files import FdTable
from simuring.kernel.objects.pathfile import PathFile
from simuring.kernel.sys import syscall
from simuring.syscalls import (
    O_CREAT,
    O_PATH,
    O_RDONLY,
    O_TRUNC,
    O_WRONLY,
    close,
    lseek,
    mkdir,
    open,
    read,
    write,
)
from tests.helpers.sim import run_task


def test_fget_skips_an_o_path_file_and_fdget_raw_finds_it():
    table = FdTable()
    fd = table.install(PathFile("/a", None, False, O_PATH))
    assert fd == 3
    assert table.get(fd) is None
    assert isinstance(table.get_raw(fd), PathFile)
    assert table.unused() == 4  # the number is taken for both lookups
    assert table.close(fd, None) == 0
    assert table.get_raw(fd) is None
    assert table.close(fd, None) == -EBADF


def test_o_path_drops_the_flags_it_does_not_keep():
    """O_WRONLY | O_TRUNC neither truncates nor needs write access; O_CREAT creates nothing; I/O is -EBADF;
    a directory named through O_PATH is a walk's start, a file's O_PATH descriptor is -ENOTDIR there."""

    def body():
        fd = yield from open("/f", O_CREAT | O_WRONLY, 0o644)
        yield from write(fd, b"abc", 3)
        yield from close(fd)
        p = yield from open("/f", O_PATH | O_WRONLY | O_TRUNC, 0)
        out = [(yield from read(p, bytearray(4), 4)), (yield from lseek(p, 0, 2))]
        yield from close(p)
        fd = yield from open("/f", O_RDONLY, 0)
        out.append((yield from lseek(fd, 0, 2)))  # still 3 bytes
        out.append((yield from open("/missing", O_PATH | O_CREAT, 0o644)))
        yield from mkdir("/d", 0o755)
        d = yield from open("/d", O_PATH, 0)
        yield from close((yield from open("/d/in", O_CREAT | O_WRONLY, 0o644)))
        out.append((yield from syscall("unlinkat", d, "in", 0)))
        out.append((yield from syscall("unlinkat", p + 100, "in", 0)))
        f = yield from open("/f", O_PATH, 0)
        out.append((yield from syscall("unlinkat", f, "in", 0)))
        return out

    assert run_task(body) == [-EBADF, -EBADF, 3, -ENOENT, 0, -EBADF, -ENOTDIR]
