"""The differential fuzzer's generator and runner, on the simulated side alone (no kernel needed).

A case must be the same for the same seed (whatever PYTHONHASHSEED), perturb only the
non-pointer fields its opcode allows, keep its paths inside the private directory, and
run on the simulator without a Python exception.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest

from simuring.conform import (
    difffuzz,
    difffuzz_batch,
    difffuzz_bundle,
    difffuzz_register,
    difffuzz_setup,
    difffuzz_state,
    difffuzz_state2,
)
from simuring.conform.difffuzz_case import EXTRA_OPS, FIELDS, OPS, OPS_BY_NAME, generate
from simuring.conform.observe import Observation
from simuring.conform.report import SIM_ONLY

SEEDS = range(300)
#: What a case may assign to an SQE attribute (pointers -- addr, addr2 as a pointer, buffers -- never).
SAFE_ATTRIBUTES = {"ioprio", "op_flags", "buf_index", "personality", "file_index", "len", "off", "addr3", "fd", "splice_fd_in"}


def _sqe_assignments(source: str) -> list[str]:
    """The SQE attributes the program assigns (``sqe.<name> = ...``)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "sqe":
                    names.append(target.attr)
    return names


def _string_literals(source: str) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_same_seed_same_case_and_seeds_differ() -> None:
    assert generate(17) == generate(17)
    assert generate(17, ["READ"]) == generate(17, ["READ"])
    assert len({generate(s).source for s in range(40)}) == 40


def test_case_independent_of_hash_seed() -> None:
    def printed(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        cmd = [sys.executable, "-m", "simuring.conform.difffuzz", "--print", "123"]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout

    assert printed("1") == printed("2") == generate(123).source + "\n"


@pytest.mark.parametrize("seed", list(range(0, 300, 7)))
def test_only_safe_fields_are_perturbed(seed: int) -> None:
    case = generate(seed)
    spec = OPS_BY_NAME[case.opcode]
    assert set(_sqe_assignments(case.source)) <= SAFE_ATTRIBUTES
    for odd in case.sqes:
        names = {name for name, _ in odd.fields}
        assert 1 <= len(odd.names) <= 3  # one or two fields; a fixed file adds IOSQE_FIXED_FILE to fd
        assert names <= {*spec.fields, "flags", "splice_fd_in"}
        assert "addr" not in names and "addr2" not in names
        for name, expr in odd.fields:
            if name in FIELDS and name not in ("fd", "flags"):
                assert int(expr, 16) >= 0
    paths = [s for s in _string_literals(case.source) if s.startswith("/")]
    assert all(p.startswith("/dfz-") for p in paths), paths


def test_every_opcode_is_drawn_and_can_be_chosen() -> None:
    drawn = {generate(seed).opcode for seed in range(600)}
    assert drawn == {spec.name for spec in OPS}
    assert {generate(seed, ["TEE"]).opcode for seed in range(10)} == {"TEE"}


def test_every_case_runs_on_the_simulator() -> None:
    for seed in SEEDS:
        result = difffuzz.run_case(generate(seed), sim_only=True, timeout_s=5.0)
        assert result.status == SIM_ONLY, (seed, result.difference and result.difference.describe())


@pytest.mark.parametrize("name", [spec.name for spec in EXTRA_OPS])
def test_added_opcodes_run_on_the_simulator(name: str) -> None:
    for seed in range(12):
        result = difffuzz.run_case(generate(seed, [name]), sim_only=True, timeout_s=5.0)
        assert result.status == SIM_ONLY, (name, seed, result.difference and result.difference.describe())


#: Fields that hold a length of the harness's memory (or, for MSG_RING, CQE flags liburing acts on) in the
#: added opcodes: never perturbed.
NEVER = {
    "MADVISE": {"len", "off"},  # the range advised: only ever nothing at address 0
    "BIND": {"off"},
    "CONNECT": {"off"},  # the sockaddr's length
    "EPOLL_WAIT": {"len"},  # maxevents: the events array's length
    "GETXATTR": {"len", "addr3"},
    "SETXATTR": {"len", "addr3"},
    "OPENAT2": {"len"},  # sizeof(struct open_how)
    "URING_CMD": {"off", "addr3"},  # the command (a getsockopt would read optval) and optval
    "READ_MULTISHOT": {"len"},
    "RECV_MULTISHOT": {"file_index"},  # the total limit (IORING_RECV_MSHOT_LIM), not modelled
    "MSG_RING": {"file_index"},
    "MSG_RING_CQE_FLAGS": {"file_index"},
}


@pytest.mark.parametrize("name", sorted(NEVER))
def test_length_fields_of_added_opcodes_stay(name: str) -> None:
    assert not NEVER[name] & set(OPS_BY_NAME[name].fields)
    for seed in range(40):
        case = generate(seed, [name])
        assert not NEVER[name] & {n for odd in case.sqes for n, _ in odd.fields}


def test_differences_are_traced_to_the_sqe_fields() -> None:
    obs = [
        Observation("call", "io_uring_queue_init", 0),
        Observation("record", "sqe", [0, ["ioprio"]]),
        Observation("cqe", "cqe", [100, 0, 0]),
        Observation("record", "sqe", [1, ["addr3", "off"]]),
        Observation("cqe", "cqe", [101, -22, 0]),
    ]
    assert difffuzz.fields_at(obs, 0) == difffuzz.SETUP
    assert difffuzz.fields_at(obs, 2) == ("ioprio",)
    assert difffuzz.fields_at(obs, 4) == ("addr3", "off")


def test_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert difffuzz.main(["--print", "5"]) == 0
    assert capsys.readouterr().out == generate(5).source + "\n"
    assert difffuzz.main(["--cases", "4", "--seed", "10", "--sim-only", "--opcode", "NOP"]) == 0
    assert "4/4 cases agree" in capsys.readouterr().out
    assert difffuzz.main(["--cases", "1", "--opcode", "NOPE"]) == 2
    assert "unknown opcode NOPE" in capsys.readouterr().err


def test_group_as_json_data() -> None:
    group = difffuzz.Group("FSYNC", ("off",), [1983, 2066], "differs: ...", "def scenario(L): ...")
    assert group.to_dict() == {
        "opcode": "FSYNC",
        "fields": ("off",),
        "seeds": [1983, 2066],
        "difference": "differs: ...",
        "program": "def scenario(L): ...",
    }


# -- the batch, register and setup modes -------------------------------------------------------
MODE_SEEDS = range(60)


def _calls(source: str, name: str) -> list[ast.Call]:
    """The program's calls of ``L.<name>``."""
    return [
        n for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name
    ]  # fmt: skip


@pytest.mark.parametrize("mode", ["batch", "register", "setup", "state", "state2", "bundle"])
def test_mode_cases_are_deterministic_and_run_on_the_simulator(mode: str) -> None:
    assert difffuzz.generate_case(11, mode) == difffuzz.generate_case(11, mode)
    assert len({difffuzz.generate_case(s, mode).source for s in range(20)}) == 20
    for seed in MODE_SEEDS:
        result = difffuzz.run_case(difffuzz.generate_case(seed, mode), sim_only=True, timeout_s=5.0)
        assert result.status == SIM_ONLY, (mode, seed, result.difference and result.difference.describe())


@pytest.mark.parametrize("mode", ["register", "state", "state2", "bundle"])
def test_mode_case_independent_of_hash_seed(mode: str) -> None:
    def printed(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        cmd = [sys.executable, "-m", "simuring.conform.difffuzz", "--mode", mode, "--print", "42"]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout

    assert printed("1") == printed("3") == difffuzz.generate_case(42, mode).source + "\n"


def test_batch_rounds_keep_the_kernel_order() -> None:
    """ASYNC and a link on the last SQE only in one chain; DRAIN only on the last SQE; a kind that
    consumes a round's data once at most once; only non-pointer SQE fields set."""
    import random

    from simuring import uapi as U

    rng = random.Random(5)
    for _ in range(2000):
        sqes = difffuzz_batch.draw_round(rng)
        assert 2 <= len(sqes) <= 4
        one_chain = all(s.flags & (U.IOSQE_IO_LINK | U.IOSQE_IO_HARDLINK) for s in sqes[:-1])
        if not one_chain:
            assert not any(s.flags & U.IOSQE_ASYNC for s in sqes)
            assert not sqes[-1].flags & (U.IOSQE_IO_LINK | U.IOSQE_IO_HARDLINK)
        assert not any(s.flags & U.IOSQE_IO_DRAIN for s in sqes[:-1])
        for kind in difffuzz_batch.ONCE_PER_ROUND:
            assert [s.kind for s in sqes].count(kind) <= 1
    for seed in range(100):
        assert set(_sqe_assignments(difffuzz.generate_case(seed, "batch").source)) <= {"op_flags", "len", "fd", "ioprio", "opcode"}


def test_register_arrays_are_never_shorter_than_what_the_kernel_reads() -> None:
    """A list argument holds at least ``nr_args`` entries, unless the count is one the kernel refuses
    before reading (more files than IORING_MAX_FIXED_FILES, more ring fds than the table's 16); the
    io-wq limits are only read; a ring-table slot or an affinity the case may set is undone."""
    for seed in range(300):
        source = difffuzz.generate_case(seed, "register").source
        for call in _calls(source, "io_uring_register"):
            arg, nr = call.args[2], call.args[3]
            assert isinstance(nr, ast.Constant) and isinstance(nr.value, int)
            opcode = ast.unparse(call.args[1]).removesuffix(" | IORING_REGISTER_USE_REGISTERED_RING")
            if isinstance(arg, ast.List) and opcode in difffuzz_register.READS_NR_ENTRIES:
                refused = nr.value > (1 << 20) or (nr.value == 17 and "RING_FDS" in opcode)
                assert len(arg.elts) >= nr.value or refused, ast.unparse(call)
            elif isinstance(arg, ast.List) and opcode in ("IORING_REGISTER_EVENTFD", "IORING_REGISTER_EVENTFD_ASYNC") and nr.value == 1:
                assert len(arg.elts) == 1
            if "IOWQ_MAX_WORKERS" in ast.unparse(call.args[1]) and isinstance(arg, ast.List):
                assert ast.unparse(arg) == "[0, 0]"
            if opcode == "IORING_REGISTER_RING_FDS" and "offset=7" not in ast.unparse(arg):
                assert any(bad in ast.unparse(arg) for bad in ("offset=16", "resv=1", "data=efd", "data=-1")), ast.unparse(call)
        if "IORING_REGISTER_IOWQ_AFF" in source:
            assert source.rindex("ring.ring_fd, IORING_UNREGISTER_IOWQ_AFF, None, 0)") > source.rindex("IORING_REGISTER_IOWQ_AFF")
        if "offset=7, data=ring.ring_fd" in source:
            assert "other.ring_fd, IORING_UNREGISTER_RING_FDS, [L.RsrcUpdate(offset=7)], 1" in source
        for value in difffuzz_register.RESTRICTION_ARGS:
            assert not 63 <= value <= 66 and not 36 <= value <= 41


def test_setup_cases_cannot_hang() -> None:
    """No ring with a thread, a poll loop, user memory or a registered-only fd; an enter that waits
    for more than the one CQE there carries EXT_ARG with a timeout, and no minimum wait past it."""
    for seed in range(300):
        source = difffuzz.generate_case(seed, "setup").source
        for banned in ("IORING_SETUP_SQPOLL", "IORING_SETUP_IOPOLL", "IORING_SETUP_NO_MMAP", "IORING_SETUP_REGISTERED_FD_ONLY"):
            assert not re.search(rf"\b{banned}\b", source), banned  # HYBRID_IOPOLL alone is refused
        for call in _calls(source, "io_uring_enter2"):
            flags = ast.unparse(call.args[3])
            min_complete = call.args[2]
            assert isinstance(min_complete, ast.Constant)
            if "GETEVENTS" in flags and min_complete.value > 1:
                assert "EXT_ARG" in flags and f"ts=L.Timespec(0, {difffuzz_setup.WAIT_NS})" in ast.unparse(call.args[4])
            if "EXT_ARG" in flags:
                arg = call.args[4]
                assert isinstance(arg, ast.Call)
                wait = next(k.value for k in arg.keywords if k.arg == "min_wait_usec")
                assert isinstance(wait, ast.Constant) and wait.value * 1000 <= difffuzz_setup.WAIT_NS


def test_mode_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert difffuzz.main(["--mode", "batch", "--print", "3"]) == 0
    assert capsys.readouterr().out == difffuzz.generate_case(3, "batch").source + "\n"
    assert difffuzz.main(["--mode", "setup", "--cases", "3", "--sim-only"]) == 0
    assert "3/3 cases agree" in capsys.readouterr().out


# -- the state mode -------------------------------------------------------------------------------
STATE_SEEDS = range(400)


def test_state_cases_are_safe() -> None:
    """No SQE attribute but the rw flags word is assigned; every io_uring send carries MSG_NOSIGNAL; a read's
    buffer is ``buf``, as long as the length given; paths stay private; every fill loop is bounded."""
    for seed in STATE_SEEDS:
        source = difffuzz_state.generate(seed).source
        tree = ast.parse(source)
        assert set(_sqe_assignments(source)) <= {"op_flags"}, seed
        for call in _calls(source, "io_uring_prep_send") + _calls(source, "io_uring_prep_sendmsg"):
            flags = call.args[-1]
            assert isinstance(flags, ast.Constant) and flags.value & difffuzz_state.MSG_NOSIGNAL, (seed, ast.unparse(call))
        buf = ""
        for stmt in next(n for n in tree.body if isinstance(n, ast.FunctionDef)).body:  # in order: the last ``buf``
            if isinstance(stmt, ast.Assign) and ast.unparse(stmt.targets[0]) == "buf":
                buf = ast.unparse(stmt.value)
            for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)):
                if call.func.attr in ("io_uring_prep_read", "io_uring_prep_recv"):
                    assert ast.unparse(call.args[2]) == "buf" and buf == f"bytearray({ast.unparse(call.args[3])})", seed
        assert all(p.startswith("/dfz-") for p in _string_literals(source) if p.startswith("/"))
        loops = [n for n in ast.walk(tree) if isinstance(n, ast.For)]
        assert all(isinstance(n.iter, ast.Call) and isinstance(n.iter.args[0], ast.Constant) for n in loops), seed


def test_state_mode_draws_every_state_and_request() -> None:
    seen = {field for seed in STATE_SEEDS for sqe in difffuzz_state.generate(seed).sqes for field in sqe.fields}
    states = {state for state, _ in seen}
    ops = {op for _, op in seen}
    assert states >= {f"{kind}:{state}" for kind, (names, _) in difffuzz_state.STATES.items() for state in names}
    assert ops >= {"READ", "WRITE", "READV", "WRITEV", "SEND", "RECV", "SENDMSG", "RECVMSG", "POLL_ADD", "SPLICE", "TEE", "SHUTDOWN", "FSYNC", "FTRUNCATE"}


def test_state_mode_keeps_its_kinds() -> None:
    """The state mode's seeds draw pipes, unix sockets, eventfds and files only: the state2 kinds are a
    mode of their own, so that the state mode's seeds keep the cases they had."""
    kinds = {state.split(":")[0] for seed in STATE_SEEDS for sqe in difffuzz_state.generate(seed).sqes for state, _ in sqe.fields}
    assert kinds == set(difffuzz_state.STATES) == {"pipe", "sock", "efd", "file"}
    assert not set(difffuzz_state.STATES) & set(difffuzz_state2.STATES)


# -- the state2 mode ------------------------------------------------------------------------------


def test_state2_mode_draws_every_kind_state_and_request() -> None:
    seen = {field for seed in STATE_SEEDS for sqe in difffuzz_state2.generate(seed).sqes for field in sqe.fields}
    states = {state for state, _ in seen}
    assert states == {f"{kind}:{state}" for kind, (names, _) in difffuzz_state2.STATES.items() for state in names}
    assert {op for state, op in seen if state.startswith(("tcp:", "udp:"))} >= {"SEND", "RECV", "SENDMSG", "RECVMSG", "SHUTDOWN", "POLL_ADD"}
    assert "SPLICE" in {op for state, op in seen if state.startswith("fifo:")}
    assert not {op for state, op in seen if state.startswith(("tcp:", "udp:")) and op in ("SPLICE", "TEE")}


def test_state2_cases_are_safe() -> None:
    """Ports in the fuzzer's range (TCP ones bound with SO_REUSEADDR first), paths private, sends
    with MSG_NOSIGNAL, only the rw flags word assigned to an SQE; every state that changes a socket
    from its peer waits for the change (a POLL_ADD settled) before the first request."""
    ports = range(difffuzz_state2.TCP_PORT, difffuzz_state2.UDP_PORT + 4)
    for seed in STATE_SEEDS:
        case = difffuzz_state2.generate(seed)
        source = case.source
        assert set(_sqe_assignments(source)) <= {"op_flags"}, seed
        for call in _calls(source, "io_uring_prep_send") + _calls(source, "io_uring_prep_sendmsg"):
            flags = call.args[-1]
            assert isinstance(flags, ast.Constant) and flags.value & difffuzz_state.MSG_NOSIGNAL, (seed, ast.unparse(call))
        for call in _calls(source, "SockaddrIn"):
            port = call.args[0]
            assert isinstance(port, ast.Constant) and port.value in ports, (seed, ast.unparse(call))
        streams: set[str] = set()
        reuse: set[str] = set()
        for line in source.splitlines():
            made = re.match(r"\s*(\w+) = yield from L\.socket\(L\.AF_INET, L\.SOCK_STREAM", line)
            if made:
                streams.add(made[1])
            opt = re.match(rf"\s*yield from L\.setsockopt\((\w+), {difffuzz_state2.SOL_SOCKET}, {difffuzz_state2.SO_REUSEADDR},", line)
            if opt:
                reuse.add(opt[1])
            bound = re.match(r"\s*yield from L\.bind\((\w+),", line)
            if bound and bound[1] in streams:
                assert bound[1] in reuse, (seed, line)
        assert all(p.startswith("/dfz-") for p in _string_literals(source) if p.startswith("/"))
        lines = source.splitlines()
        first_request = next(i for i, line in enumerate(lines) if "L.record('sqe'" in line)
        for i, line in enumerate(lines[:first_request]):
            if re.search(r"L\.(send|close)\(o\d\[1\]", line) and "mkfifo" not in source:
                assert any("wait_for(" in later for later in lines[i:first_request]), (seed, line)


# -- the bundle mode ------------------------------------------------------------------------------
BUNDLE_SEEDS = range(300)


def test_bundle_mode_draws_every_choice() -> None:
    """The bundle mode's seeds draw SENDs and RECVs with each of the optional flags, buffer rings
    (plain and incremental) and legacy groups, each socket kind, nothing queued and a shut-down peer."""
    fields = {f"{k}={v}" for seed in BUNDLE_SEEDS for sqe in difffuzz_bundle.generate(seed).sqes for k, v in sqe.fields}
    for wanted in ("op=SEND", "op=RECV", "len=0", "len=13", "msg_flags=MSG_WAITALL", "flags=IOSQE_BUFFER_SELECT | IOSQE_ASYNC"):
        assert wanted in fields
    ioprios = " ".join(f for f in fields if f.startswith("ioprio="))
    for flag in ("IORING_RECV_MULTISHOT", "IORING_RECVSEND_POLL_FIRST"):
        assert flag in ioprios
    docs = [difffuzz_bundle.generate(seed).source.splitlines()[0] for seed in BUNDLE_SEEDS]
    for part in ("ring ", "ring-inc ", "legacy ", "unix holding []", "tcp holding", "udp holding", " shut;"):
        assert any(part in doc for doc in docs), part


def test_bundle_cases_are_safe() -> None:
    """Every bundle SQE carries IORING_RECVSEND_BUNDLE and IOSQE_BUFFER_SELECT; no multishot SEND; the
    ports are the mode's own and every TCP bind follows SO_REUSEADDR; buffers never take a length the
    harness did not give them (each ring entry is its bytearray's length)."""
    for seed in BUNDLE_SEEDS:
        case = difffuzz_bundle.generate(seed)
        for sqe in case.sqes:
            got = dict(sqe.fields)
            assert "IORING_RECVSEND_BUNDLE" in got["ioprio"] and "IOSQE_BUFFER_SELECT" in got["flags"]
            assert not (got["op"] == "SEND" and "IORING_RECV_MULTISHOT" in got["ioprio"])
        ports = {int(p) for p in re.findall(r"L\.SockaddrIn\((\d+),", case.source)}
        assert ports <= {difffuzz_bundle.TCP_PORT, difffuzz_bundle.UDP_PORT, difffuzz_bundle.UDP_PORT + 1}
        assert "L.io_uring_buf_ring_add(br, b, len(b)," in case.source or "provide_buffers" in case.source
        if "L.bind(lis" in case.source:
            assert 0 <= case.source.find("L.setsockopt(lis, 1, 2,") < case.source.index("L.bind(lis")


def test_bundle_mode_keeps_other_modes_seeds() -> None:
    """Adding the bundle mode left the other modes' programs alone: a seed's program names no bundle."""
    for mode in ("fields", "batch", "state", "state2"):
        assert "IORING_RECVSEND_BUNDLE" not in difffuzz.generate_case(5, mode).source
