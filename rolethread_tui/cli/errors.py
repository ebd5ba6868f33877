"""How headless commands fail: one line on stderr, exit code 2, never a traceback."""

from __future__ import annotations


class UsageError(Exception):
    """A failure the user can fix (bad path, bad query, bad option): exit 2."""


def describe(exc: BaseException) -> str:
    """A one-line message for any failure, naming the file when there is one."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
