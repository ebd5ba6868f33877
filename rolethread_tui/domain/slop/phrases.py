"""The phrase table: repeated 4-grams chained into the phrases a reader recognises.

A catchphrase of seven words is four overlapping 4-grams, each shared by about
the same entries. Showing them as four rows would bury the table, so 4-grams
that follow one another in most of the entries of either are joined
(union-find) into one phrase, and the phrase's text is read off the chain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .rules import LINK_SHARE, MAX_PHRASE_WORDS


@dataclass(frozen=True, slots=True)
class Chains:
    """Repeated 4-grams grouped into phrases.

    ``phrase_of[c]``: the phrase number of candidate c, -1 when c is not repeated.
    ``texts[p]``: phrase p's words (cut to ``MAX_PHRASE_WORDS``, then "…").
    """

    phrase_of: list[int]
    texts: list[str]


def chain(repeated: dict[int, int], links: Counter[tuple[int, int]],
          texts: tuple[str, ...]) -> Chains:
    """Phrases of the ``repeated`` candidates (number -> entries), linked by ``links``."""
    parent = {c: c for c in repeated}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    # a -> (entries, b): a's strongest successor. Candidates are numbered in the order
    # they first occur, so a tie goes the same way whatever order `links` is in.
    follows: dict[int, tuple[int, int]] = {}
    for (a, b), n in links.items():
        if a == b or a not in repeated or b not in repeated:
            continue
        if n >= LINK_SHARE * max(repeated[a], repeated[b]):
            parent[root(a)] = root(b)
            best = follows.get(a, (0, 0))  # ties: the one first seen in the sample
            if n > best[0] or (n == best[0] and b < best[1]):
                follows[a] = (n, b)
    groups: dict[int, list[int]] = {}
    for c in repeated:
        groups.setdefault(root(c), []).append(c)
    preceded = {b for _, b in follows.values()}
    phrase_of = [-1] * len(texts)
    out: list[str] = []
    for members in groups.values():
        for c in members:
            phrase_of[c] = len(out)
        out.append(_text(members, follows, preceded, repeated, texts))
    return Chains(phrase_of, out)


def _text(members: list[int], follows: dict[int, tuple[int, int]], preceded: set[int],
          repeated: dict[int, int], texts: tuple[str, ...]) -> str:
    """Words of the chain from the most shared 4-gram that nothing precedes."""
    heads = [c for c in members if c not in preceded] or members
    current = max(heads, key=lambda c: (repeated[c], -c))
    words = texts[current].split()
    seen = {current}
    while current in follows and len(words) <= MAX_PHRASE_WORDS:
        current = follows[current][1]
        if current in seen:
            break
        seen.add(current)
        words.append(texts[current].split()[-1])
    if len(words) > MAX_PHRASE_WORDS:
        return " ".join(words[:MAX_PHRASE_WORDS]) + " …"
    return " ".join(words)
