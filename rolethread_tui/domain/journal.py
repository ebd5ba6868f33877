"""The crash journal: every step of a session, appended and fsynced before it shows as done.

DESIGN §2 "Crash safety": after a crash or `kill -9`, reopening the file offers
to replay what was acknowledged. The journal lives in the `.rolethread/`
folder beside the data file (the same folder as the backups)::

    .rolethread/<name>.journal        a header line, then one JSON line per step
    .rolethread/<name>.journal.base   the file as loaded, kept before the first
                                      in-place save overwrites it (hard link)

Steps are `change` (a whole `Change`: states before/after and splices),
`undo`, `redo` and `saved` (a save happened; the data file now has this stamp).
Each is one line, written with one `write` on an O_APPEND descriptor and
`fdatasync`ed before the call returns, so a crash leaves at most one torn
final line, which reading ignores.

Why record ids replay correctly. A change names records by rid: an existing
record's rid is its index in the file as loaded, and a record an op creates
gets the next rid after every rid handed out so far (`Session._new_rid`,
counting up from the number of records in the file). Replaying therefore
needs (1) the same bytes the session loaded, so indexing yields the same rids
— the header's `FileStamp` checks that — and (2) the rids carried in the
records, never re-allocated: replayed changes bring their own rids, and the
replaying session must move its rid counter past them (`PendingJournal.max_rid`)
so a later op cannot hand out a rid a replayed change already uses.

Why a save does not clear the journal. After an in-place save the session
goes on working on the records *as loaded* (same rids, same undo history),
while the file on disk is renumbered (deleted, split, duplicated entries).
Steps made after the save still speak in the loaded rids, and an undo may
reach back before the save. So a save appends a `saved` step instead, and the
loaded bytes are kept as `.journal.base` (a hard link: no copy, and no extra
space while the first backup links the same inode). Recovery replays every
step onto the base and marks the history saved where the last save was: only
the changes after it come back as unsaved. `clear()` removes journal and base
when the session ends with nothing unsaved.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import orjson

from .history import Change, Replaced, Reviewed, Splice, State
from .store import FileStamp
from .writer import BACKUP_DIR, fsync_dir

VERSION = 1
SUFFIX = ".journal"
BASE_SUFFIX = ".journal.base"
BIG = 4096  # states in a change above which the cyclic GC is paused while encoding

StepKind = Literal["change", "undo", "redo", "saved"]


class JournalError(ValueError):
    """A journal line that is not a valid record (the reader stops there)."""


# ----------------------------------------------------------------- paths
def journal_path(data_path: str | os.PathLike[str]) -> Path:
    data = Path(data_path)
    return data.parent / BACKUP_DIR / f"{data.name}{SUFFIX}"


def base_path(data_path: str | os.PathLike[str]) -> Path:
    data = Path(data_path)
    return data.parent / BACKUP_DIR / f"{data.name}{BASE_SUFFIX}"


# ----------------------------------------------------------------- encoding
def _dumps(obj: Any) -> bytes:
    """Compact JSON; the stdlib for what orjson refuses (ints beyond 64 bits, lone surrogates).

    Review dicts come from the user's file, which `parse_line` also reads with
    the stdlib fallback, so they may hold such values. `Reviewed` states are
    dataclasses orjson writes natively as {"review": …} (the fast path for a
    bulk op's 100k states); the fallback spells them out.
    """
    try:
        return orjson.dumps(obj)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(obj, separators=(",", ":"), default=encode_state).encode("ascii")


def _loads(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line.decode("utf-8"))


def encode_state(state: State) -> dict[str, Any] | None:
    """None → null; Reviewed → {"review": …}; Replaced → {"line": str} or {"line_b64": …}.

    Readable text when the line is valid UTF-8 (the usual case, easy to
    inspect); base64 otherwise, so lines with invalid bytes survive exactly.
    """
    if state is None:
        return None
    if isinstance(state, Reviewed):
        return {"review": state.review}
    if isinstance(state, Replaced):
        try:
            return {"line": state.line.decode("utf-8")}
        except UnicodeDecodeError:
            return {"line_b64": base64.b64encode(state.line).decode("ascii")}
    raise TypeError(f"unknown record state {state!r:.80}")


def decode_state(obj: Any) -> State:
    if obj is None:
        return None
    if isinstance(obj, dict):
        if "review" in obj:
            review = obj["review"]
            if review is None or isinstance(review, dict):
                return Reviewed(review)
        elif isinstance(obj.get("line"), str):
            return Replaced(obj["line"].encode("utf-8"))
        elif isinstance(obj.get("line_b64"), str):
            return Replaced(base64.b64decode(obj["line_b64"], validate=True))
    raise JournalError(f"bad state {obj!r:.80}")


def encode_change(change: Change) -> bytes:
    """One `change` record (no newline)."""
    return _dumps({
        "t": "change",
        "label": change.label,
        "states": _states_json(change.states),
        "splices": [[s.insert, s.pairs] for s in change.splices],
        "focus": change.focus,
    })


def _states_json(states: dict[int, tuple[State, State]]) -> list[list[Any]]:
    """[[rid, before, after], …] leaving None and `Reviewed` to orjson (see `_dumps`).

    Only `Replaced` needs Python (its bytes are not JSON); a plain loop with
    class checks keeps a 100k-entry bulk op well under a second.
    """
    out = []
    append = out.append
    for rid, (before, after) in states.items():
        if before.__class__ is Replaced:
            before = encode_state(before)
        if after.__class__ is Replaced:
            after = encode_state(after)
        append([rid, before, after])
    return out


def decode_change(rec: dict[str, Any]) -> Change:
    states = {_int(rid): (decode_state(b), decode_state(a)) for rid, b, a in rec["states"]}
    splices = [Splice(tuple((_int(p), _int(r)) for p, r in pairs), insert is True)
               for insert, pairs in rec["splices"]]
    focus = rec.get("focus")
    return Change(str(rec.get("label", "")), states, splices,
                  None if focus is None else _int(focus))


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise JournalError(f"expected an integer, got {value!r:.40}")
    return value


def _stamp_json(stamp: FileStamp) -> dict[str, Any]:
    return {"size": stamp.size, "mtime_ns": stamp.mtime_ns, "inode": stamp.inode,
            "digest": stamp.digest}


def _stamp_of(obj: Any) -> FileStamp:
    if not isinstance(obj, dict):
        raise JournalError("bad file stamp")
    return FileStamp(_int(obj["size"]), _int(obj["mtime_ns"]), _int(obj["inode"]),
                     str(obj["digest"]))


def _same_bytes(a: FileStamp, b: FileStamp) -> bool:
    """Same content as far as a stamp can tell; the inode differs for a copied base."""
    return (a.size, a.mtime_ns, a.digest) == (b.size, b.mtime_ns, b.digest)


@contextlib.contextmanager
def _gc_paused(pause: bool = True) -> Iterator[None]:
    """Pause the cyclic GC while a bulk record's 100k+ containers are made.

    Each batch of new containers otherwise triggers collections that walk
    everything the session holds: measured 2x slower encoding and 5x slower
    reading of a 100k-entry record. Nothing made here is cyclic.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ----------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class JournalHeader:
    """The first line: which file, in which state, the steps apply to."""

    path: str
    stamp: FileStamp
    reviewer: str
    created: str
    version: int = VERSION
    host: str = ""
    pid: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"t": "header", "v": self.version, "path": self.path,
                "stamp": _stamp_json(self.stamp), "reviewer": self.reviewer,
                "created": self.created, "host": self.host, "pid": self.pid}

    @classmethod
    def from_json(cls, rec: Any) -> JournalHeader:
        if not isinstance(rec, dict) or rec.get("t") != "header":
            raise JournalError("the first line is not a journal header")
        version = _int(rec.get("v"))
        if version > VERSION:
            raise JournalError(f"journal format {version} is newer than this program")
        return cls(str(rec["path"]), _stamp_of(rec["stamp"]), str(rec.get("reviewer", "")),
                   str(rec.get("created", "")), version, str(rec.get("host", "")),
                   _int(rec.get("pid", 0)))


@dataclass(frozen=True, slots=True)
class Step:
    """One decoded journal step."""

    kind: StepKind
    change: Change | None = None
    stamp: FileStamp | None = None


def decode_step(rec: Any) -> Step:
    if not isinstance(rec, dict):
        raise JournalError("a record is not an object")
    kind = rec.get("t")
    try:
        if kind == "change":
            return Step("change", change=decode_change(rec))
        if kind == "saved":
            return Step("saved", stamp=_stamp_of(rec["stamp"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise JournalError(f"bad {kind} record: {exc}") from exc
    if kind in ("undo", "redo"):
        return Step(kind)
    raise JournalError(f"unknown record type {kind!r:.40}")


# ----------------------------------------------------------------- writing
class Journal:
    """An open journal a session appends to (one per session with write access).

    Not shared between processes: the file lock (`lock.py`) guarantees one
    writer. Appends from several threads are serialised.
    """

    def __init__(self, data_path: Path, fd: int, size: int, header: JournalHeader) -> None:
        self.data_path = data_path
        self.path = journal_path(data_path)
        self.base = base_path(data_path)
        self.header = header
        self._fd = fd
        self._size = size
        self._mutex = threading.Lock()

    @classmethod
    def create(cls, data_path: str | os.PathLike[str], stamp: FileStamp,
               reviewer: str) -> Journal:
        """A fresh journal for the file as loaded (stamp); any old journal is truncated.

        The old base goes too: it belonged to the old journal.
        """
        data = Path(data_path)
        path = journal_path(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            base_path(data).unlink()
        header = JournalHeader(str(data.absolute()), stamp, reviewer, _now(),
                               host=socket.gethostname(), pid=os.getpid())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
        journal = cls(data, fd, 0, header)
        try:
            journal._append(_dumps(header.to_json()))
        except BaseException:
            journal.close()
            raise
        fsync_dir(path.parent)
        return journal

    @staticmethod
    def pending(data_path: str | os.PathLike[str]) -> PendingJournal | None:
        """The module function `pending`."""
        return pending(data_path)

    @staticmethod
    def discard(data_path: str | os.PathLike[str]) -> Path:
        """The module function `discard`."""
        return discard(data_path)

    @property
    def closed(self) -> bool:
        return self._fd < 0

    @property
    def size(self) -> int:
        """Bytes written so far (header included)."""
        return self._size

    def append_change(self, change: Change) -> None:
        """Record a change; durable when this returns (call it before applying)."""
        with _gc_paused(len(change.states) > BIG):
            record = encode_change(change)
        self._append(record)

    def append_undo(self) -> None:
        self._append(b'{"t":"undo"}')

    def append_redo(self) -> None:
        self._append(b'{"t":"redo"}')

    def saved(self, stamp: FileStamp | None = None) -> None:
        """Record a save that marked the history saved; stamp: the data file's now.

        Before an in-place save, call `prepare_overwrite()`.
        """
        stamp = stamp if stamp is not None else FileStamp.of(self.data_path)
        self._append(_dumps({"t": "saved", "stamp": _stamp_json(stamp)}))

    def prepare_overwrite(self) -> Path:
        """Keep the loaded bytes as the base before the data file is replaced.

        A hard link where the file system allows it (free), else a copy. Only
        the first call does anything: later saves replace files the base does
        not need. Raises if the file on disk is no longer the one loaded.
        """
        if self.base.exists():
            return self.base
        if FileStamp.of(self.data_path) != self.header.stamp:
            raise JournalError(f"{self.data_path} is not the file this journal started from")
        tmp = self.base.with_name(f"{self.base.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        try:
            os.link(self.data_path, tmp)
        except OSError:
            shutil.copy2(self.data_path, tmp)
            _fsync_file(tmp)
        os.replace(tmp, self.base)
        fsync_dir(self.base.parent)
        return self.base

    def _append(self, record: bytes) -> None:
        """Write one line and fdatasync it; on failure cut the file back, then raise.

        Cutting back keeps a half-written record from hiding every later one
        (the reader stops at the first bad line).
        """
        data = record + b"\n"
        with self._mutex:
            if self._fd < 0:
                raise ValueError("the journal is closed")
            try:
                _write_all(self._fd, data)
                _datasync(self._fd)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, self._size)
                raise
            self._size += len(data)

    def close(self) -> None:
        """Stop writing; the file stays for recovery."""
        with self._mutex:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def clear(self) -> None:
        """Close, then delete journal and base: nothing is left to recover."""
        self.close()
        for path in (self.path, self.base):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        fsync_dir(self.path.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _datasync(fd: int) -> None:
    """fdatasync: the data and the new size, without the mtime update (cheaper)."""
    getattr(os, "fdatasync", os.fsync)(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ----------------------------------------------------------------- reading
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

    @property
    def saved_stamp(self) -> FileStamp | None:
        """The data file's stamp after the last recorded save, if any."""
        return next((s.stamp for s in reversed(self.steps) if s.kind == "saved"), None)

    @property
    def expected_stamp(self) -> FileStamp:
        """What the data file must look like now for the journal to apply."""
        return self.saved_stamp or self.header.stamp

    @property
    def needs_base(self) -> bool:
        """True when the data file was replaced since load: replay onto the base."""
        return self.expected_stamp != self.header.stamp

    @property
    def source(self) -> Path:
        """The file to open and replay onto: the data file, or the kept base."""
        return base_path(self.data_path) if self.needs_base else self.data_path

    def matches(self, stamp: FileStamp) -> bool:
        """True when the data file (stamp: its stamp now) is the one the journal expects.

        When the steps must be replayed onto the base, the base must also
        still hold the bytes loaded at the start.
        """
        if stamp != self.expected_stamp:
            return False
        if not self.needs_base:
            return True
        try:
            return _same_bytes(FileStamp.of(self.source), self.header.stamp)
        except OSError:
            return False

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
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.ftruncate(fd, self.valid_bytes)
            _datasync(fd)
        except BaseException:
            os.close(fd)
            raise
        return Journal(self.data_path, fd, self.valid_bytes, self.header)


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
        with _gc_paused():
            _read_steps(found, lines)
        found.torn = found.valid_bytes < path.stat().st_size
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found


def _read_steps(found: PendingJournal, lines: Iterator[tuple[bytes, int]]) -> None:
    tally = _Tally()
    for line, end in lines:
        try:
            step = decode_step(_loads(line))
        except (ValueError, KeyError, TypeError, RecursionError):
            return
        found.valid_bytes = end
        if tally.add(step):
            found.steps.append(step)
        else:
            found.skipped += 1


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
