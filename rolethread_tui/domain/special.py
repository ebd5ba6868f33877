"""Paths that are not regular files: a device or FIFO to write to, a pipe given as input.

docs/safety.md "Devices, FIFOs and pipes". The atomic save (temp file, rename)
is right for a file and wrong for anything else: renamed over `/dev/null` or a
FIFO it would put a regular file in its place. A character device or a FIFO is
written into directly, as a shell redirect does (no temp file, no rename, no
fsync); a directory, a socket or a block device is refused. Reading needs a
regular file (line offsets read back by `pread`, the file's stamp): a pipe is
refused before it is opened, since opening a FIFO nobody writes to waits forever.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: What a path is, for messages ("x: not a regular file (a socket)").
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a pipe"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def kind(mode: int) -> str | None:
    """None for a regular file, else what it is ("a pipe", "a directory", …)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


#: What is written into, never replaced (with a regular file, or nothing there yet,
#: the only kinds an output may be).
STREAMS = ("a pipe", "a character device")


def path_kind(path: str | os.PathLike[str]) -> str | None:
    """What `path` names, symlinks followed; None for a regular file or nothing there."""
    try:
        return kind(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return None


def is_stream(path: str | os.PathLike[str]) -> bool:
    """True for a character device or a FIFO (symlinks followed), or one of this process's
    open files (`/dev/stdout`, `/dev/fd/N`): written into, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or (stat.S_ISREG(mode) and own_fd(path))


def own_fd(path: str | os.PathLike[str]) -> bool:
    """True when `path` leads to `/proc/<our pid>/fd/N` (`/dev/stdout`, `/dev/fd/1`, …).

    `-o /dev/stdout > out.jsonl` names the file the shell opened for us: it is
    written through that descriptor (`own_fd_number`), not replaced by a temp
    file renamed over it.
    """
    return own_fd_number(path) is not None


def own_fd_number(path: str | os.PathLike[str]) -> int | None:
    """N when `path` leads to `/proc/<our pid>/fd/N`, else None."""
    mine = f"/proc/{os.getpid()}/fd"
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if os.path.realpath(os.path.dirname(current)) == mine:
            name = os.path.basename(current)
            return int(name) if name.isdigit() else None
        if not os.path.islink(current):
            return None
        current = os.path.join(os.path.dirname(current), os.readlink(current))
    return None


def not_regular(path: str | os.PathLike[str], what: str) -> OSError:
    """The error for a path that is `what` where a regular file is needed (one line)."""
    return OSError(errno.EINVAL, f"not a regular file ({what})", os.fspath(path))


def require_regular(path: str | os.PathLike[str]) -> None:
    """Raise unless `path` is a regular file (or absent: opening it says so).

    Checked on the type before anything opens it: opening a FIFO with no
    writer would wait forever, and a pipe cannot be read twice or by offset.
    """
    what = path_kind(path)
    if what is not None and what != "a directory":  # a folder fails opening, as always
        raise not_regular(path, what)


def write_stream(target: Path, data: Iterable[Any]) -> bool:
    """Write `data` straight into a character device or FIFO; False if target is neither.

    Called first by `write_atomic`. A socket or block device is refused
    (OSError "not a regular file"); a regular file, or no file yet, is left to
    the atomic save, but for one of our open files (`own_fd`: `/dev/stdout`
    redirected to a file), appended to. Opening a FIFO waits for its reader,
    as a shell redirect does. Pieces are bytes or `FileRange`s (anything with
    `read()`).
    """
    what = path_kind(target)
    if what == "a directory" or (what is None and not (target.exists() and own_fd(target))):
        return False  # the atomic save (a rename over a directory fails: "Is a directory")
    if what is not None and what not in STREAMS:
        raise not_regular(target, what)
    fd = _open_stream(target)
    try:
        buffer = bytearray()
        for piece in data:
            chunks = (piece,) if isinstance(piece, bytes | bytearray | memoryview) else piece.read()
            for chunk in chunks:
                buffer += chunk
                if len(buffer) >= 1 << 20:
                    _write_all(fd, buffer)
                    buffer.clear()
        _write_all(fd, buffer)
    except OSError as exc:  # a full device, a reader gone: say which output
        if exc.filename is None:
            exc.filename = str(target)
        raise
    finally:
        os.close(fd)
    return True


def _open_stream(target: Path) -> int:
    """A descriptor to write `target` through. One of our own open files is written
    through a copy of its descriptor: it shares the shell's file offset, so what the
    command prints there afterwards follows the data (`validate --fix -o /dev/stdout
    > out` reopened it at offset 0, and the report then overwrote the entries)."""
    number = own_fd_number(target)
    if number is not None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # what Python buffered goes first
                if stream is not None and stream.fileno() == number:
                    stream.flush()
        return os.dup(number)
    flags = os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    return os.open(target, flags)


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
