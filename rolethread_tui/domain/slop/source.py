"""Running the lens over a file or a session: sample, count in chunks, merge, finish.

The reading is the caller's (a `LineStore` for the headless command, the
session's current lines in the app); this module only decides what to read in
which order. A caller with a second core to spare asks `file_slop` for it
(``parallel``): on a large file a helper process (`scan.Helper`, requests in
`slop.helper`) counts entries from the end of the file while this process counts
from the start, each taking more as it finishes (`slop.sharing`), then each scores
the entries it counted. If the helper fails, its share is computed here (`scan.share`).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable

from ..gc_pause import gc_paused
from ..scan import Helper, share
from ..scan_cache import SLOP_RESULT, ScanCache, kept
from ..store import LineStore
from .counts import Counts, Lexicon, count_chunk, discover, merge
from .report import SlopReport, entries_of_plain, finish, judge, plain_entries, verdicts
from .rules import SAMPLE_ENTRIES
from .sharing import Shares

#: Lines [start, stop) of the entries at those positions.
ReadLines = Callable[[int, int], list[bytes]]
Progress = Callable[[int, int], None]
CHUNK = 5000
#: Smaller files are not worth a second process's start-up (~1 s of the other
#: core; 32 MB is ~16k datagen entries). Bytes, not entries: the helper starts
#: before the index is read. A 28 MB file of real prose (17.7k entries) ran slower
#: with it on a busy host, where the second core is not free.
PARALLEL_MIN_BYTES = 32 << 20


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


def file_slop(path: str | os.PathLike[str], progress: Progress | None = None,
              parallel: bool = False) -> tuple[SlopReport, array]:
    """The report of a JSONL file as it is on disk, and each entry's 1-based line.

    Only the line index is built (no summary scan): like `dedupe`, the command
    needs the lines, not the review columns. With ``parallel`` the second half
    of a large file is counted and scored in a helper process.
    """
    store = LineStore(path)
    try:
        # Per-entry counts and the report are acyclic containers made by the 100k:
        # each batch would otherwise trigger collections walking all of them
        # (measured ~1.3-2x slower scoring and cache packing at 100k).
        with gc_paused():
            return kept(ScanCache.of(store, None), SLOP_RESULT,
                        lambda: _slop_of_file(store, progress, parallel),
                        report_to_plain, report_from_plain)
    finally:
        store.close()


def report_to_plain(found: tuple[SlopReport, array]) -> tuple:
    """(report, each entry's line) in builtins, for the scan cache."""
    return found[0].to_plain(), found[1].tobytes()


def report_from_plain(plain: tuple) -> tuple[SlopReport, array]:
    report, raw = plain
    return SlopReport.from_plain(report), array("q", raw)


def _slop_of_file(store: LineStore, progress: Progress | None, parallel: bool
                  ) -> tuple[SlopReport, array]:
    # Started first, so its start-up (and the human baseline it loads: `slop-rates`)
    # overlaps reading the index and the sample here.
    helper = Helper(store.size, None, parallel, fd=store.fileno(),
                    min_bytes=PARALLEL_MIN_BYTES, rows=False)
    try:
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

        if not helper.active:
            lexicon = lexicon_of(count, read)
            counts = count_range(read, 0, count, lexicon, progress, count)
            return finish(counts, lexicon), store.lines
        lexicon, rates, _ = share(helper, lambda: ("slop-rates",),
                                  lambda: lexicon_of(count, read), lambda: None)
        return _shared(helper, read, count, lexicon, rates, store, progress), store.lines
    finally:
        helper.close()


def _shared(helper: Helper, read: ReadLines, count: int, lexicon: Lexicon,
            rates: dict[bytes, float | None] | None, store: LineStore,
            progress: Progress | None) -> SlopReport:
    """Entries counted and scored here from the front, in the helper from the back
    (`slop.sharing`: each process takes more as it finishes)."""
    shares = Shares(helper, read, count, lexicon, store)
    total, asked = shares.count_all(progress)
    found = verdicts(total, lexicon, rates)
    if not asked:  # the helper failed: its shares were counted here, rows and all
        return SlopReport(total.entries, judge(total.rows, found), found.phrases)
    entries, plain, _ = share(
        helper, lambda: ("slop-judge", found), lambda: judge(total.rows, found),
        lambda: plain_entries(judge(shares.theirs_again().rows, found).values()))
    return SlopReport(total.entries, {**entries, **entries_of_plain(plain)}, found.phrases)
