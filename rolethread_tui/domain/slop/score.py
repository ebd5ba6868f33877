"""One entry's signals, with evidence, and its score in [0, 1].

The score is 1 - prod(1 - w) over the entry's findings (weights in `rules`): it
grows with every finding, never leaves [0, 1], and ranks an entry with a
catchphrase, a stock opener and a generic closer above one with only one of them.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .counts import EntryCounts
from .rules import PHRASES_PER_ENTRY, STOCK_MIN_WORDS, WEIGHTS

if TYPE_CHECKING:
    from .report import Phrase

#: (name, evidence, weight) of one finding.
Finding = tuple[str, str, float]


@dataclass(frozen=True, slots=True)
class Signal:
    """One finding: a signal name and its evidence (the phrase, how many entries share it)."""

    name: str
    evidence: str


@lru_cache(maxsize=65536)
def _scored(found: Finding) -> tuple[Signal, float]:
    """(signal, 1 - weight) of a finding: one `Signal` object per distinct finding
    (phrase and opening findings repeat)."""
    return Signal(found[0], found[1]), 1.0 - found[2]


class Judge:
    """Scores entries against the file-wide verdicts `report.finish` reached."""

    def __init__(self, phrases: Sequence[Phrase], openings: dict[str, int],
                 over_used: dict[bytes, tuple[int, float]], findings: Counter[str]) -> None:
        self.phrases = phrases
        self.openings = openings
        # Evidence is per phrase or opening, not per entry: built once, shared by entries,
        # as (signal, 1 - weight) so an entry only multiplies.
        self._phrase_found = [_scored(self._phrase(p)) for p in phrases]
        self._opening_found: dict[str, tuple[Signal, float]] = {}
        self.over_used = over_used
        self.findings = findings

    def entry(self, position: int, row: EntryCounts, phrase_rows: list[int]
              ) -> tuple[int, float, tuple[Signal, ...], array] | None:
        """(position, score, signals, phrase rows) of an entry, None when it is clean."""
        opening, _grams, matched, stock = row
        found = [self._phrase_found[row] for row in phrase_rows[:PHRASES_PER_ENTRY]]
        if opening is not None and opening in self.openings:
            found.append(self._opening_found.get(opening) or self._opening(opening))
        if matched:
            found += [_scored((name, f'"{text}" ({self.findings[name]:,} entries)',
                               WEIGHTS[name])) for name, text in matched]
        if stock:
            found += map(_scored, self._stock(stock))
        if not found:
            return None
        signals, kept = zip(*found, strict=True)
        # 1 - prod(1 - w): math.prod multiplies left to right, as over the weights.
        return position, round(1.0 - math.prod(kept), 4), signals, array("I", phrase_rows)

    @staticmethod
    def _phrase(phrase: Phrase) -> Finding:
        boost = min(0.25, 0.05 * math.log2(max(phrase.over, 1.0)))
        return ("repeated-phrase", f'"{phrase.text}" ({phrase.entries:,} entries)',
                WEIGHTS["repeated-phrase"] + boost)

    def _opening(self, opening: str) -> tuple[Signal, float]:
        shared = self.openings[opening]
        found = _scored(("repeated-opening", f'opens with "{opening}" ({shared:,} entries)',
                         WEIGHTS["repeated-opening"]))
        self._opening_found[opening] = found
        return found

    def _stock(self, stock: tuple[tuple[bytes, int], ...]) -> list[Finding]:
        used = [(w, self.over_used[w]) for w, _ in stock if w in self.over_used]
        if len(used) < STOCK_MIN_WORDS:
            return []
        used.sort(key=lambda item: -item[1][1])
        words = ", ".join(f"{w.decode()} ({n:,} entries, {ratio:.0f}x human rate)"
                          for w, (n, ratio) in used[:4])
        weight = min(0.3, WEIGHTS["stock-words"] * len(used))
        return [("stock-words", words, weight)]
