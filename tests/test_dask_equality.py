"""`--engine dask` gives the single-machine answers on the same data (issue 20).

One generated batch is cut into three shards at line boundaries, so the
concatenated shards *are* the batch and duplicates cross shards. Partitions are
made small (64 KB, ~30 entries) so every shard is cut into several byte ranges.
These tests use an in-process cluster (two workers, threads) to stay fast; the
process-based cluster the CLI starts is exercised in test_dask_cli.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster

from rolethread_tui.cli import engine_dask
from rolethread_tui.cli.stats import collect
from rolethread_tui.domain.dedupe_file import file_duplicate_groups
from rolethread_tui.domain.export import export
from rolethread_tui.domain.session import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import datagen

SIZE = 64 << 10
SHARDS = 3


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, list[Path]]:
    """(whole batch, its shards): 600 generated entries with flaws and duplicates."""
    root = tmp_path_factory.mktemp("shards")
    whole = root / "whole" / "batch.jsonl"
    whole.parent.mkdir()
    datagen.generate(whole, 600, seed=5, malformed_rate=0.01)
    lines = whole.read_bytes().splitlines(keepends=True)
    cut = len(lines) // SHARDS
    shards = []
    for k in range(SHARDS):
        shard = root / f"part-{k}.jsonl"
        shard.write_bytes(b"".join(lines[k * cut: None if k == SHARDS - 1 else (k + 1) * cut]))
        shards.append(shard)
    assert b"".join(s.read_bytes() for s in shards) == whole.read_bytes()
    return whole, shards


def shard_line(shards: list[Path], line: int) -> tuple[str, int]:
    """(shard, line in shard) of a 1-based line of the concatenated batch."""
    for shard in shards:
        count = shard.read_bytes().count(b"\n")
        if line <= count:
            return str(shard), line
        line -= count
    raise AssertionError(line)


def test_validate_findings_are_the_single_machine_findings(client, batch):
    whole, shards = batch
    with Session.open(whole) as session:
        session.wait()
        local = session.validate()
    doc = engine_dask.validate_shards(client, shards, size=SIZE)
    assert len(doc["findings"]) == len(local) > 50
    for mine, theirs in zip(doc["findings"], local, strict=True):
        assert (mine["file"], mine["line"]) == shard_line(shards, theirs.line)
        assert (mine["check"], mine["severity"], mine["message"], mine["fixable"],
                mine["id"]) == (theirs.check, theirs.severity, theirs.message,
                                theirs.fixable, theirs.id)
        if theirs.check != "duplicate":
            assert mine["text"] == theirs.text
    dups = [f for f in doc["findings"] if f["check"] == "duplicate"]
    assert any(f["text"].startswith("same conversation as /") for f in dups), \
        "expected a duplicate whose first copy is in another shard"
    assert doc["counts"]["error"] == sum(f.severity == "error" for f in local)


def test_stats_counts_are_the_single_machine_counts(client, batch):
    whole, shards = batch
    with Session.open(whole) as session:
        session.wait()
        local = collect(session, None)
    mine = engine_dask.stats_shards(client, shards, size=SIZE)
    for key in ("entries", "invalid", "status", "origin", "flags", "tags", "issues"):
        assert mine[key] == local[key], key
    assert mine["issues"]["duplicate"] > 0


def test_duplicate_groups_are_the_single_machine_groups(client, batch):
    whole, shards = batch
    groups, numbers = file_duplicate_groups(whole, 0.9, parallel=False)
    doc = engine_dask.duplicate_groups(client, shards, 0.9, size=SIZE)
    local = [([shard_line(shards, numbers[e]) for e in g.entries], g.exact) for g in groups]
    mine = [([(m["file"], m["line"]) for m in g["members"]], g["exact"])
            for g in doc["groups"]]
    assert mine == local
    assert any(not exact for _, exact in mine) and any(exact for _, exact in mine)
    assert any(len({f for f, _ in members}) > 1 for members, _ in mine), \
        "expected a group that crosses shards"
    pairs = [(g["score"], round(h.score, 4)) for g, h in zip(doc["groups"], groups,
                                                               strict=True)
             if len(h.entries) == 2]
    assert all(a == b for a, b in pairs)


@pytest.mark.parametrize("kind", [{}, {"clean": True}, {"fmt": "sharegpt"}])
def test_export_bytes_are_the_single_machine_bytes(client, batch, tmp_path, kind):
    whole, shards = batch
    with Session.open(whole) as session:
        session.wait()
        summary = export(session, tmp_path / "local.jsonl", **kind)
    one, _ = engine_dask.export_shards(client, shards, tmp_path / "one.jsonl", size=SIZE,
                                       **kind)
    out = tmp_path / "dir"
    out.mkdir()
    per_shard, left_out = engine_dask.export_shards(client, shards, out, size=SIZE, **kind)
    expected = (tmp_path / "local.jsonl").read_bytes()
    assert (tmp_path / "one.jsonl").read_bytes() == expected
    assert b"".join((out / s.name).read_bytes() for s in shards) == expected
    assert sorted(p.name for p in out.iterdir()) == [s.name for s in shards]  # no pieces left
    for mine in (one, per_shard):
        assert (mine.selected, mine.written, mine.skipped) == \
            (summary.selected, summary.written, summary.skipped)
    assert len(left_out) == summary.skipped_total > 0
    assert all(Path(f).name.startswith("part-") and line > 0 for f, line, _, _ in left_out)


def test_slop_report_is_the_single_machine_report(client, batch):
    from rolethread_tui.domain.slop import file_slop

    whole, shards = batch
    report, numbers = file_slop(whole)
    local = report.as_json(numbers.__getitem__)
    doc = engine_dask.slop_shards(client, shards, size=SIZE)
    assert doc["phrases"] == local["phrases"] and local["phrases"]
    assert len(doc["entries"]) == len(local["entries"]) == 600
    for mine, theirs in zip(doc["entries"], local["entries"], strict=True):
        assert (mine["row"], mine["score"], mine["signals"]) == (
            theirs["entry"], theirs["score"], theirs["signals"])
        assert (mine["file"], mine["line"]) == shard_line(shards, theirs["line"])
