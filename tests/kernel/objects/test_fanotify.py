"""fanotify groups (simuring/kernel/objects/fanotify.py, simuring/kernel/sys/notify.py) on
fsnotify's delivery (simuring/kernel/fsnotify.py)."""

from __future__ import annotations

import pytest

from simuring.abi.errno import EAGAIN, EBADF, EINVAL, ENOENT, ENOTDIR
from simuring.abi.fanotify import (
    FAN_ACCESS,
    FAN_ATTRIB,
    FAN_CLASS_CONTENT,
    FAN_CLASS_PRE_CONTENT,
    FAN_CLOSE_NOWRITE,
    FAN_EVENT_ON_CHILD,
    FAN_MARK_ADD,
    FAN_MARK_FLUSH,
    FAN_MARK_MOUNT,
    FAN_MARK_ONLYDIR,
    FAN_MARK_REMOVE,
    FAN_MODIFY,
    FAN_NONBLOCK,
    FAN_ONDIR,
    FAN_OPEN,
    FAN_REPORT_FID,
    FANOTIFY_METADATA_VERSION,
    METADATA,
    fanotify_events,
)
from simuring.abi.poll import POLLIN, POLLRDNORM
from simuring.host.current import current_task
from simuring.kernel.files import files_of
from simuring.syscalls import (
    O_CREAT,
    O_RDONLY,
    O_RDWR,
    O_WRONLY,
    close,
    fanotify_init,
    fanotify_mark,
    getpid,
    lseek,
    mkdir,
    nanosleep,
    open,
    read,
    write,
)
from tests.helpers.procs import run_threads

AT_FDCWD = -100
O_DIRECTORY = 0o200000  # x86-64


def run(body) -> dict:
    return run_threads(body)


def files_group(out: dict, fd: int):
    """The calling task's file at ``fd`` (the group object, to look at its poll mask)."""
    return files_of(current_task().process).get(fd)


def test_init_checks_flags_and_event_f_flags():
    def body(out: dict) -> object:
        out["ok"] = yield from fanotify_init(FAN_NONBLOCK, O_RDONLY)
        out["both_classes"] = yield from fanotify_init(FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT, O_RDONLY)
        out["unknown"] = yield from fanotify_init(0x8000_0000, O_RDONLY)
        out["accmode3"] = yield from fanotify_init(0, 3)
        out["o_creat"] = yield from fanotify_init(0, O_CREAT)

    out = run(body)
    assert out["ok"] >= 0
    assert out["both_classes"] == out["unknown"] == out["accmode3"] == out["o_creat"] == -EINVAL


def test_init_refuses_what_is_not_modelled_with_a_message():
    def body(out: dict) -> object:
        yield from fanotify_init(FAN_REPORT_FID, O_RDONLY)

    with pytest.raises(ValueError, match="not modelled"):
        run(body)


def test_mark_errors_in_the_kernels_order():
    def body(out: dict) -> object:
        yield from mkdir("/e", 0o755)
        fd = yield from open("/e/f", O_CREAT | O_RDWR, 0o644)
        g = yield from fanotify_init(FAN_NONBLOCK, O_RDONLY)
        out["empty"] = yield from fanotify_mark(g, FAN_MARK_ADD, 0, AT_FDCWD, "/e/f")
        out["bad_bit_bad_fd"] = yield from fanotify_mark(99, FAN_MARK_ADD, 0x4000, AT_FDCWD, "/e/f")
        out["bad_fd"] = yield from fanotify_mark(99, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "/e/f")
        out["not_group"] = yield from fanotify_mark(fd, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "/e/f")
        out["needs_fid"] = yield from fanotify_mark(g, FAN_MARK_ADD, FAN_ATTRIB, AT_FDCWD, "/e/f")
        out["missing"] = yield from fanotify_mark(g, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "/e/x")
        out["onlydir"] = yield from fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MODIFY, AT_FDCWD, "/e/f")
        out["remove_none"] = yield from fanotify_mark(g, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, "/e/f")
        out["flush_flag"] = yield from fanotify_mark(g, FAN_MARK_FLUSH | FAN_MARK_ONLYDIR, 0, AT_FDCWD, None)
        out["null_bad_dfd"] = yield from fanotify_mark(g, FAN_MARK_ADD, FAN_MODIFY, 99, None)

    out = run(body)
    assert out["empty"] == out["bad_bit_bad_fd"] == out["not_group"] == out["needs_fid"] == -EINVAL
    assert out["bad_fd"] == out["null_bad_dfd"] == -EBADF
    assert out["missing"] == out["remove_none"] == -ENOENT
    assert out["onlydir"] == -ENOTDIR
    assert out["flush_flag"] == -EINVAL


def test_mark_refuses_what_is_not_modelled_with_a_message():
    def body(out: dict) -> object:
        g = yield from fanotify_init(0, O_RDONLY)
        yield from fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_MODIFY, AT_FDCWD, "/")

    with pytest.raises(ValueError, match="modelled"):
        run(body)


def test_records_merge_per_object_and_carry_a_silent_descriptor_and_the_pid():
    def body(out: dict) -> object:
        yield from mkdir("/m", 0o755)
        for name in ("/m/a", "/m/b"):
            fd = yield from open(name, O_CREAT | O_WRONLY, 0o644)
            yield from write(fd, b"ab", 2)
            yield from close(fd)
        g = yield from fanotify_init(FAN_NONBLOCK, O_RDONLY)
        out["empty"] = yield from read(g, bytearray(64), 64)
        for name in ("/m/a", "/m/b"):
            yield from fanotify_mark(g, FAN_MARK_ADD, FAN_ACCESS | FAN_MODIFY | FAN_CLOSE_NOWRITE, AT_FDCWD, name)
        a = yield from open("/m/a", O_RDWR, 0)
        b = yield from open("/m/b", O_RDONLY, 0)
        yield from read(a, bytearray(1), 1)
        yield from read(b, bytearray(1), 1)
        yield from write(a, b"Z", 1)
        out["short"] = yield from read(g, bytearray(METADATA.size - 1), METADATA.size - 1)
        buf = bytearray(256)
        out["n"] = yield from read(g, buf, 256)
        out["events"] = fanotify_events(buf, out["n"])
        out["pid"] = yield from getpid()
        first = out["events"][0][4]
        yield from lseek(first, 0, 0)
        got = bytearray(2)
        yield from read(first, got, 2)
        out["via"] = bytes(got)
        for ev in out["events"]:
            yield from close(ev[4])
        out["after"] = yield from read(g, bytearray(64), 64)

    out = run(body)
    assert out["empty"] == -EAGAIN
    assert out["short"] == -EINVAL
    assert out["n"] == 2 * METADATA.size
    (la, va, ma, mask_a, fd_a, pid_a), (_, _, _, mask_b, fd_b, pid_b) = out["events"]
    assert (la, va, ma) == (METADATA.size, FANOTIFY_METADATA_VERSION, METADATA.size)
    assert mask_a == FAN_ACCESS | FAN_MODIFY  # the write merged into a's record, which kept its place
    assert mask_b == FAN_ACCESS
    assert fd_a >= 0 and fd_b >= 0 and fd_a != fd_b
    assert pid_a == pid_b == out["pid"]
    assert out["via"] == b"aZ"
    assert out["after"] == -EAGAIN  # reading and closing the event descriptors raised nothing


def test_remove_clears_bits_and_flush_drops_every_mark():
    def body(out: dict) -> object:
        yield from mkdir("/r", 0o755)
        fd = yield from open("/r/f", O_CREAT | O_RDWR, 0o644)
        g = yield from fanotify_init(FAN_NONBLOCK, O_RDONLY)
        yield from fanotify_mark(g, FAN_MARK_ADD, FAN_ACCESS | FAN_MODIFY | FAN_OPEN, AT_FDCWD, "/r/f")
        yield from fanotify_mark(g, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, "/r/f")
        yield from write(fd, b"x", 1)
        out["after_remove"] = yield from read(g, bytearray(64), 64)
        yield from fanotify_mark(g, FAN_MARK_FLUSH, 0, AT_FDCWD, None)
        out["remove_flushed"] = yield from fanotify_mark(g, FAN_MARK_REMOVE, FAN_ACCESS, AT_FDCWD, "/r/f")

    out = run(body)
    assert out["after_remove"] == -EAGAIN
    assert out["remove_flushed"] == -ENOENT


def test_blocking_read_sleeps_until_a_marked_file_is_written_and_poll_reports_it():
    def watcher(out: dict) -> object:
        yield from mkdir("/w", 0o755)
        fd = yield from open("/w/f", O_CREAT | O_WRONLY, 0o644)
        yield from close(fd)
        g = yield from fanotify_init(0, O_RDONLY)
        out["group"] = files_group(out, g)
        yield from fanotify_mark(g, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "/w/f")
        out["poll_before"] = out["group"].poll_mask()
        buf = bytearray(64)
        out["n"] = yield from read(g, buf, 64)
        out["events"] = fanotify_events(buf, out["n"])
        out["woken_at"] = out["sim"].env.now

    def writer(out: dict) -> object:
        yield from nanosleep(50_000)
        out["wrote_at"] = out["sim"].env.now
        fd = yield from open("/w/f", O_WRONLY, 0)
        yield from write(fd, b"x", 1)
        out["poll_after"] = out["group"].poll_mask()

    out = run_threads(watcher, writer)
    assert out["poll_before"] == 0
    assert out["poll_after"] == POLLIN | POLLRDNORM
    assert out["n"] == METADATA.size
    assert out["events"][0][3] == FAN_MODIFY
    assert out["woken_at"] > out["wrote_at"] >= 50_000


def test_a_directory_mark_hears_children_with_event_on_child_and_itself_with_ondir():
    def body(out: dict) -> object:
        yield from mkdir("/c", 0o755)
        yield from mkdir("/c/sub", 0o755)
        fd = yield from open("/c/f", O_CREAT | O_RDWR, 0o644)
        yield from write(fd, b"hi", 2)
        yield from close(fd)
        g = yield from fanotify_init(FAN_NONBLOCK, O_RDONLY)
        yield from fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_MODIFY, AT_FDCWD, "/c")
        fd = yield from open("/c/f", O_RDWR, 0)
        yield from write(fd, b"x", 1)
        d = yield from open("/c", O_RDONLY | O_DIRECTORY, 0)
        yield from close(d)
        out["plain"] = yield from read(g, bytearray(64), 64)
        yield from fanotify_mark(g, FAN_MARK_ADD, FAN_EVENT_ON_CHILD, AT_FDCWD, "/c")
        yield from write(fd, b"y", 1)
        d = yield from open("/c/sub", O_RDONLY | O_DIRECTORY, 0)  # a child directory: needs FAN_ONDIR
        yield from close(d)
        buf = bytearray(256)
        n = yield from read(g, buf, 256)
        out["child"] = fanotify_events(buf, n)
        yield from lseek(out["child"][0][4], 0, 0)
        got = bytearray(2)
        yield from read(out["child"][0][4], got, 2)
        out["via"] = bytes(got)
        yield from fanotify_mark(g, FAN_MARK_ADD, FAN_ONDIR, AT_FDCWD, "/c")
        d = yield from open("/c/sub", O_RDONLY | O_DIRECTORY, 0)
        n = yield from read(g, buf, 256)
        out["ondir"] = fanotify_events(buf, n)
        out["remove_bits"] = yield from fanotify_mark(g, FAN_MARK_REMOVE, FAN_OPEN | FAN_MODIFY, AT_FDCWD, "/c")
        out["remove_flags"] = yield from fanotify_mark(g, FAN_MARK_REMOVE, FAN_ONDIR | FAN_EVENT_ON_CHILD, AT_FDCWD, "/c")
        out["gone"] = yield from fanotify_mark(g, FAN_MARK_REMOVE, FAN_ONDIR, AT_FDCWD, "/c")

    out = run(body)
    assert out["plain"] == -EAGAIN  # neither the child's write nor the directory's own open
    assert [ev[3] for ev in out["child"]] == [FAN_MODIFY]
    assert out["via"] == b"xy"  # the record's descriptor is the child's ("hi" written over)
    assert [ev[3] for ev in out["ondir"]] == [FAN_OPEN]  # FAN_ONDIR itself is not reported
    assert out["ondir"][0][4] >= 0
    assert out["remove_bits"] == out["remove_flags"] == 0  # the flags alone kept the mark
    assert out["gone"] == -ENOENT
