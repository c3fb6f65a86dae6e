"""IPC channel semantics beyond the selftests: consequences, permissions,
DESTROY, teardown, ids, races, io-wq, mmap, argument checks, wake-ups."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.abi.errno import EACCES, EAGAIN, EFAULT, EINVAL, ENOBUFS, ENOENT, ETIME
from simuring.liburing import (
    MAP_SHARED,
    PROT_READ,
    PROT_WRITE,
    Cqe,
    io_uring_get_sqe,
    io_uring_prep_ipc_recv,
    io_uring_prep_ipc_send,
    io_uring_queue_exit,
    io_uring_register,
    io_uring_register_ipc_channel_attach,
    io_uring_register_ipc_channel_create,
    io_uring_register_ipc_channel_destroy,
    io_uring_register_ipc_channel_detach,
    io_uring_wait_cqe_timeout,
    ipc_mmap,
)
from simuring.opcodes.ipc import ipc_stats
from simuring.opcodes.ipc.tables import IpcState
from simuring.syscalls import nanosleep
from simuring.uapi import (
    IOIPC_F_BROADCAST,
    IOIPC_F_MULTICAST,
    IOIPC_SUB_BOTH,
    IOIPC_SUB_RECV,
    IOIPC_SUB_SEND,
    IORING_REGISTER_IPC_CHANNEL_ATTACH,
    IORING_REGISTER_IPC_CHANNEL_CREATE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IpcChannelAttach,
    IpcChannelCreate,
    Timespec,
)
from tests.helpers.ipc import (
    attach,
    channel_of,
    complete_one,
    create,
    new_ring,
    recv,
    send,
    wait_for,
)
from tests.helpers.sim import NO_NOISE, run_one

# -- consequences the spec asks to show -------------------------------------------------


def test_unicast_second_receiver_reads_freed_messages_then_loses_overwritten_ones():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=2)
        cid = c.channel_id_out
        _, s = yield from attach(ring, IOIPC_SUB_SEND, channel_id=cid)
        _, a1 = yield from attach(ring, IOIPC_SUB_RECV, channel_id=cid)
        _, a2 = yield from attach(ring, IOIPC_SUB_RECV, channel_id=cid)
        out = {}
        yield from send(ring, s.local_id_out, b"m0")
        out["r1"] = yield from recv(ring, a1.local_id_out)
        out["cons_after_r1"] = channel_of(sim_box[0], cid).cons_head.peek()
        out["r2"] = yield from recv(ring, a2.local_id_out)  # a slot r1 already freed
        # r1 drains more; the producer reuses slots r2 has not read yet
        yield from send(ring, s.local_id_out, b"m1")
        yield from recv(ring, a1.local_id_out)
        out["overwrite"] = [(yield from send(ring, s.local_id_out, b"m2")), (yield from send(ring, s.local_id_out, b"m3"))]
        yield from recv(ring, a1.local_id_out)
        out["r2_next"] = yield from recv(ring, a2.local_id_out)  # slot 1 now holds m3
        return out

    sim_box = []
    sim = Simulation(seed=1)
    sim_box.append(sim)
    t = sim.spawn(body)
    out = sim.run().task(t.name).value
    assert out["r1"] == (2, b"m0")
    assert out["cons_after_r1"] == 1
    assert out["r2"] == (2, b"m0")
    assert out["overwrite"] == [2, 2]
    assert out["r2_next"][0] == -EAGAIN  # seq of slot 1 is 4, not 2: r2 lost m1 for good


def test_lazy_scan_lags_up_to_15_messages():
    seen = {}

    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=32, flags=IOIPC_F_BROADCAST)
        cid = c.channel_id_out
        _, s = yield from attach(ring, IOIPC_SUB_SEND, channel_id=cid)
        _, a = yield from attach(ring, IOIPC_SUB_RECV, channel_id=cid)
        ch = channel_of(sim, cid)
        for i in range(32):
            assert (yield from send(ring, s.local_id_out, bytes([i]))) == 1
        for _ in range(16):
            yield from recv(ring, a.local_id_out)
        seen["local_head"] = ch.subscribers[a.local_id_out].local_head.peek()
        seen["cons_head"] = ch.cons_head.peek()
        seen["scans_before"] = ch.stats.head_scans
        # one slot is free by the lagging consumer head; the next send looks full
        # by it: the SEND rescans, then succeeds
        seen["send0"] = yield from send(ring, s.local_id_out, b"x")
        seen["scans_mid"] = ch.stats.full_scans
        seen["send"] = yield from send(ring, s.local_id_out, b"x")
        seen["full_scans"] = ch.stats.full_scans
        seen["cons_after"] = ch.cons_head.peek()

    sim = Simulation(seed=1)
    sim.spawn(body)
    sim.run()
    assert seen["local_head"] == 16
    assert seen["cons_head"] == 1  # last lazy scan ran at head 0: 15 messages of lag
    assert seen["send0"] == 1 and seen["scans_mid"] == 0
    assert seen["send"] == 1
    assert seen["full_scans"] == 1
    assert seen["cons_after"] == 16


def test_empty_recv_goes_through_iowq_and_costs_more():
    out = {}

    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        sid = a.local_id_out
        yield from send(ring, sid, b"data")
        yield from recv(ring, sid)  # warm-up
        yield from send(ring, sid, b"data")
        t0 = sim.now
        out["ok"] = yield from recv(ring, sid)
        t1 = sim.now
        punts_before = sum(wq.punts for wq in sim.kernel.iowqs.values())
        out["empty"] = yield from recv(ring, sid)
        t2 = sim.now
        out["empty2"] = yield from recv(ring, sid)
        t3 = sim.now
        out["punts"] = sum(wq.punts for wq in sim.kernel.iowqs.values()) - punts_before
        out["times"] = (t1 - t0, t2 - t1, t3 - t2)

    sim = Simulation(seed=1)
    sim.spawn(body)
    sim.run()
    ok_ns, empty_ns, empty2_ns = out["times"]
    assert out["ok"] == (4, b"data")
    assert out["empty"][0] == -EAGAIN and out["empty2"][0] == -EAGAIN
    assert out["punts"] == 2
    assert empty_ns > ok_ns and empty2_ns > ok_ns
    assert ipc_stats(sim)["totals"]["recv_eagain"] >= 4  # inline + io-wq, twice


# -- permissions -------------------------------------------------------------------------


def _perm_run(mode, who_uid, who_gid, flags):
    shared = {}

    def owner():
        ring = yield from new_ring()
        _, c = yield from create(ring, mode=mode, key=77)
        shared["cid"] = c.channel_id_out
        ret, _ = yield from attach(ring, flags, key=77)
        shared["owner"] = ret
        yield from wait_for(lambda: "other" in shared)

    def other():
        ring = yield from new_ring()
        yield from wait_for(lambda: "cid" in shared)
        ret, _ = yield from attach(ring, flags, key=77)
        shared["send_by_id"] = yield from send(ring, shared["cid"], b"x")
        shared["other"] = ret

    sim = Simulation(seed=1)
    sim.spawn(owner, uid=1000, gid=100)
    sim.spawn(other, uid=who_uid, gid=who_gid)
    sim.run()
    return shared


def test_owner_denied_with_mode_0066_even_though_others_allowed():
    out = _perm_run(0o066, 2000, 200, IOIPC_SUB_RECV)
    assert out["owner"] == -EACCES
    assert out["other"] == 0


def test_group_class_is_the_only_one_consulted():
    out = _perm_run(0o606, 2000, 100, IOIPC_SUB_SEND)  # same group, group class has nothing
    assert out["owner"] == 0
    assert out["other"] == -EACCES
    assert out["send_by_id"] == -EACCES
    out = _perm_run(0o060, 2000, 100, IOIPC_SUB_BOTH)
    assert out["owner"] == -EACCES and out["other"] == 0


def test_other_class():
    out = _perm_run(0o660, 3000, 300, IOIPC_SUB_RECV)
    assert out["owner"] == 0 and out["other"] == -EACCES
    out = _perm_run(0o664, 3000, 300, IOIPC_SUB_RECV)
    assert out["other"] == 0
    out = _perm_run(0o664, 3000, 300, IOIPC_SUB_BOTH)  # needs write too
    assert out["other"] == -EACCES
    assert out["send_by_id"] == -EACCES
    out = _perm_run(0o662, 3000, 300, IOIPC_SUB_SEND)
    assert out["other"] == 0 and out["send_by_id"] == 1


# -- DESTROY, teardown, ids --------------------------------------------------------------


def test_destroy_keeps_attached_subscribers_working():
    def body():
        ring = yield from new_ring()
        other = yield from new_ring()  # no subscribers: fd is resolved as a channel id
        _, c = yield from create(ring, key=5)
        cid = c.channel_id_out
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=cid)
        out = {"destroy": (yield from io_uring_register_ipc_channel_destroy(ring, cid))}
        out["destroy2"] = yield from io_uring_register_ipc_channel_destroy(ring, cid)
        out["send_by_id"] = yield from send(other, cid, b"x")
        out["attach_id"] = (yield from attach(other, IOIPC_SUB_RECV, channel_id=cid))[0]
        out["attach_key"] = (yield from attach(other, IOIPC_SUB_RECV, key=5))[0]
        out["sub_send"] = yield from send(ring, a.local_id_out, b"still")
        out["sub_recv"] = yield from recv(ring, a.local_id_out)
        return out

    out, _ = run_one(body)
    assert out["destroy"] == 0 and out["destroy2"] == -ENOENT
    assert out["send_by_id"] == -ENOENT
    assert out["attach_id"] == -ENOENT and out["attach_key"] == -ENOENT
    assert out["sub_send"] == 5 and out["sub_recv"] == (5, b"still")


def test_ring_teardown_destroys_created_channels_and_detaches_subscribers():
    def body():
        creator = yield from new_ring()
        user = yield from new_ring()
        _, c = yield from create(creator, key=9)
        cid = c.channel_id_out
        _, a_creator = yield from attach(creator, IOIPC_SUB_RECV, channel_id=cid)
        _, a_user = yield from attach(user, IOIPC_SUB_BOTH, channel_id=cid)
        ch = channel_of(sim, cid)
        yield from io_uring_queue_exit(creator)
        out = {"live": ch.live, "subs": list(ch.subscribers), "receivers": ch.nr_receivers}
        out["attach"] = (yield from attach(user, IOIPC_SUB_RECV, channel_id=cid))[0]
        out["destroy"] = yield from io_uring_register_ipc_channel_destroy(user, cid)
        out["send"] = yield from send(user, a_user.local_id_out, b"hi")
        out["recv"] = yield from recv(user, a_user.local_id_out)
        out["a_user"] = a_user.local_id_out
        return out

    sim = Simulation(seed=1)
    t = sim.spawn(body)
    out = sim.run().task(t.name).value
    assert out["live"] is False
    assert out["subs"] == [out["a_user"]] and out["receivers"] == 1
    assert out["attach"] == -ENOENT and out["destroy"] == -ENOENT
    assert out["send"] == 2 and out["recv"] == (2, b"hi")


def test_channel_ids_lowest_free_and_subscriber_ids_global():
    def body():
        r1 = yield from new_ring()
        r2 = yield from new_ring()
        ids = []
        for _ in range(3):
            ids.append((yield from create(r1))[1].channel_id_out)
        yield from io_uring_register_ipc_channel_destroy(r1, 2)
        ids.append((yield from create(r2))[1].channel_id_out)
        ids.append((yield from create(r2))[1].channel_id_out)
        subs = [(yield from attach(r1, IOIPC_SUB_RECV, channel_id=1))[1].local_id_out]
        subs.append((yield from attach(r2, IOIPC_SUB_RECV, channel_id=1))[1].local_id_out)
        yield from io_uring_register_ipc_channel_detach(r1, subs[0])
        subs.append((yield from attach(r1, IOIPC_SUB_RECV, channel_id=3))[1].local_id_out)
        # detaching another ring's subscriber: -ENOENT (looked up in this ring only)
        other = yield from io_uring_register_ipc_channel_detach(r1, subs[1])
        return ids, subs, other

    (ids, subs, other), _ = run_one(body)
    assert ids == [1, 2, 3, 2, 4]
    assert subs == [1, 2, 3]
    assert other == -ENOENT
    # a second simulation starts from scratch
    (ids2, subs2, _), _ = run_one(body)
    assert ids2 == ids and subs2 == subs


# -- concurrency -------------------------------------------------------------------------


def test_two_senders_race_for_a_slot_one_retries():
    shared = {}

    def setup():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=8)
        shared["cid"] = c.channel_id_out
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        # warm-up: the producer line now lives in CPU 0's cache, so both senders
        # pay the same transfer to read it and both read the same tail
        yield from send(ring, a.local_id_out, b"W")
        yield from wait_for(lambda: shared.get("done", 0) == 2)
        shared["got"] = []
        for _ in range(3):
            shared["got"].append((yield from recv(ring, a.local_id_out)))

    def sender(tag):
        ring = yield from new_ring()
        yield from nanosleep(200_000)  # both start at the same instant
        shared[tag] = yield from send(ring, shared["cid"], tag.encode())
        shared["done"] = shared.get("done", 0) + 1

    sim = Simulation(seed=1, overrides=NO_NOISE)  # the race is staged at one instant
    sim.spawn(setup, cpu=0)
    sim.spawn(sender, "A", cpu=1)
    sim.spawn(sender, "B", cpu=2)
    sim.run()
    ch = sim.kernel.ext(IpcState).all_channels[0]  # destroyed at ring teardown by now
    assert shared["A"] == 1 and shared["B"] == 1
    assert ch.prod_tail.cas_failures > 0
    assert ch.stats.reserve_retries > 0
    assert sorted(d for _, d in shared["got"]) == [b"A", b"B", b"W"]


def test_two_multicast_receivers_race_one_gets_eagain():
    shared = {"res": {}}

    def owner():
        ring = yield from new_ring()
        _, c = yield from create(ring, flags=IOIPC_F_MULTICAST)
        shared["cid"] = c.channel_id_out
        yield from wait_for(lambda: shared.get("attached", 0) == 2)
        yield from send(ring, c.channel_id_out, b"only one")

    def receiver(tag):
        ring = yield from new_ring()
        yield from wait_for(lambda: "cid" in shared)
        _, a = yield from attach(ring, IOIPC_SUB_RECV, channel_id=shared["cid"])
        shared["attached"] = shared.get("attached", 0) + 1
        yield from nanosleep(500_000 - sim.now)  # line both up on an absolute instant
        shared["res"][tag] = yield from recv(ring, a.local_id_out)

    sim = Simulation(seed=1, overrides=NO_NOISE)  # the race is staged at one instant
    sim.spawn(owner, cpu=0)
    sim.spawn(receiver, "A", cpu=1)
    sim.spawn(receiver, "B", cpu=2)
    sim.run()
    ch = sim.kernel.ext(IpcState).all_channels[0]  # destroyed at ring teardown by now
    results = sorted(shared["res"].values())
    assert results == [(-EAGAIN, b""), (8, b"only one")]
    assert ch.cons_head.cas_failures > 0
    assert ch.stats.recv_lost_races == 1


# -- faults, prep and register argument checks ----------------------------------------


def test_send_fault_publishes_empty_slot():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        sid = a.local_id_out
        short = yield from send(ring, sid, b"abc", length=10)  # buffer shorter than len
        notbuf = yield from send(ring, sid, b"abc", raw_addr=0xDEAD)
        ok = yield from send(ring, sid, b"fine")
        got = []
        for _ in range(3):
            got.append((yield from recv(ring, sid)))
        return short, notbuf, ok, got

    (short, notbuf, ok, got), _ = run_one(body)
    assert short == -EFAULT and notbuf == -EFAULT and ok == 4
    assert got == [(0, b""), (0, b""), (4, b"fine")]


def test_prep_rejects_buf_index_personality_ioprio_op_flags():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        out = []
        for field in ("buf_index", "personality", "ioprio", "op_flags"):
            for prep in (io_uring_prep_ipc_send, io_uring_prep_ipc_recv):
                sqe = io_uring_get_sqe(ring)
                prep(sqe, a.local_id_out, bytearray(8), 8)
                setattr(sqe, field, 1)
                out.append((yield from complete_one(ring))[0])
        return out

    res, _ = run_one(body)
    assert res == [-EINVAL] * 8


def test_register_argument_checks():
    def body():
        ring = yield from new_ring()
        reg = ring.ring_fd
        out = {}
        c = IpcChannelCreate(ring_entries=16, max_msg_size=64, mode=0o666)
        out["create_nr2"] = yield from io_uring_register(reg, IORING_REGISTER_IPC_CHANNEL_CREATE, c, 2)
        out["create_resv"] = yield from io_uring_register_ipc_channel_create(
            ring, IpcChannelCreate(ring_entries=16, max_msg_size=64, reserved=[0, 1, 0]))
        out["create_big"] = yield from io_uring_register_ipc_channel_create(
            ring, IpcChannelCreate(ring_entries=65536, max_msg_size=64))
        out["create_msg"] = yield from io_uring_register_ipc_channel_create(
            ring, IpcChannelCreate(ring_entries=16, max_msg_size=(1 << 20) + 1))
        out["create_region"] = yield from io_uring_register_ipc_channel_create(
            ring, IpcChannelCreate(ring_entries=32768, max_msg_size=1 << 20))
        out["create_ok"] = yield from io_uring_register_ipc_channel_create(ring, c)
        cid = c.channel_id_out
        out["attach_nr0"] = yield from io_uring_register(
            reg, IORING_REGISTER_IPC_CHANNEL_ATTACH, IpcChannelAttach(channel_id=cid, flags=1), 0)
        out["attach_flags0"] = yield from io_uring_register_ipc_channel_attach(ring, IpcChannelAttach(channel_id=cid))
        out["attach_flags4"] = yield from io_uring_register_ipc_channel_attach(ring, IpcChannelAttach(channel_id=cid, flags=4))
        out["attach_resv"] = yield from io_uring_register_ipc_channel_attach(
            ring, IpcChannelAttach(channel_id=cid, flags=1, reserved=[1, 0, 0]))
        out["attach_nokey"] = yield from io_uring_register_ipc_channel_attach(ring, IpcChannelAttach(key=42, flags=1))
        out["attach_noid"] = yield from io_uring_register_ipc_channel_attach(ring, IpcChannelAttach(channel_id=99, flags=1))
        out["detach0"] = yield from io_uring_register_ipc_channel_detach(ring, 0)
        out["detach_arg"] = yield from io_uring_register(reg, 40, IpcChannelAttach(), 1)
        out["detach_none"] = yield from io_uring_register_ipc_channel_detach(ring, 12345)
        out["destroy0"] = yield from io_uring_register_ipc_channel_destroy(ring, 0)
        out["destroy_none"] = yield from io_uring_register_ipc_channel_destroy(ring, 12345)
        out["recv_by_channel_id"] = (yield from recv(ring, cid))[0]
        return out

    out, _ = run_one(body)
    expect = {
        "create_nr2": -EINVAL, "create_resv": -EINVAL, "create_big": -EINVAL, "create_msg": -EINVAL,
        "create_region": -EINVAL, "create_ok": 0, "attach_nr0": -EINVAL, "attach_flags0": -EINVAL,
        "attach_flags4": -EINVAL, "attach_resv": -EINVAL, "attach_nokey": -ENOENT,
        "attach_noid": -ENOENT, "detach0": -EINVAL, "detach_arg": -EINVAL, "detach_none": -ENOENT,
        "destroy0": -EINVAL, "destroy_none": -ENOENT, "recv_by_channel_id": -ENOENT,
    }
    assert out == expect


def test_first_msg_id_is_2_and_sender_data_is_user_data():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=4, max_size=32)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        yield from send(ring, a.local_id_out, b"first", user_data=0xABC)
        yield from send(ring, a.local_id_out, b"second", user_data=0xDEF)
        m = yield from ipc_mmap(a.channel_fd, a.region_size, PROT_READ, MAP_SHARED, 0)
        return m

    m, _ = run_one(body)
    d0, d1 = m.desc(0), m.desc(1)
    assert (d0.msg_id, d0.sender_data, d0.seq, d0.len) == (2, 0xABC, 1, 5)
    assert (d1.msg_id, d1.sender_data, d1.seq) == (3, 0xDEF, 2)


# -- the read-only mapping ---------------------------------------------------------------


def test_mmap_read_only_and_contents():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=4, max_size=32)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        fd, size = a.channel_fd, a.region_size
        out = {
            "w": (yield from ipc_mmap(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0)),
            "off": (yield from ipc_mmap(fd, size, PROT_READ, MAP_SHARED, 4096)),
            "big": (yield from ipc_mmap(fd, size + 1, PROT_READ, MAP_SHARED, 0)),
            "badfd": (yield from ipc_mmap(999, size, PROT_READ, MAP_SHARED, 0)),
        }
        m = yield from ipc_mmap(fd, size, PROT_READ, MAP_SHARED, 0)
        yield from send(ring, a.local_id_out, b"payload!")
        out["m"] = m
        return out

    out, _ = run_one(body)
    from simuring.abi.errno import EBADF

    assert out["w"] == -EACCES and out["off"] == -EINVAL and out["big"] == -EINVAL
    assert out["badfd"] == -EBADF
    m = out["m"]
    assert (m.ring_entries, m.ring_mask, m.max_msg_size) == (4, 3, 32)
    assert m.producer_tail == 1 and m.consumer_head == 0
    assert m.payload(0) == b"payload!"
    d = m.desc(0)
    assert m[m.data_offset + d.offset : m.data_offset + d.offset + d.len] == b"payload!"
    import struct

    assert struct.unpack_from("<I", m.read(4, 4))[0] == 1  # producer tail word
    assert len(m) == 8192
    try:
        m[0] = 1
    except PermissionError:
        pass
    else:
        raise AssertionError("mapping must be read-only")


# -- wake-ups post nothing but are counted -----------------------------------------------


def test_send_wakes_receiver_ring_waiters_without_posting():
    shared = {}

    def receiver():
        ring = yield from new_ring()
        _, c = yield from create(ring, flags=IOIPC_F_BROADCAST)
        shared["cid"] = c.channel_id_out
        _, a = yield from attach(ring, IOIPC_SUB_RECV, channel_id=c.channel_id_out)
        cqe = Cqe()
        shared["wait"] = yield from io_uring_wait_cqe_timeout(ring, cqe, Timespec(0, 200_000))
        shared["ready"] = ring.rings.cq_tail - ring.rings.cq_head
        shared["recv"] = yield from recv(ring, a.local_id_out)

    def sender():
        ring = yield from new_ring()
        yield from wait_for(lambda: "cid" in shared)
        yield from nanosleep(50_000)
        shared["send"] = yield from send(ring, shared["cid"], b"wake")

    sim = Simulation(seed=1)
    r = sim.spawn(receiver, cpu=0)
    sim.spawn(sender, cpu=1)
    res = sim.run()
    stats = ipc_stats(sim)
    assert shared["send"] == 4
    assert shared["wait"] == -ETIME and shared["ready"] == 0
    assert shared["recv"] == (4, b"wake")
    assert stats["totals"]["wakeups"] == 1
    assert stats["totals"]["wakeup_cost_ns"] > 0
    assert res.task(r.name).stats["cq_waits"] >= 2  # woken, found nothing, slept again


def test_send_does_not_wake_a_defer_taskrun_receiver():
    """A DEFER_TASKRUN ring's waiter is not on ``ctx->cq_wait`` (io_cqring_wait
    sets ``ctx->cq_wait_nr`` instead): the SEND's wake of the receiving ring's
    CQ wait queue reaches nobody, and the receiver sleeps once, to its timeout."""
    shared = {}

    def receiver():
        ring = yield from new_ring(flags=IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
        _, c = yield from create(ring, flags=IOIPC_F_BROADCAST)
        shared["cid"] = c.channel_id_out
        _, a = yield from attach(ring, IOIPC_SUB_RECV, channel_id=c.channel_id_out)
        cqe = Cqe()
        shared["wait"] = yield from io_uring_wait_cqe_timeout(ring, cqe, Timespec(0, 200_000))
        shared["recv"] = yield from recv(ring, a.local_id_out)

    def sender():
        ring = yield from new_ring()
        yield from wait_for(lambda: "cid" in shared)
        yield from nanosleep(50_000)
        shared["send"] = yield from send(ring, shared["cid"], b"wake")

    sim = Simulation(seed=1)
    r = sim.spawn(receiver, cpu=0)
    sim.spawn(sender, cpu=1)
    res = sim.run()
    stats = ipc_stats(sim)
    assert shared["send"] == 4 and shared["wait"] == -ETIME
    assert shared["recv"] == (4, b"wake")
    assert stats["totals"]["wakeups"] == 0
    assert res.task(r.name).stats["cq_waits"] == 1


def test_broadcast_full_is_exact_after_rescan_and_enobufs_counted():
    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=4, flags=IOIPC_F_BROADCAST)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        res = []
        for _ in range(5):
            res.append((yield from send(ring, a.local_id_out, b"x")))
        return res

    res, sim = run_one(body)
    assert res == [1, 1, 1, 1, -ENOBUFS]
    assert ipc_stats(sim)["totals"]["enobufs"] == 1


# -- user memory: what copy_from_user / copy_to_user allow ---------------------------------


def test_zero_length_send_and_recv_never_fault_even_with_null():
    """A copy of 0 bytes cannot fault: SEND(NULL, 0) and RECV(NULL, 0) both give 0."""

    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        sid = a.local_id_out
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_ipc_send(sqe, sid, None, 0)
        sent = (yield from complete_one(ring))[0]
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_ipc_recv(sqe, sid, None, 0)
        got = (yield from complete_one(ring))[0]
        after = yield from recv(ring, sid)  # the empty message was consumed
        return sent, got, after

    (sent, got, after), _ = run_one(body)
    assert sent == 0 and got == 0
    assert after == (-EAGAIN, b"")


def test_buffers_are_measured_in_bytes_not_items():
    """A memoryview of array('I') is 4 bytes per item; lengths and copies are in bytes."""
    import array

    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, entries=4, max_size=16)
        _, a = yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out)
        sid = a.local_id_out
        region = len(channel_of(sim_box[0], c.channel_id_out).data)
        words = memoryview(array.array("I", [0x41424344] * 4))  # 16 bytes
        sent = yield from send(ring, sid, words, length=8)
        first = yield from recv(ring, sid, 16)
        yield from send(ring, sid, b"0123456789abcdef")
        into = array.array("I", [0] * 4)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_ipc_recv(sqe, sid, memoryview(into), 16)
        res = (yield from complete_one(ring))[0]
        return sent, first, res, into.tobytes(), region, len(channel_of(sim_box[0], c.channel_id_out).data)

    sim_box: list = []
    sim = Simulation(seed=1)
    sim_box.append(sim)
    t = sim.spawn(body)
    sent, first, res, into, region_before, region_after = sim.run().task(t.name).value
    assert sent == 8
    assert first == (8, array_bytes(0x41424344, 2))
    assert res == 16 and into == b"0123456789abcdef"
    assert region_after == region_before  # the copy did not resize the data region


def array_bytes(word: int, count: int) -> bytes:
    import array

    return array.array("I", [word] * count).tobytes()


def test_attach_by_shared_key_finds_the_newest_live_channel():
    """hash_add puts a new channel at the head of its bucket: the newest one with the key wins."""

    def body():
        ring = yield from new_ring()
        _, old = yield from create(ring, key=0x77)
        _, new = yield from create(ring, key=0x77)
        _, a = yield from attach(ring, IOIPC_SUB_RECV, key=0x77)
        first = channel_of(sim_box[0], new.channel_id_out).subscribers.get(a.local_id_out) is not None
        yield from io_uring_register_ipc_channel_destroy(ring, new.channel_id_out)
        _, b = yield from attach(ring, IOIPC_SUB_RECV, key=0x77)
        second = channel_of(sim_box[0], old.channel_id_out).subscribers.get(b.local_id_out) is not None
        return first, second

    sim_box: list = []
    sim = Simulation(seed=1)
    sim_box.append(sim)
    t = sim.spawn(body)
    assert sim.run().task(t.name).value == (True, True)


@pytest.mark.pure_only
def test_multicast_round_robin_counter_wraps_as_u32():
    """The pre-incremented counter is 32 bits wide: from 0xFFFFFFFF it wraps to 0, the first receiver."""
    from simuring.opcodes.ipc import wake as wake_mod

    woken: list[int] = []

    def body():
        ring = yield from new_ring()
        _, c = yield from create(ring, flags=IOIPC_F_MULTICAST)
        ids = []
        for _ in range(3):
            ids.append((yield from attach(ring, IOIPC_SUB_BOTH, channel_id=c.channel_id_out))[1].local_id_out)
        ch = channel_of(sim_box[0], c.channel_id_out)
        ch.rr_counter.value = ch.rr_counter.prev = 0xFFFF_FFFF
        yield from send(ring, ids[0], b"x")
        return ids, ch.rr_counter.peek()

    sim_box: list = []
    sim = Simulation(seed=1)
    sim_box.append(sim)
    original = wake_mod.wake_subscriber

    def spy(task, sub, costs, stats):  # type: ignore[no-untyped-def]
        woken.append(sub.id)
        return original(task, sub, costs, stats)

    import simuring.opcodes.ipc.send as send_mod

    send_mod.wake_subscriber = spy
    try:
        t = sim.spawn(body)
        ids, counter = sim.run().task(t.name).value
    finally:
        send_mod.wake_subscriber = original
    assert counter == 0
    assert woken == [ids[0]]  # (0 % 3) -> the first receiver in id order
