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

from . import formats
from .access import Access, claim
from .document import Document
from .engine import Engine, EntryFinding
from .errors import FileChangedError, ReadOnlyError, ScanError
from .events import Emitter, Listener, SessionEvent
from .history import History
from .journal import Journal, PendingJournal
from .reading import EntryView, entry_view
from .reapply import Reapplied, gone, loaded_bytes_intact, reapply
from .reviewer import reviewer_name
from .session_ops import SessionOps
from .store import FileStamp, LineStore
from .summary import Checker, Columns, Row
from .validation import Finding, make_checker
from .wording import count
from .writer import backup, pieces, write_atomic

if TYPE_CHECKING:
    from .dedupe import DupGroup
    from .search import Query
    from .slop import SlopReport

__all__ = ["EntryFinding", "FileChangedError", "ScanError", "Session", "SessionEvent"]


class Session(SessionOps):
    """A JSONL dataset under review (docs/architecture.md lists the API)."""

    def __init__(self, path: str | Path, *, checker: Checker | None = None,
                 validation: dict[str, Any] | None = None, parallel: bool = True,
                 reviewer: str | None = None, target: str | Path | None = None,
                 helper_first: bool = False, listener: Listener | None = None) -> None:
        """`validation` holds checker settings (config's `validation`); a custom
        `checker` callable instead keeps the scan in one process. `helper_first`:
        the helper process computes the first rows (the app's start: `Engine`).
        `listener` hears every event from the first one on: subscribed before the
        scan starts, it cannot miss the first rows (`tui.start.FirstRows`)."""
        self.path = Path(path)
        self.target = Path(target) if target else self.path
        self.store = LineStore(self.path)
        self.columns = Columns(checker or make_checker(validation))
        self.reviewer = reviewer or reviewer_name()
        self.events = Emitter()
        if listener is not None:
            self.events.subscribe(listener)
        self.engine = Engine(self.store, self.columns, self.events, validation,
                             parallel and checker is None, cacheable=checker is None,
                             helper_first=helper_first)
        self.doc = Document(self.store, self.columns, self.events, self.engine.ensure,
                            self.engine.wait)
        self.engine.doc = self.doc
        self._disk_path = self.path  # the file a save in place replaces (see `recover`)
        self._disk_stamp = self.store.stamp
        self._backed_up: set[Path] = set()

    # ----------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | Path, *, claim_lock: bool = True, **kwargs: Any) -> Session:
        """Open a file and start the background scan; returns at once.

        A script's session takes the same lock the app takes (docs/safety.md): when
        another live session holds it, or the file has no write bit, this one is
        read-only (`read_only`, `readonly_reason`; changes raise `ReadOnlyError`).
        The app and the read-only headless commands claim (or skip) it themselves.
        """
        session = cls(path, **kwargs)
        if claim_lock:
            session._claim()
        session.engine.start()
        return session

    _access: Access | None = None

    def _claim(self) -> None:
        self._access = claim(self.target, self.reviewer)
        if self._access.read_only:
            self.set_read_only(self._access.reason)

    @classmethod
    def recover(cls, path: str | Path, pending: PendingJournal, **kwargs: Any) -> Session:
        """Reopen `path` after a crash: replay its journal, then keep journaling into it.

        Check `pending.matches(FileStamp.of(path))` first. After an in-place
        save the steps apply to the bytes as first loaded (`pending.source`,
        the kept base), so the session reads those and saves over `path`.
        """
        kwargs.setdefault("target", path)
        kwargs.setdefault("claim_lock", False)  # the caller holds it (it read the journal)
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
        access, self._access = self._access, None
        if access is not None:
            access.release()
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
        rid = self.rid(i)
        value = self.doc.value(rid)
        raw = None if formats.detect_shape(value) is not None else self.line_bytes(i)
        return entry_view(value, raw, self.doc.id_of(value, rid))

    def row(self, i: int) -> Row:
        return self.columns.row(self.rid(i))

    def line_number(self, i: int) -> int | None:
        """1-based line of entry i in the loaded file (of a `.json` array: its element;
        None for entries added since)."""
        rid = self.rid(i)
        return self.store.lines[rid] if rid < self.store.count else None

    def entry_id(self, i: int) -> str:
        return self.doc.entry_id(self.rid(i))

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

    def duplicate_partners(self, i: int) -> list[int]:
        """The entries entry i repeats (exact or near), by current position."""
        return self.engine.duplicate_partners(i)

    def duplicate_group_marks(self) -> dict[int, int]:
        """position → its duplicate group's first position (`order:group`)."""
        return self.engine.duplicate_group_marks()

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

    def slop_kept(self) -> bool:
        """Whether `slop()` would read a kept lens (a reopened file) instead of counting."""
        return self.engine.slop_kept()

    def slop_ready(self) -> bool:
        """Whether the lens is computed for the texts as they are now (an edit, a fix
        or a move makes it stale until `slop()` runs again)."""
        return self.engine.slop_if_ready() is not None

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

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling a listener (one given to `open` as ``listener`` too)."""
        self.events.unsubscribe(listener)

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
    def version(self) -> int:
        """Moves on every change applied or undone: a view drawn at this version
        still shows what the session holds."""
        return self.doc.version

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
        recovered = count(pending.change_count, "change")
        self.events.emit(SessionEvent("change", f"recovered {recovered}"))

    # ----------------------------------------------------------- saving
    def check_disk(self) -> None:
        """Raise FileChangedError if the source changed on disk since we read or wrote it."""
        now = FileStamp.of(self._disk_path) if self._disk_path.exists() else None
        if now is None and self._disk_stamp is not None:
            raise FileChangedError(
                f"{self._disk_path} is gone from disk (deleted or moved) since it was "
                "loaded; write it back (write_back) or save elsewhere")
        if now != self._disk_stamp:
            raise FileChangedError(
                f"{self._disk_path} changed on disk since it was loaded; save elsewhere or reload")

    def loaded_bytes_intact(self) -> bool:
        """Can this session still read what it loaded (not rewritten in place)?"""
        return loaded_bytes_intact(self.store, self.path)

    def reload_and_reapply(self) -> Reapplied:
        """The file changed on disk: write it as it is now plus this session's changes,
        matched by entry id (docs/safety.md). Entries changed on both sides keep
        theirs; ours go to a conflict file the report names. The session then
        holds nothing unsaved: open the file again to go on (the app does).
        """
        if self.read_only:
            raise ReadOnlyError(self.readonly_reason)
        self.wait()
        with self.doc.saving():
            report = reapply(self, self._disk_path)
            self.history.mark_saved()
            journal, self.doc.journal = self.doc.journal, None
            if journal is not None:
                journal.clear()  # every change is in the file now
        self._disk_stamp = FileStamp.of(self._disk_path)
        self.events.emit(SessionEvent("saved", str(self._disk_path)))
        return report

    def file_gone(self) -> bool:
        """Whether the file was deleted or moved away since it was loaded."""
        return gone(self._disk_path)

    def write_back(self) -> Path:
        """The file is gone from disk (deleted or moved): write it again at its path —
        the entries as loaded, with this session's changes (docs/safety.md). Refused
        (`FileChangedError`) when something is at the path again by now."""
        if not gone(self._disk_path):
            raise FileChangedError(f"{self._disk_path} is there again: save elsewhere or "
                                   "reload")
        if self.journal is not None:  # recovery's base: the loaded bytes, kept first
            self.journal.keep_loaded(self.store)
        before, self._disk_stamp = self._disk_stamp, None  # the save expects no file now
        try:
            return self.save()
        except BaseException:
            if gone(self._disk_path):  # not written: still the file that is gone
                self._disk_stamp = before
            raise

    def save(self, path: str | Path | None = None) -> Path:
        """Write the dataset atomically to the target (or to `path`, a copy).

        Unchanged lines are written back byte for byte. The first write over an
        existing file in this session keeps a backup in `.rolethread/`.
        """
        self.wait()
        dest = Path(path) if path is not None else self.target
        same_as_source = dest.resolve() == self._disk_path.resolve()
        if self.read_only and dest.resolve() == self.target.resolve():
            raise ReadOnlyError(f"{self.readonly_reason} (save a copy instead)")
        self.doc.check_not_saving()  # a copy may be saved from a read-only session
        with self.doc.saving():
            intact = self.engine.loaded_intact()  # before this save's own links
            if same_as_source:
                self.check_disk()
                if self.journal is not None:
                    self.journal.prepare_overwrite()  # keep the loaded bytes for replay
            if dest.resolve() not in self._backed_up and dest.exists():
                backup(dest)
                self._backed_up.add(dest.resolve())
            order = self.rids()
            landing = (self.journal.saving if same_as_source and self.journal is not None
                       else None)  # a save killed after the rename still counts as landed
            write_atomic(dest, pieces(self.store, order, len(order), self.doc.save_line,
                                      self.doc.edited_ids()),
                         before_replace=landing)
            if same_as_source:
                self._disk_stamp = FileStamp.of(dest)
            if dest.resolve() == self.target.resolve():
                self.history.mark_saved()
                if self.journal is not None:
                    self.journal.saved()
            self.engine.saved(dest, order, intact)  # its scan, while no change can land
        self.events.emit(SessionEvent("saved", str(dest)))
        return dest
