"""The review session: the public face of a loaded dataset (docs/architecture.md).

A thin facade over two parts: the `Document` (order, record states, history,
journal — the one place a change lands) and the `Engine` (scan, search,
duplicates, findings — background work that reads the document). Every screen,
the CLI and scripts go through it; its methods are the public Python API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import edits, formats, ops
from . import review as rv
from .dedupe import DupGroup
from .document import Document
from .engine import Engine, EntryFinding
from .errors import FileChangedError, ReadOnlyError, ScanError
from .events import Emitter, Listener, SessionEvent
from .history import Change, History
from .journal import Journal, PendingJournal
from .reading import EntryView, entry_view
from .reviewer import reviewer_name
from .search import Query
from .store import FileStamp, LineStore
from .summary import Checker, Columns, Row
from .validation import SAFE_FIXES, Finding, fix_all, fix_finding, make_checker
from .writer import backup, pieces, write_atomic

if TYPE_CHECKING:
    from .slop import SlopReport

__all__ = ["EntryFinding", "FileChangedError", "ScanError", "Session", "SessionEvent"]


class Session:
    """A JSONL dataset under review (docs/architecture.md lists the API)."""

    def __init__(self, path: str | Path, *, checker: Checker | None = None,
                 validation: dict[str, Any] | None = None, parallel: bool = True,
                 reviewer: str | None = None, target: str | Path | None = None) -> None:
        """`validation` holds checker settings (config's `validation`); a custom
        `checker` callable instead keeps the scan in one process."""
        self.path = Path(path)
        self.target = Path(target) if target else self.path
        self.store = LineStore(self.path)
        self.columns = Columns(checker or make_checker(validation))
        self.reviewer = reviewer or reviewer_name()
        self.events = Emitter()
        self.engine = Engine(self.store, self.columns, self.events, validation,
                             parallel and checker is None)
        self.doc = Document(self.store, self.columns, self.events, self.engine.ensure,
                            self.engine.wait)
        self.engine.doc = self.doc
        self._disk_path = self.path  # the file a save in place replaces (see `recover`)
        self._disk_stamp = self.store.stamp
        self._backed_up: set[Path] = set()

    # ----------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | Path, **kwargs: Any) -> Session:
        """Open a file and start the background scan; returns at once."""
        session = cls(path, **kwargs)
        session.engine.start()
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

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the scan is done; True when it is. Raises if it failed."""
        return self.engine.wait(timeout)

    @property
    def scanning(self) -> bool:
        return self.engine.scanning

    @property
    def progress(self) -> float:
        return self.engine.progress

    @property
    def scan_error(self) -> BaseException | None:
        return self.engine.scan_error

    def close(self) -> None:
        """Stop the scan and release the file; the journal goes only if all is saved."""
        self.engine.close()
        self.store.close()
        journal, self.doc.journal = self.doc.journal, None
        if journal is not None:
            if self.dirty:
                journal.close()  # unsaved work stays recoverable
            else:
                journal.clear()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------- reading
    def __len__(self) -> int:
        return len(self.doc)

    def rid(self, i: int) -> int:
        return self.doc.rid(i)

    def position(self, rid: int) -> int | None:
        return self.doc.position(rid)

    def rids(self) -> Sequence[int]:
        return self.doc.rids()

    def entry(self, i: int) -> object:
        """The parsed entry, or a `RawLine` (a str with .raw/.error) when it does not
        parse. A fresh object every call: change entries through the session's ops."""
        return self.doc.value(self.rid(i))

    def view(self, i: int) -> EntryView:
        """Entry i as a person reads it (roles, provenance, texts): what views render."""
        value = self.entry(i)
        raw = None if formats.detect_shape(value) is not None else self.line_bytes(i)
        return entry_view(value, raw)

    def row(self, i: int) -> Row:
        return self.columns.row(self.rid(i))

    def line_number(self, i: int) -> int | None:
        """1-based line of entry i in the loaded file (None for entries added since)."""
        rid = self.rid(i)
        return self.store.lines[rid] if rid < self.store.count else None

    def entry_id(self, i: int) -> str:
        rid = self.rid(i)
        return rv.entry_id(self.doc.value(rid), self.doc.original(rid))

    def line_bytes(self, i: int) -> bytes:
        """The entry's current line as it would be saved (no line ending)."""
        return self.doc.line_bytes(i)

    def counts(self) -> dict[str, Any]:
        return self.columns.counts(self.rids())

    # ----------------------------------------------------------- engine
    def findings(self, i: int) -> list[Finding]:
        return self.engine.findings(i)

    def validate(self) -> list[EntryFinding]:
        """Every finding of the dataset, in file order (docs/formats.md)."""
        return self.engine.validate()

    def exact_duplicates(self) -> dict[int, int]:
        return self.engine.exact_duplicates()

    def duplicate_groups(self, threshold: float = 0.9) -> list[DupGroup]:
        return self.engine.duplicate_groups(threshold)

    def find_duplicates(self, threshold: float = 0.9) -> list[DupGroup]:
        """Duplicate groups, also recorded as `duplicate` / `near-duplicate` issues
        so `issue:` filters, counts and `]` see them."""
        return self.engine.find_duplicates(threshold)

    def search(self, query: str | Query, positions: Iterable[int] | None = None) -> list[int]:
        """Positions matching a query (docs/query.md); raises `QueryError`."""
        return self.engine.search(query, positions)

    def slop(self) -> SlopReport:
        """The slop lens (docs/slop.md): what the batch repeats, per entry and per file;
        computed once per document version."""
        return self.engine.slop()

    def slop_score(self, i: int) -> float | None:
        """Entry i's slop score in [0, 1], or None while the lens is not computed."""
        report = self.engine.slop_if_ready()
        return None if report is None else report.mark(i)[0]

    def slop_phrases(self, i: int) -> list[str]:
        """The repeated phrases entry i holds (most shared first); [] when not computed."""
        report = self.engine.slop_if_ready()
        found = report.entries.get(i) if report is not None else None
        if found is None:
            return []
        return [report.phrases[row].text.removesuffix("…").strip() for row in found.phrases]

    def search_chunks(self, query: Query, chunk: int = 20_000
                      ) -> Iterator[tuple[int, list[tuple[int, float]]]]:
        return self.engine.search_chunks(query, chunk)

    # ----------------------------------------------------------- events
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener on every event (scan events come from the scan thread)."""
        return self.events.subscribe(listener)

    # ----------------------------------------------------------- review ops
    def _review(self, what: str, i: int | Iterable[int],
                fn: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
        positions = edits.many(i)
        return edits.review_op(self.doc, self.reviewer, _label(what, i, positions), positions,
                               fn, strict=isinstance(i, int))

    def set_status(self, i: int | Iterable[int], status: str | None) -> int:
        """"accepted" | "rejected" | "needs_work" | None (unreviewed)."""
        return self._review(_STATUS_VERB.get(status, f"status {status}"), i,
                            lambda r: ops.set_status(r, status))

    def toggle_flag(self, i: int | Iterable[int], flag: str, on: bool | None = None) -> int:
        """Toggle a flag (or force it with on=True/False; a bulk toggle of a mixed
        set turns it on everywhere, or off when all have it)."""
        if on is None and isinstance(i, int):
            on = flag not in self.row(i).flags
        elif on is None:
            i = list(i)
            on = not all(flag in self.row(p).flags for p in i)
        verb = "flag" if on else "unflag"
        return self._review(f"{verb} {flag} on", i, lambda r: ops.toggle_flag(r, flag, on))

    def set_note(self, i: int, note: str) -> int:
        return self._review("note on", i, lambda r: ops.set_note(r, note))

    def note(self, i: int) -> str:
        """The entry's note as text ("" when none or not text)."""
        return rv.note_of(rv.review_of(self.entry(i)))

    def set_tags(self, i: int | Iterable[int], tags: list[str]) -> int:
        return self._review("tags of", i, lambda r: ops.set_tags(r, tags))

    def add_tag(self, i: int | Iterable[int], tag: str, on: bool = True) -> int:
        return self._review(f"{'add' if on else 'remove'} tag {tag} on", i,
                            lambda r: ops.add_tag(r, tag, on))

    def mark_refined(self, i: int | Iterable[int]) -> int:
        """A person vouches for the entry: it becomes refined."""
        return self._review("mark refined", i, ops.mark_refined)

    def toggle_refined(self, i: int) -> int:
        """`h`: vouch for a generated entry; again, take back a vouch (only an entry
        whose messages were not edited goes back to generated)."""
        if rv.can_unvouch(rv.review_of(self.entry(i))):
            return self._review("unmark refined", i, ops.unvouch)
        return self.mark_refined(i)

    def toggle_refined_allowed(self, i: int) -> bool:
        """Would `toggle_refined` change entry i? (An edited entry stays refined.)"""
        review = rv.review_of(self.entry(i))
        return rv.origin_of(review) != rv.REFINED or rv.can_unvouch(review)

    def set_origin(self, i: int | Iterable[int], origin: str) -> int:
        return self._review(f"origin {origin} for", i, lambda r: ops.set_origin(r, origin))

    # ----------------------------------------------------------- content ops
    def _content(self, label: str, i: int, fn: Callable[[dict[str, Any]], dict[str, Any]]
                 ) -> bool:
        return edits.value_op(self.doc, self.reviewer, f"{label} of entry {i + 1}", i, fn)

    def edit_message(self, i: int, m: int, text: str) -> bool:
        """New text for message m; message and entry become refined, original kept."""
        return self._content(f"edit message {m}", i, lambda v: ops.edit_message(v, m, text))

    def set_role(self, i: int, m: int, role: str) -> bool:
        return self._content(f"role of message {m}", i, lambda v: ops.set_role(v, m, role))

    def insert_message(self, i: int, m: int, role: str, text: str = "") -> bool:
        return self._content(f"insert message {m}", i,
                             lambda v: ops.insert_message(v, m, role, text))

    def delete_message(self, i: int, m: int) -> bool:
        return self._content(f"delete message {m}", i, lambda v: ops.delete_message(v, m))

    def move_message(self, i: int, m: int, to: int) -> bool:
        return self._content(f"move message {m}", i, lambda v: ops.move_message(v, m, to))

    def revert_message(self, i: int, m: int) -> bool:
        return self._content(f"revert message {m}", i, lambda v: ops.revert_message(v, m))

    def replace_entry(self, i: int, value: object, label: str = "edit entry") -> bool:
        """Replace an entry's whole value (a raw-line repair, a script's rewrite)."""
        return edits.replace_entry(self.doc, self.reviewer, i, value, label)

    def replace_line(self, i: int, line: bytes, label: str = "edit raw line") -> bool:
        return edits.replace_line(self.doc, i, line, label)

    def fix_finding(self, i: int, finding: Finding) -> bool:
        """Apply the fix of one finding of entry i as one undoable op."""
        rid = self.rid(i)
        value = self.doc.object(rid, i)
        fixed = fix_finding(value, finding)
        if fixed == value:
            return False
        change = Change(f"fix {finding.check} in entry {i + 1}", focus=i)
        edits.fix_change(self.doc, self.reviewer, change, i, value, fixed)
        return self.doc.commit(change, [i])

    def apply_fixes(self, positions: int | Iterable[int],
                    checks: Iterable[str] = SAFE_FIXES, label: str = "apply fixes") -> int:
        """Apply the fixable findings (of `checks`) as one undoable op; entries changed."""
        allowed = frozenset(checks)
        positions = edits.many(positions)
        change = Change(label, focus=positions[0] if len(positions) == 1 else None)
        for i in positions:
            value = self.doc.value(self.rid(i))
            if not isinstance(value, dict):
                continue
            found = [f for f in self.columns.checker(value) if f.fixable and f.check in allowed]
            fixed = fix_all(value, found, allowed) if found else value
            if fixed != value:
                edits.fix_change(self.doc, self.reviewer, change, i, value, fixed)
        self.doc.commit(change, positions)
        return len(change.states)

    # ----------------------------------------------------------- structural ops
    def delete_entries(self, positions: int | Iterable[int]) -> int:
        return edits.delete_entries(self.doc, positions)

    def duplicate_entry(self, i: int) -> int:
        """A copy right after entry i, with a new id; returns the copy's position."""
        return edits.duplicate_entry(self.doc, i)

    def add_entry(self, messages: list[dict[str, Any]], after: int | None = None) -> int:
        """A hand-written entry (origin human); returns its position."""
        return edits.add_entry(self.doc, self.reviewer, messages, after)

    def split_entry(self, i: int, m: int) -> int:
        """Split entry i before message m; returns the position of the second part."""
        return edits.split_entry(self.doc, self.reviewer, i, m)

    def join_entries(self, i: int) -> bool:
        """Join entry i+1 onto entry i (one conversation)."""
        return edits.join_entries(self.doc, self.reviewer, i)

    # ----------------------------------------------------------- undo / redo
    def undo(self) -> bool:
        """Undo the last change (journaled first); False when there is nothing to undo."""
        return self.doc.undo() is not None

    def redo(self) -> bool:
        return self.doc.redo() is not None

    @property
    def undo_label(self) -> str | None:
        """What `undo` would take back ("accept entry 12"), or None."""
        return self.doc.history.peek(undo=True)

    @property
    def redo_label(self) -> str | None:
        return self.doc.history.peek(undo=False)

    @property
    def history(self) -> History:
        return self.doc.history

    @property
    def dirty(self) -> bool:
        return self.doc.dirty

    @property
    def read_only(self) -> bool:
        return self.doc.readonly_reason is not None

    @property
    def readonly_reason(self) -> str | None:
        return self.doc.readonly_reason

    def set_read_only(self, reason: str | None) -> None:
        """Refuse every change and in-place save from now on (None: writable again)."""
        self.doc.readonly_reason = reason

    # ----------------------------------------------------------- journal
    @property
    def journal(self) -> Journal | None:
        return self.doc.journal

    @journal.setter
    def journal(self, journal: Journal | None) -> None:
        self.doc.journal = journal

    def attach_journal(self, journal: Journal) -> None:
        """Journal every later step (the app does this once it holds the file lock)."""
        self.doc.journal = journal

    def replay(self, pending: PendingJournal) -> None:
        """Re-apply a crashed session's steps (not journaled again: they are in it)."""
        self.wait()
        self.doc.reserve_rids(pending.max_rid)
        pending.replay(self.doc)
        self.events.emit(SessionEvent("change", f"recovered {pending.change_count} changes"))

    # ----------------------------------------------------------- saving
    def check_disk(self) -> None:
        """Raise FileChangedError if the source changed on disk since we read or wrote it."""
        now = FileStamp.of(self._disk_path) if self._disk_path.exists() else None
        if now != self._disk_stamp:
            raise FileChangedError(
                f"{self._disk_path} changed on disk since it was loaded; save elsewhere or reload")

    def save(self, path: str | Path | None = None) -> Path:
        """Write the dataset atomically to the target (or to `path`, a copy).

        Unchanged lines are written back byte for byte. The first write over an
        existing file in this session keeps a backup in `.rolethread/`.
        """
        self.wait()
        dest = Path(path) if path is not None else self.target
        same_as_source = dest.resolve() == self._disk_path.resolve()
        if self.read_only and dest.resolve() == self.target.resolve():
            raise ReadOnlyError(f"read-only: {self.readonly_reason} (save a copy instead)")
        self.doc.check_writable()
        with self.doc.saving():
            if same_as_source:
                self.check_disk()
                if self.journal is not None:
                    self.journal.prepare_overwrite()  # keep the loaded bytes for replay
            if dest.resolve() not in self._backed_up and dest.exists():
                backup(dest)
                self._backed_up.add(dest.resolve())
            order = self.rids()
            write_atomic(dest, pieces(self.store, order, len(order), self.doc.save_line))
            if same_as_source:
                self._disk_stamp = FileStamp.of(dest)
            if dest.resolve() == self.target.resolve():
                self.history.mark_saved()
                if self.journal is not None:
                    self.journal.saved()
        self.events.emit(SessionEvent("saved", str(dest)))
        return dest


_STATUS_VERB = {"accepted": "accept", "rejected": "reject", "needs_work": "mark needs work",
                None: "mark unreviewed"}


def _label(what: str, i: int | Iterable[int], positions: list[int]) -> str:
    """An op's label names its entry (1-based, as the app shows it) or counts them:
    "accept entry 12", "reject 3 entries" — what undo then says it undid."""
    if isinstance(i, int):
        return f"{what} entry {i + 1}"
    if len(positions) == 1:
        return f"{what} entry {positions[0] + 1}"
    return f"{what} {len(positions):,} entries"
