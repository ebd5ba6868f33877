"""The slop lens's share in the helper process (`scan.serve`: requests ``slop-count``
and ``slop-judge``).

The helper counts shares of a file's entries (from the end: `slop.sharing`) from
the file itself and keeps their per-entry counts; only the totals go back. Once
the caller has merged the totals into the file's verdicts it sends them, and the
helper scores its own entries while the caller scores the rest: the scoring, like
the counting, is split over both cores, and per-entry counts never cross the pipe.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import replace

from ..gc_pause import gc_paused
from .counts import Counts, EntryCounts, Lexicon
from .report import Verdicts, judge, plain_entries

#: Bytes of a file from ``start`` to ``end`` (the helper's inherited descriptor).
ReadRange = Callable[[int, int], bytes]


def prepare() -> dict[bytes, float | None]:
    """The stock words' human rates (`baseline.stock_rates`), with what counting
    needs made ready meanwhile (the phrase lists' scanner, ~0.2 s): asked while
    the caller reads the index and the sample, so none of it waits for the lexicon."""
    from .baseline import stock_rates
    from .lists import scanner, stock_words

    scanner()
    stock_words()
    return stock_rates()


class SlopShare:
    """The helper's side: the entries it counted, kept until they are scored."""

    def __init__(self, read_range: ReadRange) -> None:
        self._read_range = read_range
        self._rows: dict[int, dict[int, EntryCounts]] = {}  # first position -> its share

    def count(self, lexicon: Lexicon, first: int, starts: array, ends: array) -> Counts:
        """Totals of the entries whose lines are at ``starts``/``ends``, the first at
        position ``first``; their per-entry counts stay here for `judge`."""
        from .source import count_range

        def read(start: int, stop: int) -> list[bytes]:
            a, b = start - first, stop - first
            base = starts[a]
            block = self._read_range(base, ends[b - 1])
            return [block[starts[r] - base:ends[r] - base] for r in range(a, b)]

        with gc_paused():  # acyclic per-entry counts, as in `source.file_slop`
            counts = count_range(read, first, first + len(starts), lexicon)
        self._rows[first] = counts.rows
        return replace(counts, rows={})

    def judge(self, found: Verdicts) -> list[tuple]:
        """The kept entries scored (`report.plain_entries`) in file order, then forgotten."""
        shares, self._rows = self._rows, {}
        rows: dict[int, EntryCounts] = {}
        for first in sorted(shares):
            rows.update(shares[first])
        with gc_paused():
            return plain_entries(judge(rows, found).values())
