"""Counts in words: "1 entry", "2 entries" — messages read as a person writes them."""

from __future__ import annotations

_PLURALS = {"entry": "entries", "match": "matches"}


def count(n: int, word: str) -> str:
    """`n` and the word, singular for one: count(1, "entry") == "1 entry"."""
    if n == 1:
        return f"1 {word}"
    head, _, last = word.rpartition(" ")
    plural = _PLURALS.get(last, last + "s")
    return f"{n:,} {head + ' ' if head else ''}{plural}"
