"""Counting: the two passes of the lens, in mergeable pieces.

1. `discover` (`slop.lexicon`) reads a sample of the file (every entry of a small
   one) and keeps the 4-grams it shares among many entries: the *lexicon* of
   candidates.
2. `count_chunk` reads any chunk of entries and counts, exactly, what the report
   needs: candidate 4-grams per entry (and which follow which), openings, stock
   words and phrase-list matches. `merge` adds two `Counts` (chunks in any order,
   from any process: everything is keyed by entry position and by hashes that are
   the same in every process). `report.finish` turns the total into a report.

Both passes are pure (no threads, no I/O): the caller reads lines and decides
where chunks run.
"""

from __future__ import annotations

from array import array
from collections import (
    Counter,
    _count_elements,  # type: ignore[attr-defined]
)
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ..insights import OPENING_WORDS, opening_words
from .lexicon import Lexicon, discover
from .lists import pattern_findings, stock_words
from .sentences import Sentences
from .text import assistant_replies, plain, record_of

_JOIN = "\n"  # a line break is a BREAK: no 4-gram spans two replies

__all__ = ["Counts", "EntryCounts", "Lexicon", "count_chunk", "discover", "merge", "merge_all"]


#: One entry's counts: (opening or None, the candidate phrases it holds,
#: (signal, matched text) of the phrase lists, (stock word, uses) pairs).
EntryCounts = tuple[str | None, array, tuple[tuple[str, str], ...], tuple[tuple[bytes, int], ...]]


@dataclass(slots=True)
class Counts:
    """What a set of entries contributes; add two with `merge`."""

    entries: int = 0  # entries read, whether or not they have assistant text
    #: position -> counts; empty when another process keeps them (`slop.helper`)
    rows: dict[int, EntryCounts] = field(default_factory=dict)
    words: int = 0  # assistant words, the denominator of a word's rate
    phrases: Counter[int] = field(default_factory=Counter)  # candidate phrase -> entries
    openings: Counter[str] = field(default_factory=Counter)
    stock_uses: Counter[bytes] = field(default_factory=Counter)
    stock_entries: Counter[bytes] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)  # signal -> entries
    replied: int = 0  # entries with at least one assistant reply


def count_chunk(lines: Iterable[bytes], lexicon: Lexicon, start: int = 0) -> Counts:
    """Counts of consecutive entries whose first is at position ``start``."""
    counts = Counts()
    facts = _sentences(lexicon).facts
    for position, line in enumerate(lines, start):
        counts.entries += 1
        replies = assistant_replies(record_of(line))
        if not replies:
            continue
        text = _JOIN.join(replies)
        words, found, stock = facts(plain(text))
        counts.words += words
        counts.replied += 1
        counts.rows[position] = (
            _opening(replies[0], counts.openings),
            _phrases(found, counts.phrases),
            _findings(text, counts.findings),
            _stock(stock, counts),
        )
    return counts


@lru_cache(maxsize=1)
def _sentences(lexicon: Lexicon) -> Sentences:
    """The lexicon's sentence counter: one per process, so its memory serves every chunk."""
    return Sentences(lexicon.index().get, stock_words())


def _opening(reply: str, openings: Counter[str]) -> str | None:
    found = opening_words(reply)
    if len(found) < OPENING_WORDS:
        return None
    key = " ".join(found)
    openings[key] += 1
    return key


def _phrases(found: frozenset[int], totals: Counter[int]) -> array:
    if not found:
        return _NONE
    _count_elements(totals, found)  # what Counter.update runs, without its Python checks
    return array("I", found)


_NONE = array("I")


def _findings(text: str, totals: Counter[str]) -> tuple[tuple[str, str], ...]:
    found = pattern_findings(text)  # the replies joined by a line break
    if found:  # most entries match no list
        _count_elements(totals, [signal for signal, _ in found])
    return found


def _stock(used: tuple[tuple[bytes, int], ...], counts: Counts
           ) -> tuple[tuple[bytes, int], ...]:
    if used:
        counts.stock_entries.update(w for w, _ in used)
        counts.stock_uses.update(dict(used))
    return used


def merge(a: Counts, b: Counts) -> Counts:
    """The counts of both sets of entries (which must not overlap); a and b are unchanged."""
    return Counts(
        a.entries + b.entries, {**a.rows, **b.rows}, a.words + b.words,
        a.phrases + b.phrases, a.openings + b.openings,
        a.stock_uses + b.stock_uses, a.stock_entries + b.stock_entries,
        a.findings + b.findings, a.replied + b.replied,
    )


def merge_all(parts: Iterable[Counts]) -> Counts:
    """`merge` of the parts one after the other, without copying the rows each time
    (the same totals, keys in the same order)."""
    total = Counts()
    for part in parts:
        total.entries += part.entries
        total.rows.update(part.rows)
        total.words += part.words
        total.phrases.update(part.phrases)
        total.openings.update(part.openings)
        total.stock_uses.update(part.stock_uses)
        total.stock_entries.update(part.stock_entries)
        total.findings.update(part.findings)
        total.replied += part.replied
    return total
