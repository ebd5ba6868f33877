"""Reading a journal back: what a crashed session left, and replaying it (see `journal`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .gc_pause import gc_paused
from .history import Change
from .journal_records import (
    JournalHeader,
    Step,
    _loads,
    _same_bytes,
    base_path,
    datasync,
    decode_step,
    journal_path,
)
from .store import FileStamp
from .writer import fsync_dir

if TYPE_CHECKING:
    from .journal import Journal

class ReplayTarget(Protocol):
    """What a journal is replayed onto (the Session), without journaling again."""

    def replay_change(self, change: Change) -> None: ...
    def replay_undo(self) -> None: ...
    def replay_redo(self) -> None: ...
    def replay_saved(self) -> None: ...


class _Tally:
    """The undo history's counters, to check and summarise steps without a session.

    Mirrors `History`: a change drops the redo branch (and a saved point on
    it); undo and redo move one change; a save marks the current point.
    """

    def __init__(self) -> None:
        self.done = 0
        self.undone = 0
        self.saved_at: int | None = 0

    def add(self, step: Step) -> bool:
        """Count the step; False (nothing counted) for an undo/redo that could not happen."""
        if step.kind == "change":
            if self.saved_at is not None and self.saved_at > self.done:
                self.saved_at = None
            self.done, self.undone = self.done + 1, 0
        elif step.kind == "undo":
            if not self.done:
                return False
            self.done, self.undone = self.done - 1, self.undone + 1
        elif step.kind == "redo":
            if not self.undone:
                return False
            self.done, self.undone = self.done + 1, self.undone - 1
        else:
            self.saved_at = self.done
        return True

    @property
    def dirty(self) -> bool:
        return self.saved_at != self.done


@dataclass(slots=True)
class PendingJournal:
    """A journal left behind by a session that did not end cleanly."""

    path: Path
    data_path: Path
    header: JournalHeader
    steps: list[Step] = field(default_factory=list)
    torn: bool = False  # an incomplete or unreadable tail was ignored
    valid_bytes: int = 0  # length of the readable prefix (resume appends after it)
    skipped: int = 0  # undo/redo steps with nothing to undo/redo (ignored)
    landed: bool = False  # the last step is a `saved` read from a `saving` (see `_settle`)
    disk_stamp: FileStamp | None = None  # the data file's stamp `matches` accepted

    @property
    def saved_stamp(self) -> FileStamp | None:
        """The data file's stamp after the last recorded save, if any."""
        return next((s.stamp for s in reversed(self.steps) if s.kind == "saved"), None)

    @property
    def journal_stamp(self) -> FileStamp:
        """The data file as the journal last saw it: after the last save, or as loaded."""
        return self.saved_stamp or self.header.stamp

    @property
    def expected_stamp(self) -> FileStamp:
        """The stamp a recovered session checks the data file against before saving.

        Once `matches` accepted the file, its stamp now (the ctime may have
        moved: a backup or the base was hard-linked to it before the crash).
        """
        return self.disk_stamp or self.journal_stamp

    @property
    def needs_base(self) -> bool:
        """True when the data file was replaced since load: replay onto the base."""
        return self.journal_stamp != self.header.stamp

    @property
    def source(self) -> Path:
        """The file to open and replay onto: the data file, or the kept base."""
        return base_path(self.data_path) if self.needs_base else self.data_path

    def matches(self, stamp: FileStamp) -> bool:
        """True when the data file (stamp: its stamp now) is the one the journal expects.

        When the steps must be replayed onto the base, the base must also
        still hold the bytes loaded at the start.
        """
        if not stamp.same_file(self.journal_stamp):
            return False
        if self.needs_base:
            try:
                if not _same_bytes(FileStamp.of(self.source), self.header.stamp):
                    return False
            except OSError:
                return False
        self.disk_stamp = stamp
        return True

    def _tally(self) -> _Tally:
        tally = _Tally()
        for step in self.steps:
            tally.add(step)
        return tally

    @property
    def change_count(self) -> int:
        """Changes in the undo history once every step is replayed (net of undos)."""
        return self._tally().done

    @property
    def unsaved(self) -> bool:
        """True when replaying ends anywhere but the last saved state (worth offering)."""
        return self._tally().dirty

    @property
    def max_rid(self) -> int:
        """The largest record id any step uses (-1 if none).

        The replaying session's rid counter must move past it, so a new op
        never hands out a rid a replayed change already uses.
        """
        return max((_max_rid(s.change) for s in self.steps if s.change), default=-1)

    def replay(self, target: ReplayTarget) -> None:
        """Re-apply every step in order through the target's replay_* methods."""
        for step in self.steps:
            if step.change is not None:
                target.replay_change(step.change)
            elif step.kind == "undo":
                target.replay_undo()
            elif step.kind == "redo":
                target.replay_redo()
            else:
                target.replay_saved()

    def resume(self) -> Journal:
        """Go on appending to this journal after a replay (a second crash loses nothing).

        The ignored tail, if any, is cut off first so new lines start clean.
        """
        from .journal import Journal  # the writer; it imports this module

        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.ftruncate(fd, self.valid_bytes)
            datasync(fd)
        except BaseException:
            os.close(fd)
            raise
        journal = Journal(self.data_path, fd, self.valid_bytes, self.header)
        if self.landed and self.saved_stamp is not None:
            journal.saved(self.saved_stamp)  # write down what `_settle` concluded
        return journal


def _max_rid(change: Change) -> int:
    rids = list(change.states)
    rids.extend(rid for splice in change.splices for _pos, rid in splice.pairs)
    return max(rids, default=-1)


def _lines(path: Path) -> Iterator[tuple[bytes, int]]:
    """Complete lines (without the newline) and the offset just past each."""
    offset = 0
    with open(path, "rb") as f:
        for line in f:
            if not line.endswith(b"\n"):
                return  # torn: the crash came mid-write
            offset += len(line)
            yield line[:-1], offset


def pending(data_path: str | os.PathLike[str]) -> PendingJournal | None:
    """The journal left beside data_path, or None (no journal, or no readable header).

    Never raises on content: reading stops at the first incomplete or invalid
    line (`torn`), and undo/redo steps that could not have happened are
    dropped (`skipped`), so `steps` is always consistent.
    """
    data = Path(data_path)
    path = journal_path(data)
    try:
        lines = _lines(path)
        first = next(lines, None)
        if first is None:
            return None
        header = JournalHeader.from_json(_loads(first[0]))
        found = PendingJournal(path, data, header, valid_bytes=first[1])
        with gc_paused():
            landing = _read_steps(found, lines)
        found.torn = found.valid_bytes < path.stat().st_size
    except (OSError, ValueError, KeyError, TypeError):
        return None
    _settle(found, landing)
    return found


def _read_steps(found: PendingJournal, lines: Iterator[tuple[bytes, int]]) -> FileStamp | None:
    """Read the steps into found; returns the stamp of a `saving` no `saved` followed."""
    tally = _Tally()
    landing: FileStamp | None = None
    for line, end in lines:
        try:
            step = decode_step(_loads(line))
        except (ValueError, KeyError, TypeError, RecursionError):
            break
        found.valid_bytes = end
        if step.kind == "saving":
            landing = step.stamp
            continue
        landing = None
        if tally.add(step):
            found.steps.append(step)
        else:
            found.skipped += 1
    return landing


def _settle(found: PendingJournal, landing: FileStamp | None) -> None:
    """A save that died between its rename and its `saved` step: did the rename happen?

    If the data file is now the temp file the `saving` step describes (same
    inode, size, mtime and edge bytes; the rename changed only its ctime),
    the save landed: it counts as `saved`. Otherwise the old file is still
    there and the journal applies to it as before.
    """
    if landing is None:
        return
    try:
        now = FileStamp.of(found.data_path)
    except OSError:
        return
    if landing.same_file(now):
        found.steps.append(Step("saved", stamp=now))
        found.landed = True


def discard(data_path: str | os.PathLike[str]) -> Path:
    """Set a leftover journal aside (never delete it); returns where it went.

    `.rolethread/<name>.journal.<time>.discarded`, with its base (if any)
    beside it as `….discarded.base`, so a declined recovery can still be
    done by hand.
    """
    data = Path(data_path)
    source = journal_path(data)
    if not source.exists():
        raise FileNotFoundError(f"no journal for {data}")
    when = time.strftime("%Y%m%dT%H%M%S")
    dest = source.with_name(f"{source.name}.{when}.discarded")
    n = 1
    while dest.exists():
        n += 1
        dest = source.with_name(f"{source.name}.{when}-{n}.discarded")
    os.rename(source, dest)
    base = base_path(data)
    if base.exists():
        os.rename(base, dest.with_name(dest.name + ".base"))
    fsync_dir(source.parent)
    return dest
