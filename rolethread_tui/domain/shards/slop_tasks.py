"""The slop lens over partitions: the single-machine lens's own steps, per byte range.

`slop.source.slop_of` samples evenly spread entries to find candidate phrases,
then counts every entry chunk by chunk and merges the counts. Here a partition
first reports how many entries it holds and their line numbers
(`slop_sizes`); the driver picks the same global sample positions and asks each
partition for its share of them (`slop_sample`), builds the same lexicon, and
each partition counts its entries with their global positions (`slop_counts`).
Merged in partition order, the counts are the single machine's, so the report is.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..slop.counts import Counts, Lexicon, count_chunk, merge
from ..slop.source import CHUNK
from .partitions import Partition, read_partition


@dataclass(slots=True)
class PartSize:
    """How many entries a partition holds, and each one's 1-based local line."""

    index: int
    entries: int
    physical: int
    numbers: list[int]


def slop_sizes(part: Partition) -> PartSize:
    got = read_partition(part)
    return PartSize(part.index, len(got.lines), got.physical, got.numbers)


def slop_sample(part: Partition, locals_: list[int]) -> list[bytes]:
    """The lines of the partition's entries at these local positions, in order."""
    lines = read_partition(part).lines
    return [lines[k] for k in locals_]


def slop_counts(part: Partition, lexicon: Lexicon, first: int) -> Counts:
    """Counts of the partition's entries; `first`: the global position of its first."""
    lines = read_partition(part).lines
    counts = Counts()
    for start in range(0, len(lines), CHUNK):
        counts = merge(counts, count_chunk(lines[start:start + CHUNK], lexicon, first + start))
    return counts
