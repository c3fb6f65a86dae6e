"""The differential fuzzer's object-state cases: a pipe, socket, eventfd or file in an odd state, then requests on it.

:func:`generate` draws, from ``random.Random(seed)``, a ring (one of
:data:`~simuring.conform.difffuzz_case.RING_FLAGS`), one or two objects, each
put into an odd state with plain syscalls (:data:`STATES`): a pipe full (16
blocking writes of a page, or non-blocking writes until -EAGAIN), empty and
O_NONBLOCK, emptied with its write end closed, with its read end closed; a unix
stream, datagram or seqpacket socketpair (sometimes SOCK_NONBLOCK) with the peer closed, with data and then the peer closed,
shut down (IORING_OP_SHUTDOWN, settled) for reading, writing or both, with its
send buffer full (MSG_DONTWAIT sends until -EAGAIN); an eventfd at 0, at
0xfffffffffffffffe (a write of 1 would block), in EFD_SEMAPHORE mode, with
EFD_NONBLOCK; a
regular file at its end, truncated under its offset, opened read-only,
write-only or O_APPEND.  Then one or two requests on an object (:func:`_request`):
READ / WRITE / READV / WRITEV with or without RWF_NOWAIT and IOSQE_ASYNC,
SEND / RECV / SENDMSG / RECVMSG with MSG_DONTWAIT, MSG_PEEK or MSG_WAITALL
(mostly on sockets, a few on other objects),
POLL_ADD with one of :data:`POLL_MASKS`, SPLICE / TEE, SHUTDOWN, FSYNC,
FTRUNCATE; one per submit, each settled
(:func:`settle_one`), and the bytes a read
request got recorded after it.

Safety, as the other modes: every pointer is a real buffer of the length
given, paths are under the private directory, a request that would wait is
cancelled by the settle, a send carries MSG_NOSIGNAL, and a write to a pipe
without readers only raises SIGPIPE, which the harness's Python process
ignores.  No outcome depends on timing: a request either completes at once
(inline, or on io-wq for a file that cannot wait) or waits on an object no
one touches until the settle cancels it.  Before each request the case
records ``["sqe", index, [state, request]]``.

The case's shape (:func:`build`) is shared with the state2 mode
(:mod:`simuring.conform.difffuzz_state2`: TCP, UDP, FIFOs, inotify), which
draws from kinds of its own (:class:`Kinds`), so that this mode's seeds keep
their cases.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Mapping
from typing import Any

import attrs

from simuring.conform.difffuzz_case import (
    RING_FLAGS,
    SETTLE_NS,
    DiffCase,
    Perturbed,
    program,
    ring_source,
)
from simuring.conform.difffuzz_settle import CANCEL_UD
from simuring.uapi import IORING_CQE_F_MORE

#: RWF_NOWAIT (include/uapi/linux/fs.h) and IOSQE_ASYNC.
RWF_NOWAIT = 0x08
IOSQE_ASYNC = 0x10
#: recv(2) / send(2) flags.
MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL = 0x02, 0x40, 0x100, 0x4000
#: POLL_ADD masks: POLLIN, POLLOUT, both, POLLRDHUP, POLLPRI, and everything (ERR / HUP included).
POLL_MASKS = (0x1, 0x4, 0x5, 0x2000, 0x2, 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x100 | 0x2000)
#: The file every case works on (inside the run's private directory).
STATE_FILE = "/dfz-state"
SOCK_TYPES = ("L.SOCK_STREAM", "L.SOCK_DGRAM", "L.SOCK_SEQPACKET")


def settle_one(L: Any, ring: Any, user_data: int, until_last: bool = False) -> Generator[Any, Any, None]:
    """Wait for request ``user_data``'s CQE, cancelling it if none came within ``SETTLE_NS``, and then
    for the cancel's too: every CQE is consumed by its own wait, so which wait sees which CQE does not
    depend on when a cancelled request's completion (task work, io-wq) is posted.  ``until_last``:
    the request's CQEs with IORING_CQE_F_MORE do not end it (a bundle SEND, a multishot RECV).
    (:func:`~simuring.conform.difffuzz_settle.settle` reaps what is visible after one wait: a late
    completion would be seen by the next request's wait instead.)"""
    cqe = L.Cqe()
    wanted = {user_data}
    while wanted:
        if (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, SETTLE_NS))) < 0:
            if CANCEL_UD in wanted or user_data not in wanted:
                return  # a cancelled request that does not complete: the difference shows as a missing CQE
            sqe = L.io_uring_get_sqe(ring)
            L.io_uring_prep_cancel64(sqe, user_data, 0)
            L.io_uring_sqe_set_data64(sqe, CANCEL_UD)
            yield from L.io_uring_submit(ring)
            wanted.add(CANCEL_UD)
            continue
        done = cqe[0]
        if not (until_last and done.user_data == user_data and done.flags & IORING_CQE_F_MORE):
            wanted.discard(done.user_data)
        L.io_uring_cqe_seen(ring, done)


def _loop(call: str, limit: int) -> list[str]:
    """``call`` repeated (each result recorded) until it fails, at most ``limit`` times."""
    return [f"for _ in range({limit}):", f"    if (yield from {call}) < 0:", "        break"]


def _pipe(name: str, rng: random.Random, state: str) -> list[str]:
    nonblock = state in ("full-nb", "empty-nb")
    lines = [f"{name} = [0, 0]", f"yield from L.pipe2({name}, L.O_NONBLOCK)" if nonblock else f"yield from L.pipe({name})"]
    if state == "full":  # the default pipe holds 16 pages: 16 writes of a page never block
        lines += ["for _ in range(16):", f"    yield from L.write({name}[1], bytes(4096), 4096)"]
    elif state == "full-nb":
        lines += _loop(f"L.write({name}[1], bytes(4096), 4096)", 20)
    elif state == "wclosed":
        lines += [f"yield from L.write({name}[1], b'tail', 4)"] if rng.random() < 0.5 else []
        lines.append(f"yield from L.close({name}[1])")
    elif state == "rclosed":
        lines.append(f"yield from L.close({name}[0])")
    elif state == "empty-nb":
        pass
    else:
        lines.append(f"yield from L.write({name}[1], b'pipe-data', 9)")
    return lines


def _sock(name: str, rng: random.Random, state: str) -> list[str]:
    kind = rng.choice(SOCK_TYPES) + (" | L.SOCK_NONBLOCK" if rng.random() < 0.25 else "")
    lines = [f"{name} = [0, 0]", f"yield from L.socketpair(L.AF_UNIX, {kind}, 0, {name})"]
    if state == "peer-closed":
        lines.append(f"yield from L.close({name}[1])")
    elif state == "data-peer-closed":
        lines += [f"yield from L.send({name}[1], b'last-words', 10, 0)", f"yield from L.close({name}[1])"]
    elif state.startswith("shut-"):
        how = {"shut-rd": 0, "shut-wr": 1, "shut-rdwr": 2}[state]
        side = rng.choice((0, 1))
        lines += [
            "sqe = L.io_uring_get_sqe(ring)",
            f"L.io_uring_prep_shutdown(sqe, {name}[{side}], {how})",
            "L.io_uring_sqe_set_data64(sqe, 1)",
            "yield from L.io_uring_submit(ring)",
            "yield from settle_one(L, ring, 1)",
        ]
    elif state == "sndbuf-full":
        size = rng.choice((4096, 65536))
        lines += _loop(f"L.send({name}[0], bytes({size}), {size}, {MSG_DONTWAIT | MSG_NOSIGNAL:#x})", 200)
    else:
        lines.append(f"yield from L.send({name}[1], b'sock-data', 9, 0)")
    return lines


def _efd(name: str, rng: random.Random, state: str) -> list[str]:
    if state == "zero":
        return [f"{name} = yield from L.eventfd(0, 0)"]
    if state == "max":
        return [f"{name} = yield from L.eventfd(0, 0)", f"yield from L.write({name}, (0xFFFFFFFFFFFFFFFE).to_bytes(8, 'little'), 8)"]
    if state == "nonblock":
        return [f"{name} = yield from L.eventfd({rng.choice((0, 0, 2))}, L.EFD_NONBLOCK)"]
    return [f"{name} = yield from L.eventfd({rng.randint(0, 3)}, L.EFD_SEMAPHORE)"]


def _file(name: str, rng: random.Random, state: str) -> list[str]:
    lines = [f"{name} = yield from L.open({STATE_FILE!r}, L.O_CREAT | L.O_RDWR, 0o644)", f"yield from L.write({name}, b'0123456789abcdef' * 4, 64)"]
    if state == "truncated":
        lines.append(f"yield from L.ftruncate({name}, {rng.choice((0, 16))})")
    elif state != "eof":
        mode = {"rdonly": "L.O_RDONLY", "wronly": "L.O_WRONLY", "append": rng.choice(("L.O_WRONLY | L.O_APPEND", "L.O_RDWR | L.O_APPEND"))}[state]
        lines.append(f"{name} = yield from L.open({STATE_FILE!r}, {mode}, 0)")
    return lines


#: kind -> (states, the lines that make one in a state).
STATES = {
    "pipe": (("full", "full-nb", "empty-nb", "wclosed", "rclosed", "data"), _pipe),
    "sock": (("peer-closed", "data-peer-closed", "shut-rd", "shut-wr", "shut-rdwr", "sndbuf-full", "data"), _sock),
    "efd": (("zero", "max", "sem", "nonblock"), _efd),
    "file": (("eof", "truncated", "rdonly", "wronly", "append"), _file),
}


def _targets(kind: str, name: str, state: str) -> tuple[str, ...]:
    """The descriptors of object ``name`` requests may use (never a closed one)."""
    if kind == "pipe":
        return {"wclosed": (f"{name}[0]",), "rclosed": (f"{name}[1]",)}.get(state, (f"{name}[0]", f"{name}[1]"))
    if kind == "sock":
        return (f"{name}[0]",) if "peer-closed" in state else (f"{name}[0]", f"{name}[1]")
    return (name,)


def _rw(rng: random.Random, fd: str, kind: str) -> tuple[str, list[str], bool]:
    op = rng.choice(("read", "write", "readv", "writev")) if kind != "efd" else rng.choice(("read", "write"))
    write = op.startswith("write")
    size = 8 if kind == "efd" else rng.choice((8, 16, 4096))
    data = f"bytearray(({rng.choice((1, 2))}).to_bytes(8, 'little'))" if kind == "efd" and write else f"bytearray(b'w' * {size})" if write else "buf"
    off = rng.choice(("-1", "0", "60")) if kind == "file" else "-1"
    args = f"[{data}], 1" if op.endswith("v") else f"{data}, {size}"
    lines = [f"buf = bytearray({size})", f"L.io_uring_prep_{op}(sqe, {fd}, {args}, {off})"]
    if rng.random() < 0.4:
        lines.append(f"sqe.op_flags = {RWF_NOWAIT:#x}")
    return op.upper(), lines, not write


def _net(rng: random.Random, fd: str) -> tuple[str, list[str], bool]:
    op = rng.choice(("send", "recv", "sendmsg", "recvmsg"))
    recv = op.startswith("recv")
    flags = rng.choice((0, MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, MSG_PEEK | MSG_DONTWAIT) if recv else (0, MSG_DONTWAIT, MSG_WAITALL)) | (0 if recv else MSG_NOSIGNAL)
    size = rng.choice((4, 16, 4096))
    lines = [f"buf = bytearray({size})"]
    if op == "send":
        lines.append(f"L.io_uring_prep_send(sqe, {fd}, bytearray(b's' * {size}), {size}, {flags:#x})")
    elif op == "recv":
        lines.append(f"L.io_uring_prep_recv(sqe, {fd}, buf, {size}, {flags:#x})")
    elif op == "sendmsg":
        lines.append(f"L.io_uring_prep_sendmsg(sqe, {fd}, L.Msghdr([bytearray(b'm' * {size})]), {flags:#x})")
    else:
        lines.append(f"L.io_uring_prep_recvmsg(sqe, {fd}, L.Msghdr([buf]), {flags:#x})")
    return op.upper(), lines, recv


def _splice(rng: random.Random, fd: str, kind: str) -> tuple[str, list[str], bool]:
    """SPLICE or TEE between ``fd`` and the case's spare pipe ``q`` (holding data) or file ``g``."""
    size = rng.choice((4, 16, 65536))
    if rng.random() < 0.3:
        src, dst = (fd, "q[1]") if rng.random() < 0.5 else ("q[0]", fd)
        return "TEE", [f"L.io_uring_prep_tee(sqe, {src}, {dst}, {size}, 0)"], False
    src, dst = rng.choice(((fd, "q[1]"), ("q[0]", fd), (fd, "g"), ("g", fd)))
    off_in = "0" if src == "g" or (kind == "file" and src == fd and rng.random() < 0.5) else "-1"
    off_out = "0" if dst == "g" else "-1"
    return "SPLICE", [f"L.io_uring_prep_splice(sqe, {src}, {off_in}, {dst}, {off_out}, {size}, 0)"], False


def _request(rng: random.Random, fd: str, kind: str) -> tuple[str, list[str], bool]:
    """One request on ``fd`` (an object of ``kind``): its name, prep lines, and whether it reads into ``buf``."""
    choice = rng.random()
    if choice < 0.35:
        name, lines, reads = _rw(rng, fd, kind)
    elif choice < 0.55 and (kind == "sock" or choice < 0.38):  # a few on what is no socket (-ENOTSOCK)
        name, lines, reads = _net(rng, fd)
    elif choice < 0.65:
        name, lines, reads = "POLL_ADD", [f"L.io_uring_prep_poll_add(sqe, {fd}, {rng.choice(POLL_MASKS):#x})"], False
    elif choice < 0.75 and kind != "sock":  # a pipe spliced to or from a socket is not modelled (opcodes/splice.py)
        name, lines, reads = _splice(rng, fd, kind)
    elif choice < 0.82:
        name, lines, reads = "SHUTDOWN", [f"L.io_uring_prep_shutdown(sqe, {fd}, {rng.choice((0, 1, 2))})"], False
    elif choice < 0.9:
        name, lines, reads = "FSYNC", [f"L.io_uring_prep_fsync(sqe, {fd}, {rng.choice((0, 1))})"], False
    elif choice < 0.95:
        name, lines, reads = "FTRUNCATE", [f"L.io_uring_prep_ftruncate(sqe, {fd}, {rng.choice((0, 8, 100))})"], False
    else:
        name, lines, reads = _rw(rng, fd, kind)
    if rng.random() < 0.25:
        lines.append(f"L.io_uring_sqe_set_flags(sqe, {IOSQE_ASYNC:#x})")
    return name, lines, reads


#: Makes one object of a kind in a state: (name, rng, state) -> its lines.
Maker = Callable[[str, random.Random, str], list[str]]


@attrs.frozen
class Kinds:
    """What a state mode generates: its objects' kinds, and how requests see them.

    ``states``: kind -> (its states, its maker); ``targets``: (kind, name, state) -> the descriptors
    requests may use; ``request_kind``: kind -> the kind :func:`_request` draws for; ``once``: kind ->
    the kind drawn instead when a case already holds one (the file, whose path is fixed)."""

    opcode: str
    states: Mapping[str, tuple[tuple[str, ...], Maker]]
    targets: Callable[[str, str, str], tuple[str, ...]]
    request_kind: Callable[[str], str]
    once: Mapping[str, str]
    imports: str


def build(seed: int, kinds: Kinds) -> DiffCase:
    """The case of ``seed`` over ``kinds``: a ring, the spare objects, one or two objects in odd states,
    one or two requests on them; the same for the same seed."""
    rng = random.Random(seed)
    body = ring_source(rng.choice(RING_FLAGS))
    body += [  # the spare objects SPLICE / TEE move data through
        "q = [0, 0]",
        "yield from L.pipe(q)",
        "yield from L.write(q[1], b'spare-pipe', 10)",
        "g = yield from L.open('/dfz-spare', L.O_CREAT | L.O_RDWR, 0o644)",
        "yield from L.write(g, b'spare-file', 10)",
    ]
    objects: list[tuple[str, str, str]] = []
    for index in range(rng.choice((1, 1, 2))):
        kind = rng.choice(sorted(kinds.states))
        if kind in kinds.once and any(k == kind for k, _, _ in objects):
            kind = kinds.once[kind]
        states, make = kinds.states[kind]
        state = rng.choice(states)
        name = f"o{index}"
        body += make(name, rng, state)
        objects.append((kind, name, state))
    requests = []
    for index in range(rng.randint(1, 2)):
        kind, name, state = rng.choice(objects)
        fd = rng.choice(kinds.targets(kind, name, state))
        op, prep, reads = _request(rng, fd, kinds.request_kind(kind))
        ud = 100 + index
        requests.append(Perturbed(((f"{kind}:{state}", op),)))
        body += [f"L.record('sqe', [{index}, [{kind + ':' + state!r}, {op!r}]])", "sqe = L.io_uring_get_sqe(ring)", *prep]
        body += [f"L.io_uring_sqe_set_data64(sqe, {ud})", "yield from L.io_uring_submit(ring)", f"yield from settle_one(L, ring, {ud})"]
        if reads:
            body.append("L.record('data', bytes(buf).hex())")
    doc = f"difffuzz {kinds.opcode.lower()} seed {seed}: " + "; ".join(f"{s} {op}" for r in requests for s, op in r.fields)
    return DiffCase(seed, kinds.opcode, tuple(requests), program(doc, kinds.imports, body))


#: The state mode: pipes, unix sockets, eventfds, files.
KINDS = Kinds("STATE", STATES, _targets, lambda kind: kind, {"file": "efd"}, "from simuring.conform.difffuzz_state import settle_one")


def generate(seed: int) -> DiffCase:
    """The state case of ``seed``: the same for the same seed."""
    return build(seed, KINDS)
