"""The review session: the one object that owns a loaded dataset and changes it.

Every screen and the CLI go through a `Session`. It indexes the file lazily,
keeps summary columns filled by a background scan, turns every mutation into
an undoable `Change`, tells listeners what changed, and saves byte-exactly.
"""

from __future__ import annotations

import pickle
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ops
from . import review as rv
from .dedupe import DupGroup, DuplicateFinder, add_entries
from .dup_links import DupLink, group_links, note
from .history import Change, History, Replaced, Reviewed, Splice, State, apply_change, revert_change
from .journal import Journal, PendingJournal
from .records import COMPACT, LineStyle, RawLine, detect_style, encode_value, parse_line
from .reviewer import reviewer_name
from .scan import Helper, Span
from .search import Query, select
from .search import parse as parse_query
from .search.evaluate import Candidate, candidates, check_lines
from .store import BOM, FileStamp, LineStore
from .summary import Checker, Columns, Row
from .validation import SAFE_FIXES, Finding, fix_all, fix_finding, make_checker
from .writer import backup, pieces, write_atomic


class FileChangedError(RuntimeError):
    """The file on disk is not the one we loaded: saving would destroy someone's work."""


class ScanError(RuntimeError):
    """The background scan failed (the file could not be read)."""


_HELPER_START = threading.Lock()

#: The scan thread's share of each chunk; the helper process computes the rest.
#: Even measured best: 0.55-0.6 cut the wait for the helper but not the wall time.
MAIN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """What changed, so views refresh only what they show.

    kind: "change" (ops, undo, redo), "scan" (progress), "scanned", "saved".
    positions: entry positions touched (None: anything may have moved).
    """

    kind: str
    label: str = ""
    positions: tuple[int, ...] | None = None
    focus: int | None = None


Listener = Callable[[SessionEvent], None]


class Session:
    """A JSONL dataset under review. See DESIGN.md §3 for the public API."""

    def __init__(self, path: str | Path, *, checker: Checker | None = None,
                 validation: dict[str, Any] | None = None, parallel: bool = True,
                 reviewer: str | None = None, target: str | Path | None = None) -> None:
        """`validation` holds checker settings (config's `validation`); a custom
        `checker` callable instead keeps the scan in one process."""
        self.path = Path(path)
        self.target = Path(target) if target else self.path
        self.store = LineStore(self.path)
        self.columns = Columns(checker or make_checker(validation))
        self._helper_args = (validation, parallel and checker is None)
        self.history = History()
        self.reviewer = reviewer or reviewer_name()
        self._states: dict[int, State] = {}
        self._order: array | None = None
        self._dup_links: dict[int, DupLink] = {}  # duplicate groups, by record id
        self._next_rid = -1
        self._listeners: list[Listener] = []
        self._disk_path = self.path  # the file a save in place replaces (see `recover`)
        self._disk_stamp = self.store.stamp
        self.journal: Journal | None = None  # attached by the app when it holds the lock
        self._backed_up: set[Path] = set()
        self._scanned = threading.Event()
        self._published = threading.Condition()
        self._closing = False
        self.scan_error: BaseException | None = None
        self.scan_bytes = 0
        self._thread = threading.Thread(target=self._scan, name="rolethread-scan", daemon=True)

    # ----------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | Path, **kwargs: Any) -> Session:
        """Open a file and start the background scan; returns at once."""
        session = cls(path, **kwargs)
        session._thread.start()
        return session

    @classmethod
    def recover(cls, path: str | Path, pending: PendingJournal, **kwargs: Any) -> Session:
        """Reopen `path` after a crash: replay its journal, then keep journaling into it.

        Check `pending.matches(FileStamp.of(path))` first. After an in-place
        save the steps apply to the bytes as first loaded (`pending.source`,
        the kept base), so the session reads those and saves over `path`.
        """
        kwargs.setdefault("target", path)
        session = cls.open(pending.source, **kwargs)
        session._disk_path = Path(path)
        session._disk_stamp = pending.expected_stamp
        session.replay(pending)
        session.attach_journal(pending.resume())
        return session

    def _scan(self) -> None:
        count = 0
        helper = Helper(self.store.size, *self._helper_args, fd=self.store.fileno())
        try:
            for chunk, spans in self.store.index_chunks():
                self.columns.append_many(self._rows(chunk, spans, helper, count))
                count += len(spans)
                self.scan_bytes = self.store.starts[count - 1] if count else 0
                with self._published:
                    self.store.publish(count)
                    self._published.notify_all()
                if self._closing:
                    return
                self._emit(SessionEvent("scan"))
            self.scan_bytes = self.store.size
            self._mark_exact_duplicates()
        except BaseException as exc:  # reported to the caller of wait()
            self.scan_error = exc
        finally:
            if helper.active and self.scan_error is None and not self._closing:
                self._search = helper  # warm already: searches use it next
            else:
                helper.close()
            self._next_rid = max(self._next_rid, len(self.columns))
            self._scanned.set()
            with self._published:
                self._published.notify_all()
            self._emit(SessionEvent("scanned"))

    def _rows(self, chunk: bytes, spans: list[tuple[int, int]], helper: Helper,
              first: int) -> list[tuple]:
        """Summary rows of one chunk (its first record is ``first``); half of them
        from the helper process if there is one."""
        view = memoryview(chunk)
        compute = self.columns.compute
        if not helper.active or len(spans) < 64 or not self.store.count:
            # the first chunk never waits for the helper to start: first rows at once
            return [compute(parse_line(view[s:e])) for s, e in spans]
        mine = int(len(spans) * MAIN_SHARE)
        # the helper reads its half from the file itself: no copy, no pickling here
        base = self.store.starts[first] - spans[0][0] + spans[mine][0]
        try:
            helper.send(("rows", base, [(s - spans[mine][0], e - spans[mine][0])
                                        for s, e in spans[mine:]]))
        except OSError:
            helper.close()
            return [compute(parse_line(view[s:e])) for s, e in spans]
        rows = [compute(parse_line(view[s:e])) for s, e in spans[:mine]]
        try:
            rows.extend(helper.receive())
        except (OSError, EOFError, pickle.UnpicklingError):  # helper died: finish here
            helper.close()
            rows.extend(compute(parse_line(view[s:e])) for s, e in spans[mine:])
        return rows

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the scan is done; True when it is. Raises if it failed."""
        done = self._scanned.wait(timeout)
        if self.scan_error is not None:
            raise ScanError(f"cannot read {self.path}: {self.scan_error}") from self.scan_error
        return done

    @property
    def scanning(self) -> bool:
        return not self._scanned.is_set()

    @property
    def progress(self) -> float:
        """Fraction of the file scanned, 0..1."""
        return 1.0 if not self.scanning else self.scan_bytes / max(self.store.size, 1)

    def close(self) -> None:
        """Stop the scan and release the file; the journal goes only if all is saved."""
        self._closing = True
        self._scanned.wait(5)
        self._close_search_helper()
        self.store.close()
        if self.journal is not None:
            if self.dirty:
                self.journal.close()  # unsaved work stays recoverable
            else:
                self.journal.clear()
            self.journal = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------- reading
    def __len__(self) -> int:
        return len(self._order) if self._order is not None else self.store.count

    def _ensure(self, i: int) -> None:
        """Wait for the scan to reach entry i (reads never see a half-built row)."""
        with self._published:
            while self.scanning and i >= len(self):
                self._published.wait(0.1)

    def rid(self, i: int) -> int:
        """The record id at position i (stable across inserts and deletes)."""
        if i < 0:
            i += len(self)
        self._ensure(i)
        if not 0 <= i < len(self):
            raise IndexError(f"entry {i} out of range (0..{len(self) - 1})")
        return self._order[i] if self._order is not None else i

    def position(self, rid: int) -> int | None:
        if self._order is None:
            return rid if rid < self.store.count else None
        try:
            return self._order.index(rid)
        except ValueError:
            return None

    def rids(self) -> Sequence[int]:
        return self._order if self._order is not None else range(self.store.count)

    def entry(self, i: int) -> object:
        """The parsed entry, or a `RawLine` (a str with .raw/.error) when it does not parse.

        A fresh object every call: change entries through the session's ops.
        """
        return self._value(self.rid(i))

    def row(self, i: int) -> Row:
        return self.columns.row(self.rid(i))

    def line_number(self, i: int) -> int | None:
        """1-based line of entry i in the loaded file (None for entries added since)."""
        rid = self.rid(i)
        if rid >= self.store.count:
            return None
        return self.store.lines[rid]

    def entry_id(self, i: int) -> str:
        rid = self.rid(i)
        return rv.entry_id(self._value(rid), self._original(rid))

    def _original(self, rid: int) -> bytes:
        return self.store.line(rid) if rid < self.store.count else b""

    def _value(self, rid: int) -> object:
        state = self._states.get(rid)
        if isinstance(state, Replaced):
            return parse_line(state.line)
        value = parse_line(self.store.line(rid))
        if isinstance(state, Reviewed) and isinstance(value, dict):
            return rv.set_review(value, state.review)
        return value

    def _style(self, rid: int) -> LineStyle:
        if rid < self.store.count:
            return detect_style(self.store.line(rid))
        state = self._states.get(rid)
        return detect_style(state.line) if isinstance(state, Replaced) else COMPACT

    def line_bytes(self, i: int) -> bytes:
        """The entry's current line as it would be saved (no line ending)."""
        rid = self.rid(i)
        return self._save_line(rid) or self.store.line(rid)

    def _lines(self, start: int, stop: int) -> list[bytes]:
        """Current lines of positions [start, stop): one read for untouched runs."""
        rids = self.rids()
        store = self.store
        out: list[bytes] = []
        i = start
        while i < stop:
            j = i
            while (j < stop and rids[j] < store.count and rids[j] not in self._states
                   and (j == i or rids[j] == rids[j - 1] + 1)):
                j += 1
            if j == i:  # an edited or new entry
                out.append(self.line_bytes(i))
                i += 1
                continue
            base = store.starts[rids[i]]
            data = store.read_range(base, store.ends[rids[j - 1]])
            out.extend(data[store.starts[r] - base:store.ends[r] - base]
                       for r in rids[i:j])
            i = j
        return out

    def counts(self) -> dict[str, Any]:
        return self.columns.counts(self.rids())

    # ----------------------------------------------------------- validation
    def findings(self, i: int) -> list[Finding]:
        """The validation findings of entry i, as it is now (edits included).

        Kept by the scan and refreshed by every content change, so reading
        them costs nothing on the cursor's hot path.
        """
        rid = self.rid(i)
        found = [Finding(*t) for t in self.columns.findings.get(rid, ())]
        link = self._dup_links.get(rid)
        if link is not None:
            digests = self.columns.digest
            text = note(link, digests[rid], self.position, digests)
            if text is not None:
                found.append(Finding(link.check, "warning", None, False, text))
        return found

    def validate(self) -> list[EntryFinding]:
        """Every finding of the dataset, in file order (DESIGN §5).

        The findings were kept by the scan, so nothing is checked twice.
        Exact duplicates come from the dataset-level pass.
        """
        self.wait()
        out: list[EntryFinding] = []
        issue_count = self.columns.issue_count
        duplicates = self.exact_duplicates()
        for i, rid in enumerate(self.rids()):
            if not issue_count[rid] and i not in duplicates:
                continue
            line = self.store.lines[rid] if rid < self.store.count else None
            eid = rv.entry_id(self._value(rid), self._original(rid))
            for f in self.findings(i):
                if f.check == "duplicate":  # marked at some point; told afresh below
                    continue
                out.append(EntryFinding(f.check, f.severity, line, i, f.message, f.fixable,
                                        f.text, eid))
            if i in duplicates:
                first = duplicates[i]
                out.append(EntryFinding("duplicate", "warning", line, i, None, False,
                                        f"same conversation as entry {first + 1}", eid))
        return out

    def exact_duplicates(self) -> dict[int, int]:
        """position → first position with the same conversation (roles and texts)."""
        first: dict[int, int] = {}
        out: dict[int, int] = {}
        digest = self.columns.digest
        for i, rid in enumerate(self.rids()):
            key = digest[rid]
            if not key:
                continue
            seen = first.setdefault(key, i)
            if seen != i:
                out[i] = seen
        return out

    def duplicate_groups(self, threshold: float = 0.9) -> list[DupGroup]:
        """Groups of exact and near-duplicate conversations (positions), DESIGN §5.

        Memory stays at a signature per entry; the texts verification needs
        wait in an anonymous temporary file. On large files the search helper
        process fingerprints half of the entries (reading them itself).
        """
        self.wait()
        with DuplicateFinder() as finder:
            add_entries(finder, len(self), self._lines, self._spans_between,
                        self._search_helper())
            return finder.groups(threshold)

    def _spans_between(self, start: int, stop: int) -> tuple[list[Span], list[Candidate]]:
        return self._spans(list(range(start, stop)))

    def find_duplicates(self, threshold: float = 0.9) -> list[DupGroup]:
        """Duplicate groups, also recorded as `duplicate` / `near-duplicate` issues
        so `issue:` filters, counts and `]` see them."""
        groups = self.duplicate_groups(threshold)
        self._set_dup_links(group_links(groups, self.rids(), self.columns.digest))
        return groups

    def _set_dup_links(self, links: dict[int, DupLink]) -> None:
        """Replace the groups shown as issues and findings (the old ones may be gone)."""
        for rid, link in self._dup_links.items():
            self.columns.drop_issue(rid, link.check)
        for rid, link in links.items():
            self.columns.add_issue(rid, link.check, "warning")
        self._dup_links = links

    def fix_finding(self, i: int, finding: Finding) -> bool:
        """Apply the fix of one finding of entry i as one undoable op."""
        rid = self.rid(i)
        value = self._object(rid, i)
        fixed = fix_finding(value, finding)
        if fixed == value:
            return False
        fixed = rv.set_review(fixed, self._stamp(rv.review_of(fixed), value, rid))
        after = Replaced(encode_value(fixed, self._style(rid)))
        change = Change(f"fix {finding.check}", {rid: (self._states.get(rid), after)}, focus=i)
        return self._commit(change, [i])

    def _mark_exact_duplicates(self) -> None:
        """The dataset-level `duplicate` check, run once the scan has every digest."""
        rids, digests = self.rids(), self.columns.digest
        links = {}
        for position, first in self.exact_duplicates().items():
            rid, partner = rids[position], rids[first]
            links[rid] = DupLink("duplicate", 1.0, digests[rid],
                                 ((partner, digests[partner]),))
        self._set_dup_links(links)

    def apply_fixes(self, positions: int | Iterable[int],
                    checks: Iterable[str] = SAFE_FIXES, label: str = "apply fixes") -> int:
        """Apply the fixable findings (of `checks`) as one undoable op; entries changed."""
        allowed = frozenset(checks)
        positions = _many(positions)
        change = Change(label)
        for i in positions:
            rid = self.rid(i)
            value = self._value(rid)
            if not isinstance(value, dict):
                continue
            found = [f for f in self.columns.checker(value) if f.fixable and f.check in allowed]
            if not found:
                continue
            fixed = fix_all(value, found, allowed)
            if fixed == value:
                continue
            fixed = rv.set_review(fixed, self._stamp(rv.review_of(fixed), value, rid))
            change.states[rid] = (self._states.get(rid),
                                  Replaced(encode_value(fixed, self._style(rid))))
        change.focus = positions[0] if len(positions) == 1 else None
        self._commit(change, positions)
        return len(change.states)

    # ----------------------------------------------------------- search
    def search(self, query: str | Query, positions: Iterable[int] | None = None) -> list[int]:
        """Positions matching a query (DESIGN §6): file order, or best first with `~`.

        Raises `QueryError` (with the offending position) on a bad query.
        """
        q = parse_query(query) if isinstance(query, str) else query
        self.wait()
        if positions is not None:
            return select(q, _RowView(self), self.line_bytes, positions)
        hits = [hit for _done, found in self.search_chunks(q) for hit in found]
        if q.fuzzy is not None:
            hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return [i for i, _ in hits]

    def search_chunks(self, query: Query, chunk: int = 20_000
                      ) -> Iterator[tuple[int, list[tuple[int, float]]]]:
        """(entries done, hits with scores) chunk by chunk, for a cancellable worker.

        Column filters run here; the text stages of half of each chunk run in
        the helper process, which reads those lines itself.
        """
        self.wait()
        rows = _RowView(self)
        total = len(self)
        for start in range(0, total, chunk):
            stop = min(start + chunk, total)
            done, todo = candidates(query, rows, _no_lines, range(start, stop), rows.valid_at)
            if todo:
                done.extend(self._check_text(query, [i for i, _, _ in todo]))
                done.sort()
            yield stop, done

    def _check_text(self, query: Query, positions: list[int]) -> list[tuple[int, float]]:
        """Read-and-match positions, half of them in the helper process."""
        helper = self._search_helper()
        if helper is None or len(positions) < 400:
            return check_lines(query, self._candidates(positions))
        half = len(positions) // 2
        spans, lines = self._spans(positions[half:])
        try:
            with helper.lock:  # a cancelled search may still be finishing its chunk
                helper.send(("match", query.source, spans, lines))
                try:
                    found = check_lines(query, self._candidates(positions[:half]))
                except BaseException:
                    helper.close()  # its unread answer would go to the next request
                    raise
                found.extend(helper.receive())
        except (OSError, EOFError, pickle.UnpicklingError):  # helper died: finish here
            self._close_search_helper()
            return check_lines(query, self._candidates(positions))
        return found

    def _candidates(self, positions: list[int]) -> list[Candidate]:
        """(position, current line, valid) with one read for the whole span."""
        if not positions:
            return []
        first = positions[0]
        block = self._lines(first, positions[-1] + 1)
        valid, rids = self.columns.valid, self.rids()
        return [(i, block[i - first].removeprefix(BOM), bool(valid[rids[i]]))
                for i in positions]

    def _spans(self, positions: list[int]
               ) -> tuple[list[Span], list[Candidate]]:
        """Untouched lines as file offsets (the helper reads them); edited ones as bytes."""
        spans: list[Span] = []
        lines: list[Candidate] = []
        rids, store, valid = self.rids(), self.store, self.columns.valid
        for i in positions:
            rid = rids[i]
            if rid < store.count and rid not in self._states:
                spans.append((i, store.starts[rid], store.ends[rid], bool(valid[rid])))
            else:
                lines.append((i, self.line_bytes(i).removeprefix(BOM), bool(valid[rid])))
        return spans, lines

    _search: Helper | None = None

    def _search_helper(self) -> Helper | None:
        """A helper process kept for searches over large files (started on first use).

        One that died (or was closed after a failed exchange) is not replaced.
        """
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

    # ----------------------------------------------------------- events
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener on every event; returns the function that unsubscribes.

        Scan events come from the scan thread: a UI must hand them to its own
        thread (Textual: `post_message`) before touching widgets.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # ----------------------------------------------------------- state plumbing
    def _set_state(self, rid: int, state: State) -> None:
        old = self._states.get(rid)
        if state is None:
            self._states.pop(rid, None)
        else:
            self._states[rid] = state
        if rid >= self.store.count and state is None:
            return  # a removed new entry: no longer in the order, nothing to show
        value = self._value(rid)
        review_only = not isinstance(old, Replaced) and not isinstance(state, Replaced)
        if review_only and rid < len(self.columns) and isinstance(value, dict):
            self.columns.set_review(rid, value, rv.review_of(value))
        else:
            self.columns.set(rid, self.columns.compute(value))

    def _splice(self, splice: Splice) -> None:
        if self._order is None:
            self._order = array("q", range(self.store.count))
        self._order = splice.apply(self._order)

    def _new_rid(self) -> int:
        self.wait()
        rid = max(self._next_rid, len(self.columns))
        self._next_rid = rid + 1
        return rid

    def _commit(self, change: Change, positions: Iterable[int] | None) -> bool:
        if not change.states and not change.splices:
            return False
        if self.journal is not None:
            self.journal.append_change(change)  # durable before it shows as done
        apply_change(self, change)
        self.history.push(change)
        self._emit(SessionEvent(
            "change", change.label,
            None if change.structural or positions is None else tuple(positions),
            change.focus,
        ))
        return True

    def _stamp(self, review: dict[str, Any], value: object, rid: int) -> dict[str, Any]:
        return rv.stamped(review, rv.entry_id(value, self._original(rid)), self.reviewer,
                          rv.now_stamp())

    def _object(self, rid: int, i: int) -> dict[str, Any]:
        value = self._value(rid)
        if isinstance(value, RawLine):
            raise ops.OpError(f"entry {i} is not valid JSON ({value.error}): edit or delete it")
        if not isinstance(value, dict):
            raise ops.OpError(f"entry {i} is not a JSON object")
        return value

    # ----------------------------------------------------------- review ops
    def _review_op(self, label: str, positions: Iterable[int],
                   fn: Callable[[dict[str, Any]], dict[str, Any]], *, strict: bool) -> int:
        """Apply fn to `_review` of each entry as one undo step; returns entries changed.

        strict: a single-entry op raises on a line that is not an object; a
        bulk op skips such lines.
        """
        positions = list(positions)
        change = Change(label, focus=positions[0] if len(positions) == 1 else None)
        for i in positions:
            rid = self.rid(i)
            try:
                value = self._object(rid, i)
            except ops.OpError:
                if strict:
                    raise
                continue
            old = rv.review_of(value)
            new = fn(old)
            if new == old:
                continue
            new = self._stamp(new, value, rid)
            before = self._states.get(rid)
            if isinstance(before, Replaced):
                after: State = Replaced(encode_value(rv.set_review(value, new), self._style(rid)))
            else:
                after = Reviewed(new)
            change.states[rid] = (before, after)
        self._commit(change, positions)
        return len(change.states)

    def set_status(self, i: int | Iterable[int], status: str | None) -> int:
        """"accepted" | "rejected" | "needs_work" | None (unreviewed)."""
        return self._review_op(f"status {status or 'unreviewed'}", _many(i),
                               lambda r: ops.set_status(r, status), strict=isinstance(i, int))

    def toggle_flag(self, i: int | Iterable[int], flag: str, on: bool | None = None) -> int:
        """Toggle a flag (or force it with on=True/False for bulk consistency)."""
        if on is None and not isinstance(i, int):
            positions = list(i)
            on = not all(flag in self.row(p).flags for p in positions)
            i = positions
        return self._review_op(f"flag {flag}", _many(i),
                               lambda r: ops.toggle_flag(r, flag, on), strict=isinstance(i, int))

    def set_note(self, i: int, note: str) -> int:
        return self._review_op("note", [i], lambda r: ops.set_note(r, note), strict=True)

    def set_tags(self, i: int | Iterable[int], tags: list[str]) -> int:
        return self._review_op("tags", _many(i), lambda r: ops.set_tags(r, tags),
                               strict=isinstance(i, int))

    def add_tag(self, i: int | Iterable[int], tag: str, on: bool = True) -> int:
        def edit(r: dict[str, Any]) -> dict[str, Any]:
            current = [t for t in r.get("tags", []) if isinstance(t, str)] if isinstance(
                r.get("tags"), list) else []
            return ops.set_tags(r, [*current, tag] if on else [t for t in current if t != tag])
        return self._review_op(f"{'add' if on else 'remove'} tag {tag}", _many(i), edit,
                               strict=isinstance(i, int))

    def mark_refined(self, i: int | Iterable[int]) -> int:
        """A person vouches for the entry: it becomes refined."""
        return self._review_op("mark refined", _many(i), ops.mark_refined,
                               strict=isinstance(i, int))

    def set_origin(self, i: int | Iterable[int], origin: str) -> int:
        return self._review_op(f"origin {origin}", _many(i),
                               lambda r: ops.set_origin(r, origin), strict=isinstance(i, int))

    # ----------------------------------------------------------- content ops
    def _value_op(self, label: str, i: int, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> bool:
        rid = self.rid(i)
        value = self._object(rid, i)
        new = fn(value)
        if new == value:
            return False
        new = rv.set_review(new, self._stamp(rv.review_of(new), value, rid))
        after = Replaced(encode_value(new, self._style(rid)))
        change = Change(label, {rid: (self._states.get(rid), after)}, focus=i)
        return self._commit(change, [i])

    def edit_message(self, i: int, m: int, text: str) -> bool:
        """New text for message m; message and entry become refined, original kept."""
        return self._value_op(f"edit message {m}", i, lambda v: ops.edit_message(v, m, text))

    def set_role(self, i: int, m: int, role: str) -> bool:
        return self._value_op(f"role of message {m}", i, lambda v: ops.set_role(v, m, role))

    def insert_message(self, i: int, m: int, role: str, text: str = "") -> bool:
        return self._value_op(f"insert message {m}", i,
                              lambda v: ops.insert_message(v, m, role, text))

    def delete_message(self, i: int, m: int) -> bool:
        return self._value_op(f"delete message {m}", i, lambda v: ops.delete_message(v, m))

    def move_message(self, i: int, m: int, to: int) -> bool:
        return self._value_op(f"move message {m}", i, lambda v: ops.move_message(v, m, to))

    def revert_message(self, i: int, m: int) -> bool:
        return self._value_op(f"revert message {m}", i, lambda v: ops.revert_message(v, m))

    def replace_entry(self, i: int, value: object, label: str = "edit entry") -> bool:
        """Replace an entry's whole value (the editor's save, or a raw-line repair).

        A raw line the user rewrote that now parses becomes a normal entry.
        """
        rid = self.rid(i)
        if isinstance(value, dict):
            value = rv.set_review(value, self._stamp(rv.review_of(value), value, rid))
        line = (value.raw if isinstance(value, RawLine)
                else encode_value(value, self._style(rid)))
        if line == self.line_bytes(i):
            return False
        return self._commit(Change(label, {rid: (self._states.get(rid), Replaced(line))},
                                   focus=i), [i])

    def replace_line(self, i: int, line: bytes, label: str = "edit raw line") -> bool:
        rid = self.rid(i)
        if b"\n" in line:
            raise ops.OpError("a JSONL entry must stay on one line")
        if line == self.line_bytes(i):
            return False
        return self._commit(Change(label, {rid: (self._states.get(rid), Replaced(line))},
                                   focus=i), [i])

    # ----------------------------------------------------------- structural ops
    def delete_entries(self, positions: int | Iterable[int]) -> int:
        self.wait()
        unique = sorted(set(_many(positions)))
        pairs = tuple((p, self.rid(p)) for p in unique)
        focus = min(unique[0], len(self) - len(unique) - 1) if unique else None
        change = Change(f"delete {len(pairs)} entries", splices=[Splice(pairs, False)],
                        focus=focus)
        self._commit(change, None)
        return len(pairs)

    def duplicate_entry(self, i: int) -> int:
        """A copy right after entry i, with a new id; returns the copy's position."""
        self.wait()
        rid = self.rid(i)
        value = self._value(rid)
        style = self._style(rid)
        if isinstance(value, dict):
            review = rv.review_of(value)
            review["id"] = rv.new_id()
            review["duplicated_from"] = rv.entry_id(value, self._original(rid))
            line = encode_value(rv.set_review(value, review), style)
        else:
            line = self.line_bytes(i)
        new = self._new_rid()
        change = Change("duplicate entry", {new: (None, Replaced(line))},
                        [Splice(((i + 1, new),), True)], focus=i + 1)
        self._commit(change, None)
        return i + 1

    def split_entry(self, i: int, m: int) -> int:
        """Split entry i before message m; returns the position of the second part."""
        self.wait()
        rid = self.rid(i)
        value = self._object(rid, i)
        first, second = ops.split_entry(value, m)
        eid = rv.entry_id(value, self._original(rid))
        review = rv.review_of(second)
        review.update(id=rv.new_id(), split_from=eid)
        second = rv.set_review(second, self._stamp(review, second, rid))
        first = rv.set_review(first, self._stamp(rv.review_of(first), value, rid))
        style = self._style(rid)
        new = self._new_rid()
        change = Change(
            f"split entry at message {m}",
            {rid: (self._states.get(rid), Replaced(encode_value(first, style))),
             new: (None, Replaced(encode_value(second, style)))},
            [Splice(((i + 1, new),), True)], focus=i,
        )
        self._commit(change, None)
        return i + 1

    def join_entries(self, i: int) -> bool:
        """Join entry i+1 onto entry i (one conversation)."""
        self.wait()
        rid, rid2 = self.rid(i), self.rid(i + 1)
        first, second = self._object(rid, i), self._object(rid2, i + 1)
        joined = ops.join_entries(first, second)
        joined = rv.set_review(joined, self._stamp(rv.review_of(joined), first, rid))
        change = Change(
            "join entries",
            {rid: (self._states.get(rid), Replaced(encode_value(joined, self._style(rid))))},
            [Splice(((i + 1, rid2),), False)], focus=i,
        )
        return self._commit(change, None)

    # ----------------------------------------------------------- undo / redo
    def undo(self) -> bool:
        if not self.history.can_undo:
            return False
        if self.journal is not None:
            self.journal.append_undo()
        change = self.history.pop_undo()
        assert change is not None
        revert_change(self, change)
        self._emit_history("undo", change)
        return True

    def redo(self) -> bool:
        if not self.history.can_redo:
            return False
        if self.journal is not None:
            self.journal.append_redo()
        change = self.history.pop_redo()
        assert change is not None
        apply_change(self, change)
        self._emit_history("redo", change)
        return True

    # ----------------------------------------------------------- journal
    def attach_journal(self, journal: Journal) -> None:
        """Journal every later step (the app does this once it holds the file lock)."""
        self.journal = journal

    def replay(self, pending: PendingJournal) -> None:
        """Re-apply a crashed session's steps (no journaling: they are already in it).

        Changes carry their own rids; the rid counter moves past them so a
        later op never reuses one.
        """
        self.wait()
        self._next_rid = max(self._next_rid, len(self.columns), pending.max_rid + 1)
        pending.replay(self)
        self._emit(SessionEvent("change", f"recovered {pending.change_count} changes"))

    def replay_change(self, change: Change) -> None:
        apply_change(self, change)
        self.history.push(change)

    def replay_undo(self) -> None:
        change = self.history.pop_undo()
        if change is not None:
            revert_change(self, change)

    def replay_redo(self) -> None:
        change = self.history.pop_redo()
        if change is not None:
            apply_change(self, change)

    def replay_saved(self) -> None:
        self.history.mark_saved()

    def _emit_history(self, verb: str, change: Change) -> None:
        positions = None
        if not change.structural:
            found = (self.position(r) for r in change.states)
            positions = tuple(p for p in found if p is not None)
        focus = change.focus if change.structural else (positions[0] if positions else None)
        self._emit(SessionEvent("change", f"{verb} {change.label}", positions, focus))

    @property
    def dirty(self) -> bool:
        return self.history.dirty

    # ----------------------------------------------------------- saving
    def _save_line(self, rid: int) -> bytes | None:
        state = self._states.get(rid)
        if state is None:
            return None
        if isinstance(state, Replaced):
            return state.line
        original = self.store.line(rid)
        value = parse_line(original)
        return encode_value(rv.set_review(value, state.review), detect_style(original))

    def check_disk(self) -> None:
        """Raise FileChangedError if the source changed on disk since we read or wrote it."""
        now = FileStamp.of(self._disk_path) if self._disk_path.exists() else None
        if now != self._disk_stamp:
            raise FileChangedError(
                f"{self._disk_path} changed on disk since it was loaded; save elsewhere or reload"
            )

    def save(self, path: str | Path | None = None) -> Path:
        """Write the dataset atomically to the target (or to `path`, a copy).

        Unchanged lines are written back byte for byte. The first write over
        an existing file in this session keeps a backup in `.rolethread/`.
        """
        self.wait()
        dest = Path(path) if path is not None else self.target
        same_as_source = dest.resolve() == self._disk_path.resolve()
        if same_as_source:
            self.check_disk()
            if self.journal is not None:
                self.journal.prepare_overwrite()  # keep the loaded bytes for replay
        if dest.resolve() not in self._backed_up and dest.exists():
            backup(dest)
            self._backed_up.add(dest.resolve())
        order = self.rids()
        landing = self.journal.saving if same_as_source and self.journal is not None else None
        write_atomic(dest, pieces(self.store, order, len(order), self._save_line),
                     before_replace=landing)
        if same_as_source:
            self._disk_stamp = FileStamp.of(dest)
        if dest.resolve() == self.target.resolve():
            self.history.mark_saved()
            if self.journal is not None:
                self.journal.saved()
        self._emit(SessionEvent("saved", str(dest)))
        return dest


@dataclass(frozen=True, slots=True)
class EntryFinding:
    """A finding placed in the file: what `validate --json` prints (DESIGN §7)."""

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


class _RowView(Sequence[Row]):
    """Summary rows by position, as the query evaluator reads them."""

    def __init__(self, session: Session) -> None:
        self._rids = session.rids()
        self._row = session.columns.row
        self._valid = session.columns.valid

    def valid_at(self, i: int) -> bool:
        """Just the `valid` column: no row object when no column filter needs one."""
        return bool(self._valid[self._rids[i]])

    def __len__(self) -> int:
        return len(self._rids)

    def __getitem__(self, i: int) -> Row:  # type: ignore[override]
        return self._row(self._rids[i])


def _no_lines(i: int) -> bytes:
    """Line reader for the column stage: lines are read later, in blocks."""
    return b""


def _many(i: int | Iterable[int]) -> list[int]:
    return [i] if isinstance(i, int) else list(i)
