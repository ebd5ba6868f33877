"""Opening a file for review: the lock, a leftover journal, and the session, in that order.

docs/safety.md "The lock, and read-only" / "The journal" and issue #8. One place decides how a
session starts, so the TUI, scripts and tests all get the same guarantees:

1. **Lock first.** Whoever holds `.rolethread/<name>.lock` owns the file and
   its journal. If a live session holds it, we open *read-only*, touch no
   journal, and say who holds it (`Opened.readonly_reason`). A stale lock
   (dead pid on this host) is taken over by `lock.acquire`.
2. **Then the leftover journal.** A journal that matches the file as it is
   now and ends with unsaved changes is a *question* for the user: restore
   (replay it) or discard (it is set aside, never deleted). Nothing here
   decides silently: with no answer (no `recover` callback, or the user
   postponed) the session opens read-only, the journal stays untouched and
   the lock is released, so the question comes back next time.
   A journal that does not match the file any more (the file changed since)
   cannot be replayed: it is set aside with a copy kept and `Opened.notes`
   says where. A matching journal without unsaved changes holds nothing
   worth keeping; the new journal replaces it.
3. **Then a fresh journal** for a writable session, so every later step is
   durable before it shows as done. If the journal cannot be written (a
   read-only folder, a full disk) the session opens read-only: editing
   without a journal would break the promise that nothing acknowledged is lost.

The work is split in two (`begin` → `Opening.finish`) so an interactive
caller can hold the lock while it asks the question; `open_for_review` is
the one-call form for callers that answer with a callback.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .access import claim
from .errors import NotAnArrayError
from .journal import Journal, PendingJournal
from .lock import LockResult
from .session import Session
from .store import FileStamp, LineStore
from .summary import Checker
from .wording import os_reason

Recover = Callable[[PendingJournal], bool]
"""Asked about a matching leftover journal: True = restore it, False = discard (a copy is kept)."""


@dataclass(slots=True)
class Opened:
    """A session ready for review, with what the user should be told about how it opened.

    readonly_reason: None for a writable session; otherwise why it is read-only
    (who holds the lock, an unanswered recovery question, an unwritable journal).
    recovered_changes: unsaved changes replayed from a crashed session (0 if none).
    notes: things the user must hear (a journal set aside, and where).
    """

    path: Path
    session: Session
    lock: LockResult | None = None
    readonly_reason: str | None = None
    recovered_changes: int = 0
    notes: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def readonly(self) -> bool:
        return self.readonly_reason is not None


@dataclass(slots=True)
class Opening:
    """The lock is decided; a recovery question may be waiting (`question`).

    Call `finish(answer)` exactly once, or `abandon()` to give the lock back
    without opening anything.
    """

    path: Path
    reviewer: str
    output: Path | None
    options: dict[str, Any]  # for Session.open: checker, validation, parallel
    lock: LockResult
    refusal: str | None = None  # why the lock is not ours (then the session is read-only)
    question: PendingJournal | None = None
    notes: list[str] = field(default_factory=list)
    done: bool = False

    def finish(self, restore: bool | None) -> Opened:
        """Open the session; `restore` answers `question` (None: not answered).

        Unanswered → read-only, journal untouched, lock released. On any
        failure the lock is released before the error propagates.
        """
        if self.done:
            raise RuntimeError("this opening is already finished")
        self.done = True
        try:
            return self._finish(restore)
        except BaseException:
            self.lock.release()
            raise

    def abandon(self) -> None:
        """Open nothing: release the lock, leave any journal exactly as it is."""
        if not self.done:
            self.done = True
            self.lock.release()

    # ------------------------------------------------------------ internals
    def _finish(self, restore: bool | None) -> Opened:
        if not self.lock.acquired:
            return self._readonly(self.refusal or self.lock.describe())
        pending = self.question
        if pending is None:
            return self._fresh()
        if restore is None:
            self.lock.release()
            count = unsaved_changes(pending)
            return self._readonly(
                f"{count} unsaved change{_s(count)} from {pending.header.reviewer} wait to be "
                "recovered; opened read-only until you choose to restore or discard them")
        if restore:
            return self._recover(pending)
        where = Journal.discard(self.path)
        self.notes.append(f"Discarded the unsaved changes; a copy of the journal is kept at "
                          f"{where}")
        return self._fresh()

    def _session_kwargs(self) -> dict[str, Any]:
        return {**self.options, "reviewer": self.reviewer}

    def _readonly(self, reason: str) -> Opened:
        """A session that holds no lock and writes no journal: nothing in it can change."""
        session = Session.open(self.path, target=self.output, claim_lock=False,
                               **self._session_kwargs())
        return Opened(self.path, session, None, reason, 0, self.notes)

    def _fresh(self) -> Opened:
        session = Session.open(self.path, target=self.output, claim_lock=False,
                               **self._session_kwargs())
        try:
            journal = Journal.create(self.path, session.store.stamp, self.reviewer)
        except OSError as exc:
            self.lock.release()
            return Opened(self.path, session, None,
                          f"cannot write the crash journal beside {self.path.name} "
                          f"({os_reason(exc, name=False)}); opened read-only so that no "
                          "edit can be lost", 0, self.notes)
        session.attach_journal(journal)
        return Opened(self.path, session, self.lock, None, 0, self.notes)

    def _recover(self, pending: PendingJournal) -> Opened:
        """Replay the journal; if that fails, set it aside (copy kept) and open fresh.

        The target is always given: `Session.recover` may read the kept base
        file, and a save must still go to the data file (or --output).
        """
        count = unsaved_changes(pending)
        try:
            session = Session.recover(self.path, pending, target=self.output or self.path,
                                      **self._session_kwargs())
        except Exception as exc:  # any replay failure: keep the journal, open the file as is
            where = Journal.discard(self.path)
            # in words, one line: a replay error's own text may run on (a traceback-like
            # message, a repr of the bad record) and is no sentence for the reviewer
            self.notes.append(f"Could not replay the journal ({os_reason(exc)}); it was set "
                              f"aside at {where} and the file was opened as it is on disk")
            return self._fresh()
        return Opened(self.path, session, self.lock, None, count, self.notes)


def begin(path: str | os.PathLike[str], *, reviewer: str,
          output: str | os.PathLike[str] | None = None,
          checker: Checker | None = None, **session_options: Any) -> Opening:
    """Take the lock and look for a leftover journal; ask nothing yet.

    session_options go to `Session.open` (e.g. `validation`, `parallel`).

    A file without write permission, or a folder that cannot hold the lock
    (read-only, full), makes the opening read-only with the reason in
    `refusal`, rather than failing (`access.claim`). Temp files of killed
    saves are removed once the lock is ours.
    """
    data = Path(path)
    out = Path(output) if output else None
    access = claim(data, reviewer)
    lock, refusal = access.lock, access.reason
    options = dict(session_options)
    if checker is not None:
        options["checker"] = checker
    opening = Opening(data, reviewer, out, options, lock, refusal)
    if lock.acquired:
        if lock.stale_taken_over:
            opening.notes.append("Took over a stale lock: the session that held it has ended "
                                 "without releasing it")
        if access.removed_temps:
            opening.notes.append(f"Removed {len(access.removed_temps)} temp file(s) an "
                                 "interrupted save had left beside the file")
        try:
            opening.question = _leftover(data, opening.notes)
        except BaseException:
            lock.release()
            raise
    return opening


def open_for_review(path: str | os.PathLike[str], *, reviewer: str,
                    output: str | os.PathLike[str] | None = None,
                    checker: Checker | None = None,
                    recover: Recover | None = None, **session_options: Any) -> Opened:
    """Lock, ask `recover` about a leftover journal (if any), open the session.

    Without `recover` a pending recovery is never decided silently: the
    session opens read-only and the journal waits for an answer.
    """
    opening = begin(path, reviewer=reviewer, output=output, checker=checker,
                    **session_options)
    answer = None
    if opening.question is not None and recover is not None:
        try:
            answer = recover(opening.question)
        except BaseException:
            opening.abandon()
            raise
    return opening.finish(answer)


def why_unreadable(path: str | os.PathLike[str]) -> str | None:
    """Why a file cannot be opened for review (a `.json` file that is not one array of
    entries: `NotAnArrayError`; gone or unreadable: its OS error, in words), else None.
    The app asks before it lets go of the file it has open, so a bad choice leaves the
    session as it was."""
    try:
        LineStore(path).close()
    except NotAnArrayError as exc:
        return os_reason(exc)  # its first line, as every error said to the user
    except OSError as exc:
        return os_reason(exc, path)
    return None


def close(opened: Opened, discard_unsaved: bool = False) -> Path | None:
    """End a session: close it, then release the lock. Safe to call twice.

    Unsaved work stays in the journal for the next open, unless the user
    chose to discard it: then the journal is set aside (a copy is kept) so it
    is not offered again. Returns where it was set aside, if it was.
    """
    if opened.closed:
        return None
    opened.closed = True
    session = opened.session
    journaled = session.journal is not None
    kept: Path | None = None
    try:
        dirty = session.dirty
        session.close()
        if discard_unsaved and dirty and journaled:
            # If it cannot be set aside it stays, and is offered again: nothing is lost.
            with contextlib.suppress(OSError):
                kept = Journal.discard(opened.path)
    finally:
        if opened.lock is not None:
            opened.lock.release()
    return kept


def unsaved_changes(pending: PendingJournal) -> int:
    """How far replaying the journal ends from its last save, counted in steps.

    Mirrors the undo history: changes after the save, or undos back past it.
    When the saved point sat on a redo branch a later change dropped, every
    change in the history counts.
    """
    done = undone = 0
    saved_at: int | None = 0
    for step in pending.steps:
        if step.kind == "change":
            if saved_at is not None and saved_at > done:
                saved_at = None
            done, undone = done + 1, 0
        elif step.kind == "undo":
            done, undone = done - 1, undone + 1
        elif step.kind == "redo":
            done, undone = done + 1, undone - 1
        else:
            saved_at = done
    return done if saved_at is None else abs(done - saved_at)


def describe_pending(pending: PendingJournal) -> str:
    """'N unsaved changes from REVIEWER at TIME (host, pid P)' for the recovery question.

    TIME is when the journal was last written (local time): the last change
    the crashed session acknowledged.
    """
    count = unsaved_changes(pending)
    header = pending.header
    text = f"{count} unsaved change{_s(count)} from {header.reviewer}"
    with contextlib.suppress(OSError):
        text += f" at {_local_time(pending.path.stat().st_mtime)}"
    if header.host:
        text += f" ({header.host}, pid {header.pid})"
    if pending.torn:
        text += " (an incomplete last step, never acknowledged, is left out)"
    return text


# ----------------------------------------------------------------- internals
def _leftover(data: Path, notes: list[str]) -> PendingJournal | None:
    """The journal to ask about, or None; a journal that no longer fits is set aside."""
    pending = Journal.pending(data)
    if pending is None:
        return None
    try:
        matches = pending.matches(FileStamp.of(data))
    except OSError:
        matches = False
    if matches:
        return pending if pending.unsaved else None
    if pending.unsaved:
        where = Journal.discard(data)
        notes.append(
            f"A journal of {unsaved_changes(pending)} unsaved change(s) by "
            f"{pending.header.reviewer} does not match {data.name} any more (the file changed "
            f"since); it was set aside at {where}")
    return None


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _local_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))
