"""`order:group`: the members of each duplicate group side by side (docs/query.md).

Duplicate groups are found by the session (exact copies by the scan, near
duplicates by `D` / insights), not by the query: the caller passes, for each
entry in a group, the position of its group's first member (`GroupMarks`,
`Session.duplicate_group_marks`). The query orders; `GroupedView` tells a
list which adjacent rows form one group, so it can show them as one.
`joined_marks` makes one set of groups of several (exact copies as they are
now, `D`'s groups as found).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .query import Query

#: Position -> the position of the first member of its duplicate group (the first
#: member maps to itself or is absent); a position not in it is in no group.
GroupMarks = Mapping[int, int]


def apply_groups(query: Query, positions: list[int], groups: GroupMarks | None) -> list[int]:
    """The last stage of `order:group`: each group at its first member's place in the
    file, its members after one another in file order, the entries in no group in
    file order between them. Other queries pass through unchanged."""
    if not query.needs_groups:
        return positions
    if groups is None:
        raise ValueError("this query has order:group: pass the group marks "
                         "(Session.duplicate_group_marks())")
    first = groups.get
    return sorted(positions, key=lambda p: (first(p, p), p))


def joined_marks(*marks: GroupMarks) -> dict[int, int]:
    """One `GroupMarks` of several: two groups sharing a member are one group (an
    exact copy made after `D` joins the near-duplicate group its twin is in), so
    every position maps to the first of all it is tied to, and a group's rows stay
    one run in `apply_groups`' order."""
    parent: dict[int, int] = {}

    def root(p: int) -> int:
        while (up := parent.get(p, p)) != p:
            parent[p] = parent.get(up, up)  # halve the path: later finds are short
            p = up
        return p

    for mark in marks:
        for position, first in mark.items():
            a, b = root(position), root(first)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the root is the lowest: the group's first
    return {p: r for p in parent if (r := root(p)) != p}


@dataclass(frozen=True, slots=True)
class GroupAt:
    """Where a row sits in its group: group `number` of `total` (1-based), the group's
    rows `start` to `end` (end excluded) of the view."""

    number: int
    total: int
    start: int
    end: int

    @property
    def members(self) -> int:
        return self.end - self.start


class GroupedView:
    """The runs of adjacent rows of one group (two rows or more) in an ordered view."""

    __slots__ = ("_starts", "spans")

    def __init__(self, positions: Sequence[int], groups: GroupMarks) -> None:
        spans: list[tuple[int, int]] = []
        start = 0
        keys = [groups.get(p, p) for p in positions]
        for row in range(1, len(keys) + 1):
            if row == len(keys) or keys[row] != keys[start]:
                if row - start > 1:
                    spans.append((start, row))
                start = row
        #: (first row, row after the last) of each group, top to bottom
        self.spans: list[tuple[int, int]] = spans
        self._starts = [s for s, _ in spans]

    def __len__(self) -> int:
        return len(self.spans)

    def at(self, row: int) -> GroupAt | None:
        """The group shown on this row of the view, None when the row is in none."""
        index = bisect_right(self._starts, row) - 1
        if index < 0 or row >= self.spans[index][1]:
            return None
        start, end = self.spans[index]
        return GroupAt(index + 1, len(self.spans), start, end)
