"""The scan's lines after the first chunk, handed to whichever process is free.

Each 8 MB chunk used to be split in two fixed shares, the split following the
pace each side kept on the last chunk (`scan.Pace`); the quicker side then
waited for the other at every chunk's end — 6-8 % of each chunk's time at 100k
on a quiet machine, more when another worker slows one side. Here, as
`stats --where` does (`where_first._Schedule`), the helper process is sent up to
`REQUEST` lines at a time (one request outstanding, as the pipes allow; fewer
near the end of the file, so both sides finish together) and the scan thread
computes `PIECE` lines at a time, looking at the helper's pipe between pieces
and sending its next request at once. The lines are handed out in file order,
whatever chunk they are in, so the helper never waits for a chunk to end.

Rows still land chunk by chunk, in file order, each chunk with the index state
recorded when it was indexed (its scan-cache segment), and landing happens
while the helper works. Every row is `Columns.compute` of its line, in either
process, so the columns are the same however the lines were shared
(tests/test_scan.py). docs/architecture.md, "Document, engine, facade" (the scan, per chunk).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from .handout import Handout, first_line
from .scan import Helper, rows_of
from .store import ChunksAhead, LineStore
from .summary import join_parts, rows_as_columns, unpack_columns

#: Lines per request to the helper, at most: ~0.12 s of its work, one pickled
#: answer of ~0.25 MB; the request's offsets are ~60 KB.
REQUEST = 4000
#: Lines this thread computes between looks at the helper's pipe (~6 ms).
PIECE = 200
#: Fewer lines (and bytes) than this left to hand out are computed here: a
#: request and its answer cost more than they save.
SHARE_MIN, SHARE_MIN_BYTES = 300, 512 << 10
#: Bytes of file per request at most: the helper reads them at once, and the
#: chunks they are in stay here until they land (long records: few lines a chunk).
REQUEST_BYTES = 4 << 20
#: Chunks opened ahead for a request at most (with the one indexed ahead, the
#: scan holds a few 8 MB chunks, never the file).
OPEN_MAX = 3

Cols = list[Any]
Indexed = tuple[int, int]


class _Chunk:
    """An indexed chunk not landed yet: its records are ``first`` to ``stop``."""

    __slots__ = ("done", "first", "indexed", "parts", "spans", "stop", "view")

    def __init__(self, first: int, data: bytes, spans: list[tuple[int, int]],
                 indexed: Indexed) -> None:
        self.first, self.stop = first, first + len(spans)
        self.view, self.spans, self.indexed = memoryview(data), spans, indexed
        self.parts: list[tuple[int, Cols]] = []  # (first record, its rows' columns)
        self.done = 0  # rows computed


class ScanSchedule(Handout[Cols]):
    """One scan's lines from record ``first`` (the chunk given) to the end of the
    file, shared with ``helper``; ``keep`` takes each finished chunk's columns and
    index state, in file order, and ``land`` lands what was kept (False: the
    session is closing)."""

    def __init__(self, store: LineStore, chunks: ChunksAhead, helper: Helper,
                 compute: Callable[[object], tuple],
                 keep: Callable[[Cols, Indexed], None], land: Callable[[], bool],
                 held: bool = False) -> None:
        """``held``: rows wait to land that the app holds until its first frame
        (`tui.start.FirstRows`); this thread is then stopped for a while, so the
        helper's first request takes all it can, with no share kept back here."""
        super().__init__(helper)
        self.store, self.chunks, self.compute = store, chunks, compute
        self.keep, self.land = keep, land
        self.held = held
        self.open: list[_Chunk] = []  # in file order

    def start_at(self, chunk: bytes, spans: list[tuple[int, int]], indexed: Indexed,
                 first: int) -> None:
        """The chunk the schedule starts with, its first record ``first`` (the caller
        lets go of it then: it is held here only until it lands)."""
        self.next = first
        self.open.append(_Chunk(first, chunk, spans, indexed))

    def run(self) -> bool:
        """Compute and land every row from the first chunk on; False when the
        session closed midway (the helper may then hold an answer nobody reads:
        the engine closes it)."""
        while True:
            if self.out is None:
                self._feed()
            if not self._land():
                return False
            piece = self._take()
            if piece is None:
                if self.out is None:
                    return self._land()
                self._collect(wait=True)
                continue
            self._here(*piece)
            self._collect(wait=False)

    # -- handing out -------------------------------------------------------------
    def _open_next(self) -> bool:
        """Open the next chunk of the file (indexed ahead when the helper was busy);
        False at the end of the file."""
        got = self.chunks.pop()
        if got is None:
            return False
        data, spans, indexed = got
        start = self.open[-1].stop if self.open else self.next
        self.open.append(_Chunk(start, data, spans, indexed))
        return True

    def _take(self) -> tuple[_Chunk, int, int] | None:
        """This thread's next piece: up to `PIECE` lines within one chunk."""
        for chunk in self.open:
            if chunk.first <= self.next < chunk.stop:
                stop = min(self.next + PIECE, chunk.stop)
                piece, self.next = (chunk, self.next, stop), stop
                return piece
        if self._open_next():
            self.chunks.ahead()  # the chunk after, read and split while the helper works
            return self._take()
        return None

    def _feed(self) -> None:
        """Send the helper its next lines, if enough are left to share; then index
        the chunk after (it is read and split while the helper works)."""
        if not self.helper.active:
            return
        left = self._left()
        while left < REQUEST and len(self.open) < OPEN_MAX and self._open_next():
            left = self._left()
        last = self.chunks.exhausted  # what is open is all there is
        size = min(REQUEST, left // 3 if last and not self.held else left)
        self.held = False
        if size < 1:
            return
        first, ends = self.next, self.store.ends
        base = self.store.starts[first]
        # no more than REQUEST_BYTES of the file, and at least one line
        stop = max(bisect_right(ends, base + REQUEST_BYTES, first, first + size), first + 1)
        if stop - first < SHARE_MIN and ends[stop - 1] - base < SHARE_MIN_BYTES:
            return
        if self._send(first, stop):
            self.chunks.ahead()

    def _request(self, first: int, stop: int) -> object:
        return ("rows", *self._spans(first, stop))

    def _left(self) -> int:
        """Records indexed (in open chunks) and not handed out yet."""
        return (self.open[-1].stop - self.next) if self.open else 0

    # -- computing ---------------------------------------------------------------
    def _here(self, chunk: _Chunk, first: int, stop: int) -> None:
        spans = chunk.spans[first - chunk.first:stop - chunk.first]
        self._add(first, stop, rows_as_columns(rows_of(self.compute, chunk.view, spans)))

    def _answer(self, received: Any) -> Cols:
        packed, _seconds = received
        return unpack_columns(packed)

    def _alone(self, first: int, stop: int) -> Cols:
        """The rows of a failed request, computed here from the file's bytes."""
        base, spans = self._spans(first, stop)
        data = self.store.read_range(base, base + spans[-1][1])
        return rows_as_columns(rows_of(self.compute, memoryview(data), spans))

    def _spans(self, first: int, stop: int) -> tuple[int, list[tuple[int, int]]]:
        """Records ``first`` to ``stop`` as a request gives them: the file offset of
        the first, and each one's (start, end) from there."""
        starts, ends = self.store.starts, self.store.ends
        base = starts[first]
        return base, [(s - base, e - base)
                      for s, e in zip(starts[first:stop], ends[first:stop], strict=True)]

    def _add(self, first: int, stop: int, cols: Cols) -> None:
        """File the rows of records ``first`` to ``stop`` under the chunks they are in."""
        for chunk in self.open:
            lo, hi = max(first, chunk.first), min(stop, chunk.stop)
            if lo < hi:
                part = cols if (lo, hi) == (first, stop) else [c[lo - first:hi - first]
                                                               for c in cols]
                chunk.parts.append((lo, part))
                chunk.done += hi - lo

    def _land(self) -> bool:
        """Keep every finished chunk at the head of the file order, then land."""
        while self.open and self.open[0].done == self.open[0].stop - self.open[0].first:
            chunk = self.open.pop(0)
            chunk.parts.sort(key=first_line)
            self.keep(join_parts([cols for _, cols in chunk.parts]), chunk.indexed)
        return self.land()
