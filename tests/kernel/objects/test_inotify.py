"""inotify instances (simuring/kernel/objects/inotify.py) and fsnotify's delivery
(simuring/kernel/fsnotify.py) on the in-memory file system, without a kernel."""

from __future__ import annotations

from simuring.abi.errno import EAGAIN, EEXIST, EINVAL
from simuring.abi.inotify import (
    IN_ACCESS,
    IN_ATTRIB,
    IN_CREATE,
    IN_DELETE,
    IN_IGNORED,
    IN_ISDIR,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_MODIFY,
    IN_MOVE_SELF,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_ONESHOT,
    IN_OPEN,
    inotify_events,
)
from simuring.abi.poll import POLLIN, POLLRDNORM
from simuring.kernel.fsnotify import fsnotify_path
from simuring.kernel.namei import do_linkat, do_mkdirat, do_renameat2, do_rmdir, do_unlinkat
from simuring.kernel.objects.inotify import Inotify, record_size
from simuring.kernel.objects.regfile import Inode, SimFs
from simuring.syscalls import (
    O_CREAT,
    O_WRONLY,
    close,
    inotify_add_watch,
    inotify_init1,
    mkdir,
    nanosleep,
    open,
    read,
    write,
)
from tests.helpers.procs import run_threads


def watched_fs() -> tuple[SimFs, Inotify, Inode]:
    fs = SimFs()
    assert do_mkdirat(fs, "/", "/d") == 0
    inode = fs.inodes["/d/f"] = Inode("/d/f")
    return fs, Inotify(fs, 0), inode


def read_all(group: Inotify, size: int = 4096) -> list[tuple[int, int, int, str]] | int:
    buf = bytearray(size)
    n = group.read_nb(None, memoryview(buf))  # type: ignore[arg-type]
    return n if n < 0 else inotify_events(buf, n)


def test_record_size_pads_the_name_with_its_nul_to_16_bytes():
    assert record_size("") == 16
    assert record_size("f") == 32
    assert record_size("a" * 15) == 32
    assert record_size("a" * 16) == 48


def test_watch_descriptors_count_up_and_a_second_add_updates_the_mask():
    fs, group, inode = watched_fs()
    dir_ino = fs.dirs["/d"]
    assert group.add_watch(inode, IN_ACCESS) == 1
    assert group.add_watch(dir_ino, IN_CREATE) == 2
    assert group.add_watch(inode, IN_MODIFY) == 1
    assert fs.marks[inode][0].mask == IN_MODIFY
    assert group.add_watch(inode, IN_OPEN | IN_MASK_ADD) == 1
    assert fs.marks[inode][0].mask & (IN_MODIFY | IN_OPEN) == IN_MODIFY | IN_OPEN
    assert group.add_watch(inode, IN_OPEN | IN_MASK_CREATE) == -EEXIST
    assert group.rm_watch(1) == 0
    assert group.add_watch(inode, IN_ACCESS) == 3  # a removed number is not handed out again
    other = Inotify(fs, 0)
    assert other.add_watch(inode, IN_ACCESS) == 1  # numbered per instance


def test_rm_watch_queues_ignored_and_release_drops_the_marks_silently():
    fs, group, inode = watched_fs()
    wd = group.add_watch(inode, IN_MODIFY)
    assert group.rm_watch(wd) == 0
    assert group.rm_watch(wd) == -EINVAL
    assert read_all(group) == [(wd, IN_IGNORED, 0, "")]
    group.add_watch(inode, IN_MODIFY)
    group.release(None)
    assert fs.marks == {}
    assert group.events == []


def test_events_go_to_the_directory_with_the_name_then_to_the_file():
    fs, group, inode = watched_fs()
    group.add_watch(fs.dirs["/d"], IN_MODIFY)
    group.add_watch(inode, IN_MODIFY | IN_ACCESS)
    fsnotify_path(fs, "/d/f", inode, IN_MODIFY)
    fsnotify_path(fs, "/d/f", inode, IN_ACCESS)  # the directory did not ask for it
    assert read_all(group) == [(1, IN_MODIFY, 0, "f"), (2, IN_MODIFY, 0, ""), (2, IN_ACCESS, 0, "")]


def test_an_event_equal_to_the_last_queued_is_merged():
    fs, group, inode = watched_fs()
    group.add_watch(inode, IN_MODIFY | IN_ACCESS)
    for mask in (IN_MODIFY, IN_MODIFY, IN_ACCESS, IN_MODIFY, IN_MODIFY):
        fsnotify_path(fs, "/d/f", inode, mask)
    assert [e[1] for e in read_all(group)] == [IN_MODIFY, IN_ACCESS, IN_MODIFY]  # type: ignore[union-attr]


def test_read_takes_whole_events_and_refuses_a_buffer_too_small_for_the_first():
    fs, group, _ = watched_fs()
    group.add_watch(fs.dirs["/d"], IN_CREATE)
    assert read_all(group) == -EAGAIN
    assert group.poll_mask() == 0
    assert do_mkdirat(fs, "/", "/d/sub") == 0
    fs.inodes["/d/g"] = Inode("/d/g")
    group.queue(1, IN_CREATE, 0, "g")
    assert group.poll_mask() == POLLIN | POLLRDNORM
    assert read_all(group, 31) == -EINVAL
    assert read_all(group, 48) == [(1, IN_CREATE | IN_ISDIR, 0, "sub")]
    assert read_all(group, 32) == [(1, IN_CREATE, 0, "g")]
    assert group.poll_mask() == 0


def test_unlink_link_rmdir_and_rename_events():
    fs, group, inode = watched_fs()
    group.add_watch(fs.dirs["/d"], IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
    group.add_watch(inode, IN_ATTRIB | IN_MOVE_SELF)
    assert do_linkat(fs, "/d/f", "/", "/d/g") == 0
    assert do_unlinkat(fs, "/", "/d/g") == 0
    assert do_mkdirat(fs, "/", "/d/e") == 0
    assert do_rmdir(fs, "/", "/d/e") == 0
    assert do_renameat2(fs, "/", "/d/f", "/", "/d/h", 0) == 0
    events = read_all(group)
    assert isinstance(events, list)
    assert [(wd, mask, name) for wd, mask, _, name in events] == [
        (2, IN_ATTRIB, ""),
        (1, IN_CREATE, "g"),
        (2, IN_ATTRIB, ""),
        (1, IN_DELETE, "g"),
        (1, IN_CREATE | IN_ISDIR, "e"),
        (1, IN_DELETE | IN_ISDIR, "e"),
        (1, IN_MOVED_FROM, "f"),
        (1, IN_MOVED_TO, "h"),
        (2, IN_MOVE_SELF, ""),
    ]
    cookies = [cookie for _, mask, cookie, _ in events if mask & (IN_MOVED_FROM | IN_MOVED_TO)]
    assert cookies[0] == cookies[1] != 0
    assert all(cookie == 0 for _, mask, cookie, _ in events if not mask & (IN_MOVED_FROM | IN_MOVED_TO))


def test_oneshot_watch_goes_after_its_first_event():
    fs, group, inode = watched_fs()
    wd = group.add_watch(inode, IN_ACCESS | IN_ONESHOT)
    fsnotify_path(fs, "/d/f", inode, IN_ACCESS)
    fsnotify_path(fs, "/d/f", inode, IN_ACCESS)
    assert read_all(group) == [(wd, IN_ACCESS, 0, ""), (wd, IN_IGNORED, 0, "")]
    assert fs.marks == {}


def test_blocking_read_sleeps_until_another_thread_raises_an_event():

    def watcher(out: dict) -> object:
        yield from mkdir("/w", 0o755)
        ifd = yield from inotify_init1(0)
        out["wd"] = yield from inotify_add_watch(ifd, "/w", IN_CREATE | IN_MODIFY)
        buf = bytearray(256)
        out["n"] = yield from read(ifd, buf, 256)
        out["events"] = inotify_events(buf, out["n"])
        out["woken_at"] = out["sim"].env.now

    def writer(out: dict) -> object:
        yield from nanosleep(50_000)
        out["wrote_at"] = out["sim"].env.now
        fd = yield from open("/w/new", O_CREAT | O_WRONLY, 0o644)
        yield from write(fd, b"x", 1)
        yield from close(fd)

    out = run_threads(watcher, writer)
    assert out["wd"] == 1
    assert out["n"] > 0
    assert out["events"][0] == (1, IN_CREATE, 0, "new")
    assert out["woken_at"] > out["wrote_at"] >= 50_000
