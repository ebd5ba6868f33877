"""A search's two costly stages as the session runs them (docs/query.md, "How it runs").

The column filters read the summary arrays by record id (`RowView.column_filter`),
and the lines they keep are matched in blocks, a share of them in the helper
process (`SearchSplit`). The query language itself stays in `search/`; this is
the engine's side of it, apart so that `engine.py` stays readable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from .review import ORIGINS, STATUSES
from .scan import Helper, Pace, Span, share
from .store import BOM
from .summary import Row

if TYPE_CHECKING:
    from .document import Document
    from .search import Query
    from .search.evaluate import Candidate

Hits = list[tuple[int, float]]
T = TypeVar("T")


class RowView(Sequence[Row]):
    """Summary rows by position, as the query evaluator reads them."""

    def __init__(self, doc: Document) -> None:
        self._rids = doc.rids()
        self._columns = doc.columns
        self._row = doc.columns.row
        self._valid = doc.columns.valid

    def valid_at(self, i: int) -> bool:
        """Just the `valid` column: no row object when no column filter needs one."""
        return bool(self._valid[self._rids[i]])

    def column_filter(self, query: Query) -> Callable[[int], bool]:
        """The query's column filters by position, read straight from the column
        arrays (`Query.column_filter`): the values `Row` would hold, no `Row` built
        (building one per entry was ~3 µs, most of a column-only filter)."""
        check = query.column_filter(self._field)
        rids = self._rids
        return lambda i: check(rids[i])

    def _field(self, name: str) -> Callable[[int], Any]:
        """The reader of one `RowLike` field by record id."""
        cols = self._columns
        if name in ("status", "origin"):
            codes, names = (cols.status, STATUSES) if name == "status" else (cols.origin, ORIGINS)
            return lambda rid: names[codes[rid]]
        return getattr(cols, name).__getitem__

    def __len__(self) -> int:
        return len(self._rids)

    def __getitem__(self, i: int) -> Row:  # type: ignore[override]
        return self._row(self._rids[i])


class SearchSplit:
    """Splits work on lines between here and the helper process, the split
    following the pace each side kept on the last call (`scan.Pace`): this side
    also picks the positions and builds the helper's request, and either side
    may be the one a busy host slows down. A search's matching (`check`) uses it
    (the scan and `stats --where`'s match-and-rows hand out lines to whichever
    side is free instead: `scan_schedule`, `where_first._Schedule`)."""

    def __init__(self, share: float) -> None:
        self.pace = Pace(share)  # this side's share of the lines

    def check(self, query: Query, positions: list[int], helper: Helper | None,
              read: Callable[[int, int], bytes],
              spans: Callable[[list[int]], tuple[list[Span], list[Candidate]]]) -> Hits:
        """(position, score) of the matching ``positions``; ``spans`` gives them as
        both sides read them (file offsets, edited bytes), ``read`` reads a range of
        the file here (`match_spans`)."""
        found, theirs = self.split(
            positions, helper, lambda part: match_spans(query, read, *spans(part)),
            lambda part: ("match", query.source, *spans(part)))
        if theirs:
            found.extend(theirs)
        return found

    def split(self, positions: Sequence[int], helper: Helper | None,
              here: Callable[[Sequence[int]], T], request: Callable[[Sequence[int]], tuple]
              ) -> tuple[T, T | None]:
        """(``here`` of this side's first part of ``positions``, the helper's answer to
        ``request`` of the rest — or ``here`` of it when the helper failed); the
        second is None when the helper is not used (all of them were done here)."""
        if helper is None or not helper.active or len(positions) < 2:
            return here(positions), None
        mine = self.pace.split(len(positions))
        took = [0.0, 0.0]  # this side's seconds, and when it finished

        def ours() -> T:
            begun = time.perf_counter()
            found = here(positions[:mine])
            took[1] = time.perf_counter()
            took[0] = took[1] - begun
            return found

        found, theirs, ok = share(helper, lambda: request(positions[mine:]), ours,
                                  lambda: here(positions[mine:]))
        if ok:
            self._pace(mine, len(positions) - mine, took[0], time.perf_counter() - took[1])
        return found, theirs

    def _pace(self, mine: int, theirs: int, seconds: float, waited: float) -> None:
        """Move the split toward both sides finishing together. ``waited``: how long
        this side waited for the helper's answer after its own share; a few ms is
        the answer's unpickling (the helper was done first, by a margin unknown,
        so its share grows a step)."""
        if seconds <= 0:
            return
        if waited > 0.005:
            self.pace.update(mine, theirs, seconds, seconds + waited)
        else:
            self.pace.follow(self.pace.share - 0.05)


#: Below this share of a block's bytes in the lines asked, lines are read one by one.
_DENSE = 0.5


def match_spans(query: Query, read: Callable[[int, int], bytes], spans: list[Span],
                lines: list[Candidate]) -> Hits:
    """(position, score) of the matching lines at ``spans`` and of ``lines`` (edited
    entries), in either process: the lines at ``spans`` are read as one block,
    lowered as one and run through the raw prefilter together (`Query.passing`);
    only the lines it lets through are sliced out, parsed and matched.

    Per line that is the reading, lowering and searching of its bytes with no
    call, slice or tuple of its own (~1.5 µs less per 2 KB line; docs/query.md,
    "How it runs"). A ``~`` term, or lines far apart, take `check_lines`.
    """
    from .search.evaluate import check_lines, check_passed

    if not spans:
        return check_lines(query, lines)
    if any(a[1] > b[1] for a, b in pairwise(spans)):
        spans = sorted(spans, key=itemgetter(1))
    base, top = spans[0][1], max(span[2] for span in spans)
    data = read(base, top)
    weight = sum(end - start for _, start, end, _ in spans)
    if query.fuzzy is not None or not query.needs_text or weight < _DENSE * len(data):
        given = [(i, data[a - base:b - base].removeprefix(BOM), valid)
                 for i, a, b, valid in spans]
        return check_lines(query, [*given, *lines])
    starts = [span[1] - base for span in spans]
    ends = [span[2] - base for span in spans]
    todo = [(spans[k][0], data[starts[k]:ends[k]].removeprefix(BOM), spans[k][3])
            for k in query.passing(data.lower(), starts, ends)]
    found = check_passed(query, todo)
    if lines:
        found += check_lines(query, lines)
    return found
