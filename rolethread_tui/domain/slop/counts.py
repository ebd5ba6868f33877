"""Counting: the two passes of the lens, in mergeable pieces.

1. `discover` reads a sample of the file (every entry of a small one) and keeps
   the 4-grams it shares among many entries: the *lexicon* of candidates. Counting
   every distinct 4-gram of 100k entries would hold tens of millions of keys; a
   phrase repeated in 0.5 % of a file is in ~15 entries of a 3000-entry sample,
   far above the sample threshold, so sampling loses no phrase worth reporting.
2. `count_chunk` reads any chunk of entries and counts, exactly, what the report
   needs: candidate 4-grams per entry (and which follow which), openings, stock
   words and phrase-list matches. `merge` adds two `Counts` (chunks in any order,
   from any process: everything is keyed by entry position and by hashes that are
   the same in every process). `report.finish` turns the total into a report.

Both passes are pure (no threads, no I/O): the caller reads lines and decides
where chunks run.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections import (
    Counter,
    _count_elements,  # type: ignore[attr-defined]
)
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, filterfalse, pairwise

from ..insights import OPENING_WORDS, opening_words
from .lists import pattern_findings, stock_words
from .phrases import chain
from .rules import COMMON_WORDS, MAX_CANDIDATES, PHRASE_SHARE, SAMPLE_MARGIN
from .sentences import Sentences
from .text import (
    BREAK,
    GRAM,
    assistant_replies,
    gram_hashes,
    plain,
    positions_in,
    record_of,
    words,
)

_JOIN = "\n"  # a line break is a BREAK: no 4-gram spans two replies


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The candidate phrases of a file: what the full pass counts exactly.

    ``grams[k]`` is the words of a 4-gram and ``phrase_of[k]`` the phrase it belongs
    to; ``phrases[p]`` is phrase p's text. Plain strings and ints, so a lexicon
    travels to another process; each process builds its own lookup (`index`).
    """

    grams: tuple[str, ...] = ()
    phrase_of: tuple[int, ...] = ()
    phrases: tuple[str, ...] = ()

    def index(self) -> dict[tuple[bytes, ...], int]:
        """4-gram (a tuple of `text.words`) -> phrase number."""
        return _index(self)


@lru_cache(maxsize=4)
def _index(lexicon: Lexicon) -> dict[tuple[bytes, ...], int]:
    return {tuple(words(g)): p for g, p in zip(lexicon.grams, lexicon.phrase_of, strict=True)}


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


def reply_words(record: object) -> tuple[list[str], list[bytes]]:
    """An entry's assistant replies and their words (a `BREAK` between replies)."""
    replies = assistant_replies(record)
    return replies, (words(_JOIN.join(replies)) if replies else [])


def discover(lines: Iterable[bytes]) -> Lexicon:
    """The phrases a sample of lines shares among many entries (see the module doc).

    4-grams in enough entries of the sample are candidates; those that follow one
    another in most of their entries are chained into one phrase (`phrases.chain`).
    """
    shared: Counter[int] = Counter()
    sample: list[tuple[list[bytes], list[int]]] = []
    for line in lines:
        tokens = reply_words(record_of(line))[1]
        if tokens:
            hashes = gram_hashes(tokens)
            sample.append((tokens, hashes))
            shared.update(set(hashes))
    floor = max(2, math.ceil(SAMPLE_MARGIN * PHRASE_SHARE * len(sample)))
    keep = {h: n for h, n in shared.items() if n >= floor}
    if len(keep) > MAX_CANDIDATES:
        keep = dict(Counter(keep).most_common(MAX_CANDIDATES))
    del shared
    number: dict[int, int] = {}
    texts: list[str] = []
    links: Counter[tuple[int, int]] = Counter()
    places = [positions_in(hashes, keep) for _, hashes in sample]
    for (tokens, hashes), at in zip(sample, places, strict=True):  # words, numbered
        if len(number) == len(keep):  # in the order they first occur
            break
        fresh = list(filterfalse(number.__contains__, dict.fromkeys(map(hashes.__getitem__, at))))
        if fresh:
            first = dict(zip(map(hashes.__getitem__, reversed(at)), reversed(at), strict=True))
            for h in fresh:
                number[h] = len(texts)
                texts.append(_text(tokens[first[h]:first[h] + GRAM]))
    numbered = number.__getitem__
    for (_tokens, hashes), at in zip(sample, places, strict=True):  # what follows what
        if len(at) > 1:
            numbers = list(map(numbered, map(hashes.__getitem__, at)))
            adjacent = map((1).__eq__, map(operator.sub, at[1:], at))
            links.update(set(compress(pairwise(numbers), adjacent)))
    counts = {number[h]: n for h, n in keep.items() if h in number and texts[number[h]]}
    chains = chain(counts, links, tuple(texts))
    grams = [(texts[c], chains.phrase_of[c]) for c in sorted(counts)]
    return Lexicon(tuple(g for g, _ in grams), tuple(p for _, p in grams),
                   tuple(chains.texts))


def _text(gram: list[bytes]) -> str:
    """The words of a 4-gram; "" for one across a break or made only of function words."""
    if BREAK in gram or all(w in COMMON_WORDS for w in gram):
        return ""
    return b" ".join(gram).decode("utf-8", "replace")


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
