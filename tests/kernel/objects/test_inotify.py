"""inotify instances (simuring/kernel/objects/inotify.py) and fsnotify's delivery
(simuring/kernel/fsnotify.py) on the in-memory file system, without a kernel."""

from __future__ import annotations

from simuring.abi.errno import EAGAIN, EEXIST, EINVAL
from simuring.abi.inotify import (
    IN_ACCESS,
    IN_ALL_EVENTS,
    IN_ATTRIB,
    IN_CLOSE_NOWRITE,
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_EXCL_UNLINK,
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
    IN_Q_OVERFLOW,
    inotify_events,
)
from simuring.abi.poll import POLLIN, POLLRDNORM
from simuring.kernel.fsnotify import dget, dput, fsnotify_path
from simuring.kernel.namei import do_linkat, do_mkdirat, do_renameat2, do_rmdir, do_unlinkat
from simuring.kernel.objects.dirfile import DirFile
from simuring.kernel.objects.inotify import MAX_QUEUED_EVENTS, Inotify, record_size
from simuring.kernel.objects.regfile import Inode, SimFs
from simuring.syscalls import (
    O_CREAT,
    O_NONBLOCK,
    O_RDONLY,
    O_TRUNC,
    O_WRONLY,
    close,
    inotify_add_watch,
    inotify_init1,
    mkdir,
    nanosleep,
    open,
    read,
    unlink,
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


def names(events: list[tuple[int, int, int, str]] | int) -> list[tuple[int, int, str]]:
    assert isinstance(events, list)
    return [(wd, mask, name) for wd, mask, _, name in events]


def test_unlinking_the_last_name_deletes_the_watch_with_ignored_before_the_directory_hears():
    fs, group, inode = watched_fs()
    group.add_watch(fs.dirs["/d"], IN_DELETE)
    wd = group.add_watch(inode, IN_ATTRIB | IN_DELETE_SELF)
    assert do_linkat(fs, "/d/f", "/", "/d/g") == 0
    assert do_unlinkat(fs, "/", "/d/f") == 0  # a name is left: no IN_DELETE_SELF
    assert do_unlinkat(fs, "/", "/d/g") == 0
    assert names(read_all(group)) == [
        (wd, IN_ATTRIB, ""),  # the link's and the first unlink's, merged
        (1, IN_DELETE, "f"),
        (wd, IN_ATTRIB, ""),
        (wd, IN_DELETE_SELF, ""),
        (wd, IN_IGNORED, ""),
        (1, IN_DELETE, "g"),
    ]
    assert group.rm_watch(wd) == -EINVAL
    assert inode not in fs.marks


def test_a_pinned_name_delays_delete_self_until_its_last_pin_goes():
    fs, group, inode = watched_fs()
    wd = group.add_watch(inode, IN_DELETE_SELF)
    dget(fs, "/d/f", inode)
    dget(fs, "/d/f", inode)
    assert do_unlinkat(fs, "/", "/d/f") == 0
    assert read_all(group) == -EAGAIN
    dput(fs, "/d/f", inode)
    assert read_all(group) == -EAGAIN
    dput(fs, "/d/f", inode)
    assert names(read_all(group)) == [(wd, IN_DELETE_SELF, ""), (wd, IN_IGNORED, "")]
    assert fs.pinned == {}


def test_an_unpinned_last_name_deletes_at_once_though_another_name_is_pinned():
    fs, group, inode = watched_fs()
    wd = group.add_watch(inode, IN_DELETE_SELF)
    assert do_linkat(fs, "/d/f", "/", "/d/g") == 0
    dget(fs, "/d/f", inode)
    assert do_unlinkat(fs, "/", "/d/f") == 0
    assert do_unlinkat(fs, "/", "/d/g") == 0
    assert names(read_all(group)) == [(wd, IN_DELETE_SELF, ""), (wd, IN_IGNORED, "")]
    dput(fs, "/d/f", inode)  # the watch is gone: nothing more
    assert read_all(group) == -EAGAIN


def test_rmdir_deletes_the_directory_watch_without_isdir():
    fs, group, _ = watched_fs()
    assert do_mkdirat(fs, "/", "/d/e") == 0
    parent = group.add_watch(fs.dirs["/d"], IN_DELETE)
    wd = group.add_watch(fs.dirs["/d/e"], IN_DELETE_SELF)
    assert do_rmdir(fs, "/", "/d/e") == 0
    assert names(read_all(group)) == [
        (wd, IN_DELETE_SELF, ""),
        (wd, IN_IGNORED, ""),
        (parent, IN_DELETE | IN_ISDIR, "e"),
    ]


def test_excl_unlink_holds_back_an_unlinked_files_events_for_its_marks_only():
    fs, group, inode = watched_fs()
    other = Inotify(fs, 0)
    group.add_watch(fs.dirs["/d"], IN_MODIFY | IN_EXCL_UNLINK)
    other.add_watch(fs.dirs["/d"], IN_MODIFY)
    fsnotify_path(fs, "/d/f", inode, IN_MODIFY, True)
    assert read_all(group) == -EAGAIN
    assert names(read_all(other)) == [(1, IN_MODIFY, "f")]
    fsnotify_path(fs, "/d/f", inode, IN_MODIFY)  # not unlinked (or no file in the event)
    assert names(read_all(group)) == [(1, IN_MODIFY, "f")]


def test_a_full_queue_takes_one_overflow_event_then_drops_until_it_is_read():
    fs, group, inode = watched_fs()
    for i in range(MAX_QUEUED_EVENTS):
        group.queue(1, IN_MODIFY if i % 2 else IN_ACCESS, 0, "")
    group.queue(1, IN_OPEN, 0, "")
    group.queue(1, IN_ATTRIB, 0, "")
    assert len(group.events) == MAX_QUEUED_EVENTS + 1
    assert group.events[-1] == (-1, IN_Q_OVERFLOW, 0, "")
    buf = bytearray(16 * (MAX_QUEUED_EVENTS + 1))
    assert group.read_nb(None, memoryview(buf)) == len(buf)  # type: ignore[arg-type]
    group.queue(1, IN_OPEN, 0, "")
    assert read_all(group) == [(1, IN_OPEN, 0, "")]


def test_overflow_is_queued_again_once_the_first_is_read():
    fs, group, inode = watched_fs()
    for i in range(MAX_QUEUED_EVENTS + 1):
        group.queue(1, IN_MODIFY if i % 2 else IN_ACCESS, 0, "")
    assert group.events[-1][0] == -1
    tail = bytearray(16 * MAX_QUEUED_EVENTS)
    assert group.read_nb(None, memoryview(tail)) == len(tail)  # type: ignore[arg-type]
    group.queue(1, IN_OPEN, 0, "")  # behind the queued overflow event: room again
    assert read_all(group) == [(-1, IN_Q_OVERFLOW, 0, ""), (1, IN_OPEN, 0, "")]
    for i in range(MAX_QUEUED_EVENTS + 1):
        group.queue(1, IN_MODIFY if i % 2 else IN_ACCESS, 0, "")
    assert group.events[-1] == (-1, IN_Q_OVERFLOW, 0, "")


def test_open_trunc_of_a_new_file_modifies_nothing_and_close_ends_the_pin():

    def body(out: dict) -> object:
        yield from mkdir("/t", 0o755)
        ifd = yield from inotify_init1(O_NONBLOCK)
        yield from inotify_add_watch(ifd, "/t", IN_CREATE | IN_OPEN | IN_MODIFY)
        fd = yield from open("/t/f", O_CREAT | O_TRUNC | O_WRONLY, 0o644)
        yield from close(fd)
        fd = yield from open("/t/f", O_TRUNC | O_WRONLY, 0)  # an existing file: truncated
        yield from inotify_add_watch(ifd, "/t/f", IN_DELETE_SELF)
        keep = yield from open("/t/f", O_RDONLY, 0)
        yield from close(fd)
        yield from unlink("/t/f")
        buf = bytearray(512)
        n = yield from read(ifd, buf, 512)
        out["before"] = [(wd, mask, name) for wd, mask, _, name in inotify_events(buf, n)]
        yield from close(keep)
        n = yield from read(ifd, buf, 512)
        out["after"] = [(wd, mask, name) for wd, mask, _, name in inotify_events(buf, n)]

    out = run_threads(body)
    assert out["before"] == [
        (1, IN_CREATE, "f"),
        (1, IN_OPEN, "f"),  # and the second open's, merged: no IN_MODIFY between them
        (1, IN_MODIFY, "f"),
        (1, IN_OPEN, "f"),
    ]
    assert out["after"] == [(2, IN_DELETE_SELF, ""), (2, IN_IGNORED, "")]


def test_an_open_directory_raises_open_and_close_with_isdir_but_its_move_self_has_none():
    fs, group, _ = watched_fs()
    assert do_mkdirat(fs, "/", "/d/e") == 0
    parent = group.add_watch(fs.dirs["/d"], IN_OPEN | IN_CLOSE_NOWRITE | IN_MOVED_FROM)
    wd = group.add_watch(fs.dirs["/d/e"], IN_OPEN | IN_CLOSE_NOWRITE | IN_MOVE_SELF)
    directory = DirFile("/d/e", 0, fs)
    directory.notify(IN_OPEN)
    directory.release(None)
    assert do_renameat2(fs, "/", "/d/e", "/", "/d/x", 0) == 0
    assert names(read_all(group)) == [
        (parent, IN_OPEN | IN_ISDIR, "e"),
        (wd, IN_OPEN | IN_ISDIR, ""),
        (parent, IN_CLOSE_NOWRITE | IN_ISDIR, "e"),
        (wd, IN_CLOSE_NOWRITE | IN_ISDIR, ""),
        (parent, IN_MOVED_FROM | IN_ISDIR, "e"),
        (wd, IN_MOVE_SELF, ""),
    ]
    assert fs.pinned == {}


def test_a_rename_over_a_watched_file_deletes_its_watch_after_the_move_events():
    """renameat over an existing file (fsnotify_move, then the target's dentry put): the directory's
    IN_MOVED_FROM / IN_MOVED_TO, the replaced file's IN_ATTRIB, the moved file's IN_MOVE_SELF, then
    the replaced file's IN_DELETE_SELF and IN_IGNORED; the moved file keeps its watch."""
    fs, group, moved = watched_fs()
    target = fs.inodes["/d/t"] = Inode("/d/t")
    group.add_watch(fs.dirs["/d"], IN_MOVED_FROM | IN_MOVED_TO)
    src = group.add_watch(moved, IN_ALL_EVENTS)
    dst = group.add_watch(target, IN_ALL_EVENTS)
    assert do_renameat2(fs, "/", "/d/f", "/", "/d/t", 0) == 0
    assert names(read_all(group)) == [
        (1, IN_MOVED_FROM, "f"),
        (1, IN_MOVED_TO, "t"),
        (dst, IN_ATTRIB, ""),
        (src, IN_MOVE_SELF, ""),
        (dst, IN_DELETE_SELF, ""),
        (dst, IN_IGNORED, ""),
    ]
    assert target not in fs.marks and moved in fs.marks


def test_a_rename_over_a_pinned_or_linked_target_keeps_its_watch():
    """The replaced file's dentry pinned by an open file: IN_DELETE_SELF waits for the last pin;
    a replaced file with another name left: IN_ATTRIB only."""
    fs, group, _ = watched_fs()
    target = fs.inodes["/d/t"] = Inode("/d/t")
    wd = group.add_watch(target, IN_ATTRIB | IN_DELETE_SELF)
    dget(fs, "/d/t", target)
    assert do_renameat2(fs, "/", "/d/f", "/", "/d/t", 0) == 0
    assert names(read_all(group)) == [(wd, IN_ATTRIB, "")]
    dput(fs, "/d/t", target)
    assert names(read_all(group)) == [(wd, IN_DELETE_SELF, ""), (wd, IN_IGNORED, "")]
    linked = fs.inodes["/d/u"] = fs.inodes["/d/v"] = Inode("/d/u")
    wd = group.add_watch(linked, IN_ATTRIB | IN_DELETE_SELF)
    assert do_renameat2(fs, "/", "/d/t", "/", "/d/u", 0) == 0
    assert names(read_all(group)) == [(wd, IN_ATTRIB, "")]
    assert linked in fs.marks


def test_a_rename_over_an_empty_watched_directory_reports_its_attrib_with_isdir():
    """A directory replaced by a rename: its IN_ATTRIB carries IN_ISDIR, its IN_DELETE_SELF not."""
    fs, group, _ = watched_fs()
    assert do_mkdirat(fs, "/", "/d/a") == 0
    assert do_mkdirat(fs, "/", "/d/b") == 0
    wd = group.add_watch(fs.dirs["/d/b"], IN_ALL_EVENTS)
    assert do_renameat2(fs, "/", "/d/a", "/", "/d/b", 0) == 0
    assert names(read_all(group)) == [(wd, IN_ATTRIB | IN_ISDIR, ""), (wd, IN_DELETE_SELF, ""), (wd, IN_IGNORED, "")]
