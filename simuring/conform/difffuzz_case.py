"""The differential fuzzer's cases: one small deterministic scenario per seed, kept as Python source.

A case is a scenario in the library's form (a generator function of ``L``,
:mod:`simuring.conform.registry`), so it runs on both backends through the
conformance runner.  :func:`generate` draws it from ``random.Random(seed)``:

* a ring with one of a few safe setup flag sets;
* a pipe holding some bytes, a second pipe, an eventfd holding a count, a
  regular file with content (an absolute path, which the real side moves
  into the run's private temporary directory), a unix stream socketpair
  with data queued; maybe a registered file table and registered buffers;
* one to three SQEs of the chosen opcode, one per submit and each settled
  (reaped, or cancelled after a short wait) before the next: the SQE is
  first filled validly by the opcode's prep helper, then ONE OR TWO of its
  fields are set to an odd value.

Only fields that never hold a pointer in that opcode are perturbed
(:data:`OpSpec.fields`); pointers stay valid, paths stay inside the private
directory, and a request that would block is cancelled by :func:`settle`
after :data:`SETTLE_NS`, so no case can write into the harness's memory or
hang.  Before each SQE the case records ``["sqe", index, fields]``, which is
how a difference is traced to the perturbed fields.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import attrs

from simuring import uapi as U
from simuring.abi.limits import U16, U32, U64

#: Setup flag sets a case may use (none blocks a submit or needs SQPOLL timing).
RING_FLAGS: tuple[str, ...] = (
    "0",
    "IORING_SETUP_SUBMIT_ALL",
    "IORING_SETUP_COOP_TASKRUN",
    "IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN",
    "IORING_SETUP_CQSIZE",
)

#: How long a case waits for an SQE's completion before cancelling it (nanoseconds).
SETTLE_NS = 50_000_000

#: The objects' names in a case, in the order :func:`objects_source` makes them.
FILE_PATH = "/dfz-file"
#: Registered-file table: slot -> the object it holds.
FIXED_TABLE = ("f", "p[0]", "p[1]", "sv[0]", "efd")


@attrs.frozen
class Field:
    """A perturbable SQE field: its attribute name and the odd values it may take."""

    name: str
    values: Callable[[random.Random], int]


@attrs.frozen
class OpSpec:
    """One opcode: the prep lines that fill a valid SQE (``sqe`` is bound), and its non-pointer fields.

    ``prep`` gets the rng and returns source lines; ``returns_fd`` says a
    non-negative res (without a direct slot) is a new descriptor to close.
    ``fd_values``: what ``fd`` may be set to where it is no descriptor (SOCKET's
    domain, FUTEX_WAKE's futex2 flags; a descriptor's number differs between the
    backends); ``fd_in_file_index``: ``file_index`` is SPLICE's / TEE's
    ``splice_fd_in``, a descriptor; ``op_flags_mask``: bits never set in the
    op-specific word (what the simulator does not model, docs/conformance.md).
    """

    name: str
    prep: Callable[[random.Random], list[str]]
    fields: tuple[str, ...]
    returns_fd: bool = False
    fd_values: tuple[str, ...] = ()
    fd_in_file_index: bool = False
    op_flags_mask: int = U32


def _pick(*options: int) -> Callable[[random.Random], int]:
    return lambda rng: rng.choice(options) if rng.random() < 0.8 else rng.getrandbits(32)


def _pick16(*options: int) -> Callable[[random.Random], int]:
    return lambda rng: rng.choice(options) if rng.random() < 0.8 else rng.getrandbits(16)


def _sqe_flags(rng: random.Random) -> int:
    bits = [U.IOSQE_FIXED_FILE, U.IOSQE_IO_DRAIN, U.IOSQE_ASYNC, U.IOSQE_BUFFER_SELECT, U.IOSQE_CQE_SKIP_SUCCESS, 1 << 7]
    value = 0
    for _ in range(rng.randint(1, 2)):
        value |= rng.choice(bits)
    return value


#: Field names and their odd values (op-specific words share ``op_flags``).
FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("flags", _sqe_flags),
        Field("ioprio", _pick16(1, 2, 3, 0x8000, 7 << 13, U16, U.IORING_RECVSEND_POLL_FIRST)),
        Field("op_flags", _pick(1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80, 0x100, 1 << 31, U32)),
        Field("buf_index", _pick16(1, 2, 7, U16)),
        Field("personality", _pick16(1, 2, U16)),
        Field("file_index", _pick(1, 2, 3, U32)),
        Field("len", _pick(0, 1, 2, 3, 7, 1 << 20, U32)),
        Field("off", lambda rng: rng.choice((1, 2, 3, 4096, 1 << 40, U64))),
        Field("addr3", lambda rng: rng.choice((1, 2, 0x1000, U64))),
        Field("fd", lambda rng: 0),  # chosen among the objects' descriptors by _fd_expr
    )
}

#: open(2) flags the simulator does not model (docs/conformance.md, opcodes/open.py): never set in OPENAT's word.
O_PATH = 0o10000000
O_DIRECT = 0o40000
O_TMPFILE_BIT = 0o20000000

#: Fields every opcode has in io_init_req's reach.
COMMON = ("flags", "ioprio", "buf_index", "personality", "fd")


def _fd_expr(rng: random.Random) -> str:
    return rng.choice(("-1", "1 << 20", "f", "p[0]", "p[1]", "q[1]", "sv[0]", "efd", "ring.ring_fd"))


def _rw(op: str, fds: Sequence[str], write: bool) -> Callable[[random.Random], list[str]]:
    def prep(rng: random.Random) -> list[str]:
        fd = rng.choice(fds)
        off = "0" if fd == "f" else "-1"
        if op in ("readv", "writev"):
            data = "[bytearray(b'abcdefgh'), bytearray(b'ijklmnop')]" if write else "[bytearray(8), bytearray(8)]"
            return [f"L.io_uring_prep_{op}(sqe, {fd}, {data}, 2, {off})"]
        if op.endswith("_fixed"):
            return [f"L.io_uring_prep_{op}(sqe, {fd}, bufs[0], 8, {off}, 0)"]
        data = "bytearray(b'0123456789abcdef')" if write else "bytearray(16)"
        length = "8" if fd == "efd" else "16"
        return [f"L.io_uring_prep_{op}(sqe, {fd}, {data}, {length}, {off})"]

    return prep


def _const(*lines: str) -> Callable[[random.Random], list[str]]:
    return lambda rng: list(lines)


RW = (*COMMON, "op_flags", "file_index", "addr3", "off")
NOT_RW = (*COMMON, "op_flags", "file_index", "addr3", "off", "len")
#: MSG_RING's ``file_index`` is the CQE flags IORING_MSG_RING_FLAGS_PASS hands on: never perturbed, since a
#: passed IORING_CQE_F_32 makes liburing's io_uring_cqe_seen step two slots, past the CQ tail (an endless peek).
MSG_RING_FIELDS = (*COMMON, "op_flags", "addr3", "off", "len")

#: A new AF_UNIX stream socket ``s``, autobound (a name of the kernel's choosing, so none collides), for BIND to
#: bind again and LISTEN / ACCEPT to listen on.
_UNBOUND = "s = yield from L.socket(L.AF_UNIX, L.SOCK_STREAM, 0)"
_AUTOBOUND = (_UNBOUND, "yield from L.bind(s, L.SockaddrUn(b''), 2)")
_EPOLL = (
    "from simuring.abi.epoll import epoll_event",
    "ep = yield from L.epoll_create1(0)",
    "yield from L.epoll_ctl(ep, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 5))",
)
#: One provided buffer (group 1) for READ_MULTISHOT: it reads once, then ends for want of buffers (never left armed).
_ONE_BUFFER = (
    "L.io_uring_prep_provide_buffers(sqe, pbuf, 16, 1, 1, 0)",
    "L.io_uring_sqe_set_data64(sqe, 90)",
    "yield from L.io_uring_submit(ring)",
    "yield from settle(L, ring, 90)",
    "sqe = L.io_uring_get_sqe(ring)",
)
#: One 4-byte provided buffer (group 1) for a multishot RECV: it takes 4 of the bytes queued, then ends for want
#: of another buffer (-ENOBUFS) with data left, so it is never left armed.  Its ``file_index`` (``optlen``: the
#: total a multishot RECV may receive, IORING_RECV_MSHOT_LIM) is not modelled, so not perturbed.
_ONE_SMALL_BUFFER = tuple(line.replace("pbuf, 16,", "pbuf, 4,") for line in _ONE_BUFFER)
_RECV_MSHOT = (
    "L.io_uring_prep_recv(sqe, sv[0], None, 0, 0)",
    "sqe.ioprio = IORING_RECV_MULTISHOT",
    "sqe.buf_group = 1",
    "L.io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT)",
)
#: A NOP linked to the request (LINK_TIMEOUT needs a head; a NOP completes inline, so nothing waits).
_LINK_HEAD = ("L.io_uring_prep_nop(sqe)", "L.io_uring_sqe_set_data64(sqe, 91)", "L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)", "sqe = L.io_uring_get_sqe(ring)")
_HOW = "bytearray((0).to_bytes(8, 'little') * 3)"

#: The opcodes added after the first 42 (docs/conformance.md): sockets, epoll, futex waits that never block
#: (the word holds 0, the value asked 1), path xattrs, OPENAT2, MADVISE of nothing at address 0, FIXED_FD_INSTALL,
#: URING_CMD's SIOCINQ, LINK_TIMEOUT, POLL_REMOVE updates, MSG_RING's CQE-flags and send-fd forms, READ_MULTISHOT,
#: a multishot POLL_ADD of an empty pipe, a multishot RECV.
EXTRA_OPS: tuple[OpSpec, ...] = (
    OpSpec("BIND", _const(_UNBOUND, "L.io_uring_prep_bind(sqe, s, L.SockaddrUn(b''), 2)"), (*COMMON, "op_flags", "file_index", "addr3", "len")),
    OpSpec("LISTEN", _const(*_AUTOBOUND, "L.io_uring_prep_listen(sqe, s, 4)"), NOT_RW),
    OpSpec("ACCEPT", _const(*_AUTOBOUND, "yield from L.listen(s, 4)", "L.io_uring_prep_accept(sqe, s, None, None, 0)"), NOT_RW, returns_fd=True),
    OpSpec("CONNECT", _const(_UNBOUND, "L.io_uring_prep_connect(sqe, s, L.SockaddrUn(b'\\0dfz-ops-nobody'), 18)"), (*COMMON, "op_flags", "file_index", "addr3", "len")),
    OpSpec("EPOLL_CTL", _const(*_EPOLL, "L.io_uring_prep_epoll_ctl(sqe, ep, sv[0], L.EPOLL_CTL_ADD, epoll_event(L.EPOLLIN, 6))"), (*COMMON, "op_flags", "file_index", "addr3", "len")),
    OpSpec("EPOLL_WAIT", _const(*_EPOLL, "L.io_uring_prep_epoll_wait(sqe, ep, bytearray(48), 4, 0)"), (*COMMON, "op_flags", "file_index", "addr3", "off")),
    OpSpec("FUTEX_WAIT", _const("L.io_uring_prep_futex_wait(sqe, word, 1, 0xFFFFFFFF, 0x82, 0)"), ("flags", "ioprio", "buf_index", "personality", "fd", "op_flags", "file_index", "addr3", "len"), fd_values=("-1", "1", "2", "3", "0x82", "1 << 20")),
    OpSpec("FUTEX_WAITV", _const("L.io_uring_prep_futex_waitv(sqe, [L.FutexWaitv(1, word, 0x82)], 1, 0)"), (*COMMON, "op_flags", "file_index", "addr3", "off")),
    OpSpec("MADVISE", _const("L.io_uring_prep_madvise(sqe, 0, 0, 0)"), (*COMMON, "op_flags", "file_index", "addr3")),
    OpSpec("FIXED_FD_INSTALL", _const("L.io_uring_prep_fixed_fd_install(sqe, 0, 0)"), NOT_RW, returns_fd=True),
    OpSpec("OPENAT2", _const(f"L.io_uring_prep_openat2(sqe, -100, {FILE_PATH!r}, {_HOW})"), (*COMMON, "op_flags", "file_index", "addr3", "off"), returns_fd=True),
    OpSpec("GETXATTR", _const(f"L.io_uring_prep_getxattr(sqe, 'user.dfz', bytearray(16), {FILE_PATH!r}, 16)"), (*COMMON, "op_flags", "file_index", "off")),
    OpSpec("SETXATTR", _const(f"L.io_uring_prep_setxattr(sqe, 'user.dfz', bytearray(b'value'), {FILE_PATH!r}, 0, 5)"), (*COMMON, "op_flags", "file_index", "off")),
    OpSpec("URING_CMD", _const("L.io_uring_prep_cmd_sock(sqe, SOCKET_URING_OP_SIOCINQ, sv[0], 0, 0, None, 0)"), (*COMMON, "op_flags", "file_index", "len")),
    OpSpec("LINK_TIMEOUT", _const(*_LINK_HEAD, "L.io_uring_prep_link_timeout(sqe, L.Timespec(0, 1_000_000), 0)"), NOT_RW),
    OpSpec("POLL_UPDATE", _const("L.io_uring_prep_poll_update(sqe, 0x1234, 0x5678, POLLIN, IORING_POLL_UPDATE_EVENTS)"), NOT_RW),
    OpSpec("MSG_RING_CQE_FLAGS", _const("L.io_uring_prep_msg_ring_cqe_flags(sqe, ring.ring_fd, 7, 0x77, IORING_MSG_RING_FLAGS_PASS, 1)"), MSG_RING_FIELDS),
    OpSpec("MSG_RING_FD", _const("L.io_uring_prep_msg_ring_fd(sqe, ring.ring_fd, 0, 4, 0x77, 0)"), NOT_RW),
    OpSpec("READ_MULTISHOT", _const(*_ONE_BUFFER, "L.io_uring_prep_read_multishot(sqe, p[0], 0, 0, 1)"), (*COMMON, "op_flags", "file_index", "addr3", "off")),
    OpSpec("POLL_MULTISHOT", _const("L.io_uring_prep_poll_multishot(sqe, q[0], POLLIN)"), NOT_RW),
    OpSpec("RECV_MULTISHOT", _const(*_ONE_SMALL_BUFFER, *_RECV_MSHOT), (*COMMON, "op_flags", "addr3")),
)  # fmt: skip

OPS: tuple[OpSpec, ...] = (
    OpSpec("NOP", _const("L.io_uring_prep_nop(sqe)"), (*NOT_RW,)),
    OpSpec("READ", _rw("read", ("f", "p[0]", "sv[0]", "efd"), False), RW),
    OpSpec("WRITE", _rw("write", ("f", "p[1]", "sv[1]", "efd"), True), RW),
    OpSpec("READV", _rw("readv", ("f", "p[0]", "sv[0]"), False), RW),
    OpSpec("WRITEV", _rw("writev", ("f", "p[1]", "sv[1]"), True), RW),
    OpSpec("READ_FIXED", _rw("read_fixed", ("f", "p[0]"), False), RW),
    OpSpec("WRITE_FIXED", _rw("write_fixed", ("f", "p[1]"), True), RW),
    OpSpec("FSYNC", _const("L.io_uring_prep_fsync(sqe, f, 0)"), NOT_RW),
    OpSpec("SYNC_FILE_RANGE", _const("L.io_uring_prep_sync_file_range(sqe, f, 16, 0, 0)"), NOT_RW),
    OpSpec("FADVISE", _const("L.io_uring_prep_fadvise(sqe, f, 0, 16, 0)"), NOT_RW),
    OpSpec("FALLOCATE", _const("L.io_uring_prep_fallocate(sqe, f, 0, 0, 128)"), (*COMMON, "op_flags", "file_index", "addr3", "off", "len")),
    OpSpec("FTRUNCATE", _const("L.io_uring_prep_ftruncate(sqe, f, 32)"), NOT_RW),
    OpSpec("POLL_ADD", _const("L.io_uring_prep_poll_add(sqe, p[0], POLLIN)"), NOT_RW),
    OpSpec("POLL_REMOVE", _const("L.io_uring_prep_poll_remove(sqe, 0x1234)"), (*COMMON, "op_flags", "file_index", "addr3", "len")),
    OpSpec("ASYNC_CANCEL", _const("L.io_uring_prep_cancel64(sqe, 0x1234, 0)"), NOT_RW),
    OpSpec("TIMEOUT", _const("L.io_uring_prep_timeout(sqe, L.Timespec(0, 1_000_000), 0, 0)"), NOT_RW),
    OpSpec("TIMEOUT_REMOVE", _const("L.io_uring_prep_timeout_remove(sqe, 0x1234, 0)"), (*COMMON, "file_index", "addr3", "len")),
    OpSpec("MSG_RING", _const("L.io_uring_prep_msg_ring(sqe, ring.ring_fd, 7, 0x77, 0)"), MSG_RING_FIELDS),
    OpSpec("SEND", _const("L.io_uring_prep_send(sqe, sv[0], bytearray(b'payload!'), 8, 0)"), (*COMMON, "op_flags", "file_index", "addr3")),
    OpSpec("RECV", _const("L.io_uring_prep_recv(sqe, sv[0], bytearray(16), 16, 0)"), (*COMMON, "op_flags", "file_index", "addr3")),
    OpSpec("SENDMSG", _const("L.io_uring_prep_sendmsg(sqe, sv[0], L.Msghdr([bytearray(b'msg!')]), 0)"), (*COMMON, "op_flags", "file_index", "addr3", "len")),
    OpSpec("RECVMSG", _const("L.io_uring_prep_recvmsg(sqe, sv[0], L.Msghdr([bytearray(16)]), 0)"), (*COMMON, "op_flags", "file_index", "addr3", "len")),
    OpSpec("SHUTDOWN", _const("L.io_uring_prep_shutdown(sqe, sv[1], 1)"), NOT_RW),
    OpSpec("SPLICE", _const("L.io_uring_prep_splice(sqe, p[0], -1, f, 0, 8, 0)"), (*COMMON, "op_flags", "file_index", "addr3", "off", "len"), fd_in_file_index=True),
    OpSpec("TEE", _const("L.io_uring_prep_tee(sqe, p[0], q[1], 8, 0)"), (*COMMON, "op_flags", "file_index", "addr3", "off", "len"), fd_in_file_index=True),
    OpSpec("OPENAT", _const(f"L.io_uring_prep_openat(sqe, -100, {FILE_PATH!r}, L.O_RDONLY, 0)"), NOT_RW, returns_fd=True, op_flags_mask=U32 & ~(O_PATH | O_DIRECT | O_TMPFILE_BIT)),
    OpSpec("STATX", _const(f"L.io_uring_prep_statx(sqe, -100, {FILE_PATH!r}, 0, 0x7FF, bytearray(256))"), (*COMMON, "op_flags", "file_index", "addr3", "len")),
    OpSpec("MKDIRAT", _const("L.io_uring_prep_mkdirat(sqe, -100, '/dfz-dir', 0o755)"), NOT_RW),
    OpSpec("UNLINKAT", _const("L.io_uring_prep_unlinkat(sqe, -100, '/dfz-gone', 0)"), NOT_RW),
    OpSpec("RENAMEAT", _const("L.io_uring_prep_renameat(sqe, -100, '/dfz-gone', -100, '/dfz-other', 0)"), NOT_RW),
    OpSpec("SYMLINKAT", _const("L.io_uring_prep_symlinkat(sqe, 'target', -100, '/dfz-link')"), NOT_RW),
    OpSpec("LINKAT", _const(f"L.io_uring_prep_linkat(sqe, -100, {FILE_PATH!r}, -100, '/dfz-hard', 0)"), NOT_RW),
    OpSpec("FSETXATTR", _const("L.io_uring_prep_fsetxattr(sqe, f, 'user.dfz', bytearray(b'value'), 0, 5)"), (*COMMON, "op_flags", "file_index", "addr3", "off")),
    OpSpec("FGETXATTR", _const("L.io_uring_prep_fgetxattr(sqe, f, 'user.dfz', bytearray(16), 16)"), (*COMMON, "op_flags", "file_index", "addr3", "off")),
    OpSpec("PIPE", _const("L.io_uring_prep_pipe(sqe, out, 0)"), NOT_RW),
    OpSpec("SOCKET", _const("L.io_uring_prep_socket(sqe, L.AF_UNIX, L.SOCK_STREAM, 0, 0)"), (*COMMON, "op_flags", "file_index", "addr3", "off", "len"), returns_fd=True, fd_values=("-1", "0", "1", "99", "1 << 20")),
    OpSpec("CLOSE", _const("L.io_uring_prep_close(sqe, spare)"), NOT_RW),
    OpSpec("FILES_UPDATE", _const("L.io_uring_prep_files_update(sqe, [efd], 1, 0)"), (*COMMON, "op_flags", "file_index", "addr3", "off")),
    OpSpec("PROVIDE_BUFFERS", _const("L.io_uring_prep_provide_buffers(sqe, pbuf, 16, 4, 1, 0)"), ("flags", "ioprio", "buf_index", "personality", "op_flags", "file_index", "addr3", "off")),
    OpSpec("REMOVE_BUFFERS", _const("L.io_uring_prep_remove_buffers(sqe, 1, 1)"), NOT_RW),
    OpSpec("FUTEX_WAKE", _const("L.io_uring_prep_futex_wake(sqe, word, 1, 0xFFFFFFFF, 2, 0)"), ("flags", "ioprio", "buf_index", "personality", "fd", "op_flags", "file_index", "addr3", "off", "len"), fd_values=("-1", "1", "2", "3", "0x82", "1 << 20")),
    OpSpec("SEND_ZC", _const("L.io_uring_prep_send_zc(sqe, sv[0], bytearray(b'payload!'), 8, 0, 0)"), (*COMMON, "op_flags", "file_index", "addr3")),
    *EXTRA_OPS,
)  # fmt: skip
OPS_BY_NAME = {spec.name: spec for spec in OPS}


@attrs.frozen
class Perturbed:
    """One SQE's odd fields: ``(name, value expression)`` pairs, in the order set."""

    fields: tuple[tuple[str, str], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(name for name, _ in self.fields))


@attrs.frozen
class DiffCase:
    """One seed's scenario: its opcode, each SQE's perturbed fields, and the program's source."""

    seed: int
    opcode: str
    sqes: tuple[Perturbed, ...]
    source: str


def _fixed_index(rng: random.Random) -> str:
    return str(rng.choice((0, 1, 2, 3, 4, 5, 100)))


def _perturb(rng: random.Random, spec: OpSpec, fixed_files: bool) -> Perturbed:
    names = sorted(rng.sample(spec.fields, rng.choice((1, 1, 2))))
    chosen: list[tuple[str, str]] = []
    for name in names:
        if name == "fd" and fixed_files and rng.random() < 0.4:
            chosen += [("flags", hex(U.IOSQE_FIXED_FILE)), ("fd", _fixed_index(rng))]
        elif name == "fd":
            chosen.append(("fd", rng.choice(spec.fd_values) if spec.fd_values else _fd_expr(rng)))
        elif name == "file_index" and spec.fd_in_file_index:
            chosen.append(("splice_fd_in", _fd_expr(rng)))
        elif name == "op_flags":
            chosen.append((name, hex(FIELDS[name].values(rng) & spec.op_flags_mask)))
        else:
            chosen.append((name, hex(FIELDS[name].values(rng))))
    flag_words = [int(expr, 16) for name, expr in chosen if name == "flags"]
    if len(flag_words) > 1:  # one flags word: a later one must not drop an IOSQE_FIXED_FILE set for fd
        merged = flag_words[0] | flag_words[1]
        chosen = [("flags", hex(merged))] + [(name, expr) for name, expr in chosen if name != "flags"]
    fixed = any(name == "flags" and int(expr, 16) & U.IOSQE_FIXED_FILE for name, expr in chosen)
    if fixed and spec.fd_values:  # fd is no descriptor: a table index means nothing to it
        chosen = [(name, expr) for name, expr in chosen if name != "fd"] + [("fd", rng.choice(spec.fd_values))]
    elif fixed and not any(name == "fd" and expr.isdigit() for name, expr in chosen):
        # a fixed file is named by its table index, never by a descriptor number (those differ between the backends)
        chosen = [(name, expr) for name, expr in chosen if name != "fd"] + [("fd", _fixed_index(rng))]
    return Perturbed(tuple(chosen))


def _setting(name: str, expr: str) -> str:
    if name == "flags":
        return f"L.io_uring_sqe_set_flags(sqe, {expr})"
    if name == "fd":
        return f"sqe.fd = {expr}"
    return f"sqe.{name} = {expr}"


def ring_source(ring_flags: str) -> list[str]:
    """The lines that set ``ring`` up with one of :data:`RING_FLAGS` (CQSIZE: 16 CQEs)."""
    if ring_flags == "IORING_SETUP_CQSIZE":
        init = ["params = L.Params(flags=IORING_SETUP_CQSIZE, cq_entries=16)", "yield from L.io_uring_queue_init_params(8, ring, params)"]
    else:
        init = [f"yield from L.io_uring_queue_init(8, ring, {ring_flags})"]
    return ["ring = L.Ring()", *init]


def program(doc: str, settle_import: str, body: list[str]) -> str:
    """A case's source: the module a scenario ``scenario(L)`` with docstring ``doc`` and ``body`` lives in."""
    return "\n".join(
        [
            f"# {doc}",
            "from simuring.uapi import *",
            settle_import,
            "",
            "",
            "def scenario(L):",
            f'    """{doc}"""',
            *(f"    {line}" for line in body),
            "",
        ]
    )


def objects_source(rng: random.Random, fixed_files: bool, fixed_bufs: bool) -> list[str]:
    """The lines that make the case's objects (every name an opcode's prep may use)."""
    lines = [
        "p = [0, 0]",
        "yield from L.pipe(p)",
        "yield from L.write(p[1], b'pipe-data' * 8, 72)",
        "q = [0, 0]",
        "yield from L.pipe(q)",
        f"efd = yield from L.eventfd({rng.randint(1, 9)}, 0)",
        f"f = yield from L.open({FILE_PATH!r}, L.O_CREAT | L.O_RDWR, 0o644)",
        "yield from L.write(f, b'0123456789abcdef' * 4, 64)",
        "sv = [0, 0]",
        "yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)",
        "yield from L.send(sv[1], b'sock-data', 9, 0)",
        "pbuf = bytearray(64)",
        "word = bytearray(4)",
    ]
    if fixed_files:
        lines.append(f"yield from L.io_uring_register_files(ring, [{', '.join(FIXED_TABLE)}], {len(FIXED_TABLE)})")
    lines.append("bufs = [bytearray(64), bytearray(64)]")
    if fixed_bufs:
        lines.append("yield from L.io_uring_register_buffers(ring, bufs, 2)")
    return lines


def _refill(spec: OpSpec) -> list[str]:
    """Lines run before each SQE so the request finds what it needs (and so does not block)."""
    if spec.name in ("READ", "READV", "READ_FIXED", "POLL_ADD", "SPLICE", "TEE"):
        return ["yield from L.write(p[1], b'more', 4)"]
    if spec.name in ("RECV", "RECVMSG", "RECV_MULTISHOT"):
        return ["yield from L.send(sv[1], b'more', 4, 0)"]
    if spec.name == "CLOSE":
        return ["spare = yield from L.eventfd(0, 0)"]
    if spec.name == "PIPE":
        return ["out = bytearray(b'\\xff' * 8)"]
    return []


def _sqe_source(index: int, spec: OpSpec, rng: random.Random, odd: Perturbed) -> list[str]:
    ud = 100 + index
    lines = [f"L.record('sqe', [{index}, {list(odd.names)!r}])", *_refill(spec), "sqe = L.io_uring_get_sqe(ring)"]
    lines += spec.prep(rng)
    lines.append(f"L.io_uring_sqe_set_data64(sqe, {ud})")
    lines += [_setting(name, expr) for name, expr in odd.fields]
    lines.append("yield from L.io_uring_submit(ring)")
    direct = any(name == "file_index" for name, _ in odd.fields)
    if spec.name == "PIPE" and not direct:
        lines.append(f"yield from settle(L, ring, {ud}, close=out)")
    elif spec.returns_fd and not direct:
        lines.append(f"yield from settle(L, ring, {ud}, close_res=True)")
    else:
        lines.append(f"yield from settle(L, ring, {ud})")
    return lines


def generate(seed: int, opcodes: Sequence[str] = ()) -> DiffCase:
    """The case of ``seed`` (over ``opcodes``, all of :data:`OPS` when empty): the same for the same arguments."""
    rng = random.Random(seed)
    names = [s.name for s in OPS] if not opcodes else list(opcodes)
    spec = OPS_BY_NAME[rng.choice(names)]
    ring_flags = rng.choice(RING_FLAGS)
    fixed_files = rng.random() < 0.4
    fixed_bufs = spec.name.endswith("_FIXED") or rng.random() < 0.2
    body = [*ring_source(ring_flags), *objects_source(rng, fixed_files, fixed_bufs)]
    sqes = []
    for index in range(rng.randint(1, 3)):
        odd = _perturb(rng, spec, fixed_files)
        sqes.append(odd)
        body += _sqe_source(index, spec, rng, odd)
    doc = f"difffuzz seed {seed}: {spec.name}, " + "; ".join(", ".join(s.names) for s in sqes)
    source = program(doc, "from simuring.conform.difffuzz_settle import settle", body)
    return DiffCase(seed, spec.name, tuple(sqes), source)
