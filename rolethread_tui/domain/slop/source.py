"""Running the lens over a file or a session: sample, count in chunks, merge, finish.

The reading is the caller's (a `LineStore` for the headless command, the
session's current lines in the app); this module only decides what to read in
which order. It starts no thread or process of its own: a caller that has a
second core to spare passes an executor (``submit(fn, *args)`` returning a
future, e.g. a one-worker ``ProcessPoolExecutor``), which counts the second half
of a file's entries from the file itself while this process counts the first.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable
from concurrent.futures import Executor

from ..scan_cache import SLOP_RESULT, ScanCache, kept
from ..store import LineStore
from .counts import Counts, Lexicon, count_chunk, discover, merge
from .report import SlopReport, finish
from .rules import SAMPLE_ENTRIES

#: Lines [start, stop) of the entries at those positions.
ReadLines = Callable[[int, int], list[bytes]]
Progress = Callable[[int, int], None]
CHUNK = 5000
#: Files with fewer entries are not worth a second process's start-up.
PARALLEL_MIN_ENTRIES = 20_000


def sample_positions(count: int, size: int = SAMPLE_ENTRIES) -> range:
    """Positions of an evenly spread sample (every position when there are few)."""
    return range(count) if count <= size else range(0, count, count // size)[:size]


def lexicon_of(count: int, read: ReadLines) -> Lexicon:
    """Candidate phrases of the entries, from a sample of them."""
    picked = sample_positions(count)
    if len(picked) == count:
        return discover(read(0, count))
    return discover(line for p in picked for line in read(p, p + 1))


def count_range(read: ReadLines, start: int, stop: int, lexicon: Lexicon,
                progress: Progress | None = None, total: int = 0) -> Counts:
    """Counts of the entries [start, stop), read chunk by chunk."""
    counts = Counts()
    for first in range(start, stop, CHUNK):
        last = min(first + CHUNK, stop)
        counts = merge(counts, count_chunk(read(first, last), lexicon, first))
        if progress is not None:
            progress(last, total or stop)
    return counts


def slop_of(count: int, read: ReadLines, progress: Progress | None = None) -> SlopReport:
    """The report over ``count`` entries read by ``read``; ``progress(done, count)``."""
    lexicon = lexicon_of(count, read)
    return finish(count_range(read, 0, count, lexicon, progress, count), lexicon)


def count_file_spans(path: str, first: int, starts: array, ends: array,
                     lexicon: Lexicon) -> Counts:
    """Counts of the entries whose lines are at ``starts``/``ends`` in ``path``, the
    first at position ``first``: what a worker process computes (plain, picklable)."""
    with open(path, "rb") as f:

        def read(start: int, stop: int) -> list[bytes]:
            a, b = start - first, stop - first
            f.seek(starts[a])
            block = f.read(ends[b - 1] - starts[a])
            base = starts[a]
            return [block[starts[r] - base:ends[r] - base] for r in range(a, b)]

        return count_range(read, first, first + len(starts), lexicon)


def file_slop(path: str | os.PathLike[str], progress: Progress | None = None,
              executor: Executor | None = None) -> tuple[SlopReport, array]:
    """The report of a JSONL file as it is on disk, and each entry's 1-based line.

    Only the line index is built (no summary scan): like `dedupe`, the command
    needs the lines, not the review columns. With an ``executor`` the second half
    of a large file is counted there (it reads the file itself).
    """
    store = LineStore(path)
    try:
        return kept(ScanCache.of(store, None), SLOP_RESULT,
                    lambda: _slop_of_file(path, store, progress, executor),
                    report_to_plain, report_from_plain)
    finally:
        store.close()


def report_to_plain(found: tuple[SlopReport, array]) -> tuple:
    """(report, each entry's line) in builtins, for the scan cache."""
    return found[0].to_plain(), found[1].tobytes()


def report_from_plain(plain: tuple) -> tuple[SlopReport, array]:
    report, raw = plain
    return SlopReport.from_plain(report), array("q", raw)


def _slop_of_file(path: str | os.PathLike[str], store: LineStore, progress: Progress | None,
                  executor: Executor | None) -> tuple[SlopReport, array]:
    for _ in store.index_chunks():
        pass
    count = len(store.starts)

    def read(start: int, stop: int) -> list[bytes]:
        if start >= stop:
            return []
        base = store.starts[start]
        block = store.read_range(base, store.ends[stop - 1])
        return [block[store.starts[r] - base:store.ends[r] - base]
                for r in range(start, stop)]

    lexicon = lexicon_of(count, read)
    half = count // 2 if executor is not None and count >= PARALLEL_MIN_ENTRIES else count
    future = None
    if half < count:
        future = executor.submit(  # type: ignore[union-attr]
            count_file_spans, os.fspath(path), half, store.starts[half:], store.ends[half:],
            lexicon)
    counts = count_range(read, 0, half, lexicon, _scaled(progress, half, count), count)
    if future is not None:
        counts = merge(counts, future.result())
    return finish(counts, lexicon), store.lines


def _scaled(progress: Progress | None, half: int, count: int) -> Progress | None:
    """Progress of this process's share, reported as the whole (both halves run alike)."""
    if progress is None or half == count or half == 0:
        return progress
    return lambda done, _total: progress(done * count // half, count)
