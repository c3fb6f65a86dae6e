"""The differential fuzzer's second object-state mode (``--mode state2``): TCP and UDP over loopback,
FIFOs and inotify descriptors in odd states, then requests on them.

The case's shape is the state mode's (:func:`~simuring.conform.difffuzz_state.build`: a ring, the
spare pipe and file, one or two objects, one or two requests drawn by
:func:`~simuring.conform.difffuzz_state._request`, each settled); only the object kinds differ, so
the state mode's seeds keep their cases.  The kinds (:data:`STATES`):

* ``tcp``: a connected loopback pair ``[client, accepted]`` (tcp(7)) holding data, with the peer
  shut down for writing, closed, or closed after sending; a listener with no connection or with
  one waiting in its accept queue ``[listener, client]``; a socket never connected (bound or not).
* ``udp``: a pair on loopback (udp(7)), ``[a, b]`` with ``b`` connected to ``a``'s port (and ``a``
  to ``b``'s or unconnected), holding a datagram or not; ``b`` with ``a`` closed; an unbound socket.
* ``fifo``: mkfifo(3) opened both ends ``[reader (O_NONBLOCK), writer]`` (fifo(7)), holding data or
  not, with the writer closed, or opened once O_RDWR.
* ``inotify``: inotify_init1(2) (blocking or IN_NONBLOCK) watching a directory, with nothing queued
  or the events of a file created, written and closed in it queued (inotify(7)).

Requests see a TCP or UDP socket as the state mode sees a unix socket, a FIFO as a pipe.

Determinism: every change a state makes across two sockets (data, a shutdown, a close) is waited
for before the requests (a POLL_ADD of the event on the receiving socket, settled), as the ``lin-``
and ``lud-`` scenarios do; a listener's pending connection is waited for the same way.  Ports are
fixed (29900-29919, below the ephemeral range, above the scenarios'), every TCP socket that binds
sets SO_REUSEADDR (a previous case's TIME_WAIT), and no ephemeral port is recorded.  Paths are under
the run's private directory.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

from simuring.conform.difffuzz_case import DiffCase
from simuring.conform.difffuzz_state import Kinds, build, settle_one

#: The first TCP port (one per object index) and the first UDP port (two per object index).
TCP_PORT, UDP_PORT = 29900, 29910
#: <asm-generic/socket.h>: SOL_SOCKET, SO_REUSEADDR; <poll.h>: POLLIN, POLLRDHUP; shutdown(2)'s SHUT_WR.
SOL_SOCKET, SO_REUSEADDR = 1, 2
POLLIN, POLLRDHUP = 0x1, 0x2000
SHUT_WR = 1
#: inotify(7): IN_NONBLOCK, IN_ALL_EVENTS.
IN_NONBLOCK, IN_ALL_EVENTS = 0o4000, 0xFFF
#: The user_data of the POLL_ADD a state waits with.
WAIT_UD = 1


def wait_for(L: Any, ring: Any, fd: int, mask: int) -> Generator[Any, Any, None]:
    """A POLL_ADD of ``mask`` on ``fd``, settled: waits for what a state changed on another socket to
    arrive (loopback delivers in softirq context), or cancels it after the settle time."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_add(sqe, fd, mask)
    L.io_uring_sqe_set_data64(sqe, WAIT_UD)
    yield from L.io_uring_submit(ring)
    yield from settle_one(L, ring, WAIT_UD)


def _inet(port: int) -> str:
    return f"L.SockaddrIn({port}, bytes([127, 0, 0, 1]), L.AF_INET), 16"


def _tcp_bound(var: str, port: int) -> list[str]:
    """A TCP socket ``var`` with SO_REUSEADDR bound to 127.0.0.1:``port``."""
    return [
        f"{var} = yield from L.socket(L.AF_INET, L.SOCK_STREAM, 0)",
        f"yield from L.setsockopt({var}, {SOL_SOCKET}, {SO_REUSEADDR}, bytearray((1).to_bytes(4, 'little')), 4)",
        f"yield from L.bind({var}, {_inet(port)})",
    ]


def _wait(fd: str, mask: int) -> str:
    return f"yield from wait_for(L, ring, {fd}, {mask:#x})"


def _tcp(name: str, rng: random.Random, state: str) -> list[str]:
    port = TCP_PORT + int(name[1:])
    if state == "unconnected":
        lines = _tcp_bound("s", port) if rng.random() < 0.5 else ["s = yield from L.socket(L.AF_INET, L.SOCK_STREAM, 0)"]
        return [*lines, f"{name} = [s]"]
    lines = [*_tcp_bound("lis", port), "yield from L.listen(lis, 4)"]
    lines += ["c = yield from L.socket(L.AF_INET, L.SOCK_STREAM, 0)", f"yield from L.connect(c, {_inet(port)})"]
    if state == "listen-pending":
        return [*lines, _wait("lis", POLLIN), f"{name} = [lis, c]"]
    if state == "listen":
        return [*_tcp_bound("lis", port), "yield from L.listen(lis, 4)", f"{name} = [lis]"]
    flags = rng.choice(("0", "0", "L.SOCK_NONBLOCK"))
    lines += [f"a = yield from L.accept4(lis, None, None, {flags})", "yield from L.close(lis)", f"{name} = [c, a]"]
    if rng.random() < 0.5:  # either end may be the one the state is seen from
        lines.append(f"{name}.reverse()")
    if state in ("data", "data-peer-closed"):
        lines.append(f"yield from L.send({name}[1], b'tcp-data', 8, 0)")
    if state == "peer-shut-wr":
        lines += ["sqe = L.io_uring_get_sqe(ring)", f"L.io_uring_prep_shutdown(sqe, {name}[1], {SHUT_WR})", "L.io_uring_sqe_set_data64(sqe, 2)"]
        lines += ["yield from L.io_uring_submit(ring)", "yield from settle_one(L, ring, 2)"]
    if state.endswith("peer-closed"):
        lines.append(f"yield from L.close({name}[1])")
    return [*lines, _wait(f"{name}[0]", POLLIN if state == "data" else POLLRDHUP)]


def _udp(name: str, rng: random.Random, state: str) -> list[str]:
    port = UDP_PORT + 2 * int(name[1:])
    lines = [f"{name} = [0, 0]"]
    if state == "unbound":
        return [*lines, f"{name}[0] = yield from L.socket(L.AF_INET, L.SOCK_DGRAM, 0)"]
    for end in (0, 1):
        lines += [f"{name}[{end}] = yield from L.socket(L.AF_INET, L.SOCK_DGRAM, 0)", f"yield from L.bind({name}[{end}], {_inet(port + end)})"]
    lines.append(f"yield from L.connect({name}[1], {_inet(port)})")
    if state == "peer-closed":
        return [*lines, f"yield from L.close({name}[0])", f"{name}.reverse()"]
    if state == "connected" or rng.random() < 0.5:
        lines.append(f"yield from L.connect({name}[0], {_inet(port + 1)})")
    if state == "data":
        lines += [f"yield from L.send({name}[1], b'udp-data', 8, 0)", _wait(f"{name}[0]", POLLIN)]
    return lines


def _fifo(name: str, rng: random.Random, state: str) -> list[str]:
    path = f"/dfz-fifo{name}"
    lines = [f"yield from L.mkfifo({path!r}, 0o600)"]
    if state == "rdwr":
        return [*lines, f"{name} = yield from L.open({path!r}, L.O_RDWR, 0)", f"yield from L.write({name}, b'fifo-rw', 7)"]
    lines += [f"{name} = [0, 0]", f"{name}[0] = yield from L.open({path!r}, L.O_RDONLY | L.O_NONBLOCK, 0)"]
    lines.append(f"{name}[1] = yield from L.open({path!r}, L.O_WRONLY{rng.choice(('', ' | L.O_NONBLOCK'))}, 0)")
    if state == "data" or (state == "wclosed" and rng.random() < 0.5):
        lines.append(f"yield from L.write({name}[1], b'fifo-data', 9)")
    if state == "wclosed":
        lines.append(f"yield from L.close({name}[1])")
    return lines


def _inotify(name: str, rng: random.Random, state: str) -> list[str]:
    top = f"/dfz-watch{name}"
    lines = [f"yield from L.mkdir({top!r}, 0o755)", f"{name} = yield from L.inotify_init1({rng.choice((0, IN_NONBLOCK)):#o})"]
    lines.append(f"yield from L.inotify_add_watch({name}, {top!r}, {rng.choice((IN_ALL_EVENTS, 0x2, 0x100)):#x})")
    if state == "events":
        lines += [f"w = yield from L.open({top + '/f'!r}, L.O_CREAT | L.O_WRONLY, 0o644)", "yield from L.write(w, b'watched', 7)", "yield from L.close(w)"]
    return lines


#: kind -> (states, the lines that make one in a state).
STATES = {
    "tcp": (("data", "peer-shut-wr", "peer-closed", "data-peer-closed", "listen", "listen-pending", "unconnected"), _tcp),
    "udp": (("bound", "connected", "data", "peer-closed", "unbound"), _udp),
    "fifo": (("data", "empty", "wclosed", "rdwr"), _fifo),
    "inotify": (("empty", "events"), _inotify),
}


def _targets(kind: str, name: str, state: str) -> tuple[str, ...]:
    """The descriptors of object ``name`` requests may use (never a closed one)."""
    if kind == "inotify" or (kind == "fifo" and state == "rdwr"):
        return (name,)
    if state in ("wclosed", "peer-closed", "data-peer-closed", "listen", "unconnected", "unbound"):
        return (f"{name}[0]",)
    return (f"{name}[0]", f"{name}[1]")


def _request_kind(kind: str) -> str:
    """How :func:`~simuring.conform.difffuzz_state._request` sees ``kind``: a socket, a pipe, or neither."""
    return {"tcp": "sock", "udp": "sock", "fifo": "pipe"}.get(kind, kind)


KINDS = Kinds("STATE2", STATES, _targets, _request_kind, {}, "from simuring.conform.difffuzz_state2 import settle_one, wait_for")


def generate(seed: int) -> DiffCase:
    """The state2 case of ``seed``: the same for the same seed."""
    return build(seed, KINDS)
