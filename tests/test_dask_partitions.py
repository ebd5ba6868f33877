"""Byte-range partitions own exactly the lines that start in them (no Dask needed).

Whatever the cut points, reading every partition of a shard gives the entries
the store indexes for the whole file — same bytes, same line numbers once the
driver adds the counts before each partition — with blank lines, CRLF, a BOM
and a last line without an ending.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui.domain.shards.merging import Placement
from rolethread_tui.domain.shards.partitions import plan, read_partition, shard_paths
from rolethread_tui.domain.shards.tasks import PartResult
from rolethread_tui.domain.store import LineStore

LINE = st.sampled_from([b'{"a": 1}', b'{"messages": []}', b"not json", b"", b"   ",
                        b'{"x": "' + b"y" * 40 + b'"}'])
ENDING = st.sampled_from([b"\n", b"\r\n"])


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.tuples(LINE, ENDING), max_size=30), bom=st.booleans(),
       last_ending=st.booleans(), size=st.integers(1, 80))
def test_partitions_read_the_lines_the_store_indexes(tmp_path_factory, lines, bom,
                                                     last_ending, size):
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(a + b for a, b in lines)
    if lines and not last_ending:
        data = data[: -len(lines[-1][1])]
    path = tmp_path_factory.mktemp("p") / "shard.jsonl"
    path.write_bytes(data)
    store = LineStore(path)
    for _ in store.index_chunks():
        pass
    expected = [(store.line(r), store.lines[r]) for r in range(len(store.starts))]
    store.close()

    parts = plan([path], size)
    got = [read_partition(p) for p in parts]
    place = Placement(parts, [PartResult(p.index, len(g.lines), g.physical)
                              for p, g in zip(parts, got, strict=True)])
    placed = [(line, place.line(p.index, n)) for p, g in zip(parts, got, strict=True)
              for line, n in zip(g.lines, g.numbers, strict=True)]
    assert placed == expected


def test_shards_are_found_by_directory_glob_or_file_in_name_order(tmp_path):
    for name in ("b.jsonl", "a.jsonl", "notes.txt"):
        (tmp_path / name).write_bytes(b"{}\n")
    names = ["a.jsonl", "b.jsonl"]
    assert [p.name for p in shard_paths(str(tmp_path))] == names
    assert [p.name for p in shard_paths(str(tmp_path / "*.jsonl"))] == names
    assert [p.name for p in shard_paths(str(tmp_path / "b.jsonl"))] == ["b.jsonl"]
    assert shard_paths(str(tmp_path / "*.csv")) == []
