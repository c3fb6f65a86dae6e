"""The published figures: the package's own copy loads, states its source, and holds the numbers."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from simuring.reproduce.reference import (
    DATA_FILE,
    MECHANISMS,
    ReferenceDataError,
    load_reference,
    parse_reference,
)

ROOT = Path(__file__).resolve().parents[2]

# the cover letter's tables, as published (ns per message)
SIZES = [64, 256, 1024, 4096, 16384, 32768]
POINT_TO_POINT = {
    "pipe": [212, 240, 424, 673, 1982, 4777],
    "unix_sock": [436, 845, 613, 1326, 1477, 3667],
    "shm_eventfd": [222, 216, 550, 350, 2169, 2443],
    "io_uring_unicast": [632, 597, 640, 848, 1893, 3185],
}
BROADCAST_16 = {
    "pipe": [28550, 27588, 28072, 37277, 57998, 89404],
    "unix_sock": [32504, 34777, 34845, 46154, 58348, 83496],
    "shm_eventfd": [5970, 5429, 6542, 11520, 34969, 93082],
    "io_uring_bcast": [5674, 6600, 6095, 6367, 7592, 8202],
}
SCALING_64B = {"pipe": [212, 28550], "unix_sock": [436, 32504], "shm_eventfd": [222, 5970], "io_uring_bcast": [651, 5674]}


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def _figures(ref, table):
    out = {}
    for c in ref.table(table).cells:
        if c.reference_ns is not None:
            out.setdefault(c.mechanism, []).append(c.reference_ns)
    return out


def test_the_source_is_stated(ref):
    src = ref.source
    assert src.title == "io_uring: add IPC channel infrastructure"
    assert "cover letter" in src.document and src.date == "2026-03"
    assert "32 vCPUs" in src.host and "32 GB" in src.host and "virtme-ng" in src.host
    assert "nanoseconds per message" in src.units
    for words in ("sender side", "SINGLE_ISSUER", "DEFER_TASKRUN", "one pipe", "in turn"):
        assert words in src.method
    assert "single runs" in src.noise and "unix socket 256 B" in src.noise


def test_the_published_numbers(ref):
    assert ref.table_names == ("point_to_point", "broadcast_16", "scaling_64B", "multicast_sender")
    assert ref.table("point_to_point").msg_sizes == tuple(SIZES)
    assert ref.table("broadcast_16").receivers == (16,)
    assert _figures(ref, "point_to_point") == POINT_TO_POINT
    assert _figures(ref, "broadcast_16") == BROADCAST_16
    assert _figures(ref, "scaling_64B") == SCALING_64B
    assert ref.table("scaling_64B").receivers == (1, 16)


def test_predictions_have_no_reference(ref):
    mc = ref.table("multicast_sender")
    assert mc.receivers == (1, 2, 4, 8, 16) and mc.msg_sizes == (64, 4096, 32768)
    assert len(mc.cells) == 15 and all(c.reference_ns is None for c in mc.cells)
    assert not mc.published
    mcast = [c for c in ref.table("scaling_64B").cells if c.mechanism == "io_uring_mcast"]
    assert [(c.receivers, c.reference_ns) for c in mcast] == [(1, None), (16, None)]


def test_cells_and_distinct_cells(ref):
    cells = ref.cells()
    assert len(cells) == 24 + 24 + 10 + 15
    assert len({c.key for c in cells}) == 64
    assert len(ref.published()) == 49  # the "49 distinct cells"
    assert {c.mechanism for c in cells} == set(MECHANISMS)
    assert ref.table("point_to_point").cells[0].name == "point_to_point:pipe:64:1"


def test_the_data_file_is_package_data():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["simuring"]
    assert any(fnmatch(f"reproduce/data/{DATA_FILE}", p) for p in patterns)
    assert data["project"]["optional-dependencies"]["plots"] == ["matplotlib>=3.7"]


def test_nothing_users_read_points_to_the_shared_folder():
    """Users have no shared/ folder: the figures are the package's own copy, and
    no doc, profile, workload or message of the package may send them there."""
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    for folder in ("simuring", "opcodes", "workloads", "examples", "benchmarks"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".toml", ".md")]
    for path in files:
        assert "shared/" not in path.read_text(encoding="utf-8"), path


GOOD = """
[source]
title = "t"
document = "d"
date = "2026-03"
host = "h"
units = "u"
method = "m"
noise = "n"
[tables.a]
title = "A"
mechanisms = ["pipe", "io_uring_bcast"]
receivers = [1, 16]
msg_sizes = [64]
[tables.a.published]
pipe = [1, 2]
"""


def test_a_small_file_parses():
    ref = parse_reference(GOOD)
    assert [(c.mechanism, c.receivers, c.reference_ns) for c in ref.table("a").cells] == [
        ("pipe", 1, 1),
        ("pipe", 16, 2),
        ("io_uring_bcast", 1, None),
        ("io_uring_bcast", 16, None),
    ]
    assert ref.table("a").axis == "receivers"
    with pytest.raises(KeyError, match="no table 'b'"):
        ref.table("b")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("pipe = [1, 2]", "pipe = [1, 2, 3]"), "3 values for 2 receiver counts x 1 sizes"),
        (('"pipe", "io_uring_bcast"', '"pipe", "carrier_pigeon"'), "unknown mechanism 'carrier_pigeon'"),
        (("pipe = [1, 2]", "unix_sock = [1, 2]"), "not one of the table's mechanisms"),
        (("msg_sizes = [64]", "msg_sizes = [0]"), "positive integers"),
        (('title = "t"', ""), "source.title"),
        (("pipe = [1, 2]", "pipe = [1, 2"), "rfc_ipc_2026.toml"),
    ],
)
def test_malformed_files_name_what_is_wrong(change, message):
    with pytest.raises(ReferenceDataError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_reference(GOOD.replace(*change))


def test_a_cell_published_twice_must_agree():
    text = GOOD + '[tables.b]\ntitle = "B"\nmechanisms = ["pipe"]\nreceivers = [1]\nmsg_sizes = [64]\n[tables.b.published]\npipe = [9]\n'
    with pytest.raises(ReferenceDataError, match="differs from 1"):
        parse_reference(text)
