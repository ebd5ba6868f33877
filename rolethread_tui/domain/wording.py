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


def os_reason(exc: BaseException, path: str | os.PathLike[str] | None = None) -> str:
    """An error as a sentence: an OS error by its message and the file's name (its
    own, else `path`'s), never the ``[Errno N]`` form `str()` gives it."""
    if not isinstance(exc, OSError) or not exc.strerror:
        return str(exc)
    named = exc.filename if exc.filename else path
    return f"{exc.strerror} ({os.path.basename(os.fspath(named))})" if named else exc.strerror
