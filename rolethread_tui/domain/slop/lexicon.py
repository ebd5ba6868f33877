"""The candidate phrases of a file (`discover`, on a sample) and the `Lexicon` carrying them.

`discover` reads a sample of the file (every entry of a small one) and keeps the
4-grams it shares among many entries. Counting every distinct 4-gram of 100k
entries would hold tens of millions of keys; a phrase repeated in 0.5 % of a file
is in ~15 entries of a 3000-entry sample, far above the sample threshold, so
sampling loses no phrase worth reporting.

No candidate crosses a `BREAK` (a sentence, an action or a turn ending), so the
sample is read sentence by sentence: each distinct sentence of the sample is
split and hashed once, and an entry is the union of its sentences' 4-grams.
Generated batches repeat whole sentences (most of a datagen sample's are seen
before), so this reads the sample several times faster than entry by entry; on
prose that seldom repeats one it costs about the same. The sample is bounded
(`rules.SAMPLE_ENTRIES`), so the memory of sentences is too.
"""

from __future__ import annotations

import math
import operator
from collections import (
    Counter,
    _count_elements,  # type: ignore[attr-defined]
)
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, pairwise

from .phrases import chain
from .rules import COMMON_WORDS, MAX_CANDIDATES, PHRASE_SHARE, SAMPLE_MARGIN
from .sentences import MIN_REPEATS, TRIAL
from .text import (
    BREAK,
    GRAM,
    assistant_replies,
    gram_hashes,
    plain,
    positions_in,
    record_of,
    sentences_of,
    split_words,
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


#: One distinct sentence of the sample: its words and the hash of each 4-gram, in order.
_Sentence = tuple[list[bytes], list[int]]
_NO_PAIRS: frozenset[tuple[int, int]] = frozenset()
#: Stands for a 4-gram across a break: CPython's `hash` never returns -1, and
#: -1 | h == -1 for any int h (`_Sample._read_whole` ORs it in).
_ACROSS = -1
_NONE = (_ACROSS,)


def _across(tokens: list[bytes]) -> bytes:
    """Byte p is 1 when tokens[p:p + 4] hold a `BREAK`, else 0: the break flags ORed
    with themselves shifted by 1-3 tokens, as one integer (C-level, no loop per token)."""
    breaks = int.from_bytes(bytes(map(BREAK.__eq__, tokens)), "little")
    flags = breaks
    for shift in range(1, GRAM):
        flags |= breaks >> (8 * shift)
    return flags.to_bytes(len(tokens), "little")


class _Sample:
    """The sample's entries as lists of sentences, each distinct sentence read once."""

    def __init__(self) -> None:
        self.sentences: dict[bytes, _Sentence] = {}
        self.entries: list[list[bytes]] = []  # each entry's sentences, in order
        self.shared: Counter[int] = Counter()  # 4-gram hash -> entries holding it
        self._grams: dict[bytes, frozenset[int]] = {}
        # As `sentences.Sentences`: after a trial, prose that seldom repeats a
        # sentence is read entry by entry (the same 4-grams, fewer calls).
        self.by_sentence = True
        self._looked = self._missed = 0

    def add(self, line: bytes) -> None:
        """Reads one line; an entry without a word or a break is not in the sample
        (as `text.words` would give it no token)."""
        replies = assistant_replies(record_of(line))
        if not replies:
            return
        raw = plain(_JOIN.join(replies))
        if not raw.strip():  # bytes.strip and split agree on what is blank
            return
        if not self.by_sentence:
            self.entries.append([raw])
            _count_elements(self.shared, self._grams.get(raw) or self._read_whole(raw))
            return
        parts = sentences_of(raw)
        grams = self._grams
        known = list(map(grams.get, parts))
        if None in known:
            for k, found in enumerate(known):
                if found is None:
                    self._missed += 1
                    known[k] = self._read(parts[k])
        self.entries.append(parts)
        _count_elements(self.shared, frozenset().union(*known))  # entries, not uses
        if self._looked < TRIAL:
            self._looked += len(parts)
            self.by_sentence = self._looked < TRIAL or self._missed <= (
                1.0 - MIN_REPEATS) * self._looked

    def _read(self, part: bytes) -> frozenset[int]:
        tokens = part.split()
        hashes = gram_hashes(tokens)
        self.sentences[part] = (tokens, hashes)
        found = self._grams[part] = frozenset(hashes)
        return found

    def _read_whole(self, raw: bytes) -> frozenset[int]:
        """An entry read as one piece: a 4-gram across a break gets `_ACROSS` for its
        hash and is left out, so the entry holds the very 4-grams its sentences do."""
        tokens = split_words(raw)
        self.sentences[raw] = (tokens, hashes := list(map(
            operator.or_, gram_hashes(tokens), map(operator.neg, _across(tokens)))))
        found = self._grams[raw] = frozenset(hashes).difference(_NONE)
        return found

    def candidates(self) -> dict[int, int]:
        """4-gram hash -> entries, for those shared by enough entries of the sample."""
        floor = max(2, math.ceil(SAMPLE_MARGIN * PHRASE_SHARE * len(self.entries)))
        keep = {h: n for h, n in self.shared.items() if n >= floor}
        if len(keep) > MAX_CANDIDATES:
            keep = dict(Counter(keep).most_common(MAX_CANDIDATES))
        return keep

    def numbered(self, keep: dict[int, int]) -> tuple[dict[int, int], list[str]]:
        """Candidates numbered in the order they first occur in the sample, and their words."""
        number: dict[int, int] = {}
        texts: list[str] = []
        done: set[bytes] = set()
        for parts in self.entries:
            if len(number) == len(keep):
                break
            for part in parts:
                if part in done:
                    continue
                done.add(part)
                tokens, hashes = self.sentences[part]
                for at in positions_in(hashes, keep):
                    if hashes[at] not in number:
                        number[hashes[at]] = len(texts)
                        texts.append(_text(tokens[at:at + GRAM]))
        return number, texts

    def links(self, keep: dict[int, int], number: dict[int, int]) -> Counter[tuple[int, int]]:
        """(a, b) -> entries in which candidate b directly follows candidate a."""
        numbered = number.__getitem__
        pairs: dict[bytes, frozenset[tuple[int, int]]] = {}
        links: Counter[tuple[int, int]] = Counter()
        for parts in self.entries:
            known = list(map(pairs.get, parts))
            if None in known:
                for k, found in enumerate(known):
                    if found is None:
                        hashes = self.sentences[parts[k]][1]
                        at = positions_in(hashes, keep)
                        known[k] = pairs[parts[k]] = _adjacent(
                            list(map(numbered, map(hashes.__getitem__, at))), at)
            _count_elements(links, _NO_PAIRS.union(*known))
        return links


def _adjacent(numbers: list[int], at: list[int]) -> frozenset[tuple[int, int]]:
    """(a, b) of the candidates at consecutive positions of one sentence."""
    if len(at) < 2:
        return _NO_PAIRS
    return frozenset(compress(pairwise(numbers), map((1).__eq__, map(operator.sub, at[1:], at))))


def discover(lines: Iterable[bytes]) -> Lexicon:
    """The phrases a sample of lines shares among many entries (see the module doc).

    4-grams in enough entries of the sample are candidates; those that follow one
    another in most of their entries are chained into one phrase (`phrases.chain`).
    """
    sample = _Sample()
    for line in lines:
        sample.add(line)
    keep = sample.candidates()
    number, texts = sample.numbered(keep)
    links = sample.links(keep, number)
    counts = {number[h]: n for h, n in keep.items() if h in number and texts[number[h]]}
    chains = chain(counts, links, tuple(texts))
    grams = [(texts[c], chains.phrase_of[c]) for c in sorted(counts)]
    return Lexicon(tuple(g for g, _ in grams), tuple(p for _, p in grams),
                   tuple(chains.texts))


def _text(gram: list[bytes]) -> str:
    """The words of a 4-gram; "" for one made only of function words (never a candidate)."""
    if all(w in COMMON_WORDS for w in gram):
        return ""
    return b" ".join(gram).decode("utf-8", "replace")
