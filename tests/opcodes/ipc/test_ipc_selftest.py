"""The proposal's own selftests, as scenarios on the simulated kernel."""

from __future__ import annotations

from simuring import Simulation
from simuring.abi.errno import EACCES, EAGAIN, EINVAL, EMSGSIZE, ENOBUFS, ENOENT
from simuring.liburing import (
    io_uring_register_ipc_channel_destroy,
    io_uring_register_ipc_channel_detach,
)
from simuring.uapi import (
    IOIPC_F_BROADCAST,
    IOIPC_F_MULTICAST,
    IOIPC_SUB_BOTH,
    IOIPC_SUB_RECV,
    IOIPC_SUB_SEND,
    IpcChannelCreate,
)
from tests.helpers.ipc import attach, create, new_ring, recv, send, wait_for
from tests.helpers.sim import run_one


def test_send_then_recv_string():
    def body():
        ring = yield from new_ring()
        ret, c = yield from create(ring)
        assert ret == 0
        ret, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        assert ret == 0
        msg = b"Hello from io_uring IPC!"
        assert (yield from send(ring, a.local_id_out, msg)) == len(msg)
        return (yield from recv(ring, a.local_id_out, 128))

    (res, data), _ = run_one(body)
    assert res == len(b"Hello from io_uring IPC!")
    assert data == b"Hello from io_uring IPC!"


def test_broadcast_two_rings_both_receive():
    def body():
        r1 = yield from new_ring()
        r2 = yield from new_ring()
        _, c = yield from create(r1, flags=IOIPC_F_BROADCAST)
        cid = c.channel_id_out
        _, a1 = yield from attach(r1, IOIPC_SUB_BOTH, channel_id=cid)
        _, a2 = yield from attach(r2, IOIPC_SUB_RECV, channel_id=cid)
        assert (yield from send(r1, a1.local_id_out, b"broadcast")) == 9
        got1 = yield from recv(r1, a1.local_id_out)
        got2 = yield from recv(r2, a2.local_id_out)
        return got1, got2

    (g1, g2), _ = run_one(body)
    assert g1 == (9, b"broadcast") and g2 == (9, b"broadcast")


def test_detach_then_recv_enoent():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        assert (yield from io_uring_register_ipc_channel_detach(ring, a.local_id_out)) == 0
        return (yield from recv(ring, a.local_id_out))

    (res, _), _ = run_one(body)
    assert res == -ENOENT


def test_recv_only_subscriber_cannot_send():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_RECV, channel_id=c.channel_id_out)
        return (yield from send(ring, a.local_id_out, b"x"))

    res, _ = run_one(body)
    assert res == -EACCES


def test_send_only_subscriber_cannot_recv():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_SEND, channel_id=c.channel_id_out)
        return (yield from recv(ring, a.local_id_out))

    (res, _), _ = run_one(body)
    assert res == -EACCES


def test_two_entry_ring_third_send_enobufs():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=2)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        out = []
        for i in range(3):
            out.append((yield from send(ring, a.local_id_out, bytes([i]) * 4)))
        return out

    res, _ = run_one(body)
    assert res == [4, 4, -ENOBUFS]


def test_oversized_send_emsgsize():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, max_size=64)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        return (yield from send(ring, a.local_id_out, bytes(128)))

    res, _ = run_one(body)
    assert res == -EMSGSIZE


def test_eight_sends_eight_recvs_in_order_then_eagain():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=16)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        sid = a.local_id_out
        for i in range(8):
            assert (yield from send(ring, sid, f"msg-{i}".encode())) == 5
        got = []
        for _ in range(8):
            got.append((yield from recv(ring, sid)))
        last = yield from recv(ring, sid)
        return got, last

    (got, last), _ = run_one(body)
    assert got == [(5, f"msg-{i}".encode()) for i in range(8)]
    assert last[0] == -EAGAIN


def test_invalid_create_parameters_einval():
    cases = [
        dict(ring_entries=3, max_msg_size=64),
        dict(ring_entries=0, max_msg_size=64),
        dict(ring_entries=16, max_msg_size=0),
        dict(ring_entries=16, max_msg_size=64, flags=IOIPC_F_BROADCAST | IOIPC_F_MULTICAST),
        dict(ring_entries=16, max_msg_size=64, flags=1 << 5),
    ]

    def body():
        ring = yield from new_ring()
        out = []
        from simuring.liburing import io_uring_register_ipc_channel_create

        for kw in cases:
            c = IpcChannelCreate(mode=0o666, **kw)
            out.append((yield from io_uring_register_ipc_channel_create(ring, c)))
        return out

    res, _ = run_one(body)
    assert res == [-EINVAL] * len(cases)


def test_attach_by_channel_id_with_key_zero():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, key=0x1234)
        ret, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out, key=0)
        return ret, a.local_id_out, a.channel_fd, a.region_size, a.mmap_offset_out

    (ret, sid, fd, size, off), _ = run_one(body)
    assert ret == 0 and sid == 1 and fd >= 3 and size > 0 and off == 0


def test_small_receive_buffer_truncates_silently():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        yield from send(ring, a.local_id_out, b"0123456789abcdef")
        return (yield from recv(ring, a.local_id_out, 8))

    (res, data), _ = run_one(body)
    assert res == 8 and data == b"01234567"


def test_broadcast_slot_reuse_waits_for_slowest_receiver():
    def body():
        r1 = yield from new_ring()
        r2 = yield from new_ring()
        _, c = yield from create(r1, entries=2, flags=IOIPC_F_BROADCAST)
        cid = c.channel_id_out
        _, s = yield from attach(r1, IOIPC_SUB_SEND, channel_id=cid)
        _, a1 = yield from attach(r1, IOIPC_SUB_RECV, channel_id=cid)
        _, a2 = yield from attach(r2, IOIPC_SUB_RECV, channel_id=cid)
        snd = s.local_id_out
        out = {}
        out["fill"] = [(yield from send(r1, snd, b"A")), (yield from send(r1, snd, b"B"))]
        out["r1"] = [(yield from recv(r1, a1.local_id_out)), (yield from recv(r1, a1.local_id_out))]
        out["after_one"] = yield from send(r1, snd, b"C")
        out["r2"] = [(yield from recv(r2, a2.local_id_out)), (yield from recv(r2, a2.local_id_out))]
        out["after_both"] = yield from send(r1, snd, b"C")
        return out

    out, _ = run_one(body)
    assert out["fill"] == [1, 1]
    assert out["r1"] == [(1, b"A"), (1, b"B")]
    assert out["after_one"] == -ENOBUFS
    assert out["r2"] == [(1, b"A"), (1, b"B")]
    assert out["after_both"] == 1


def test_cross_process_attach_by_key_and_send_by_channel_id():
    KEY = 0xC0FFEE
    shared = {}

    def sender():
        ring = yield from new_ring()
        ret, c = yield from create(ring, key=KEY)
        assert ret == 0
        shared["cid"] = c.channel_id_out
        yield from wait_for(lambda: "attached" in shared)
        shared["send"] = yield from send(ring, c.channel_id_out, b"cross-process")

    def receiver():
        ring = yield from new_ring()
        yield from wait_for(lambda: "cid" in shared)
        ret, a = yield from attach(ring, IOIPC_SUB_RECV, key=KEY)
        assert ret == 0
        shared["attached"] = a.local_id_out
        while True:
            res, data = yield from recv(ring, a.local_id_out)
            if res != -EAGAIN:
                shared["recv"] = (res, data)
                return

    sim = Simulation(seed=1)
    s = sim.spawn(sender, cpu=0)
    r = sim.spawn(receiver, cpu=1)
    sim.run()
    assert s.process is not r.process
    assert shared["send"] == 13
    assert shared["recv"] == (13, b"cross-process")


def test_multicast_two_receivers_get_different_messages():
    def body():
        r1 = yield from new_ring()
        r2 = yield from new_ring()
        _, c = yield from create(r1, flags=IOIPC_F_MULTICAST)
        cid = c.channel_id_out
        _, a1 = yield from attach(r1, IOIPC_SUB_RECV, channel_id=cid)
        _, a2 = yield from attach(r2, IOIPC_SUB_RECV, channel_id=cid)
        # send by channel id from a ring without subscribers: on r1, fd 1 would
        # resolve to subscriber 1 (RECV only) first and give -EACCES
        r3 = yield from new_ring()
        assert (yield from send(r1, cid, b"one")) == -EACCES
        assert (yield from send(r3, cid, b"one")) == 3
        assert (yield from send(r3, cid, b"two")) == 3
        g1 = yield from recv(r1, a1.local_id_out)
        g2 = yield from recv(r2, a2.local_id_out)
        e1 = yield from recv(r1, a1.local_id_out)
        return g1, g2, e1

    (g1, g2, e1), _ = run_one(body)
    assert {g1[1], g2[1]} == {b"one", b"two"}
    assert g1[1] != g2[1]
    assert e1[0] == -EAGAIN


def test_destroy_then_detach_succeeds():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        d = yield from io_uring_register_ipc_channel_destroy(ring, c.channel_id_out)
        t = yield from io_uring_register_ipc_channel_detach(ring, a.local_id_out)
        return d, t

    res, _ = run_one(body)
    assert res == (0, 0)


def test_targeted_unicast_to_second_rings_receiver():
    def body():
        r1 = yield from new_ring()
        r2 = yield from new_ring()
        _, c = yield from create(r1)
        cid = c.channel_id_out
        _, s = yield from attach(r1, IOIPC_SUB_SEND, channel_id=cid)
        _, a2 = yield from attach(r2, IOIPC_SUB_RECV, channel_id=cid)
        res = yield from send(r1, s.local_id_out, b"for you", target=a2.local_id_out)
        got = yield from recv(r2, a2.local_id_out)
        return res, got

    (res, got), sim = run_one(body)
    assert res == 7 and got == (7, b"for you")


def test_targeted_send_to_missing_subscriber_enoent():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        res = yield from send(ring, a.local_id_out, b"lost", target=999)
        # the message was published before the target check failed
        got = yield from recv(ring, a.local_id_out)
        return res, got

    (res, got), _ = run_one(body)
    assert res == -ENOENT
    assert got == (4, b"lost")
