"""The edit lock beside a data file: one session writes, any other opens read-only.

docs/safety.md "The lock, and read-only": a lock keeps two sessions from editing the same file; the
second opens read-only and says who holds it; a stale lock (dead pid) is
taken over. The lock is `.rolethread/<name>.lock` (the folder of the backups
and the journal), a JSON object {reviewer, host, pid, since}.

Creating it is atomic: the content is written to a private temp file and
hard-linked into place (`link` fails if the name exists), so no reader ever
sees a half-written lock; where hard links are not allowed, `O_CREAT|O_EXCL`
is the fallback, and an empty or unreadable lock is then treated as held for
`UNREADABLE_GRACE` seconds (its owner may be writing it) and as stale after.

A lock is stale when its pid is gone on this host — dead, a zombie, or
with SIGKILL pending (`process.alive`), whatever the lock's age, so a
restart right after `kill -9` recovers at once — or alive but started after
the lock was taken (the pid was reused, typically after a reboot). A lock
from another host is never taken over automatically: we cannot see its
processes (`force=True` is for a user who says so).

Deciding and taking over happen under an exclusive `flock` on the
`.rolethread/` folder itself (`_serialised`), so of several sessions racing
for a stale lock exactly one wins: each re-reads the lock under the flock,
and a taker replaces the stale lock with its own in one `rename`, so the
name never goes missing for a third racer's create to land in. The kernel
drops the flock when its holder dies, so a kill at any point blocks no one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from .process import alive, started_after
from .writer import sidecar

SUFFIX = ".lock"
UNREADABLE_GRACE = 10.0  # seconds an empty/corrupt lock counts as being written


def lock_path(data_path: str | os.PathLike[str]) -> Path:
    return sidecar(data_path, SUFFIX)


@dataclass(frozen=True, slots=True)
class LockInfo:
    """Who holds a lock, as written in the lock file."""

    reviewer: str
    host: str
    pid: int
    since: str  # ISO 8601 UTC, with microseconds (also makes the lock unique)

    @classmethod
    def mine(cls, reviewer: str) -> LockInfo:
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return cls(reviewer, socket.gethostname(), os.getpid(), since)

    def to_bytes(self) -> bytes:
        return orjson.dumps({"reviewer": self.reviewer, "host": self.host, "pid": self.pid,
                             "since": self.since})

    @classmethod
    def parse(cls, data: bytes) -> LockInfo | None:
        """The info in a lock file's bytes, or None when they are not a valid lock."""
        try:
            obj: Any = orjson.loads(data)
            info = cls(str(obj["reviewer"]), str(obj["host"]), obj["pid"], str(obj["since"]))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return None
        if isinstance(info.pid, bool) or not isinstance(info.pid, int) or info.pid <= 0:
            return None
        return info

    @property
    def since_epoch(self) -> float | None:
        try:
            return datetime.fromisoformat(self.since).timestamp()
        except ValueError:
            return None

    def describe(self) -> str:
        """One line for the status bar: who, where, since when."""
        return f"locked by {self.reviewer} on {self.host} (pid {self.pid}) since {self.since}"


@dataclass(frozen=True, slots=True)
class LockResult:
    """The outcome of `acquire`.

    acquired: we hold the lock (edit). Otherwise open read-only: `holder` says
    who has it (None when the lock file is unreadable but fresh).
    stale_taken_over: a dead session's lock was replaced by ours.
    """

    acquired: bool
    holder: LockInfo | None = None
    stale_taken_over: bool = False
    lock: FileLock | None = field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        if self.acquired:
            return "took over a stale lock" if self.stale_taken_over else "lock acquired"
        if self.holder is None:
            return "locked by another session (lock file being written); opened read-only"
        return f"{self.holder.describe()}; opened read-only"

    def release(self) -> bool:
        """Release the lock if this result holds it."""
        return self.lock.release() if self.acquired and self.lock is not None else False


class FileLock:
    """The lock on one data file for one session. Also a context manager::

        with FileLock(path, reviewer) as result:
            read_only = not result.acquired
    """

    def __init__(self, data_path: str | os.PathLike[str], reviewer: str) -> None:
        self.data_path = Path(data_path)
        self.path = lock_path(self.data_path)
        self.reviewer = reviewer
        self.info: LockInfo | None = None  # ours, while held

    @property
    def held(self) -> bool:
        return self.info is not None

    def acquire(self, *, force: bool = False) -> LockResult:
        """Take the lock, or report who holds it.

        force: take over any lock, even a live or foreign one (the user said so).
        """
        if self.info is not None:
            return LockResult(True, lock=self)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _serialised(self.path.parent):
            return self._acquire(force)

    def _acquire(self, force: bool) -> LockResult:
        """Create the lock, or judge the one there and take it over if stale (flock held)."""
        mine = LockInfo.mine(self.reviewer)
        for _attempt in range(2):  # a lock released between our create and our read
            if _create(self.path, mine.to_bytes()):
                self.info = mine
                return LockResult(True, None, False, self)
            current = _read(self.path)
            if current is not None:
                break
        else:
            return LockResult(False, None)
        raw, age = current
        holder = LockInfo.parse(raw)
        if not (force or _is_stale(holder, age)):
            return LockResult(False, holder)
        _replace(self.path, mine.to_bytes())
        self.info = mine
        return LockResult(True, None, True, self)

    def release(self) -> bool:
        """Remove the lock if it is still ours (same pid and since); True if removed."""
        info, self.info = self.info, None
        if info is None:
            return False
        with _serialised(self.path.parent):
            current = _read(self.path)
            if current is None or LockInfo.parse(current[0]) != info:
                return False  # taken over (forced) by someone else: theirs now
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        return True

    def __enter__(self) -> LockResult:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(data_path: str | os.PathLike[str], reviewer: str, *,
            force: bool = False) -> LockResult:
    """Take the lock on data_path; `result.release()` gives it back."""
    return FileLock(data_path, reviewer).acquire(force=force)


def read_lock(data_path: str | os.PathLike[str]) -> LockInfo | None:
    """Who holds the lock on data_path now, if anyone (and readable)."""
    current = _read(lock_path(data_path))
    return LockInfo.parse(current[0]) if current else None


# ----------------------------------------------------------------- internals
def _create(path: Path, content: bytes) -> bool:
    """Create the lock with its content in one step; False if it exists."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    _write_file(tmp, content, os.O_CREAT | os.O_EXCL)
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        return _create_exclusive(path, content)  # no hard links here
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _create_exclusive(path: Path, content: bytes) -> bool:
    try:
        _write_file(path, content, os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return False
    return True


def _write_file(path: Path, content: bytes, flags: int) -> None:
    fd = os.open(path, os.O_WRONLY | flags, 0o644)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> tuple[bytes, float] | None:
    """The lock's bytes and age in seconds, or None when there is no lock."""
    try:
        with open(path, "rb") as f:
            age = time.time() - os.fstat(f.fileno()).st_mtime
            return f.read(), age
    except FileNotFoundError:
        return None


def _is_stale(holder: LockInfo | None, age: float) -> bool:
    if holder is None:
        return age > UNREADABLE_GRACE
    if holder.host != socket.gethostname():
        return False
    return not alive(holder.pid) or started_after(holder.pid, holder.since_epoch)


@contextlib.contextmanager
def _serialised(folder: Path) -> Iterator[None]:
    """Hold an exclusive flock on the lock folder while the lock is decided.

    Where the folder cannot be flocked (some network file systems), go on
    without: creating is still atomic, only the stale takeover may race.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the flock


def _replace(path: Path, content: bytes) -> None:
    """Put our lock in place of a stale one in one rename: the name never goes missing."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    _write_file(tmp, content, os.O_CREAT | os.O_EXCL)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
