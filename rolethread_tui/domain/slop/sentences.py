"""An entry's words, candidate phrases and stock words, counted sentence by sentence.

No counted 4-gram spans a `BREAK` (a lexicon never holds one: `lexicon.discover`),
so an entry's candidate phrases are the union of its sentences', its stock words'
uses are the sums of its sentences' and its word count is theirs plus one per
BREAK: the very numbers `counts` would get from the whole entry's words. Generated
batches repeat whole sentences (catchphrases, stock openers and closers, template
lines), so each distinct sentence is split and looked up once per process, and
an entry that repeats known sentences costs one dict lookup for each.

On prose that rarely repeats a sentence that memory only costs, so after
`TRIAL` sentences a `Sentences` that found too few again reads whole entries
(as `counts` did before it) for the rest of its life. Either way the answer is
the same; only the speed differs.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

from .text import BREAK, GRAM, sentences_of, split_words

#: What one text contributes: (words, candidate phrase numbers, (stock word, uses)).
Facts = tuple[int, frozenset[int], tuple[tuple[bytes, int], ...]]
PhraseAt = Callable[[tuple[bytes, ...]], int | None]

#: Distinct sentences remembered; past it the memory starts again (bounds RSS).
MEMORY = 200_000
#: Sentences looked up before deciding whether remembering them pays…
TRIAL = 10_000
#: …which it does when at least this share of them were seen before.
MIN_REPEATS = 0.5

_EMPTY: frozenset[int] = frozenset()
_words_of, _phrases_of, _stock_of = itemgetter(0), itemgetter(1), itemgetter(2)


class Sentences:
    """Counts texts (`text.plain` bytes) for one lexicon and stock list, remembering sentences."""

    def __init__(self, phrase_at: PhraseAt, stock: frozenset[bytes]) -> None:
        self._phrase_at = phrase_at
        self._stock = stock
        self._memory: dict[bytes, Facts] = {}
        self._looked = self._missed = 0
        self._trying = True
        self.remember = True

    def facts(self, raw: bytes) -> Facts:
        """Words, candidate phrases and stock-word uses (sorted by word) of one text."""
        if not self.remember:
            return self._count(split_words(raw))
        parts = sentences_of(raw)
        known = list(map(self._memory.get, parts))
        if None in known:
            known = self._learn(parts, known)
        if self._trying:
            self._try(len(parts))
        found = _EMPTY.union(*filter(None, map(_phrases_of, known)))
        stock = list(filter(None, map(_stock_of, known)))
        return (raw.count(BREAK) + sum(map(_words_of, known)), found,
                _total(stock) if stock else ())

    def _learn(self, parts: list[bytes], known: list[Facts | None]) -> list[Facts]:
        memory = self._memory
        if len(memory) > MEMORY:
            memory.clear()
        missed = 0
        for k, facts in enumerate(known):
            if facts is None:
                missed += 1
                known[k] = memory[parts[k]] = self._count(parts[k].split())
        self._missed += missed
        return known  # type: ignore[return-value]

    def _try(self, looked: int) -> None:
        """After `TRIAL` sentences, once: go on remembering if enough were seen before."""
        self._looked += looked
        if self._looked < TRIAL:
            return
        self._trying = False
        self.remember = self._missed <= (1.0 - MIN_REPEATS) * self._looked
        if not self.remember:
            self._memory.clear()

    def _count(self, tokens: list[bytes]) -> Facts:
        found = _EMPTY
        if len(tokens) >= GRAM:
            found = frozenset(map(self._phrase_at, zip(
                tokens, tokens[1:], tokens[2:], tokens[3:], strict=False)))
            if None in found:
                found = found - {None}
        hits = self._stock.intersection(tokens)
        stock = tuple((w, tokens.count(w)) for w in sorted(hits)) if hits else ()
        return len(tokens), found, stock  # type: ignore[return-value]


def _total(stock: list[tuple[tuple[bytes, int], ...]]) -> tuple[tuple[bytes, int], ...]:
    """(word, uses) pairs of several sentences added up, sorted by word."""
    if len(stock) == 1:
        return stock[0]
    uses: dict[bytes, int] = {}
    for pairs in stock:
        for word, n in pairs:
            uses[word] = uses.get(word, 0) + n
    return tuple(sorted(uses.items()))
