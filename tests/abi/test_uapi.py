"""Checks of simuring.uapi and simuring.errno against the Linux headers.

The expected numbers were read from include/uapi/linux/io_uring.h (linux-next
39ccbd9467e3, plus the Linux 7.0 additions), include/uapi/asm-generic/errno*.h
and the IPC channel proposal's numbering (docs: shared spec ipc-channels.md).
"""

from __future__ import annotations

import attrs
import pytest

import simuring.errno as E
import simuring.uapi as U

# --- opcodes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IORING_OP_NOP", 0),
        ("IORING_OP_READV", 1),
        ("IORING_OP_TIMEOUT", 11),
        ("IORING_OP_ASYNC_CANCEL", 14),
        ("IORING_OP_LINK_TIMEOUT", 15),
        ("IORING_OP_READ", 22),
        ("IORING_OP_WRITE", 23),
        ("IORING_OP_MSG_RING", 40),
        ("IORING_OP_URING_CMD", 46),
        ("IORING_OP_FUTEX_WAIT", 51),
        ("IORING_OP_RECV_ZC", 58),
        ("IORING_OP_EPOLL_WAIT", 59),
        ("IORING_OP_PIPE", 62),
        ("IORING_OP_NOP128", 63),
        ("IORING_OP_URING_CMD128", 64),
        ("IORING_OP_IPC_SEND", 65),
        ("IORING_OP_IPC_RECV", 66),
        ("IORING_OP_LAST", 67),
    ],
)
def test_opcode_values(name: str, value: int) -> None:
    assert getattr(U, name) == value


def test_opcodes_are_dense_and_named() -> None:
    assert sorted(U.OPCODE_NAMES) == list(range(U.IORING_OP_LAST))
    assert U.OPCODE_NAMES[U.IORING_OP_IPC_SEND] == "IPC_SEND"
    assert U.OPCODE_NAMES[U.IORING_OP_READ_MULTISHOT] == "READ_MULTISHOT"
    assert U.IORING_OP_LAST not in U.OPCODE_NAMES
    assert U.opcode_name(U.IORING_OP_NOP) == "NOP"
    assert U.opcode_name(200) == "OP_200"
    for op, name in U.OPCODE_NAMES.items():
        assert getattr(U, "IORING_OP_" + name) == op


# --- flags ------------------------------------------------------------------


def test_setup_flags() -> None:
    assert U.IORING_SETUP_IOPOLL == 0x1
    assert U.IORING_SETUP_SQPOLL == 0x2
    assert U.IORING_SETUP_CQSIZE == 0x8
    assert U.IORING_SETUP_SUBMIT_ALL == 0x80
    assert U.IORING_SETUP_COOP_TASKRUN == 0x100
    assert U.IORING_SETUP_SINGLE_ISSUER == 0x1000
    assert U.IORING_SETUP_DEFER_TASKRUN == 0x2000
    assert U.IORING_SETUP_NO_SQARRAY == 0x10000
    assert U.IORING_SETUP_CQE_MIXED == 1 << 18
    assert U.IORING_SETUP_SQE_MIXED == 1 << 19
    flags = [
        v
        for k, v in vars(U).items()
        if k.startswith("IORING_SETUP_") and k != "IORING_SETUP_FLAGS_ALL"
    ]
    assert all(f and f & (f - 1) == 0 for f in flags), "each setup flag is one bit"
    assert len(set(flags)) == len(flags)
    combined = 0
    for f in flags:
        combined |= f
    assert combined == U.IORING_SETUP_FLAGS_ALL


def test_sqe_flags() -> None:
    assert U.IOSQE_FIXED_FILE == 1
    assert U.IOSQE_IO_DRAIN == 2
    assert U.IOSQE_IO_LINK == 4
    assert U.IOSQE_IO_HARDLINK == 8
    assert U.IOSQE_ASYNC == 16
    assert U.IOSQE_BUFFER_SELECT == 32
    assert U.IOSQE_CQE_SKIP_SUCCESS == 64
    assert U.IOSQE_CQE_SKIP_SUCCESS_BIT == 6
    assert U.IOSQE_FLAGS_ALL == 0x7F


def test_misc_flags() -> None:
    assert U.IORING_ENTER_GETEVENTS == 1
    assert U.IORING_ENTER_EXT_ARG == 8
    assert U.IORING_ENTER_NO_IOWAIT == 0x80
    assert U.IORING_SQ_NEED_WAKEUP == 1
    assert U.IORING_SQ_CQ_OVERFLOW == 2
    assert U.IORING_SQ_TASKRUN == 4
    assert U.IORING_CQE_F_MORE == 2
    assert U.IORING_CQE_F_32 == 0x8000
    assert U.IORING_CQE_BUFFER_SHIFT == 16
    assert U.IORING_FEAT_NODROP == 2
    assert U.IORING_FEAT_NO_IOWAIT == 1 << 17
    assert U.IORING_OFF_CQ_RING == 0x8000000
    assert U.IORING_OFF_SQES == 0x10000000
    assert U.IORING_TIMEOUT_ETIME_SUCCESS == 0x20
    assert U.IORING_TIMEOUT_CLOCK_MASK == 0xC
    assert U.IORING_TIMEOUT_UPDATE_MASK == 0x12
    assert U.IORING_ASYNC_CANCEL_USERDATA == 0x10
    assert U.IORING_POLL_ADD_LEVEL == 8
    assert U.IORING_MSG_DATA == 0 and U.IORING_MSG_SEND_FD == 1
    assert U.IORING_MSG_RING_FLAGS_PASS == 2
    assert U.IORING_NOP_INJECT_RESULT == 1
    assert U.IORING_NOP_CQE32 == 0x20
    assert U.IORING_FILE_INDEX_ALLOC == 0xFFFFFFFF
    assert U.SPLICE_F_FD_IN_FIXED == 0x80000000
    assert U.IORING_MAX_ENTRIES == 32768
    assert U.IORING_MAX_CQ_ENTRIES == 65536
    assert (U.POLLIN, U.POLLOUT, U.POLLRDHUP) == (1, 4, 0x2000)


def test_register_opcodes() -> None:
    assert U.IORING_REGISTER_BUFFERS == 0
    assert U.IORING_REGISTER_EVENTFD == 4
    assert U.IORING_REGISTER_PROBE == 8
    assert U.IORING_REGISTER_RING_FDS == 20
    assert U.IORING_REGISTER_PBUF_RING == 22
    assert U.IORING_REGISTER_SYNC_CANCEL == 24
    assert U.IORING_REGISTER_MEM_REGION == 34
    assert U.IORING_REGISTER_QUERY == 35
    assert U.IORING_REGISTER_IPC_CHANNEL_CREATE == 38
    assert U.IORING_REGISTER_IPC_CHANNEL_ATTACH == 39
    assert U.IORING_REGISTER_IPC_CHANNEL_DETACH == 40
    assert U.IORING_REGISTER_IPC_CHANNEL_DESTROY == 41
    assert U.IORING_REGISTER_USE_REGISTERED_RING == 1 << 31
    not_opcodes = {
        "IORING_REGISTER_LAST",
        "IORING_REGISTER_USE_REGISTERED_RING",
        "IORING_REGISTER_FILES_SKIP",
        "IORING_REGISTER_SRC_REGISTERED",
        "IORING_REGISTER_DST_REPLACE",
    }
    ops = [
        v
        for k, v in vars(U).items()
        if (k.startswith("IORING_REGISTER_") or k.startswith("IORING_UNREGISTER_"))
        and k not in not_opcodes
    ]
    assert sorted(ops) == list(range(U.IORING_REGISTER_LAST))


def test_ipc_constants() -> None:
    assert (U.IOIPC_F_BROADCAST, U.IOIPC_F_MULTICAST, U.IOIPC_F_PRIVATE) == (1, 2, 4)
    assert (U.IOIPC_SUB_SEND, U.IOIPC_SUB_RECV, U.IOIPC_SUB_BOTH) == (1, 2, 3)


# --- structures -------------------------------------------------------------


def test_sqe_clear_resets_every_field() -> None:
    sqe = U.Sqe()
    for i, f in enumerate(attrs.fields(U.Sqe)):
        setattr(sqe, f.name, i + 7)
    sqe.addr = bytearray(b"payload")
    sqe.clear()
    for f in attrs.fields(U.Sqe):
        assert getattr(sqe, f.name) == 0, f.name
    assert sqe.addr == 0


OP_FLAG_ALIASES = [
    "rw_flags",
    "fsync_flags",
    "poll32_events",
    "sync_range_flags",
    "msg_flags",
    "timeout_flags",
    "accept_flags",
    "cancel_flags",
    "open_flags",
    "statx_flags",
    "fadvise_advice",
    "splice_flags",
    "rename_flags",
    "unlink_flags",
    "hardlink_flags",
    "xattr_flags",
    "msg_ring_flags",
    "uring_cmd_flags",
    "waitid_flags",
    "futex_flags",
    "install_fd_flags",
    "nop_flags",
    "pipe_flags",
]


@pytest.mark.parametrize("alias", OP_FLAG_ALIASES)
def test_op_flags_aliases_write_through(alias: str) -> None:
    sqe = U.Sqe()
    setattr(sqe, alias, 0x1234_5678)
    assert sqe.op_flags == 0x1234_5678
    sqe.op_flags = 5
    assert getattr(sqe, alias) == 5


@pytest.mark.parametrize(
    ("alias", "target"),
    [
        ("addr2", "off"),
        ("splice_off_in", "addr"),
        ("buf_group", "buf_index"),
        ("optlen", "file_index"),
        ("zcrx_ifq_idx", "file_index"),
        ("optval", "addr3"),
    ],
)
def test_other_union_aliases(alias: str, target: str) -> None:
    sqe = U.Sqe()
    setattr(sqe, alias, 99)
    assert getattr(sqe, target) == 99
    setattr(sqe, target, 7)
    assert getattr(sqe, alias) == 7


def test_narrow_union_members() -> None:
    sqe = U.Sqe()
    sqe.op_flags = 0xABCD_0000
    sqe.poll_events = 0x1_0001  # only 16 bits fit
    assert sqe.op_flags == 0xABCD_0001
    assert sqe.poll_events == 0x0001

    sqe.splice_fd_in = -1
    assert sqe.file_index == 0xFFFFFFFF
    assert sqe.splice_fd_in == -1

    sqe.file_index = 0x0005_0000
    sqe.addr_len = 16
    assert sqe.file_index == 0x0005_0010
    assert sqe.addr_len == 16

    sqe.off = 0x1_0000_0000
    sqe.cmd_op = 3
    assert sqe.off == 0x1_0000_0003
    assert sqe.cmd_op == 3


def test_sqe_and_cqe_are_slots_with_identity() -> None:
    sqe = U.Sqe()
    with pytest.raises(AttributeError):
        sqe.no_such_field = 1  # type: ignore[attr-defined]
    assert U.Sqe() != U.Sqe()
    assert len({U.IoUringCqe(), U.IoUringCqe()}) == 2


def test_cqe_repr_uses_errno_names() -> None:
    assert "res=-ECANCELED" in repr(U.IoUringCqe(user_data=3, res=-125))
    assert "res=4096" in repr(U.IoUringCqe(res=4096))


def test_params_defaults_are_independent() -> None:
    a, b = U.Params(), U.Params()
    a.resv[0] = 1
    a.sq_off.head = 64
    assert b.resv == [0, 0, 0]
    assert b.sq_off.head == 0
    assert U.IpcChannelCreate().reserved == [0, 0, 0]
    assert U.IpcChannelAttach().reserved is not U.IpcChannelAttach().reserved


def test_ipc_struct_field_order() -> None:
    assert [f.name for f in attrs.fields(U.IpcChannelCreate)] == [
        "flags", "ring_entries", "max_msg_size", "mode", "key", "channel_id_out", "reserved",
    ]  # fmt: skip
    assert [f.name for f in attrs.fields(U.IpcChannelAttach)] == [
        "channel_id", "flags", "key", "channel_fd", "local_id_out", "mmap_offset_out",
        "region_size", "reserved",
    ]  # fmt: skip


def test_timespec_and_getevents_arg() -> None:
    assert U.Timespec(2, 500).to_ns() == 2_000_000_500
    assert U.GeteventsArg().ts is None


def test_all_lists_every_public_name() -> None:
    imported_helpers = {
        "annotations",
        "attrgetter",
        "TYPE_CHECKING",
        "Any",
        "define",
        "field",
        "errname",
    }
    public = {n for n in vars(U) if not n.startswith("_") and n not in imported_helpers}
    assert set(U.__all__) == public
    ns: dict[str, object] = {}
    exec("from simuring.uapi import *", ns)
    assert ns["IORING_OP_IPC_RECV"] == 66
    assert ns["Sqe"] is U.Sqe


# --- errno ------------------------------------------------------------------


def test_errno_values() -> None:
    assert E.EPERM == 1
    assert E.ENOENT == 2
    assert E.EAGAIN == E.EWOULDBLOCK == 11
    assert E.EACCES == 13
    assert E.EINVAL == 22
    assert E.EDEADLK == E.EDEADLOCK == 35
    assert E.ENOSYS == 38
    assert E.ETIME == 62
    assert E.EOVERFLOW == 75
    assert E.EMSGSIZE == 90
    assert E.EOPNOTSUPP == 95
    assert E.ENOBUFS == 105
    assert E.ETIMEDOUT == 110
    assert E.EALREADY == 114
    assert E.ECANCELED == 125
    assert E.EHWPOISON == 133


def test_errorcode_is_canonical_and_complete() -> None:
    assert E.errorcode[11] == "EAGAIN"
    assert E.errorcode[35] == "EDEADLK"
    assert E.errorcode[95] == "EOPNOTSUPP"
    assert set(range(1, 134)) - set(E.errorcode) == {41, 58}
    for number, name in E.errorcode.items():
        assert getattr(E, name) == number


def test_errname() -> None:
    assert E.errname(-22) == "-EINVAL"
    assert E.errname(-E.EAGAIN) == "-EAGAIN"
    assert E.errname(-E.ETIME) == "-ETIME"
    assert E.errname(0) == "0"
    assert E.errname(4096) == "4096"
    assert E.errname(-999) == "-E999"
