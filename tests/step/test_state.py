"""The snapshot model of ``simuring step``: rings, entries, overflow, tasks, task work."""

from __future__ import annotations

from simuring import Simulation
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_prep_read,
    io_uring_prep_write,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_wait_cqe,
    io_uring_wait_cqe_nr,
)
from simuring.liburing.queue import flush_sq
from simuring.setupflags import parse_setup_flags
from simuring.step.driver import Stepper
from simuring.step.state import (
    MAX_EVENTS,
    SETUP_FLAGS,
    EventLine,
    Snapshot,
    cqe_flag_names,
    event_lines,
    flag_names,
    snapshot,
)
from simuring.syscalls import nanosleep, pipe, write
from simuring.uapi import (
    IORING_CQE_F_BUFFER,
    IORING_CQE_F_MORE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
)

US = 1_000


def stepped(*tasks, **kw) -> tuple[Simulation, Stepper]:
    sim = Simulation(seed=1, trace=True)
    for fn, args, name in tasks:
        sim.spawn(fn, *args, name=name, cpu=kw.get("cpu"))
    return sim, Stepper(sim)


def at(stepper: Stepper, t: int) -> Snapshot:
    stepper.until(t)
    sim = stepper.sim
    return snapshot(sim, since=stepper.since, steps=stepper.steps, note=stepper.note)


def snapshots(stepper: Stepper) -> list[Snapshot]:
    """A snapshot after every event, to the end."""
    out = []
    while not stepper.over:
        stepper.step()
        out.append(snapshot(stepper.sim, since=stepper.since, steps=stepper.steps))
    return out


# -- a NOP ring ---------------------------------------------------------------------------
def nops(ring_out):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(4, ring, 0)
    ring_out.append(ring)
    for i in range(3):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 0x2A + i)
    yield from io_uring_submit(ring)
    yield from nanosleep(100 * US)  # t ~ 20-120 us: three CQEs, none seen
    yield from io_uring_wait_cqe(ring, cqe)
    io_uring_cqe_seen(ring, cqe[0])
    for i in range(2):  # published, not consumed: between SQ head and tail
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 0x100 + i)
    flush_sq(ring)
    yield from nanosleep(100 * US)  # t ~ 130-230 us
    yield from io_uring_submit(ring)


def test_a_nop_ring_head_tail_mask_and_the_cqes_between():
    sim, st = stepped((nops, ([],), "nop"))
    snap = at(st, 60 * US)
    (ring,) = snap.rings
    assert ring.id == 1 and ring.flags == () and ring.owner == "nop" and not ring.dead
    assert (ring.sq_head, ring.sq_tail, ring.sq_mask, ring.sq_entries) == (3, 3, 3, 4)
    assert ring.sqes == ()
    assert (ring.cq_head, ring.cq_tail, ring.cq_mask, ring.cq_entries) == (0, 3, 7, 8)
    assert [(c.user_data, c.res, c.flags) for c in ring.cqes] == [(0x2A, "0", ()), (0x2B, "0", ()), (0x2C, "0", ())]
    assert ring.overflow == () and ring.posted == 3 and ring.inflight == 0
    task = snap.task("nop")
    assert (task.state, task.cpu, task.task_work, task.local_work, task.kthread) == ("sleeping", None, 0, (), False)
    assert snap.now <= 60 * US and not snap.finished


def test_sqes_published_and_not_consumed_lie_between_sq_head_and_tail():
    sim, st = stepped((nops, ([],), "nop"))
    snap = at(st, 180 * US)
    ring = snap.ring(1)
    assert (ring.sq_head, ring.sq_tail) == (3, 5)
    assert [(s.pos, s.index, s.opcode, s.user_data) for s in ring.sqes] == [(3, 3, "NOP", 0x100), (4, 0, "NOP", 0x101)]
    assert (ring.cq_head, ring.cq_tail) == (1, 3)
    assert [c.user_data for c in ring.cqes] == [0x2B, 0x2C]
    snap = at(st, 400 * US)
    ring = snap.ring(1)
    assert snap.finished and ring.dead and ring.sqes == () and ring.posted == 5


# -- a CQ overflow --------------------------------------------------------------------------
def flood():
    ring = Ring()
    yield from io_uring_queue_init(4, ring, 0)  # CQ of 8
    for batch in range(3):
        for i in range(4):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, 4 * batch + i)
        yield from io_uring_submit(ring)
    yield from nanosleep(100 * US)  # nothing reaped


def test_a_cq_overflow_shows_the_overflow_list_in_order():
    sim, st = stepped((flood, (), "flood"))
    snap = at(st, 60 * US)
    ring = snap.ring(1)
    assert (ring.cq_head, ring.cq_tail) == (0, 8) and len(ring.cqes) == 8
    assert [c.user_data for c in ring.cqes] == list(range(8))
    assert [(c.user_data, c.res) for c in ring.overflow] == [(8, "0"), (9, "0"), (10, "0"), (11, "0")]
    assert ring.overflowed == 4 and ring.posted == 8 and ring.cq_overflow == 0
    assert "CQ_OVERFLOW" in ring.sq_flags


def test_next_cqe_says_when_a_cqe_went_to_the_overflow_list():
    sim, st = stepped((flood, (), "flood"))
    notes = []
    while not st.over:
        notes.append(st.next_cqe().note)
    # each submission completes its four NOPs inline, in one event
    assert notes == [
        "stopped at ring 1: 4 CQEs posted, CQ tail now 4",
        "stopped at ring 1: 4 CQEs posted, CQ tail now 8",
        "stopped at ring 1: 4 to the overflow list (CQ full)",
        "the run is over: every user task has ended: no CQE came",
    ]


# -- a pipe ping-pong with io_uring ------------------------------------------------------------
ROUNDS = 2


def ping(fds):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(8, ring, 0)
    a, b = [], []
    yield from pipe(a)
    yield from pipe(b)
    fds += [a, b]
    buf = bytearray(4)
    for i in range(ROUNDS):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_write(sqe, a[1], b"ping", 4, 0)
        io_uring_sqe_set_data64(sqe, 0x10 + i)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, b[0], buf, 4, 0)
        io_uring_sqe_set_data64(sqe, 0x20 + i)
        yield from io_uring_submit(ring)
        yield from io_uring_wait_cqe_nr(ring, cqe, 2)
        for _ in range(2):
            yield from io_uring_wait_cqe(ring, cqe)
            io_uring_cqe_seen(ring, cqe[0])


def pong(fds):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(8, ring, 0)
    while not fds:
        yield from nanosleep(1 * US)
    a, b = fds
    buf = bytearray(4)
    for i in range(ROUNDS):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, a[0], buf, 4, 0)
        io_uring_sqe_set_data64(sqe, 0x30 + i)
        yield from io_uring_submit(ring)
        yield from io_uring_wait_cqe(ring, cqe)
        io_uring_cqe_seen(ring, cqe[0])
        yield from write(b[1], b"pong", 4)


def pingpong() -> Stepper:
    fds: list = []
    sim = Simulation(seed=1, trace=True)
    first = sim.spawn(ping, fds, name="ping", cpu=0)
    sim.spawn(pong, fds, name="pong", cpu=1, process=first.process)
    return Stepper(sim)


def test_a_pipe_ping_pong_shows_a_parked_read_its_waiter_and_its_task_work():
    snaps = snapshots(pingpong())
    parked = [
        s for s in snaps if len(s.rings) == 2 and s.ring(2).inflight == 1 and s.ring(2).waiters and s.task("pong").state == "sleeping"
    ]
    assert parked, "pong never slept on its ring with its READ parked on the pipe"
    waiter = parked[0].ring(2).waiters[0]
    assert waiter.task == "pong" and waiter.target_tail == parked[0].ring(2).cq_head + 1
    # ping's READ completes from pong's write (a wake-up of the pipe): task work queued on ping
    pending = [s for s in snaps if any(t.task_work for t in s.tasks)]
    assert pending and pending[0].task("ping").task_work == 1 and pending[0].task("ping").notify_signal
    end = snaps[-1]
    assert end.finished and end.ring(1).posted == 2 * ROUNDS and end.ring(2).posted == ROUNDS
    assert all(t.state == "dead" for t in end.tasks)
    # the kernel events in words: every CQE
    words = [e.text for s in snaps for e in s.events if not s.earlier]
    assert "ring 2: CQE user_data=0x30 res=4 posted" in words
    assert "ring 1: CQE user_data=0x20 res=4 posted" in words


# -- DEFER_TASKRUN: pending local work ---------------------------------------------------------
PIPES = 4


def waiter(flags, pipes):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(8, ring, flags)
    bufs = [bytearray(8) for _ in range(PIPES)]
    for i, buf in enumerate(bufs):
        fds = []
        yield from pipe(fds)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], buf, len(buf), 0)
        io_uring_sqe_set_data64(sqe, i)
        pipes.append(fds)
    yield from io_uring_submit(ring)
    yield from io_uring_wait_cqe_nr(ring, cqe, PIPES)


def writer(pipes):
    while len(pipes) < PIPES:
        yield from nanosleep(1 * US)
    for fds in pipes:
        yield from nanosleep(10 * US)
        yield from write(fds[1], b"8 bytes!", 8)


def delivery(flags: int) -> Stepper:
    pipes: list = []
    sim = Simulation(seed=1, trace=True)
    first = sim.spawn(waiter, flags, pipes, name="waiter", cpu=0)
    sim.spawn(writer, pipes, name="writer", cpu=1, process=first.process)
    return Stepper(sim)


def test_defer_taskrun_queues_completions_on_the_ring_until_the_waiter_wakes():
    snaps = snapshots(delivery(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN))
    ring_seen = [s for s in snaps if s.rings]
    assert ring_seen[0].ring(1).flags == ("SINGLE_ISSUER", "DEFER_TASKRUN") and ring_seen[0].ring(1).defer_taskrun
    backlog = [s.ring(1).local_work for s in ring_seen]
    assert max(backlog) == PIPES  # the last item wakes the waiter (cq_wait_nr), which then runs them all
    deepest = next(s for s in ring_seen if s.ring(1).local_work == PIPES - 1)
    ring = deepest.ring(1)
    assert ring.cq_tail == ring.cq_head and ring.cqes == ()  # deferred: no CQE posted yet
    assert [(w.task, w.nr_wait) for w in ring.waiters] == [("waiter", PIPES)]
    task = deepest.task("waiter")
    assert task.state == "sleeping" and task.local_work == ((1, PIPES - 1),) and task.task_work == 0
    # then the waiter wakes once and posts the four CQEs in one go
    after = next(s for s in ring_seen if s.ring(1).posted == PIPES)
    assert after.ring(1).local_work == 0 and [c.user_data for c in after.ring(1).cqes] == [0, 1, 2, 3]


def test_the_default_mode_queues_completions_on_the_task_instead():
    snaps = snapshots(delivery(0))
    assert all(r.local_work == 0 for s in snaps for r in s.rings)
    assert max(s.task("waiter").task_work for s in snaps if s.tasks) == 1
    assert all(s.task("waiter").local_work == () for s in snaps if s.tasks)


# -- names ---------------------------------------------------------------------------------------
def test_flag_names():
    assert flag_names(parse_setup_flags("SQPOLL|DEFER_TASKRUN"), SETUP_FLAGS) == ("SQPOLL", "DEFER_TASKRUN")
    assert flag_names(1 << 30, SETUP_FLAGS) == ("0x40000000",)
    assert cqe_flag_names(IORING_CQE_F_MORE) == ("F_MORE",)
    assert cqe_flag_names(IORING_CQE_F_BUFFER | (7 << 16)) == ("F_BUFFER", "buf=7")
    assert cqe_flag_names(0) == ()


def test_negative_results_are_errno_names():
    def failing():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, 99, bytearray(1), 1, 0)  # not an open fd
        io_uring_sqe_set_data64(sqe, 7)
        yield from io_uring_submit(ring)
        yield from nanosleep(50 * US)

    sim, st = stepped((failing, (), "f"))
    (cqe,) = at(st, 40 * US).ring(1).cqes
    assert (cqe.user_data, cqe.res) == (7, "-EBADF")


def test_the_kernel_events_of_the_last_move_in_words():
    sim, st = stepped((nops, ([],), "nop"))
    st.next_cqe()
    snap = snapshot(sim, since=st.since, steps=st.steps, note=st.note)
    assert not snap.earlier and 1 <= len(snap.events) <= MAX_EVENTS
    texts = [e.text for e in snap.events]
    cqes = [t for t in texts if "CQE" in t]
    assert cqes[-2:] == [f"ring 1: CQE user_data={ud:#x} res=0 posted" for ud in (0x2B, 0x2C)]  # the last ones
    assert texts[-2:] == ["ring 1: NOP user_data=0x2c submitted", "ring 1: CQE user_data=0x2c res=0 posted"]
    assert not any(t.startswith("counter_") for t in texts)  # counter samples are tracks, not events
    assert all(e.t >= 0 for e in snap.events) and snap.events == tuple(sorted(snap.events, key=lambda e: e.t))


def test_a_move_without_kernel_events_keeps_the_last_one_before_it():
    records = [{"t": 5, "event": "io_uring_complete", "ctx": 1, "user_data": 1, "res": 0, "cflags": 0}, {"t": 9, "event": "odd", "x": 1}]
    assert event_lines(records, 2) == ((EventLine(9, "odd x=1"),), True)
    assert event_lines(records, 1) == ((EventLine(9, "odd x=1"),), False)
    assert event_lines(records, 0)[0][0].text == "ring 1: CQE user_data=0x1 res=0 posted"
    assert event_lines([], 0) == ((), False)
    many = [{"t": i, "event": "e", "i": i} for i in range(10)]
    assert [e.t for e in event_lines(many, 0)[0]] == list(range(10 - MAX_EVENTS, 10))
