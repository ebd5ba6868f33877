"""Counts in words: "1 entry", "2 entries" — messages read as a person writes them.

In the domain so that its own messages (merge's report, undo labels), the
headless commands' and the TUI's (through the port) share one rule.
"""

from __future__ import annotations

import os

#: Plurals that are not the word plus "s" (the last word of a phrase is looked up).
_PLURALS = {"entry": "entries", "match": "matches", "reply": "replies", "copy": "copies"}


def count(n: int, word: str) -> str:
    """`n` and the word, singular for one: count(1, "entry") == "1 entry",
    count(2, "duplicate group") == "2 duplicate groups" (thousands separated)."""
    if n == 1:
        return f"1 {word}"
    head, _, last = word.rpartition(" ")
    plural = _PLURALS.get(last, last + "s")
    return f"{n:,} {head + ' ' if head else ''}{plural}"


def os_reason(exc: BaseException, path: str | os.PathLike[str] | None = None, *,
              name: bool = True) -> str:
    """An error as a sentence: an OS error by its message and the file's name (its
    own, else `path`'s), never the ``[Errno N]`` form `str()` gives it.

    The one wording of an OS error for every message (saves, opening, the lock,
    export, the crash journal). `name=False` when the sentence around it already
    names the file ("cannot write OUT: No space left on device"), so the name is
    not said twice; an error with a number but no message is worded by the OS's
    own text for that number. Any other error is its message's first line (a
    toast is no place for a dump of several lines), else its kind ("KeyError")."""
    if not isinstance(exc, OSError):
        return _first_line(exc)
    reason = exc.strerror or (os.strerror(exc.errno) if exc.errno else "")
    if not reason:
        return _first_line(exc)
    named = (exc.filename or path) if name else None
    return f"{reason} ({os.path.basename(os.fspath(named))})" if named else reason


def cannot_write(target: str | os.PathLike[str], exc: BaseException) -> str:
    """"cannot write TARGET: <reason>": the sentence names the file as given (the
    error's own name may be a temporary file beside it)."""
    return f"cannot write {target}: {os_reason(exc, name=False)}"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__
