"""The driver's half: partition answers placed in their shards, sorted, summed, joined.

Partitions count entries and lines from 0; `Placement` turns (partition, local
entry) into a global row (file order over all shards, the order a concatenated
file would have) and into (shard, entry in shard, line in shard), which is what
every output names (``"file"``, ``"line"``, ``"entry"``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

from ..dedupe import DupGroup, _UnionFind
from .partitions import Partition
from .tasks import PartFindings, PartPrints, PartResult, PartTally


class Placement:
    """Where each partition's entries and lines sit, in their shard and overall."""

    def __init__(self, parts: Sequence[Partition], results: Sequence[PartResult]) -> None:
        self.parts = parts
        self.row_start = [0, *accumulate(r.entries for r in results)]
        self.entry_base: list[int] = []
        self.line_base: list[int] = []
        entries = lines = 0
        shard = -1
        for part, result in zip(parts, results, strict=True):
            if part.shard != shard:
                shard, entries, lines = part.shard, 0, 0
            self.entry_base.append(entries)
            self.line_base.append(lines)
            entries += result.entries
            lines += result.physical

    @property
    def total(self) -> int:
        return self.row_start[-1]

    def row(self, part: int, local: int) -> int:
        """The global row (0-based, over all shards in order) of a local entry."""
        return self.row_start[part] + local

    def locate(self, row: int) -> tuple[int, int]:
        """(partition, local entry) of a global row."""
        part = bisect_right(self.row_start, row) - 1
        return part, row - self.row_start[part]

    def entry(self, part: int, local: int) -> int:
        """0-based entry in the shard."""
        return self.entry_base[part] + local

    def line(self, part: int, local_line: int) -> int:
        """1-based line in the shard of a partition's 1-based local line."""
        return self.line_base[part] + local_line


def findings(parts: Sequence[Partition], results: Sequence[PartFindings],
             names: Sequence[str], ids: dict[tuple[int, int], str]) -> list[dict[str, Any]]:
    """Every finding, sorted by (shard, line), with exact duplicates told as `validate` does.

    An entry whose conversation an earlier one (in shard order) already has
    gets a ``duplicate`` finding after its own, naming the first copy: "entry N"
    in the same shard (the single-machine text), "SHARD entry N" in another.
    `ids` holds the entry id of each such duplicate, by (partition, local entry),
    and of every copy of an identical line (`copy_candidates`, `line_repeats`).
    """
    place = Placement(parts, results)
    out: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
    for p, (part, result) in enumerate(zip(parts, results, strict=True)):
        for k, line, check, severity, message, fixable, text, eid in result.findings:
            eid = ids.get((p, k), eid)  # the k-th of identical lines: its own id
            placed = place.line(part.index, line)
            out.append(((part.shard, placed, 0), _finding(
                names[part.shard], placed, place.entry(part.index, k),
                check, severity, message, fixable, text, eid)))
    for (p, k), (q, first) in exact_duplicates(results).items():
        shard, other = parts[p].shard, parts[q].shard
        where = "" if shard == other else f"{names[other]} "
        text = f"same conversation as {where}entry {place.entry(q, first) + 1}"
        line = place.line(p, results[p].numbers[k])
        out.append(((shard, line, 1), _finding(
            names[shard], line, place.entry(p, k), "duplicate", "warning",
            None, False, text, ids[(p, k)])))
    out.sort(key=lambda pair: pair[0])
    return [finding for _, finding in out]


def _finding(file: str, line: int, entry: int, check: str, severity: str,
             message: int | None, fixable: bool, text: str, eid: str) -> dict[str, Any]:
    return {"file": file, "line": line, "entry": entry, "check": check,
            "severity": severity, "message": message, "fixable": fixable, "text": text,
            "id": eid}


def exact_duplicates(results: Sequence[PartFindings] | Sequence[PartTally]
                     ) -> dict[tuple[int, int], tuple[int, int]]:
    """(partition, entry) → (partition, entry) of the first entry with the same conversation
    (the engine's `exact_duplicates`, over every shard in order)."""
    first: dict[int, tuple[int, int]] = {}
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for p, result in enumerate(results):
        for k, digest in result.digests:
            seen = first.setdefault(digest, (p, k))
            if seen != (p, k):
                out[(p, k)] = seen
    return out


def copy_candidates(results: Sequence[PartFindings],
                    duplicates: dict[tuple[int, int], tuple[int, int]]
                    ) -> list[tuple[int, int]]:
    """(partition, entry) of every entry that may be byte-identical to another, in
    order: the exact duplicates with their first copies, and entries without a
    conversation of a length another has (the single machine's `line_repeats`)."""
    out: set[tuple[int, int]] = set()
    for copy, first in duplicates.items():
        out.update((copy, first))
    by_length: dict[int, list[tuple[int, int]]] = {}
    for p, result in enumerate(results):
        for k, length in result.empties:
            by_length.setdefault(length, []).append((p, k))
    for members in by_length.values():
        if len(members) > 1:
            out.update(members)
    return sorted(out)


def tallies(results: Sequence[PartTally]) -> dict[str, Counter[str]]:
    """The partitions' `stats` counts summed, with the dataset-level ``duplicate`` issue
    (an entry repeating an earlier one's conversation, as the session marks it)."""
    total: dict[str, Counter[str]] = {}
    for result in results:
        for name, counts in result.counts.items():
            total.setdefault(name, Counter()).update(counts)
    duplicates = len(exact_duplicates(results))
    if duplicates:
        total.setdefault("issues", Counter())["duplicate"] += duplicates
    return total


class Groups:
    """Union-find over global rows: exact joins first, verified near pairs after.

    The same `_UnionFind` the finder uses, so a group's root, members and
    weakest link follow its rules.
    """

    def __init__(self, prints: Sequence[PartPrints], place: Placement) -> None:
        self.place = place
        self.digests = [d for p in prints for d in p.digests]
        self.sets = _UnionFind(len(self.digests))

    def join_exact(self) -> set[int]:
        """Union rows with equal digests; the rows past the first of each (not banded)."""
        skip: set[int] = set()
        first: dict[int, int] = {}
        for row, digest in enumerate(self.digests):
            if not digest:
                continue
            seen = first.setdefault(digest, row)
            if seen != row:
                self.sets.union(seen, row, 1.0)
                skip.add(row)
        return skip

    def join(self, pairs: Iterable[tuple[int, int, float]]) -> None:
        for a, b, score in sorted(pairs):
            self.sets.union(a, b, score)

    def groups(self) -> list[DupGroup]:
        """Groups of global rows, by first row (the finder's `_collect`)."""
        members: dict[int, list[int]] = {}
        find = self.sets.find
        for row in range(len(self.digests)):
            root = find(row)
            if root != row:
                members.setdefault(root, [root]).append(row)
        out = []
        for root, rows in members.items():
            exact = len({self.digests[r] for r in rows}) == 1
            score = 1.0 if exact else self.sets.weakest.get(root, 1.0)
            out.append(DupGroup(sorted(rows), exact, score))
        out.sort(key=lambda g: g.entries[0])
        return out
