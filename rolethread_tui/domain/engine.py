"""The engine: the background work over a document — scan, search, duplicates, findings.

It fills the summary columns in a thread, keeps one helper process for the
second core (every job splits through `scan.share`, so a helper that dies is
a slower answer, never a crash), and caches what it computed per document
version. It reads the document; it never changes it. See docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .document import Document
from .dup_links import (
    DupLink,
    copy_links,
    earlier_copies,
    group_firsts,
    group_links,
    member_groups,
    members_now,
    note,
    recount,
)
from .entry_ids import entry_ids
from .errors import ScanError
from .events import Emitter, SessionEvent
from .first_rows import first_by_helper
from .gc_pause import gc_paused
from .scan import Helper, Span, rows_of
from .scan_cache import SLOP_RESULT, ScanCache, Writer, groups_result, identity, kept
from .scan_schedule import ScanSchedule
from .search_split import RowView, SearchSplit
from .store import BOM, ChunksAhead, LineStore
from .summary import Columns, rows_as_columns
from .validation import Finding

if TYPE_CHECKING:
    from .dedupe import DupGroup
    from .search import Query
    from .search.evaluate import Candidate
    from .slop import SlopReport

_HELPER_START = threading.Lock()

#: How long closing waits for a save's scan to reach the cache (~0.8 s at 100k
#: entries); then it is dropped and the next open scans.
SAVED_SCAN_WAIT = 1.0

#: This process's share of a search's first split with the helper process; later
#: searches follow the pace the two sides kept (`search_split.SearchSplit`).
MAIN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class EntryFinding:
    """A finding placed in the file: what `validate --json` prints (docs/formats.md)."""

    check: str
    severity: str
    line: int | None
    entry: int
    message: int | None
    fixable: bool
    text: str
    id: str

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "severity": self.severity, "line": self.line,
                "entry": self.entry, "message": self.message, "fixable": self.fixable,
                "text": self.text, "id": self.id}


class Engine:
    """Background work over one document; results cached per document version."""

    def __init__(self, store: LineStore, columns: Columns, events: Emitter,
                 validation: dict[str, Any] | None, parallel: bool,
                 cacheable: bool = False, helper_first: bool = False) -> None:
        """`cacheable`: the rows depend on `validation` alone (no custom checker),
        so a finished scan may be kept in and read back from `scan_cache`.
        `helper_first`: the helper computes the first chunk (`first_rows`)."""
        self.store = store
        self.columns = columns
        self.doc: Document  # attached right after construction (it needs our waits)
        self._events = events
        self._helper_args = (validation, parallel)
        self._cacheable = cacheable
        self._slot: ScanCache | None = None  # this file's place in the scan cache
        self._saved: threading.Thread | None = None  # writing the last save's cache
        self._saved_stop = threading.Event()
        self._identity: tuple[int, ...] | None = None  # the loaded file when scanned
        self._dup_links: dict[int, DupLink] = {}
        self._groups: dict[int, tuple[tuple[int, int], ...]] = {}  # every member's group
        events.subscribe(self._relinked)
        self._cache: dict[Hashable, tuple[int, Any]] = {}
        self._scanned = threading.Event()
        self._published = threading.Condition()
        self._closing = False
        self._search: Helper | None = None
        self.scan_error: BaseException | None = None
        self.scan_bytes = 0
        self._landed = 0  # rows of the scan stored in the columns so far
        self._search_split = SearchSplit(MAIN_SHARE)
        self._helper_first = helper_first
        self._thread = threading.Thread(target=self._scan, name="rolethread-scan", daemon=True)

    # ----------------------------------------------------------- the scan
    def start(self) -> None:
        self._thread.start()

    def _scan(self) -> None:
        helper: Helper | None = None
        try:
            slot = ScanCache.of(self.store, self._helper_args[0]) if self._cacheable else None
            self._slot, self._identity = slot, slot.identity if slot else None
            count = self._adopt_cached(slot) if slot is not None else 0
            if self._closing:
                return
            if slot is None or not slot.complete or self.store.indexed < self.store.size:
                helper = Helper(self.store.size, *self._helper_args, fd=self.store.fileno())
                fresh = slot.writer() if slot is not None and count == 0 else None
                if not self._scan_file(count, helper, fresh):
                    return
            self.scan_bytes = self.store.size
            self._mark_exact_duplicates()
        except BaseException as exc:  # reported to the caller of wait()
            self.scan_error = exc
        finally:
            if helper is not None and helper.active and self.scan_error is None \
                    and not self._closing:
                self._search = helper  # warm already: searches use it next
            elif helper is not None:
                helper.close()
            self.doc.reserve_rids(len(self.columns) - 1)
            self._scanned.set()
            with self._published:
                self._published.notify_all()
            self._events.emit(SessionEvent("scanned"))

    def _adopt_cached(self, slot: ScanCache) -> int:
        """Take the rows of an unchanged file from the scan cache; how many.

        Each segment is checked before anything grows, so a bad one ends the
        adoption cleanly (the cache file goes) and the scan reads on from there.
        """
        count = 0
        with gc_paused():  # millions of tuples, none cyclic
            for index, before, physical, indexed, cols in slot.read():
                try:
                    prepared = self.store.prepare_index(index, before, physical, indexed)
                    if len(cols[0]) != len(prepared[0][0]):
                        raise ValueError("scan cache rows do not match its index")
                    self.columns.append_columns(cols)
                except (ValueError, TypeError, IndexError, OverflowError):
                    slot.remove()
                    slot.complete = False
                    break
                count += self.store.adopt(prepared)
                if not self._publish(count):
                    break
        return count

    def _scan_file(self, count: int, helper: Helper, fresh: Writer | None) -> bool:
        """Scan the file from record `count` on (written to the cache when `fresh`);
        False when the session closed midway.

        A chunk shared with the helper lands (cache, columns, publish) while the
        next one computes, once that one's request has gone: the helper is not
        left idle while this thread stores rows (docs/architecture.md, the scan).
        """
        self._landed = count
        # columns computed, in order, not landed yet, each with the store's index state
        # just after its chunk was indexed: the cache segment must say where *it*
        # ended, not where indexing has reached since (a warm open checks it)
        waiting: list[tuple[list[Any], tuple[int, int]]] = []

        def land() -> bool:
            return self._land(waiting, fresh)
        chunks = ChunksAhead(self.store)  # the next chunk indexed while the helper works
        try:
            for chunk, spans, indexed in chunks:
                first = self._landed + sum(len(cols[0]) for cols, _ in waiting)
                if first and helper.active:  # the rest: lines to whichever side is free
                    schedule = ScanSchedule(self.store, chunks, helper, self.columns.compute,
                                            lambda cols, at: waiting.append((cols, at)), land,
                                            held=bool(waiting))
                    schedule.start_at(chunk, spans, indexed, first)
                    del chunk, spans  # held by the schedule until it lands
                    if not schedule.run():
                        return False
                    break
                cols, shared = self._rows(chunk, spans, helper, first, land, chunks.ahead)
                waiting.append((cols, indexed))
                if self._closing or (not shared and not land()):
                    return False
            if not land():
                return False
            if fresh is not None:
                fresh.finish(self.store)
            return True
        finally:
            if fresh is not None:
                fresh.discard()  # nothing left to discard once finished

    def _land(self, waiting: list[tuple[list[Any], tuple[int, int]]],
              fresh: Writer | None) -> bool:
        """Store and publish the computed chunks; False when the session is closing."""
        if not waiting:
            return not self._closing
        for cols, indexed in waiting:
            if fresh is not None:
                fresh.add(self.store, self._landed, cols, indexed)
            self.columns.append_columns(cols)
            self._landed += len(cols[0])
        waiting.clear()
        return self._publish(self._landed)

    def _publish(self, count: int) -> bool:
        """Make the first `count` records readable; False when the session is closing."""
        self.scan_bytes = self.store.starts[count - 1] if count else 0
        with self._published:
            self.store.publish(count)
            self._published.notify_all()
        if self._closing:
            return False
        self._events.emit(SessionEvent("scan"))
        return True

    def _rows(self, chunk: bytes, spans: list[tuple[int, int]], helper: Helper, first: int,
              land: Callable[[], bool], ahead: Callable[[], None]) -> tuple[list[Any], bool]:
        """Summary columns of a chunk the scan does not share line by line (the first
        one, or any without a helper process), and whether the helper computed them.

        The first chunk never waits for the helper to start (first rows at once),
        unless the app had the helper compute it while it draws its first frame;
        that chunk lands once the helper has its next lines (`scan_schedule`).
        """
        view = memoryview(chunk)
        compute = self.columns.compute
        if first == 0 and self._helper_first and helper.active:
            # the helper computes while the app holds the scan for its first frame
            # (`tui.start.FirstRows`), and this side indexes the next chunk
            return first_by_helper(self.store.starts[0], view, spans, helper, compute,
                                   ahead), True
        land()  # what waits shows first (the scan thread checks for closing next)
        return rows_as_columns(rows_of(compute, view, spans)), False

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the scan is done; True when it is. Raises if it failed."""
        done = self._scanned.wait(timeout)
        if self.scan_error is not None:
            raise ScanError(f"cannot read {self.store.path}: {self.scan_error}"
                            ) from self.scan_error
        return done

    def ensure(self, i: int) -> None:
        """Wait for the scan to reach entry i (reads never see a half-built row)."""
        with self._published:
            while self.scanning and i >= len(self.doc):
                self._published.wait(0.1)

    @property
    def scanning(self) -> bool:
        return not self._scanned.is_set()

    @property
    def progress(self) -> float:
        """Fraction of the file scanned, 0..1."""
        return 1.0 if not self.scanning else self.scan_bytes / max(self.store.size, 1)

    def close(self) -> None:
        if self._saved is not None:  # a save's cache, usually done in well under a second
            self._saved.join(SAVED_SCAN_WAIT)
        self._closing = True
        self._scanned.wait(5)
        self._close_search_helper()

    # ----------------------------------------------------------- after a save
    def loaded_intact(self) -> bool:
        """Whether the file as loaded is as the scan saw it: nobody wrote to it in
        place since (checked before a save, whose own links then move its ctime)."""
        try:
            return self._identity is not None and identity(self.store) == self._identity
        except OSError:
            return False

    def saved(self, path: Path, order: Sequence[int], intact: bool) -> None:
        """After a save: put the saved file's scan in the cache, in a thread (`saved_scan`).

        Called while no change can land: the rows of unedited entries are copied
        now, the written lines computed in the thread. Only when the loaded file
        was `intact` when the save began (its unedited lines are what the scan
        read); the identity is then taken afresh, after the save's own links.
        A cache is a shortcut: nothing here may fail a save.
        """
        self._identity = None
        if not intact or not self._cacheable or self._slot is None:
            return
        try:
            self._identity = identity(self.store)
            from .saved_scan import capture, keep

            saved = capture(path, order, frozenset(self.doc.edited_ids()), self.columns,
                            self.store)
            if saved is None:
                return
            if self._saved is not None:
                self._saved_stop.set()  # an earlier save's file is not the newest any more
            stop = threading.Event()
            thread = threading.Thread(
                target=keep, args=(saved, self.columns.compute, self._helper_args[0],
                                   lambda: self._closing or stop.is_set()),
                name="rolethread-saved-scan", daemon=True)
            thread.start()
        except Exception:  # a cache is a shortcut: never an error of the save
            return
        self._saved, self._saved_stop = thread, stop

    def wait_saved(self, timeout: float | None = None) -> None:
        """Until the last save's cache is written (tests, benchmarks)."""
        if self._saved is not None:
            self._saved.join(timeout)

    def cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """compute() once per document version (a search repeated, groups asked twice).
        Kept under the version it started from: a change landing meanwhile (a search
        runs in a worker thread) leaves it stale, never filed as current."""
        version = self.doc.version
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = compute()
        self._cache[key] = (version, value)
        return value

    # ----------------------------------------------------------- findings
    def findings(self, i: int) -> list[Finding]:
        """The findings of entry i as it is now: kept by the scan, refreshed by
        every content change, so reading them costs nothing on the cursor's path."""
        rid = self.doc.rid(i)
        found = [Finding(*t) for t in self.columns.findings.get(rid, ())]
        link = self._dup_links.get(rid)
        if link is not None:
            text = note(link, i, self._members(rid, link))
            if text is not None:
                found.append(Finding(link.check, "warning", None, False, text))
        return found

    def duplicate_partners(self, i: int) -> list[int]:
        """Positions of the entries entry i duplicates (as last found, still unchanged)."""
        rid = self.doc.rid(i)
        link = self._dup_links.get(rid)
        return [] if link is None else [p for p in self._members(rid, link) if p != i]

    def _members(self, rid: int, link: DupLink) -> list[int]:
        """`members_now` of entry `rid`'s group ([] when the entry changed since), once
        per group and document version: every cursor move reads its note, and a group
        of copies may hold thousands."""
        digests = self.columns.digest
        if digests[rid] != link.digest:
            return []
        return self.cached(("members", id(link.members)),
                           lambda: members_now(link, self.doc.position, digests))

    def duplicate_group_marks(self) -> dict[int, int]:
        """`order:group`'s marks: position → its group's first position. The groups as
        found (the scan's copies, `find_duplicates`'), still unchanged, joined with the
        exact copies as they are now (an edit that makes a copy groups it)."""
        from .search.grouped import joined_marks  # with the first search (issue #18)

        return self.cached(("group marks",), lambda: joined_marks(
            self.exact_duplicates(),
            group_firsts(self._dup_links, self.doc.position, self._members)))

    def validate(self) -> list[EntryFinding]:
        """Every finding of the dataset, in file order; nothing is checked twice.

        Built from the scan's stored findings; the ids of the entries that have
        some are computed together (`Document.entry_ids`: lines read in blocks).
        """
        self.wait()
        doc, out = self.doc, []
        issue_count, stored, lines = self.columns.issue_count, self.columns.findings, \
            self.store.lines
        duplicates = self.exact_duplicates()
        rids = doc.rids()
        flagged = [i for i, rid in enumerate(rids) if issue_count[rid] or i in duplicates]
        ids = entry_ids(doc, self._search, [rids[i] for i in flagged])
        for i, eid in zip(flagged, ids, strict=True):
            rid = rids[i]
            line = lines[rid] if rid < self.store.count else None
            # the stored (check, severity, message, fixable, text), as `findings` reads them
            link = self._dup_links.get(rid)  # a near-duplicate note, not told below
            found = ([astuple(f) for f in self.findings(i)]
                     if link is not None and link.check != "duplicate" else stored.get(rid, ()))
            out.extend(EntryFinding(c, sev, line, i, msg, fix, text, eid)
                       for c, sev, msg, fix, text in found
                       if c != "duplicate")  # told afresh below
            if i in duplicates:
                out.append(EntryFinding("duplicate", "warning", line, i, None, False,
                                        f"same conversation as entry {duplicates[i] + 1}", eid))
        return out

    # ----------------------------------------------------------- duplicates
    def exact_duplicates(self) -> dict[int, int]:
        """position → first position with the same conversation (roles and texts)."""
        digest = self.columns.digest
        return earlier_copies((i, digest[rid]) for i, rid in enumerate(self.doc.rids()))

    def duplicate_groups(self, threshold: float = 0.9) -> list[DupGroup]:
        """Exact and near-duplicate groups (positions), once per document version.

        Memory stays at a signature per entry; the helper process fingerprints
        part of the entries of large files, reading them itself.
        """
        self.wait()

        def compute() -> list[DupGroup]:
            # on first use: rapidfuzz and the finder are no part of opening a file (issue #18)
            from .dedupe import DuplicateFinder
            from .dedupe_file import add_entries

            with DuplicateFinder() as finder:
                helper = self._search_helper()
                add_entries(finder, len(self.doc), self.doc.lines,
                            lambda a, b: self._spans(list(range(a, b))), helper)
                return finder.groups(threshold, helper)

        def computed_or_kept() -> list[DupGroup]:
            from .dedupe_file import groups_from_plain, groups_to_plain

            return kept(self._slot, groups_result(threshold),
                        lambda: (compute(), self.store.lines),
                        groups_to_plain, groups_from_plain, self._texts_as_loaded)[0]

        return self.cached(("groups", threshold), computed_or_kept)

    def _texts_as_loaded(self) -> bool:
        """Every entry is its line's text as loaded, in file order (no text edit, no
        move, insert or delete): a result over the texts is the file's own."""
        return self.doc.text_version == 0

    def find_duplicates(self, threshold: float = 0.9) -> list[DupGroup]:
        """Groups, also recorded as `duplicate` / `near-duplicate` issues."""
        groups = self.duplicate_groups(threshold)
        self._set_dup_links(group_links(groups, self.doc.rids(), self.columns.digest))
        return groups

    def _set_dup_links(self, links: dict[int, DupLink]) -> None:
        """Replace the groups shown as issues and findings (the old ones may be gone)."""
        for rid, link in self._dup_links.items():
            self.columns.drop_issue(rid, link.check)
        for rid, link in links.items():
            self.columns.add_issue(rid, link.check, "warning")
        self._dup_links, self._groups = links, member_groups(links)
        self.doc.version += 1  # issue columns moved: cached searches are stale

    def _relinked(self, event: SessionEvent) -> None:
        """A change's groups keep their issues as they are now (`dup_links.recount`)."""
        if event.kind == "change" and self._dup_links:
            rids = None if event.positions is None else map(self.doc.rid, event.positions)
            recount(self._dup_links, self._groups, rids, self.doc.position, self._members,
                    self.columns)

    def _mark_exact_duplicates(self) -> None:
        """The dataset-level `duplicate` check, run once the scan has every digest."""
        rids, digests = self.doc.rids(), self.columns.digest
        copies = self.exact_duplicates()
        self._set_dup_links(copy_links(copies, rids, digests))
        # positions are rids while the order is as loaded: identical lines' ids
        self.doc.scan_done(copies if isinstance(rids, range) else None)

    # ----------------------------------------------------------- search
    def search(self, query: str | Query, positions: Iterable[int] | None = None) -> list[int]:
        """Positions matching a query: file order, or best first with `~`.

        Raises `QueryError` (with the offending position) on a bad query.
        """
        # the query language loads with the first search, not with the file (issue #18)
        from .search import apply_groups, apply_slop, select
        from .search import parse as parse_query

        q = parse_query(query) if isinstance(query, str) else query
        self.wait()
        marks = self.slop().marks() if q.needs_slop else None
        if positions is not None:
            groups = self.duplicate_group_marks() if q.needs_groups else None
            return select(q, RowView(self.doc), self.doc.line_bytes, positions, marks, groups)

        def compute() -> list[int]:  # the group marks too: a search found again is cached
            groups = self.duplicate_group_marks() if q.needs_groups else None
            hits = [hit for _done, found in self.search_chunks(q) for hit in found]
            if q.fuzzy is not None:
                # best first, ties in file order: the chunks come in file order and a
                # reverse sort keeps equal keys in order (no (-score, i) tuple per hit)
                hits.sort(key=itemgetter(1), reverse=True)
            return apply_groups(q, apply_slop(q, [i for i, _ in hits], marks), groups)

        return list(self.cached(("search", q.source), compute))

    def slop_if_ready(self) -> SlopReport | None:
        """The lens if it was computed for the texts as they are now (never computes).

        Keyed on `Document.text_version`: the lens reads assistant replies only,
        so accepting, flagging or tagging an entry keeps it (the list's slop bars
        stay); an edit, a fix or a move makes it stale until it is computed again.
        """
        hit = self._cache.get(("slop",))
        return hit[1] if hit is not None and hit[0] == self.doc.text_version else None

    def slop_kept(self) -> bool:
        """Whether the lens of the file as loaded is in the scan cache (a read, not a count)."""
        return (self._slot is not None and self._texts_as_loaded()
                and self._slot.has_result(SLOP_RESULT))

    def slop(self) -> SlopReport:
        """The slop lens over the entries as they are now, once per text version."""
        from .slop.source import slop_of  # on first use: opening a file stays lean

        self.wait()
        ready = self.slop_if_ready()
        if ready is not None:
            return ready
        from .slop.source import report_from_plain, report_to_plain

        version = self.doc.text_version  # a text edit while computing leaves it stale
        report = kept(self._slot, SLOP_RESULT,
                      lambda: (slop_of(len(self.doc), self.doc.lines), self.store.lines),
                      report_to_plain, report_from_plain, self._texts_as_loaded)[0]
        self._cache[("slop",)] = (version, report)
        return report

    def search_chunks(self, query: Query, chunk: int = 20_000
                      ) -> Iterator[tuple[int, list[tuple[int, float]]]]:
        """(entries done, hits with scores) chunk by chunk, for a cancellable worker.

        The stages of `search.evaluate.scan`, by position: the column filters read
        the column arrays (`RowView.column_filter`), the lines of the positions
        they keep are read and matched in blocks, shared with the helper process.
        """
        self.wait()
        total = len(self.doc)
        passes = RowView(self.doc).column_filter(query) if query.has_column_filters else None
        for start in range(0, total, chunk):
            stop = min(start + chunk, total)
            kept = (range(start, stop) if passes is None
                    else [i for i in range(start, stop) if passes(i)])
            if not query.needs_turns:
                yield stop, [(i, 0.0) for i in kept]
                continue
            found = self._check_text(query, list(kept)) if kept else []
            found.sort()
            yield stop, found

    def _check_text(self, query: Query, positions: list[int]) -> list[tuple[int, float]]:
        """Read-and-match positions, a share of them in the helper process."""
        helper = self._search_helper() if len(positions) >= 400 else None
        return self._search_split.check(query, positions, helper, self.store.read_range,
                                        self._spans)

    def _spans(self, positions: list[int]) -> tuple[list[Span], list[Candidate]]:
        """Untouched lines as file offsets (the helper reads them); edited ones as bytes."""
        spans: list[Span] = []
        lines: list[Candidate] = []
        doc, store, valid = self.doc, self.store, self.columns.valid
        rids = doc.rids()
        for i in positions:
            rid = rids[i]
            if rid < store.count and not doc.edited(rid):
                spans.append((i, store.starts[rid], store.ends[rid], bool(valid[rid])))
            else:
                lines.append((i, doc.line_bytes(i).removeprefix(BOM), bool(valid[rid])))
        return spans, lines

    def _search_helper(self) -> Helper | None:
        """The helper process kept for searches over large files (started on first
        use); one that died, or was closed after a failed exchange, is not replaced."""
        with _HELPER_START:  # a search and a duplicate scan may ask at once
            if self._search is not None and not self._search.active:
                self._close_search_helper()
            if self._search is None and self._helper_args[1]:
                helper = Helper(self.store.size, *self._helper_args, fd=self.store.fileno())
                self._search = helper if helper.active else None
                if self._search is None:
                    self._helper_args = (self._helper_args[0], False)
            return self._search

    def _close_search_helper(self) -> None:
        if self._search is not None:
            self._search.close()
            self._search = None
        self._helper_args = (self._helper_args[0], False)

