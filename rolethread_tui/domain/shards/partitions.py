"""Shards and their byte-range partitions; a partition's lines as the store splits them.

A partition ``[start, end)`` of a shard owns the lines that *start* in it, so
partitions cut anywhere (no index needed beforehand) and every line belongs to
exactly one. Lines are split by `LineStore`'s own rules (blank lines are not
entries, CRLF, a last line without an ending), so an entry here is an entry
there. Line and entry numbers are local to the partition; the driver adds the
counts of the partitions before it (`merging.place`).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotAnArrayError
from ..json_array import holds_array
from ..store import BOM, ENDINGS, LineStore

#: Bytes per partition: ~16k entries of ~2 KB, a few seconds of work per task.
PARTITION_BYTES = 32 << 20
_READ_STEP = 1 << 16


@dataclass(frozen=True, slots=True)
class Partition:
    """Bytes ``[start, end)`` of one shard: the work unit shipped to a worker."""

    path: str
    shard: int  # position of the shard in the sorted shard list
    index: int  # position of the partition in the whole plan
    start: int
    end: int


@dataclass(slots=True)
class PartLines:
    """The entries of one partition: their bytes (no line ending) and local numbers."""

    lines: list[bytes]
    numbers: list[int]  # 1-based physical line within the partition, per entry
    physical: int  # physical lines that start in the partition (blank ones too)
    newline: bytes  # the first entry's line ending (b"" when it has none)


def shard_paths(pattern: str) -> list[Path]:
    """The shards a pattern names: a directory (its ``*.jsonl``), a glob, or one file.

    Sorted by name, so the shards' order (and every "first" decision, such as
    which copy is the original) does not depend on the filesystem.
    """
    path = Path(pattern)
    if path.is_dir():
        found = sorted(p for p in path.glob("*.jsonl") if p.is_file())
    elif path.is_file():
        found = [path]
    else:
        found = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
    for shard in found:
        with open(shard, "rb") as f:
            if holds_array(shard.name, f.read(1 << 12)):
                raise NotAnArrayError(f"{shard}: a JSON array; --engine dask reads JSON lines "
                                      "(open it without --engine, or write it as JSONL)")
    return found


def plan(paths: list[Path], size: int = PARTITION_BYTES) -> list[Partition]:
    """Byte ranges of every shard, each at most `size` bytes (an empty shard: none)."""
    parts: list[Partition] = []
    for shard, path in enumerate(paths):
        total = os.path.getsize(path)
        for start in range(0, total, max(size, 1)):
            parts.append(Partition(str(path), shard, len(parts), start,
                                   min(start + size, total)))
    return parts


def read_partition(part: Partition) -> PartLines:
    """The entries whose lines start in the partition, split as `LineStore` splits them."""
    store = LineStore(part.path)
    try:
        first = _line_start(store, part.start)
        stop = _line_start(store, part.end) if part.end < store.size else store.size
        if first >= stop:
            return PartLines([], [], 0, b"")
        chunk = store.read_range(first, stop)
        spans, _ = store._split(chunk, first, at_eof=True)
        newline = ENDINGS[store.endings[0]] if store.endings else b""
        return PartLines([chunk[a:b] for a, b in spans], store.lines.tolist(),
                         store._physical, newline)
    finally:
        store.close()


def _line_start(store: LineStore, offset: int) -> int:
    """The first line start at or after `offset` (after the BOM at the file's start)."""
    if offset == 0:
        return len(BOM) if store.bom else 0
    pos = offset - 1  # a line starts at `offset` when the byte before it ends a line
    while pos < store.size:
        block = store.read_range(pos, min(pos + _READ_STEP, store.size))
        nl = block.find(b"\n")
        if nl >= 0:
            return pos + nl + 1
        pos += len(block)
    return store.size
