"""Duplicate groups of a whole file, and the finder fed with the helper process's help.

Split from `dedupe` (the finder itself): how entries reach a finder — in
steps, part of each fingerprinted by the scan's helper process — and the
headless `dedupe` command's path, which indexes the file without a scan.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable

from rolethread_tui.domain.dedupe import DupGroup, DuplicateFinder
from rolethread_tui.domain.scan import Given, Helper, Span, share
from rolethread_tui.domain.scan_cache import ScanCache, groups_result, kept
from rolethread_tui.domain.store import LineStore

#: Entries per step of :func:`add_entries`: small enough that the warm-up ends
#: early in the first step, big enough that a request's overhead is noise.
STEP = 2000
#: The helper's share of each step: reading its lines and pickling its answer
#: cost it more per entry than adding and spilling cost the main process
#: (main waited 1.5 s at 0.5, 2.9 s at 0.6 and 0.5 s at 0.45, 100k entries).
HELPER_SHARE = 0.45
#: Files this big get a helper for the headless command (~4k entries, ~0.6 s).
HELPER_MIN_BYTES = 8 << 20


def add_entries(
    finder: DuplicateFinder,
    count: int,
    lines: Callable[[int, int], list[bytes]],
    spans: Callable[[int, int], tuple[list[Span], list[Given]]],
    helper: Helper | None,
) -> None:
    """Add entries ``0..count`` to the finder, using the helper process when there is one.

    ``lines(start, stop)`` gives entries' current lines; ``spans(start, stop)``
    describes the same entries for the helper: untouched ones as
    ``(entry, file start, file end, _)`` it reads through the file it inherited,
    edited ones as ``(entry, line, _)`` bytes. Fingerprints come back in entry
    order whatever the mix. If the helper dies, the rest is computed here.
    """
    for start in range(0, count, STEP):
        stop = min(start + STEP, count)
        job = finder.job_stop()
        if job is None or helper is None or not helper.active:
            finder.add_lines(lines(start, stop), start)
            continue
        split = stop - int((stop - start) * HELPER_SHARE)
        _mine, theirs, shared = share(
            helper, lambda job=job, split=split, stop=stop: ("fingerprint", finder.keeps_texts,
                                                             job, *spans(split, stop)),
            lambda start=start, split=split: finder.add_lines(lines(start, split), start),
            lambda split=split, stop=stop: (finder.add_lines(lines(split, stop), split)
                                            if split < stop else None))
        if shared:
            entries, prints = theirs
            assert entries == list(range(split, stop))
            finder.add_prints(split, prints)


def file_duplicate_groups(
    path: str | os.PathLike[str], threshold: float = 0.9, parallel: bool = True
) -> tuple[list[DupGroup], array]:
    """Duplicate groups of a JSONL file as it is on disk, and each entry's line number.

    Headless ``dedupe`` needs no summary columns, so it only indexes the file
    (~0.5 s at 100k, where the full scan takes ~3 s) before fingerprinting.
    Entries are numbered in file order (0-based); blank lines are not entries.
    The answer for an unchanged file is kept in the scan cache (`scan_cache.kept`).
    """
    store = LineStore(path)
    try:
        return kept(ScanCache.of(store, None), groups_result(threshold),
                    lambda: _groups_of_file(store, threshold, parallel),
                    groups_to_plain, groups_from_plain)
    finally:
        store.close()


def _groups_of_file(store: LineStore, threshold: float, parallel: bool
                    ) -> tuple[list[DupGroup], array]:
    helper = None
    try:
        for _ in store.index_chunks():
            pass
        count = len(store.starts)
        store.publish(count)
        helper = Helper(store.size, None, parallel, fd=store.fileno(),
                        min_bytes=HELPER_MIN_BYTES)

        def lines(start: int, stop: int) -> list[bytes]:
            base = store.starts[start]
            block = store.read_range(base, store.ends[stop - 1])
            return [block[store.starts[r] - base : store.ends[r] - base]
                    for r in range(start, stop)]

        def spans(start: int, stop: int) -> tuple[list[Span], list[Given]]:
            return [(r, store.starts[r], store.ends[r], True) for r in range(start, stop)], []

        with DuplicateFinder() as finder:
            add_entries(finder, count, lines, spans, helper)
            return finder.groups(threshold, helper), store.lines
    finally:
        if helper is not None:
            helper.close()


def groups_to_plain(found: tuple[list[DupGroup], array]) -> tuple:
    """(groups, each entry's line) in builtins, for the scan cache."""
    return [(g.entries, g.exact, g.score) for g in found[0]], found[1].tobytes()


def groups_from_plain(plain: tuple) -> tuple[list[DupGroup], array]:
    groups, raw = plain
    return [DupGroup([int(e) for e in entries], bool(exact), float(score))
            for entries, exact, score in groups], array("q", raw)
