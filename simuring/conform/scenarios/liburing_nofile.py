"""RLIMIT_NOFILE, as liburing's file-register-nofile test meets it, written from getrlimit(2) /
setrlimit(2) / prlimit(2), io_uring_register(2) (IORING_REGISTER_FILES: "-EMFILE ... exceeds the
maximum allowed number of files") and io_uring_register_files(3); names prefixed ``lnf-``.

The two sides start from different limits (the real process's are the machine's), so a scenario sets
the soft limit itself before it records it, records the hard limit only as "unchanged", and never
records a descriptor number (but inotify_init1(2)'s, which the call log keeps, as in the ``lno-*``
scenarios): where it needs the table full it opens a file, closes it and makes that
number the soft limit (the lowest free descriptor is then at the limit).  No scenario changes the hard
limit: raising one needs CAP_SYS_RESOURCE, which root lacks on the development machines (a container's
bounding set), so a lowered one could not be put back; the real side puts the soft limit back after
every scenario."""

from __future__ import annotations

from typing import Any

from simuring.abi.inotify import IN_ALL_EVENTS, IN_NONBLOCK, inotify_events
from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    make_file,
    new_pipe,
    new_ring,
    one_result,
    prep_named,
)
from simuring.conform.scenarios.liburing_socket import client, listener
from simuring.uapi import (
    IORING_FILE_INDEX_ALLOC,
    IORING_REGISTER_FILES,
    IORING_UNREGISTER_FILES,
    IOSQE_FIXED_FILE,
    IOSQE_IO_HARDLINK,
)

TAGS = ("liburing", "nofile", "files")
AT_FDCWD = -100
RLIM_NLIMITS = 16
NR_OPEN = 1024 * 1024  # fs.nr_open's default


def _hard(L: Any) -> Gen:
    rlim = L.Rlimit()
    yield from L.getrlimit(L.RLIMIT_NOFILE, rlim)
    return rlim.rlim_max


def _set(L: Any, cur: int) -> Gen:
    """setrlimit(2) of the soft limit to ``cur``, the hard one kept."""
    return (yield from L.setrlimit(L.RLIMIT_NOFILE, L.Rlimit(cur, (yield from _hard(L)))))


def _soft(L: Any, hard: int) -> Gen:
    """The soft limit, and whether the hard one is still ``hard``."""
    rlim = L.Rlimit()
    yield from L.getrlimit(L.RLIMIT_NOFILE, rlim)
    return [rlim.rlim_cur, rlim.rlim_max == hard]


@scenario("lnf-file-register-nofile", tags=TAGS)
def lnf_file_register_nofile(L: Any) -> Gen:
    """liburing's file-register-nofile: with a soft RLIMIT_NOFILE of 64, IORING_REGISTER_FILES of 65
    slots is -EMFILE from io_uring_register(2) itself (64 is accepted), while io_uring_register_files(3)
    of 128 slots succeeds: liburing meets the -EMFILE, raises the soft limit by 128 (to 192, the hard
    limit kept) and registers again."""
    ring = yield from new_ring(L, 8)
    hard = yield from _hard(L)
    yield from _set(L, 64)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, [-1] * 65, 65)
    if (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, [-1] * 64, 64)) == 0:
        yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, None, 0)
    L.record("limits before", (yield from _soft(L, hard)))
    yield from L.io_uring_register_files(ring, [-1] * 128, 128)
    L.record("limits after", (yield from _soft(L, hard)))
    yield from L.io_uring_queue_exit(ring)


@scenario("lnf-register-files2", tags=TAGS)
def lnf_register_files2(L: Any) -> Gen:
    """io_uring_register_files_sparse(3) and io_uring_register_files_tags(3) retry the same way after
    IORING_REGISTER_FILES2's -EMFILE: a soft limit of 16 becomes 16 + 40 for a sparse table of 40, then
    a table of 100 tagged empty slots raises it by 100 more; a table within the limit leaves it."""
    ring = yield from new_ring(L, 8)
    hard = yield from _hard(L)
    yield from _set(L, 16)
    yield from L.io_uring_register_files_sparse(ring, 8)
    L.record("within the limit", (yield from _soft(L, hard)))
    yield from L.io_uring_unregister_files(ring)
    yield from L.io_uring_register_files_sparse(ring, 40)
    L.record("after sparse 40", (yield from _soft(L, hard)))
    yield from L.io_uring_unregister_files(ring)
    yield from L.io_uring_register_files_tags(ring, [-1] * 100, [0] * 100, 100)
    L.record("after tags 100", (yield from _soft(L, hard)))
    yield from L.io_uring_queue_exit(ring)


@scenario("lnf-files-update", tags=TAGS)
def lnf_files_update(L: Any) -> Gen:
    """Only the registration of a table is held to RLIMIT_NOFILE: FILES_UPDATE of 16 slots of a table
    of 32, by the register command and by the opcode, works with a soft limit of 4."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 32)
    yield from _set(L, 4)
    yield from L.io_uring_register_files_update(ring, 0, [-1] * 16, 16)
    yield from one_result(L, ring, 1, "io_uring_prep_files_update", [-1] * 16, 16, 16)
    yield from L.io_uring_queue_exit(ring)


@scenario("lnf-setrlimit-errors", tags=TAGS)
def lnf_setrlimit_errors(L: Any) -> Gen:
    """setrlimit(2) / prlimit(2) of RLIMIT_NOFILE: a soft limit above the hard one is -EINVAL; a hard
    limit above fs.nr_open (1048576), or RLIM_INFINITY, is -EPERM (checked before any capability);
    the soft limit may go up to the hard one and down again; prlimit(2) on pid 0 returns the old limits
    while setting new ones; a resource number past RLIM_NLIMITS is -EINVAL."""
    hard = yield from _hard(L)
    L.record("soft above hard", (yield from L.setrlimit(L.RLIMIT_NOFILE, L.Rlimit(hard + 1, hard))))
    L.record("hard above nr_open", (yield from L.setrlimit(L.RLIMIT_NOFILE, L.Rlimit(100, NR_OPEN + 1))))
    L.record("infinity", (yield from L.setrlimit(L.RLIMIT_NOFILE, L.Rlimit(100, L.RLIM_INFINITY))))
    L.record("soft at hard", (yield from _set(L, hard)))
    L.record("soft at hard read", (yield from _soft(L, hard))[0] == hard)
    L.record("soft 100", (yield from _set(L, 100)))
    old = L.Rlimit()
    L.record("prlimit", (yield from L.prlimit(0, L.RLIMIT_NOFILE, L.Rlimit(70, hard), old)))
    L.record("prlimit old", [old.rlim_cur, old.rlim_max == hard])
    L.record("after prlimit", (yield from _soft(L, hard)))
    L.record("bad resource", (yield from L.getrlimit(RLIM_NLIMITS, L.Rlimit())))
    L.record("bad resource set", (yield from L.setrlimit(RLIM_NLIMITS, L.Rlimit(1, 1))))


@scenario("lnf-emfile", tags=(*TAGS, "openat"))
def lnf_emfile(L: Any) -> Gen:
    """With the soft limit at the lowest free descriptor, every call that needs a new descriptor is
    -EMFILE: open(2), pipe(2), socketpair(2), eventfd(2), epoll_create1(2), io_uring_setup(2) (through
    io_uring_queue_init(3)), and the requests OPENAT, SOCKET, PIPE and FIXED_FD_INSTALL; a direct OPENAT
    into a registered slot needs none and works; one more in the soft limit and open(2) works again."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lnf-f", b"abc")
    pipe = yield from new_pipe(L)
    yield from L.io_uring_register_files(ring, [pipe[1], -1], 2)
    probe = yield from L.open("/lnf-f", L.O_RDONLY, 0)
    if probe < 0:
        return
    yield from L.close(probe)
    L.record("set", (yield from _set(L, probe)))
    L.record("open", (yield from L.open("/lnf-f", L.O_RDONLY, 0)))
    L.record("pipe", (yield from L.pipe([0, 0])))
    L.record("socketpair", (yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, [0, 0])))
    L.record("eventfd", (yield from L.eventfd(0, 0)))
    L.record("epoll_create1", (yield from L.epoll_create1(0)))
    other = L.Ring()
    L.record("queue_init", (yield from L.io_uring_queue_init(4, other, 0)))
    yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lnf-f", L.O_RDONLY, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_STREAM, 0, 0)
    yield from one_result(L, ring, 3, "io_uring_prep_pipe", [0, 0], 0)
    yield from one_result(L, ring, 4, "io_uring_prep_fixed_fd_install", 0, 0)
    yield from one_result(L, ring, 5, "io_uring_prep_openat_direct", AT_FDCWD, "/lnf-f", L.O_RDONLY, 0, 1)
    yield from one_result(L, ring, 6, "io_uring_prep_read", 1, bytearray(4), 4, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from _set(L, probe + 1)
    fd = yield from L.open("/lnf-f", L.O_RDONLY, 0)
    L.record("open after", "fd" if fd >= 0 else fd)
    if fd >= 0:
        yield from L.close(fd)
    for f in pipe:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


def _full(L: Any, path: str) -> Gen:
    """Make the soft limit the lowest free descriptor (a file opened and closed): its number, or -1."""
    probe = yield from L.open(path, L.O_RDONLY, 0)
    if probe < 0:
        return -1
    yield from L.close(probe)
    yield from _set(L, probe)
    return probe


@scenario("lnf-accept", tags=(*TAGS, "socket"))
def lnf_accept(L: Any) -> Gen:
    """accept4(2) and ACCEPT take the new descriptor before the connection (``get_unused_fd_flags`` first):
    with the table full both are -EMFILE, on a listener with no connection pending too (not -EAGAIN),
    and the pending connection stays queued: with one more in the soft limit accept4(2) takes it."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lnf-a", b"")
    lis = yield from listener(L, "lnf-acc", 4, L.SOCK_NONBLOCK)
    empty = yield from listener(L, "lnf-acc-empty", 4, L.SOCK_NONBLOCK)
    cli = yield from client(L, "lnf-acc")
    probe = yield from _full(L, "/lnf-a")
    if probe < 0:
        return
    L.record("accept4 none pending", (yield from L.accept4(empty, None, None, 0)))
    L.record("accept4", (yield from L.accept4(lis, None, None, 0)))
    yield from one_result(L, ring, 1, "io_uring_prep_accept", lis, None, None, 0)
    yield from _set(L, probe + 1)
    fd = yield from L.accept4(lis, None, None, 0)
    L.record("accept4 after", "fd" if fd >= 0 else fd)
    if fd >= 0:
        yield from L.close(fd)
    for f in (cli, empty, lis):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


def _linked_round(
    L: Any, name: str, args: tuple[Any, ...], label: str, full_at_prep: bool = False, files: list[int] | None = None
) -> Gen:
    """On a ring of its own (with ``files`` registered): request ``name`` hard-linked behind a 200 ms
    TIMEOUT.  The table is made full (the soft limit at the lowest free descriptor) right after the
    submit, or with ``full_at_prep`` before it and made roomy again right after.  The two CQEs are
    recorded under ``label`` as ``[user_data, result]``, a descriptor as "fd" (its number is the
    process's business), and left in the CQ when the ring goes."""
    ring = yield from new_ring(L, 4)
    if files is not None:
        yield from L.io_uring_register_files(ring, files, len(files))
    probe = (yield from _full(L, "/lnf-p")) if full_at_prep else -1
    prep_named(L, ring, 100, "io_uring_prep_timeout", L.Timespec(0, 200_000_000), 0, 0, sqe_flags=IOSQE_IO_HARDLINK)
    prep_named(L, ring, 1, name, *args, sqe_flags=IOSQE_FIXED_FILE if files is not None else 0)
    yield from L.io_uring_submit(ring)
    if full_at_prep:
        yield from _set(L, probe + 16)
    else:
        probe = yield from _full(L, "/lnf-p")
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe_nr(ring, cqe, 2)
    cqes = L.Cqe(2)
    got = L.io_uring_peek_batch_cqe(ring, cqes, 2)
    L.record(label, [[c.user_data, "fd" if c.user_data == 1 and c.res > 0 else c.res] for c in cqes[:got]])
    yield from _set(L, probe + 16)
    yield from L.io_uring_queue_exit(ring)


@scenario("lnf-prep-time", tags=(*TAGS, "openat", "socket", "timeouts"))
def lnf_prep_time(L: Any) -> Gen:
    """OPENAT, SOCKET, ACCEPT and PIPE read RLIMIT_NOFILE when the SQE is prepared (``io_openat_prep``,
    ``io_socket_prep``, ``io_accept_prep`` and ``io_pipe_prep`` keep ``nofile``), FIXED_FD_INSTALL when it
    runs: each in turn is hard-linked behind a 200 ms TIMEOUT, and the soft limit is lowered to the lowest
    free descriptor right after the submit: the first four still get their descriptors (PIPE its 0),
    FIXED_FD_INSTALL is -EMFILE.  The other way round, an OPENAT prepared with the table full is -EMFILE
    although the limit is raised before it runs."""
    yield from make_file(L, "/lnf-p", b"")
    lis = yield from listener(L, "lnf-prep", 4, L.SOCK_NONBLOCK)
    cli = yield from client(L, "lnf-prep")
    pipe = yield from new_pipe(L)
    openat = (AT_FDCWD, "/lnf-p", L.O_RDONLY, 0)
    yield from _linked_round(L, "io_uring_prep_openat", openat, "openat")
    yield from _linked_round(L, "io_uring_prep_socket", (L.AF_UNIX, L.SOCK_STREAM, 0, 0), "socket")
    yield from _linked_round(L, "io_uring_prep_accept", (lis, None, None, 0), "accept")
    yield from _linked_round(L, "io_uring_prep_pipe", ([0, 0], 0), "pipe")
    yield from _linked_round(L, "io_uring_prep_fixed_fd_install", (0, 0), "fixed_fd_install", files=[pipe[1]])
    yield from _linked_round(L, "io_uring_prep_openat", openat, "openat full at prep", full_at_prep=True)
    for f in (cli, lis, *pipe):
        yield from L.close(f)


def _reopen(L: Any, label: str, path: str) -> Gen:
    """open(2) of ``path`` read-only, recorded under ``label`` as "fd" or -errno (a descriptor is closed)."""
    fd = yield from L.open(path, L.O_RDONLY, 0)
    L.record(label, "fd" if fd >= 0 else fd)
    if fd >= 0:
        yield from L.close(fd)


@scenario("lnf-open-order", tags=(*TAGS, "openat"))
def lnf_open_order(L: Any) -> Gen:
    """open(2) takes the descriptor before it walks the path (``do_sys_openat2``: ``build_open_flags``
    and ``getname`` first, then ``get_unused_fd_flags``, then ``do_filp_open``): with the table full it
    is -EMFILE for an existing file, a missing one (with O_CREAT and without), a name in a missing
    directory, O_CREAT | O_EXCL of an existing file, a directory opened for writing and an O_PATH open of
    a missing name; an empty path is still -ENOENT (``getname``).  The O_CREAT open created nothing."""
    yield from L.mkdir("/lnf-o", 0o755)
    yield from make_file(L, "/lnf-o/f", b"abc")
    probe = yield from _full(L, "/lnf-o/f")
    if probe < 0:
        return
    L.record("existing", (yield from L.open("/lnf-o/f", L.O_RDONLY, 0)))
    L.record("missing", (yield from L.open("/lnf-o/none", L.O_RDONLY, 0)))
    L.record("missing creat", (yield from L.open("/lnf-o/new", L.O_CREAT | L.O_RDWR, 0o644)))
    L.record("missing dir", (yield from L.open("/lnf-o/nodir/f", L.O_RDONLY, 0)))
    L.record("missing dir creat", (yield from L.open("/lnf-o/nodir/f", L.O_CREAT | L.O_RDWR, 0o644)))
    L.record("excl existing", (yield from L.open("/lnf-o/f", L.O_CREAT | L.O_EXCL | L.O_RDWR, 0o644)))
    L.record("dir for writing", (yield from L.open("/lnf-o", L.O_WRONLY, 0)))
    L.record("o_path missing", (yield from L.open("/lnf-o/none", L.O_PATH, 0)))
    L.record("empty", (yield from L.open("", L.O_RDONLY, 0)))
    yield from _set(L, probe + 1)
    yield from _reopen(L, "created after", "/lnf-o/new")
    yield from _reopen(L, "existing after", "/lnf-o/f")


def _how(flags: int, mode: int = 0, resolve: int = 0) -> bytearray:
    """``struct open_how`` (flags, mode, resolve: three little-endian u64)."""
    return bytearray(flags.to_bytes(8, "little") + mode.to_bytes(8, "little") + resolve.to_bytes(8, "little"))


RESOLVE_BENEATH = 0x08
RESOLVE_CACHED = 0x20


@scenario("lnf-openat-order", tags=(*TAGS, "openat", "openat2"))
def lnf_openat_order(L: Any) -> Gen:
    """OPENAT and OPENAT2 take the descriptor before the walk too (``io_openat2``: ``build_open_flags``,
    then ``__get_unused_fd_flags`` below the ``nofile`` read at prep, then ``do_filp_open``): with the
    table full each is -EMFILE, inline or from io-wq: an existing file, a missing one, a name in a missing
    directory, O_CREAT of a new name (forced to io-wq), a relative name from a descriptor not open (not
    -EBADF: ``path_init`` comes later), OPENAT2 with RESOLVE_CACHED of a name never looked up (not -EAGAIN)
    and with RESOLVE_BENEATH of an absolute path (not -EXDEV).  ``build_open_flags``'s errors come first:
    a mode without O_CREAT is -EINVAL, RESOLVE_CACHED with O_CREAT -EAGAIN.  Into a registered slot no
    descriptor is taken: a missing name is -ENOENT, an existing one opens (IORING_FILE_INDEX_ALLOC's slot
    0, then slot 2 given).  The O_CREAT request created nothing."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 4)
    yield from L.mkdir("/lnf-q", 0o755)
    yield from make_file(L, "/lnf-q/f", b"abc")
    probe = yield from _full(L, "/lnf-q/f")
    if probe < 0:
        return
    rd = L.O_RDONLY
    yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lnf-q/f", rd, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_openat", AT_FDCWD, "/lnf-q/none", rd, 0)
    yield from one_result(L, ring, 3, "io_uring_prep_openat", AT_FDCWD, "/lnf-q/nodir/f", rd, 0)
    yield from one_result(L, ring, 4, "io_uring_prep_openat", AT_FDCWD, "/lnf-q/new", L.O_CREAT | L.O_RDWR, 0o644)
    yield from one_result(L, ring, 5, "io_uring_prep_openat", 999, "f", rd, 0)
    yield from one_result(L, ring, 6, "io_uring_prep_openat2", AT_FDCWD, "/lnf-q/uncached", _how(rd, 0, RESOLVE_CACHED))
    yield from one_result(L, ring, 7, "io_uring_prep_openat2", AT_FDCWD, "/lnf-q/f", _how(rd, 0, RESOLVE_BENEATH))
    yield from one_result(L, ring, 8, "io_uring_prep_openat2", AT_FDCWD, "/lnf-q/f", _how(rd, 0o644))
    creat_cached = _how(L.O_CREAT | L.O_RDWR, 0o644, RESOLVE_CACHED)
    yield from one_result(L, ring, 9, "io_uring_prep_openat2", AT_FDCWD, "/lnf-q/new", creat_cached)
    yield from one_result(L, ring, 10, "io_uring_prep_openat_direct", AT_FDCWD, "/lnf-q/none", rd, 0, 0)
    yield from one_result(L, ring, 11, "io_uring_prep_openat_direct", AT_FDCWD, "/lnf-q/f", rd, 0, IORING_FILE_INDEX_ALLOC)
    yield from one_result(L, ring, 12, "io_uring_prep_openat2_direct", AT_FDCWD, "/lnf-q/f", _how(rd), 2)
    yield from _set(L, probe + 1)
    yield from _reopen(L, "created after", "/lnf-q/new")
    yield from L.io_uring_queue_exit(ring)


def _events(L: Any, ifd: int, label: str) -> Gen:
    """One read(2) of the inotify queue, recorded under ``label``: ``[wd, mask, name]`` each, or -errno."""
    buf = bytearray(4096)
    n = yield from L.read(ifd, buf, len(buf))
    L.record(label, [[wd, mask, name] for wd, mask, _, name in inotify_events(buf, n)] if n > 0 else n)


@scenario("lnf-open-notify", tags=(*TAGS, "openat", "notify"))
def lnf_open_notify(L: Any) -> Gen:
    """An open that fails -EMFILE opens nothing: with inotify watching a directory and the file in it
    and the table full, open(2) of the file, open(2) with O_CREAT of a new name and OPENAT of the file
    raise no event (no IN_CREATE, no IN_OPEN, no IN_CLOSE); a direct OPENAT of the file still opens
    it (IN_OPEN on the file and the directory)."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 2)
    yield from L.mkdir("/lnf-n", 0o755)
    yield from make_file(L, "/lnf-n/f", b"abc")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, "/lnf-n", IN_ALL_EVENTS)
    yield from L.inotify_add_watch(ifd, "/lnf-n/f", IN_ALL_EVENTS)
    probe = yield from _full(L, "/lnf-n/f")
    if probe < 0:
        return
    yield from L.read(ifd, bytearray(4096), 4096)  # the probe's open and close
    L.record("open", (yield from L.open("/lnf-n/f", L.O_RDONLY, 0)))
    L.record("open creat", (yield from L.open("/lnf-n/new", L.O_CREAT | L.O_RDWR, 0o644)))
    yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lnf-n/f", L.O_RDONLY, 0)
    yield from _events(L, ifd, "events at the limit")
    yield from one_result(L, ring, 2, "io_uring_prep_openat_direct", AT_FDCWD, "/lnf-n/f", L.O_RDONLY, 0, 0)
    yield from _events(L, ifd, "events direct")
    yield from _set(L, probe + 1)
    yield from L.io_uring_queue_exit(ring)
