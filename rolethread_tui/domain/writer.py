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
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .store import BOM, ENDINGS, LineStore

PIECE = 8 << 20
BACKUP_DIR = ".rolethread"
BACKUPS_KEPT = 5


def pieces(
    store: LineStore,
    order: Iterable[int],
    total: int,
    changed: Callable[[int], bytes | None],
) -> Iterator[bytes]:
    """The output file as a stream of byte pieces.

    `changed(rid)` gives a record's new line content, or None when the record
    is an original line left as read. Records beyond the loaded file (new
    entries) always come through `changed`.
    """
    if store.bom:
        yield BOM
    newline = ENDINGS[store.endings[0]] if store.count and store.endings[0] else b"\n"
    run: list[int] = []  # [start, end) of a pending copy from the source file
    prev = -2
    for k, rid in enumerate(order):
        last = k == total - 1
        line = changed(rid) if rid < store.count else None
        original = rid < store.count and line is None
        if original and run and rid == prev + 1:
            run[1] = store.line_end(rid)
        else:
            yield from _flush(store, run)
            run = []
            if original:
                run = [store.gap_start(rid), store.line_end(rid)]
            else:
                if rid < store.count:
                    yield store.read_range(store.gap_start(rid), store.starts[rid])
                    ending = ENDINGS[store.endings[rid]]
                else:
                    ending = newline
                    line = changed(rid)
                yield line or b""
                yield ending if (ending or last) else newline
        if original and not last and store.endings[rid] == 0:
            yield from _flush(store, run)
            run = []
            yield newline
        prev = rid
    yield from _flush(store, run)
    yield store.read_range(store.tail_start(), store.size)


def _flush(store: LineStore, run: list[int]) -> Iterator[bytes]:
    if not run:
        return
    start, end = run
    while start < end:
        step = min(PIECE, end - start)
        yield store.read_range(start, start + step)
        start += step


def write_atomic(target: Path, data: Iterable[bytes]) -> None:
    """Temp file in the same directory, fsync, rename over the target.

    A crash or a full disk at any point leaves either the old file or the new
    one, never a mix; the temp file is removed on failure.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            for piece in data:
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


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


def backup_dir(target: Path) -> Path:
    return target.parent / BACKUP_DIR / "backups"


def backup(target: Path) -> Path | None:
    """Keep the file about to be replaced in `.rolethread/backups/` beside it.

    A hard link costs nothing (the rename leaves the old inode to the link);
    a copy is the fallback where links are not allowed. The newest
    `BACKUPS_KEPT` backups of each file are kept.
    """
    target = Path(target)
    if not target.exists():
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
