"""Opcode plug-ins through the ``simuring.opcodes`` entry-point group."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from simuring import Simulation
from simuring.abi.errno import EINVAL, EOPNOTSUPP
from simuring.engine.plugins import default_registry, load_registry
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginError, PluginRegistry
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_rw,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_wait_cqe,
)

TOY_DIR = Path(__file__).parent / "toy_plugin"


@pytest.fixture
def toy_registry(monkeypatch):
    monkeypatch.syspath_prepend(str(TOY_DIR))
    importlib.invalidate_caches()
    return load_registry()  # reads the installed entry points afresh


def test_builtins_are_registered_through_entry_points():
    registry = default_registry()
    assert "nop" in registry.loaded
    assert registry.ops.get(0).name == "NOP" and registry.ops.get(0).plugin == "nop"


def test_toy_opcode_from_a_separate_package_runs(toy_registry):
    assert "toy" in toy_registry.loaded
    assert toy_registry.ops.get(201).plugin == "toy"
    sim = Simulation(seed=1, registry=toy_registry)
    got = []

    def task():
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        for i, (length, off) in enumerate([(21, 0), (5, 1)]):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_rw(201, sqe, -1, 0, length, off)
            io_uring_sqe_set_data64(sqe, i)
        yield from io_uring_submit(ring)
        for _ in range(2):
            yield from io_uring_wait_cqe(ring, cqe)
            got.append((cqe[0].user_data, cqe[0].res))
            io_uring_cqe_seen(ring, cqe[0])

    sim.spawn(task)
    result = sim.run()
    assert got == [(0, 42), (1, -EINVAL)]
    assert result.tasks[0].stats["sqes"] == {"OP_201": 2}


def test_without_the_plugin_the_opcode_is_einval_and_known_kernel_opcodes_eopnotsupp():
    got = []

    def task():
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        for op in (201, 50):  # 201: no such opcode; 50 (WAITID): kernel op not modelled
            io_uring_prep_rw(op, io_uring_get_sqe(ring), -1, 0, 0, 0)
            yield from io_uring_submit(ring)
            yield from io_uring_wait_cqe(ring, cqe)
            got.append(cqe[0].res)
            io_uring_cqe_seen(ring, cqe[0])

    sim = Simulation(seed=1)
    sim.spawn(task)
    sim.run()
    assert got == [-EINVAL, -EOPNOTSUPP]


def test_duplicate_opcode_is_refused():
    registry = PluginRegistry()

    def issue(req, flags):
        return 0

    registry.add_opcode(OpDef(7, issue=issue))
    with pytest.raises(ValueError, match="already registered"):
        registry.add_opcode(OpDef(7, issue=issue))


def test_broken_plugin_is_reported_by_name(tmp_path, monkeypatch):
    dist = tmp_path / "broken_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[simuring.opcodes]\nbroken = no_such_module_xyz:register\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    with pytest.raises(PluginError, match="broken"):
        load_registry()
