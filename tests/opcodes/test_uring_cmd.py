"""URING_CMD socket commands (opcodes/uring_cmd.py) on simulated AF_UNIX stream sockets."""

from __future__ import annotations

import itertools

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENOPROTOOPT, EOPNOTSUPP
from simuring.abi.io_uring import (
    IORING_URING_CMD_FIXED,
    IORING_URING_CMD_MULTISHOT,
    IOSQE_BUFFER_SELECT,
    SOCKET_URING_OP_GETSOCKOPT,
    SOCKET_URING_OP_SETSOCKOPT,
    SOCKET_URING_OP_SIOCINQ,
    SOCKET_URING_OP_SIOCOUTQ,
    SOCKET_URING_OP_TX_TIMESTAMP,
)
from simuring.liburing import io_uring_prep_cmd_sock
from simuring.syscalls import pipe, send, socketpair
from tests.opcodes.test_openclose_sync import one, run

AF_UNIX, SOCK_STREAM, MSG_DONTWAIT = 1, 1, 0x40
SOL_SOCKET, SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_DOMAIN = 1, 3, 4, 7, 8, 39


def _pair():
    sv = [0, 0]
    assert (yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) == 0
    return sv


def _get(ring, fd, name, optlen=4, level=SOL_SOCKET):
    buf = bytearray(b"\xee" * 8)
    res = yield from one(ring, io_uring_prep_cmd_sock, SOCKET_URING_OP_GETSOCKOPT, fd, level, name, buf, optlen)
    return res, int.from_bytes(buf[:4], "little")


def _set(ring, fd, name, value, optlen=4, level=SOL_SOCKET):
    buf = None if value is None else value.to_bytes(4, "little")
    return (yield from one(ring, io_uring_prep_cmd_sock, SOCKET_URING_OP_SETSOCKOPT, fd, level, name, buf, optlen))


def test_getsockopt_answers_the_modelled_options_and_the_length(runner):
    def body(ring):
        a, _ = yield from _pair()
        got = {}
        for name in (SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_DOMAIN):
            got[name] = yield from _get(ring, a, name)
        got["len8"] = yield from _get(ring, a, SO_TYPE, 8)
        got["len2"] = yield from _get(ring, a, SO_TYPE, 2)
        got["neg"] = (yield from _get(ring, a, SO_TYPE, -1))[0]
        got["unknown"] = (yield from _get(ring, a, 9999))[0]
        got["level"] = (yield from _get(ring, a, SO_TYPE, level=6))[0]
        return got

    got = run(runner, body)
    assert got[SO_TYPE] == (4, 1) and got[SO_ERROR] == (4, 0) and got[SO_DOMAIN] == (4, 1)
    assert got[SO_SNDBUF] == (4, 212992) and got[SO_RCVBUF] == (4, 212992)
    assert got["len8"] == (4, 1) and got["len2"] == (2, 0xEEEE0001)
    assert (got["neg"], got["unknown"], got["level"]) == (-EINVAL, -ENOPROTOOPT, -EOPNOTSUPP)


def test_setsockopt_doubles_caps_and_floors_the_buffer_sizes(runner):
    def body(ring):
        a, _ = yield from _pair()
        out = []
        for name, val in ((SO_SNDBUF, 10000), (SO_SNDBUF, 1), (SO_SNDBUF, 1 << 31), (SO_RCVBUF, 1)):
            out.append((yield from _set(ring, a, name, val)))
            out.append((yield from _get(ring, a, name))[1])
        out.append((yield from _set(ring, a, SO_SNDBUF, 5, optlen=3)))
        out.append((yield from _set(ring, a, SO_SNDBUF, None)))
        out.append((yield from _set(ring, a, SO_TYPE, 2)))
        out.append((yield from _set(ring, a, SO_SNDBUF, 5, level=0)))
        return {"out": out}

    assert run(runner, body)["out"] == [
        0, 20000, 0, 4608, 0, 425984, 0, 2304, -EINVAL, -EFAULT, -ENOPROTOOPT, -EOPNOTSUPP,
    ]  # fmt: skip


def test_ioctl_commands_and_other_files(runner):
    def body(ring):
        a, _ = yield from _pair()
        yield from send(a, b"abc", 3, 0)
        fds = [0, 0]
        yield from pipe(fds)
        out = []
        for op in (SOCKET_URING_OP_SIOCINQ, SOCKET_URING_OP_SIOCOUTQ, SOCKET_URING_OP_TX_TIMESTAMP, 77):
            out.append((yield from one(ring, io_uring_prep_cmd_sock, op, a, 0, 0, None, 0)))
        out.append((yield from one(ring, io_uring_prep_cmd_sock, SOCKET_URING_OP_GETSOCKOPT, fds[0], 1, 3, None, 0)))
        out.append((yield from one(ring, io_uring_prep_cmd_sock, SOCKET_URING_OP_GETSOCKOPT, 999, 1, 3, None, 0)))
        return {"out": out}

    assert run(runner, body)["out"] == [-EOPNOTSUPP, -EOPNOTSUPP, -EINVAL, -EOPNOTSUPP, -EOPNOTSUPP, -EBADF]


def test_prep_checks(runner):
    def body(ring):
        a, _ = yield from _pair()
        out = []
        for fields in (
            {"off": 1 << 32},
            {"uring_cmd_flags": 8},
            {"uring_cmd_flags": IORING_URING_CMD_FIXED | IORING_URING_CMD_MULTISHOT},
            {"uring_cmd_flags": IORING_URING_CMD_MULTISHOT},
            {"flags": IOSQE_BUFFER_SELECT},
            {"uring_cmd_flags": IORING_URING_CMD_FIXED, "buf_index": 9},
        ):
            out.append((yield from one(ring, io_uring_prep_cmd_sock, SOCKET_URING_OP_SIOCINQ, a, 0, 0, None, 0, **fields)))
        return {"out": out}

    assert run(runner, body)["out"] == [-EINVAL] * 5 + [-EOPNOTSUPP]


def test_fuzzed_fields_never_raise(runner):
    odd = (0, -1, 1 << 63, (1 << 64) - 1, 1 << 40, bytearray(2), b"xyzw", memoryview(b"abcd")[::2], None, object())

    def body(ring):
        a, _ = yield from _pair()
        out = []
        for op, field, value in itertools.product(
            (SOCKET_URING_OP_GETSOCKOPT, SOCKET_URING_OP_SETSOCKOPT),
            ("off", "addr", "addr3", "file_index", "op_flags", "len"),
            odd,
        ):
            try:
                res = yield from one(ring, io_uring_prep_cmd_sock, op, a, SOL_SOCKET, SO_SNDBUF, bytearray(4), 4, **{field: value})
            except TypeError:  # a field the SQE object itself refuses
                continue
            out.append(res)
        return {"out": out}

    out = run(runner, body)["out"]
    assert out and all(isinstance(r, int) for r in out)
