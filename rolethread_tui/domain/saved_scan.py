"""After a save, the saved file's scan goes to the scan cache without scanning it.

A scan row is a pure function of a line's bytes (and the settings), and a save
writes every unedited entry's loaded line back byte for byte. So the saved
file's rows are the scan's rows of the unedited entries, copied while the save
ran (no change can land during a save), plus rows computed for the lines the
session wrote — a reviewer's save of a few hundred edits costs a re-index of the
new file, not a scan, and tomorrow's open of it is warm. Done in a thread after
the save; abandoned on any doubt (the file changed since, a line count or a
line length that is not what the save wrote): the next open then scans.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .records import parse_line
from .scan_cache import ScanCache
from .store import FileStamp, LineStore
from .summary import FIELD_TYPES, Columns, issue_cells

#: More written lines than this are left to the next open's scan: computing
#: them here would be that scan, competing with the reviewer's keys.
MAX_COMPUTED = 20_000


@dataclass(frozen=True, slots=True)
class SavedFile:
    """What `keep` needs of a save, taken while it ran."""

    path: Path
    stamp: FileStamp
    order: array          # record ids in saved order
    written: frozenset[int]  # ids whose line the session wrote (edited, or new)
    loaded: LineStore     # the file as loaded: unedited lines' lengths to compare
    columns: list[Any]    # copies of the 12 column stores and the findings, by record id


def capture(path: Path, order: Sequence[int], edited: frozenset[int], columns: Columns,
            loaded: LineStore) -> SavedFile | None:
    """The save's snapshot, or None when it is not worth keeping (too many written)."""
    if isinstance(order, range) and order == range(loaded.count):  # the file's own order
        written = frozenset(rid for rid in edited if rid < loaded.count)  # a 1M-entry walk less
    else:
        written = frozenset(rid for rid in order if rid >= loaded.count or rid in edited)
    if len(written) > MAX_COMPUTED:
        return None
    copies = [array(code, store) if code else list(store)
              for code, store in zip(FIELD_TYPES, columns.stores(), strict=True)]
    copies.append(dict(columns.findings))
    return SavedFile(path, FileStamp.of(path), array("q", order), written, loaded, copies)


def keep(saved: SavedFile, compute: Callable[[object], tuple],
         validation: dict[str, Any] | None, stop: Callable[[], bool]) -> None:
    """Write the saved file's scan to the cache (quietly nothing on any doubt)."""
    try:
        store = LineStore(saved.path)
    except OSError:
        return
    try:
        slot = ScanCache.of(store, validation) if store.stamp == saved.stamp else None
        writer = slot.writer() if slot is not None else None
        if writer is None:
            return
        try:
            if _write_rows(saved, store, writer, compute, stop):
                writer.finish(store)
        finally:
            writer.discard()  # nothing left to discard once finished
    except Exception:  # a cache is a shortcut: never an error of the save
        return
    finally:
        store.close()


def _write_rows(saved: SavedFile, store: LineStore, writer: Any,
                compute: Callable[[object], tuple], stop: Callable[[], bool]) -> bool:
    """Rows chunk by chunk as the scan would have them; False when in doubt."""
    order, loaded, written = saved.order, saved.loaded, saved.written
    done = 0
    for chunk, spans in store.index_chunks():
        if stop() or done + len(spans) > len(order):
            return False
        view = memoryview(chunk)
        rows = []
        for (start, end), rid in zip(spans, order[done:done + len(spans)], strict=True):
            if rid in written:
                rows.append(compute(parse_line(view[start:end])))
            elif end - start != loaded.ends[rid] - loaded.starts[rid]:
                return False  # not the loaded line: the save wrote something else here
            else:
                rows.append(_row(saved.columns, rid))
        writer.add(store, done, list(zip(*rows, strict=True)))
        done += len(spans)
    return done == len(order)


def _row(columns: list[Any], rid: int) -> tuple:
    """Record `rid`'s 13 cells as `Columns.compute` returns them for its line.

    The issue cells are rebuilt from its findings: the session's columns also
    hold the dataset-level issues found since (`duplicate`, `near-duplicate`),
    which a scan of the saved file does not have.
    """
    cells = [column[rid] for column in columns[:-1]]
    found = columns[-1].get(rid, ())
    cells[8:11] = issue_cells(found)
    return (*cells, found)
