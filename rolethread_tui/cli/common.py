"""Helpers shared by the headless commands."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from ..domain.session import Session
from .errors import UsageError


@contextlib.contextmanager
def open_session(path: str, **kwargs: object) -> Iterator[Session]:
    """Open and fully scan a file, turning the usual failures into UsageError."""
    session = Session.open(input_file(path), **kwargs)  # type: ignore[arg-type]
    try:
        session.wait()
        yield session
    finally:
        session.close()


def input_file(path: str) -> Path:
    """The file a command reads, or a UsageError saying why it can't be read."""
    file = Path(path)
    if not file.exists():
        raise UsageError(f"{path}: no such file")
    if file.is_dir():
        raise UsageError(f"{path}: is a directory")
    return file
