"""The crash journal: every step of a session, appended and fsynced before it shows as done.

docs/safety.md "The journal: nothing acknowledged is lost": after a crash or
`kill -9`, reopening the file offers to replay what was acknowledged. The
journal lives in the `.rolethread/`
folder beside the data file (the same folder as the backups)::

    .rolethread/<name>.journal        a header line, then one JSON line per step
    .rolethread/<name>.journal.base   the file as loaded, kept before the first
                                      in-place save overwrites it (hard link)

Steps are `change` (a whole `Change`: states before/after and splices),
`undo`, `redo`, `saving` (a save's temp file is complete and about to be
renamed over the data file) and `saved` (a save happened; the data file now
has this stamp).
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

import contextlib
import os
import shutil
import socket
import threading
from pathlib import Path

from .gc_pause import gc_paused
from .history import Change
from .journal_records import (
    BASE_SUFFIX,
    BIG,
    SUFFIX,
    VERSION,
    JournalError,
    JournalHeader,
    Step,
    StepKind,
    _dumps,
    _now,
    _stamp_json,
    base_path,
    datasync,
    decode_change,
    decode_state,
    decode_step,
    encode_change,
    encode_state,
    journal_path,
)
from .pending import PendingJournal, ReplayTarget, discard, pending
from .store import FileStamp, LineStore
from .writer import fsync_dir, real_path, write_atomic

__all__ = [
    "BASE_SUFFIX", "BIG", "SUFFIX", "VERSION", "Journal", "JournalError", "JournalHeader",
    "PendingJournal", "ReplayTarget", "Step", "StepKind", "base_path", "decode_change",
    "decode_state", "decode_step", "discard", "encode_change", "encode_state", "journal_path",
    "pending",
]


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
        with gc_paused(len(change.states) > BIG):
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

    def saving(self, tmp: Path) -> None:
        """Note a save about to land: `tmp` is complete and is renamed over the file next.

        If the process dies between that rename and `saved`, the next open
        finds the file carrying this stamp (the rename keeps inode, size,
        mtime and bytes) and knows the save landed: nothing is set aside
        and nothing is offered as unsaved. Pass it as `write_atomic`'s
        `before_replace`.
        """
        self._append(_dumps({"t": "saving", "stamp": _stamp_json(FileStamp.of(tmp))}))

    def prepare_overwrite(self) -> Path:
        """Keep the loaded bytes as the base before the data file is replaced.

        A hard link where the file system allows it (free), else a copy. Only
        the first call does anything: later saves replace files the base does
        not need. Raises if the file on disk is no longer the one loaded.

        The link is made to the real file (symlinks followed): `link()` on
        Linux links a symlink itself, and a copy of a relative link dangles in
        `.rolethread/` while an absolute one points at the file the save
        replaces — either way the loaded bytes would be lost (docs/safety.md).
        """
        if self.base.exists() and not self.base.is_symlink():
            return self.base
        if not FileStamp.of(self.data_path).same_file(self.header.stamp):
            raise JournalError(f"{self.data_path} is not the file this journal started from")
        tmp = self.base.with_name(f"{self.base.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        real = real_path(self.data_path)
        try:
            os.link(real, tmp)
        except OSError:
            shutil.copy2(real, tmp)
            _fsync_file(tmp)
        os.replace(tmp, self.base)
        fsync_dir(self.base.parent)
        return self.base

    def keep_loaded(self, store: LineStore) -> None:
        """The base when the data file is gone (nothing to link, `prepare_overwrite`):
        the bytes the session loaded, read from its open descriptor, so that a save
        killed mid-way still finds them (docs/safety.md)."""
        if self.base.exists():
            return
        chunk, size = 8 << 20, store.size
        write_atomic(self.base, (store.read_range(at, min(at + chunk, size))
                                 for at in range(0, size, chunk)))

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
                datasync(self._fd)
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


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

