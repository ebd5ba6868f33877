"""Writing a dataset back: byte-preserving pieces, atomic replace, backups.

Unchanged entries are copied from the loaded file as whole byte ranges (with
the blank lines between them), so saving an untouched file reproduces it
exactly and saving after one edit costs one sequential copy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from .process import alive
from .special import write_stream
from .store import BOM, ENDINGS, LineStore

PIECE = 8 << 20
#: Past this share of edited entries, `pieces` walks them all: with that many, every
#: entry is near an edit anyway, and the sorted set of three keys per edit only adds
#: to the walk (all of 1M edited: +0.36 s).
KEYED_SHARE = 1 / 8
BACKUP_DIR = ".rolethread"
BACKUPS_KEPT = 5


def pieces(
    store: LineStore,
    order: Sequence[int],
    total: int,
    changed: Callable[[int], bytes | None],
    edited: Iterable[int] | None = None,
) -> Iterator[bytes | FileRange]:
    """The output file as a stream of byte pieces (runs of unchanged lines as
    `FileRange`s of the loaded file).

    `changed(rid)` gives a record's new line content, or None when the record
    is an original line left as read. Records beyond the loaded file (new
    entries) always come through `changed`. `edited`: every rid `changed` may
    give a line for, when known; with the file's own order (no insert, delete
    or move), only the entries around those are visited (`_key_positions`): a
    save after one edit of a million entries is a few steps, not a million.
    """
    holds_array = store.array is not None
    if holds_array:  # the BOM, whitespace and `[` before the first element's gap
        yield store.read_range(0, store.head_end())
    elif store.bom:
        yield BOM
    newline = ENDINGS[store.endings[0]] if store.count and store.endings[0] else b"\n"
    if holds_array:
        newline = b""  # elements are apart by their separators (`_gap`)
    run: list[int] = []  # [start, end) of a pending copy from the source file
    positions: Iterable[int] = range(total)
    if edited is not None and order == range(store.count) and total == store.count:
        edited = list(edited)
        if len(edited) <= total * KEYED_SHARE:
            positions = _key_positions(store, edited, total)
    for k in positions:
        rid, prev = order[k], order[k - 1] if k else -2
        last = k == total - 1
        line = changed(rid) if rid < store.count else None
        original = rid < store.count and line is None
        if original and run and rid == prev + 1:
            run[1] = store.line_end(rid)
        else:
            yield from _flush(store, run)
            run = []
            lead, gap = _gap(store, rid, k)
            if lead:
                yield lead
            if original:
                run = [gap, store.line_end(rid)]
            else:
                if rid < store.count:
                    yield store.read_range(gap, store.starts[rid])
                    ending = ENDINGS[store.endings[rid]]
                else:
                    ending = newline
                    line = changed(rid)
                yield line or b""
                yield ending if (ending or last) else newline
        if original and not last and store.endings[rid] == 0 and not holds_array:
            yield from _flush(store, run)
            run = []
            yield newline
    yield from _flush(store, run)
    yield store.read_range(store.tail_start(), store.size)


def _gap(store: LineStore, rid: int, k: int) -> tuple[bytes, int]:
    """What goes before record rid written at position k: bytes to write first, then
    the offset from which the file's bytes before the record are copied (a new
    entry has none: `starts[rid]` is never read for it).

    JSONL: the blank lines before the line. An array element's gap holds the `,`
    before it exactly when it is not the file's first element; the output's first
    takes none and every other one: a moved first element gets the file's separator,
    a record now first the whitespace that followed the `[` (docs/formats.md).
    """
    if store.array is None:
        return b"", store.gap_start(rid) if rid < store.count else 0
    if rid < store.count and (rid > 0) == (k > 0):
        return b"", store.gap_start(rid)
    lead = store.separator() if k > 0 else store.first_gap()
    return lead, store.starts[rid] if rid < store.count else 0


def _key_positions(store: LineStore, edited: Iterable[int], total: int) -> list[int]:
    """The positions `pieces` must visit when entry k is record k: each edited entry,
    the ones just before and after it, the first and the last. Between two of
    these, every entry is an unchanged line following its predecessor, whose only
    effect would be to extend the pending copy to its end — which the last of them
    does alone. (Only the file's last line can lack a line ending, and it is
    visited.)"""
    keys = {0, total - 1}
    for k in edited:
        if k < total:
            keys.update((k - 1, k, k + 1))
    return sorted(k for k in keys if 0 <= k < total)


def _flush(store: LineStore, run: list[int]) -> Iterator[FileRange]:
    if run and run[0] < run[1]:
        yield FileRange(store.fileno(), run[0], run[1])


class FileRange(NamedTuple):
    """Bytes [start, end) of an open file, for `write_atomic` to copy without reading
    them into Python (`os.copy_file_range`: the kernel copies, on some file systems
    shares the blocks). Reading it gives the bytes (`read`), as far as the file goes."""

    fd: int
    start: int
    end: int

    def read(self) -> Iterator[bytes]:
        start = self.start
        while start < self.end:
            data = os.pread(self.fd, min(PIECE, self.end - start), start)
            if not data:
                return
            yield data
            start += len(data)


def real_path(path: str | os.PathLike[str]) -> Path:
    """The file a path names once symlinks are followed (the path itself if none).

    Saves write through a symlink to its target, and the `.rolethread/`
    folder (backups, journal, lock) sits beside the target: two links to one
    file share one lock.
    """
    return Path(os.path.realpath(path))


def temp_prefix(target: Path) -> str:
    """`.<name>.<pid>-`: the pid says whether the save that made a temp file is still running."""
    return f".{target.name}.{os.getpid()}-"


def write_atomic(target: Path, data: Iterable[bytes | FileRange], *,
                 before_replace: Callable[[Path], None] | None = None) -> None:
    """Temp file in the target's directory, fsync, rename over the target.

    A crash or a full disk at any point leaves either the old file or the new
    one, never a mix; the temp file is removed on failure (after a kill, by
    `remove_leftover_temps` at the next open). A symlink is written through:
    the link stays, its target gets the new bytes. The new file keeps the
    old one's mode and owner; a file that did not exist gets the mode the
    umask gives (0644 under 022), like any Unix tool. `before_replace(tmp)`
    runs once the temp file is complete and durable, just before the rename
    (the journal notes the save there, see `Journal.saving`). A character
    device or FIFO is written into instead (`special.write_stream`).
    """
    if write_stream(target, data):
        return
    real = real_path(target)
    with _named_as(target, real):
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(real), suffix=".tmp", dir=real.parent)
    try:
        with _named_as(target, real), _Output(fd) as out:
            for piece in data:
                if type(piece) is FileRange:
                    out.copy(piece)
                else:
                    out.write(piece)  # type: ignore[arg-type]
            out.flush()
            _take_attributes(fd, real)
            out.sync()
        if before_replace is not None:
            before_replace(Path(tmp))
        with _named_as(target, real):
            os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(real.parent)


@contextlib.contextmanager
def _named_as(target: Path, real: Path) -> Iterator[None]:
    """A failure of the temp file (making it, writing it, renaming it) names the
    file the caller asked for: `.x.jsonl.123-ab12cd34.tmp` is gone by the time
    the message is read, and a user who gave `-o x.jsonl` cannot tell it is theirs
    (docs/safety.md). Errors naming another file are left as they are."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None or os.path.basename(exc.filename).startswith(temp_prefix(real)):
            if exc.errno is None:
                exc.filename = os.fspath(target)
                raise
            # a new error: setting filename2 to None would still print "-> None"
            named = type(exc)(exc.errno, exc.strerror, os.fspath(target))
            raise named.with_traceback(exc.__traceback__) from None
        raise


class _Output:
    """`write_atomic`'s temp file: small pieces buffered, file ranges copied by the
    kernel, and the disk kept writing while the copy goes on.

    Linux writes dirty pages back only once they are many or old, so left alone a
    2 GB save copies first and then waits for the whole file in `fsync`. Here,
    every `KICK` bytes a thread (`_Flusher`) asks for what is written so far to
    reach the disk while this one copies on, so the final fsync waits for the
    tail only. Measured on a 2 GB file (this disk): read and write then fsync
    5.4–5.6 s, kernel copy then fsync 3.3–4.2 s, overlapped 2.7–3.7 s
    (docs/safety.md: the rename still waits for the final fsync).
    """

    BUFFER = 1 << 20
    SMALL = 256 << 10  # shorter file ranges are read, not copied by the kernel
    KICK = 64 << 20

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._written = 0  # bytes in the file
        self._kicked = 0  # of which the flusher was asked to write back
        self._kernel_copy = hasattr(os, "copy_file_range")
        self._flusher: _Flusher | None = None

    def __enter__(self) -> _Output:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._flusher is not None:
                self._flusher.stop()
        finally:
            os.close(self.fd)

    def write(self, data: bytes) -> None:
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= self.BUFFER:
            self.flush()

    def flush(self) -> None:
        if self._buffered:
            self._write_all(b"".join(self._buffer))
            self._buffer.clear()
            self._buffered = 0

    def sync(self) -> None:
        """Everything written durable (the flusher's error, if it had one, raised)."""
        self.flush()
        if self._flusher is not None:
            self._flusher.stop()
        os.fsync(self.fd)

    def copy(self, piece: FileRange) -> None:
        """The range's bytes, as far as its file goes (as reading it would give).

        A short range is read into the buffer: a kernel copy is one syscall that
        writes as well, so a save of many short runs (every third entry deleted,
        a moved order) paid twice the CPU of reading them and writing once a MB."""
        if piece.end - piece.start < self.SMALL:
            for data in piece.read():
                self.write(data)
            return
        self.flush()
        start = piece.start
        while self._kernel_copy and start < piece.end:
            step = min(piece.end - start, self.KICK)
            try:
                done = os.copy_file_range(piece.fd, self.fd, step, start, self._written)
            except OSError:  # not between these files here (old kernel, special file)
                self._kernel_copy = False
                break
            if not done:  # the file ends early, or the kernel copies nothing from it
                break  # (some file systems answer 0 short of the end): `read` tells which
            start += done
            self._advance(done)
        for data in FileRange(piece.fd, start, piece.end).read():
            self._write_all(data)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = os.pwrite(self.fd, view, self._written)
            view = view[done:]
            self._advance(done)

    def _advance(self, done: int) -> None:
        self._written += done
        if self._written - self._kicked >= self.KICK:
            if self._flusher is None:
                self._flusher = _Flusher(self.fd)
            self._flusher.kick()
            self._kicked = self._written


#: Data (and the size that reads it) to the disk; macOS has only fsync.
_datasync = getattr(os, "fdatasync", os.fsync)


class _Flusher:
    """A thread that writes a file's dirty pages back (`fdatasync`) when kicked,
    while the writer goes on; kicks that come while it works make one more pass."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._wake = threading.Condition()
        self._kicked = self._stopping = False
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="save-flusher", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        with self._wake:
            self._kicked = True
            self._wake.notify()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while True:
            with self._wake:
                while not (self._kicked or self._stopping):
                    self._wake.wait()
                if not self._kicked:
                    return
                self._kicked = False
            try:
                _datasync(self._fd)
            except OSError as exc:  # the writer raises it; the final fsync would too
                self.error = exc
                return


def _take_attributes(fd: int, target: Path) -> None:
    """Mode and owner of the file being replaced, or the umask's mode for a new file.

    mkstemp makes 0600 files; a file the tool creates should not be more
    private than one `cp` or a shell redirect would make. The owner is kept
    where we may (root, or the owner's own group); otherwise the file is
    ours, as with any editor that saves by rename.
    """
    try:
        st = os.stat(target)
    except FileNotFoundError:
        os.fchmod(fd, 0o666 & ~current_umask())
        return
    if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except PermissionError:
            with contextlib.suppress(PermissionError):
                os.fchown(fd, -1, st.st_gid)
    os.fchmod(fd, st.st_mode & 0o7777)  # after chown, which may clear set-id bits


def current_umask() -> int:
    """The process umask, read without changing it (Linux); else set-and-restore."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _random_part(text: str) -> bool:
    """The 8 characters `mkstemp` puts in a name (so another tool's temp file is never matched)."""
    return len(text) == 8 and all(c.isascii() and (c.isalnum() or c == "_") for c in text)


LEGACY_TEMP_AGE = 3600.0  # seconds after which a temp file without a pid counts as left over


def remove_leftover_temps(target: str | os.PathLike[str]) -> list[Path]:
    """Delete temp files that killed saves of target left; returns what was removed.

    Call it only while holding the file's lock: then no other session of
    ours is saving this file. A temp file whose pid is still running is
    left alone anyway (a save to this name as someone's `--output`), and one
    without a pid (made by an older version) only once it is an hour old.
    """
    real = real_path(target)
    removed = []
    head = f".{real.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(real.parent):
            name = entry.name
            if not (name.startswith(head) and name.endswith(".tmp")) or not entry.is_file(
                    follow_symlinks=False):
                continue
            middle = name[len(head):-4]
            pid, dash, rest = middle.partition("-")
            if dash and pid.isdigit() and _random_part(rest):
                if alive(int(pid)):
                    continue
            elif not _random_part(middle) or time.time() - entry.stat(
                    follow_symlinks=False).st_mtime < LEGACY_TEMP_AGE:
                continue
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def fsync_dir(directory: Path) -> None:
    """Make a created, renamed or removed name durable (best effort)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def sidecar_dir(data_path: str | os.PathLike[str]) -> Path:
    """`.rolethread/` beside the real file (symlinks followed): backups, journal, lock."""
    return real_path(data_path).parent / BACKUP_DIR


def sidecar(data_path: str | os.PathLike[str], suffix: str) -> Path:
    """`.rolethread/<real name><suffix>`: the journal, its base or the lock of a data file."""
    real = real_path(data_path)
    return real.parent / BACKUP_DIR / f"{real.name}{suffix}"


def backup_dir(target: Path) -> Path:
    return sidecar_dir(target) / "backups"


def backup(target: Path) -> Path | None:
    """Keep the file about to be replaced in `.rolethread/backups/` beside it.

    A hard link costs nothing (the rename leaves the old inode to the link);
    a copy is the fallback where links are not allowed. The newest
    `BACKUPS_KEPT` backups of each file are kept.
    """
    target = real_path(target)
    if not target.is_file():  # nothing there, or a device or FIFO written into (no backup)
        return None
    folder = backup_dir(target)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time_ns()  # nanoseconds: two saves in one second get two backups
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now // 10**9)) + f".{now % 10**9:09d}"
    dest = folder / f"{target.name}.{stamp}.{os.getpid()}.bak"
    try:
        os.link(target, dest)
    except OSError:
        # Copy under a temp name, then rename: never write through an existing
        # name, whose inode may be an older backup or the journal's base.
        tmp = folder / f".{dest.name}.tmp"
        shutil.copy2(target, tmp)
        os.replace(tmp, dest)
    _rotate(folder, target.name)
    return dest


def _rotate(folder: Path, name: str) -> None:
    mine = sorted(folder.glob(f"{name}.*.bak"))  # the timestamp in the name sorts them
    for old in mine[:-BACKUPS_KEPT]:
        with contextlib.suppress(OSError):
            old.unlink()
