"""Counting a file's entries in two processes, each taking more as it finishes.

Split in two fixed halves, the count ends when the slower process ends: the
helper starts ~0.3 s later than the caller (its baseline loads meanwhile), and on
a shared machine either process may lose the core for a while. So this process
counts from the front, `STEP` entries at a time, and the helper from the back,
a quarter of what is left at a time (never under `STEP`): each time the helper
answers it is given the next share, until the two meet. The faster process counts
more; neither waits for the other by more than one share.

The totals are merged in file order, as one process would have counted them (the
keys of every counter in the same order), and the helper scores its entries in
file order (`slop.helper`). If the helper fails, whatever it was given is counted
here again, rows and all.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

from ..scan import Helper
from ..store import LineStore
from .counts import Counts, Lexicon, count_chunk, merge_all

#: Lines [start, stop) of the entries at those positions.
ReadLines = Callable[[int, int], list[bytes]]
Progress = Callable[[int, int], None]
#: Entries counted here between looks at the helper's pipe (~0.1 s), and the
#: smallest share the helper is given.
STEP = 1500
_FAILED = (OSError, EOFError, pickle.UnpicklingError)


class Shares:
    """The entries [0, count) counted here and in ``helper`` (`count_all`); the
    helper's shares are `given`, counted here again by `theirs_again`."""

    def __init__(self, helper: Helper, read: ReadLines, count: int, lexicon: Lexicon,
                 store: LineStore) -> None:
        self.helper, self.read, self.count, self.lexicon = helper, read, count, lexicon
        self._store = store
        self.given: list[range] = []  # the helper's shares, last of the file first
        self._parts: list[tuple[int, Counts]] = []  # (first position, counts) of each share
        self._front, self._back = 0, count

    def count_all(self, progress: Progress | None) -> tuple[Counts, bool]:
        """The totals of every entry (rows: those counted here), and whether the
        helper counted its shares (False: it failed, and they were counted here)."""
        try:
            with self.helper.lock:  # one request/answer at a time on the pipes
                self._count_both(progress)
        except _FAILED:
            self.helper.close()
            theirs = {r.start for r in self.given}
            self._parts = [p for p in self._parts if p[0] not in theirs]
            self._mine(self._front, self._back)
            self._front = self._back
            self._parts += [(r.start, self._counted(r)) for r in self.given]
            self.given = []
            return self._total(), False
        return self._total(), True

    def theirs_again(self) -> Counts:
        """The helper's shares counted here, rows and all: when its scores never came."""
        return merge_all(self._counted(r) for r in sorted(self.given, key=lambda r: r.start))

    def _counted(self, share: range) -> Counts:
        from .source import count_range  # reads a large share in chunks

        return count_range(self.read, share.start, share.stop, self.lexicon)

    def _count_both(self, progress: Progress | None) -> None:
        asked = self._give()
        while self._front < self._back:
            stop = min(self._front + STEP, self._back)
            self._mine(self._front, stop)
            self._front = stop
            if progress is not None:
                progress(self._front + self.count - self._back, self.count)
            if asked and self.helper.answered():
                asked = self._take() and self._give()
        if asked:
            self._take()

    def _mine(self, start: int, stop: int) -> None:
        if start < stop:
            self._parts.append((start, count_chunk(self.read(start, stop), self.lexicon, start)))

    def _give(self) -> bool:
        """The helper asked to count the next share from the back; False when none is left."""
        size = max(STEP, (self._back - self._front) // 4)
        first = max(self._front, self._back - size)
        if first >= self._back:
            return False
        starts, ends = self._store.starts, self._store.ends
        self.helper.send(("slop-count", self.lexicon, first, starts[first:self._back],
                          ends[first:self._back]))
        self.given.append(range(first, self._back))
        self._back = first
        return True

    def _take(self) -> bool:
        self._parts.append((self.given[-1].start, self.helper.receive()))
        return True

    def _total(self) -> Counts:
        return merge_all(p for _, p in sorted(self._parts, key=lambda part: part[0]))
