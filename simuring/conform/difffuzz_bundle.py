"""The differential fuzzer's bundle mode (``--mode bundle``): SEND and RECV bundles
(IORING_RECVSEND_BUNDLE) over provided buffers of random sizes, on sockets holding random data.

:func:`generate` draws, from ``random.Random(seed)``:

* buffers: group 1 as a buffer ring (io_uring_setup_buf_ring(3); sometimes incremental,
  IOU_PBUF_RING_INC) of 1 to 8 entries, each of a random small length (some 0), or as a legacy
  PROVIDE_BUFFERS group of one or two runs of equal-length buffers; each buffer holds distinct letters,
  so what a SEND takes is visible at the peer;
* a socket pair ``[me, peer]``: AF_UNIX stream (socketpair(2)), TCP loopback (the state2 mode's
  set-up: SO_REUSEADDR, a listener, connect, accept) or UDP loopback (two bound, connected sockets);
* what ``me`` holds: nothing, or bytes the peer sent (UDP: one to three datagrams), sometimes with
  the peer then shut down for writing (stream sockets);
* one to three SQEs, each a bundle SEND on ``me`` (io_uring_prep_send_bundle(3)) or a bundle RECV on
  ``me`` with IOSQE_BUFFER_SELECT, sometimes with IORING_RECV_MULTISHOT (RECV), MSG_WAITALL,
  IORING_RECVSEND_POLL_FIRST, IOSQE_ASYNC, a ``len`` cap.

Each SQE is settled by :func:`settle_bundle` (its CQEs until the one without IORING_CQE_F_MORE; one
still armed after the settle time is cancelled); then the ring's head is recorded
(io_uring_buf_ring_head(3), buffer rings), and after a SEND what reached the peer.  At the end the
buffers' bytes are recorded (where received data landed).

Determinism: the data is queued, and waited for at ``me`` (a POLL_ADD, settled) on TCP and UDP,
before the first SQE; a SEND's bytes are waited for at the peer the same way before they are read.
Ports are fixed (:data:`TCP_PORT`, :data:`UDP_PORT`: 29920-29922, next to the state2 mode's).
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

from simuring.conform.difffuzz_case import DiffCase, Perturbed, program
from simuring.conform.difffuzz_state import settle_one
from simuring.conform.difffuzz_state2 import POLLIN, SHUT_WR, _inet, _tcp_bound, wait_for

__all__ = ["MSG_WAITALL", "generate", "settle_bundle", "wait_for"]

#: The bundle mode's TCP port and first UDP port (two: one per end).
TCP_PORT, UDP_PORT = 29920, 29921
#: The buffer group every case uses.
BGID = 1
#: The letters buffers are filled with (buffer i: letter i).
LETTERS = b"ABCDEFGHIJKLMNOP"
#: The bytes the peer queues (a prefix): none of them a buffer's letter.
DATA = b"0123456789abcdefghijklmnopqrstuvwxyz"
#: recv(2)'s MSG_WAITALL (the programs name it).
MSG_WAITALL = 0x100


def settle_bundle(L: Any, ring: Any, user_data: int) -> Generator[Any, Any, None]:
    """Consume request ``user_data``'s CQEs until one without IORING_CQE_F_MORE (a multishot RECV and a
    bundle SEND post several), cancelling the request if a wait of ``SETTLE_NS`` sees none, and then
    the cancel's CQE too (:func:`~simuring.conform.difffuzz_state.settle_one`); every CQE is consumed
    by its own wait (recorded by the harness)."""
    yield from settle_one(L, ring, user_data, until_last=True)


def _buffers(rng: random.Random) -> tuple[list[str], bool, str]:
    """The lines that make group ``BGID``; whether it is a buffer ring; what it is (for the doc)."""
    if rng.random() < 0.75:
        entries = rng.choice((1, 2, 4, 4, 8, 8))
        count = rng.randint(1, entries)
        lengths = [rng.choice((0, 1, 3, 4, 5, 8, 8, 12, 16)) for _ in range(count)]
        inc = rng.random() < 0.4
        first = rng.choice((0, 0, 5))
        flags = "IOU_PBUF_RING_INC" if inc else "0"
        bufs = ", ".join(f"bytearray({LETTERS[i:i + 1]!r} * {n})" for i, n in enumerate(lengths))
        lines = [
            f"bufs = [{bufs}]",
            "err = [0]",
            f"br = yield from L.io_uring_setup_buf_ring(ring, {entries}, {BGID}, {flags}, err)",
            "L.record('setup_err', err[0])",
            f"mask = L.io_uring_buf_ring_mask({entries})",
            "for i, b in enumerate(bufs):",
            f"    L.io_uring_buf_ring_add(br, b, len(b), {first} + i, mask, i)",
            "L.io_uring_buf_ring_advance(br, len(bufs))",
        ]
        return lines, True, f"ring{'-inc' if inc else ''} {entries} {lengths}"
    runs = [(rng.choice((0, 1, 4, 5, 8, 16)), rng.randint(1, 3)) for _ in range(rng.randint(1, 2))]
    lines = ["bufs = []"]
    bid = rng.choice((0, 0, 7))
    for r, (size, nr) in enumerate(runs):
        lines += [
            f"mem = bytearray({LETTERS[r:r + 1]!r} * {size * nr})",
            "bufs.append(mem)",
            "sqe = L.io_uring_get_sqe(ring)",
            f"L.io_uring_prep_provide_buffers(sqe, mem, {size}, {nr}, {BGID}, {bid})",
            f"L.io_uring_sqe_set_data64(sqe, {100 + r})",
            "yield from L.io_uring_submit(ring)",
            f"yield from settle_bundle(L, ring, {100 + r})",
        ]
        bid += nr
    return lines, False, f"legacy {runs}"


def _sockets(rng: random.Random) -> tuple[list[str], str]:
    """The lines that make ``sv = [me, peer]`` connected; the kind (``unix``, ``tcp``, ``udp``)."""
    kind = rng.choice(("unix", "unix", "unix", "tcp", "udp"))
    if kind == "unix":
        return ["sv = [0, 0]", "yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)"], kind
    if kind == "tcp":
        lines = [*_tcp_bound("lis", TCP_PORT), "yield from L.listen(lis, 4)"]
        lines += ["c = yield from L.socket(L.AF_INET, L.SOCK_STREAM, 0)", f"yield from L.connect(c, {_inet(TCP_PORT)})"]
        lines += ["a = yield from L.accept4(lis, None, None, 0)", "yield from L.close(lis)"]
        return [*lines, f"sv = {rng.choice(('[c, a]', '[a, c]'))}"], kind
    lines = ["sv = [0, 0]"]
    for end in (0, 1):
        lines += [f"sv[{end}] = yield from L.socket(L.AF_INET, L.SOCK_DGRAM, 0)", f"yield from L.bind(sv[{end}], {_inet(UDP_PORT + end)})"]
    lines += [f"yield from L.connect(sv[0], {_inet(UDP_PORT + 1)})", f"yield from L.connect(sv[1], {_inet(UDP_PORT)})"]
    return lines, kind


def _queued(rng: random.Random, kind: str) -> tuple[list[str], str]:
    """The lines that queue data at ``me`` (from the peer), and shut the peer down; what was queued."""
    sends = [rng.choice((1, 3, 4, 7, 8, 12, 20, 33)) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
    if kind == "tcp":
        sends = sends[:1]  # one segment: the wait below sees all of it
    lines = [f"yield from L.send(sv[1], {DATA[:n]!r}, {n}, 0)" for n in sends]
    shut = kind != "udp" and rng.random() < 0.25
    if shut:
        lines += ["sqe = L.io_uring_get_sqe(ring)", f"L.io_uring_prep_shutdown(sqe, sv[1], {SHUT_WR})", "L.io_uring_sqe_set_data64(sqe, 2)"]
        lines += ["yield from L.io_uring_submit(ring)", "yield from settle_bundle(L, ring, 2)"]
    if kind != "unix" and (sends or shut):
        lines.append(f"yield from wait_for(L, ring, sv[0], {POLLIN | 0x2000:#x})")
    return lines, f"{sends}{' shut' if shut else ''}"


def _sqe(rng: random.Random, index: int, kind: str, ring_kind: bool) -> tuple[list[str], Perturbed]:
    """One bundle SEND or RECV on ``me``, settled, then the head and (SEND) the peer's bytes recorded."""
    send = rng.random() < 0.4
    ud = 10 + index
    cap = rng.choice((0, 0, 0, 1, 4, 6, 8, 13, 16, 100))
    ioprio = ["IORING_RECVSEND_BUNDLE"]
    if not send and rng.random() < 0.35:
        ioprio.append("IORING_RECV_MULTISHOT")
    if rng.random() < 0.15:
        ioprio.append("IORING_RECVSEND_POLL_FIRST")
    msg = "MSG_WAITALL" if rng.random() < 0.2 else "0"
    sqe_flags = ["IOSQE_BUFFER_SELECT"] + (["IOSQE_ASYNC"] if rng.random() < 0.2 else [])
    op = "SEND" if send else "RECV"
    what = (("op", op), ("len", str(cap)), ("ioprio", " | ".join(ioprio)), ("msg_flags", msg), ("flags", " | ".join(sqe_flags)))
    prep = f"L.io_uring_prep_send_bundle(sqe, sv[0], {cap}, {msg})" if send else f"L.io_uring_prep_recv(sqe, sv[0], None, {cap}, {msg})"
    lines = [
        f"L.record('sqe', [{index}, {[f'{k}={v}' for k, v in what]!r}])",
        "sqe = L.io_uring_get_sqe(ring)",
        prep,
        f"sqe.ioprio = {' | '.join(ioprio)}",
        f"sqe.buf_group = {BGID}",
        f"L.io_uring_sqe_set_flags(sqe, {' | '.join(sqe_flags)})",
        f"L.io_uring_sqe_set_data64(sqe, {ud})",
        "yield from L.io_uring_submit(ring)",
        f"yield from settle_bundle(L, ring, {ud})",
    ]
    if ring_kind:
        lines += ["head = [0]", f"yield from L.io_uring_buf_ring_head(ring, {BGID}, head)", "L.record('head', head[0])"]
    if send:
        if kind != "unix":
            lines.append(f"yield from wait_for(L, ring, sv[1], {POLLIN:#x})")
        lines += [
            "for _ in range(4):",
            "    got = bytearray(128)",
            "    n = yield from L.recv(sv[1], got, 128, L.MSG_DONTWAIT)",
            "    L.record('peer', bytes(got[:n]) if n >= 0 else n)",
            "    if n <= 0:",
            "        break",
        ]
    return lines, Perturbed(what)


def generate(seed: int) -> DiffCase:
    """The bundle case of ``seed``: the same for the same seed."""
    rng = random.Random(seed)
    body = ["ring = L.Ring()", "yield from L.io_uring_queue_init(16, ring, 0)"]
    buf_lines, ring_kind, bufs_doc = _buffers(rng)
    sock_lines, kind = _sockets(rng)
    data_lines, data_doc = _queued(rng, kind)
    body += buf_lines + sock_lines + data_lines
    steps = []
    for index in range(rng.randint(1, 3)):
        lines, odd = _sqe(rng, index, kind, ring_kind)
        body += lines
        steps.append(odd)
    body += ["L.record('bufs', [bytes(b) for b in bufs])", "yield from L.close(sv[0])", "yield from L.close(sv[1])"]
    ops = "; ".join(" ".join(v for k, v in s.fields if k in ("op", "ioprio")) for s in steps)
    doc = f"difffuzz bundle seed {seed}: {bufs_doc}, {kind} holding {data_doc}; {ops}"
    return DiffCase(seed, "BUNDLE", tuple(steps), program(doc, "from simuring.conform.difffuzz_bundle import MSG_WAITALL, settle_bundle, wait_for", body))
