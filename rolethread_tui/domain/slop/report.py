"""The lens's answer: per entry a score and its signals, per file the phrase table.

`finish` turns the merged `Counts` into a `SlopReport`: it decides which 4-grams,
openings and stock words the file repeats far above their rate (the verdicts
need the whole file, so they wait for the last chunk), chains the 4-grams into
phrases, then scores every entry from what it contains (`score`).
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .baseline import human_rate
from .counts import Counts, EntryCounts, Lexicon
from .rules import MIN_ENTRIES, OPENING_SHARE, PHRASE_SHARE, STOCK_RATIO
from .score import Judge, Signal

#: What the query language reads for one entry: (score, signal names).
SlopMark = tuple[float, frozenset[str]]
_CLEAN: SlopMark = (0.0, frozenset())


@dataclass(frozen=True, slots=True)
class EntrySlop:
    """An entry with at least one signal. ``phrases``: its rows of the phrase table
    (most shared first; its signals name the first ``PHRASES_PER_ENTRY``)."""

    entry: int
    score: float
    signals: tuple[Signal, ...]
    phrases: array = field(default_factory=lambda: array("I"))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.signals)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A row of the phrase table: the words, the entries sharing them, and how many
    times ``PHRASE_SHARE`` (the rate prose repeats a phrase at) that share is."""

    text: str
    entries: int
    over: float


@dataclass(frozen=True, slots=True)
class SlopReport:
    """The slop lens over one file (or one session state). Positions are 0-based."""

    total: int
    entries: dict[int, EntrySlop]
    phrases: tuple[Phrase, ...]
    _marks: dict[int, SlopMark] = field(default_factory=dict, compare=False, repr=False)

    def to_plain(self) -> tuple:
        """The report in builtins only: how the scan cache keeps it (marshal)."""
        return (self.total, plain_entries(self.entries.values()),
                [(p.text, p.entries, p.over) for p in self.phrases])

    @classmethod
    def from_plain(cls, plain: tuple) -> SlopReport:
        """The report `to_plain` wrote (raises ValueError / TypeError on anything else)."""
        total, entries, phrases = plain
        return cls(int(total), entries_of_plain(entries),
                   tuple(Phrase(str(t), int(n), float(o)) for t, n, o in phrases))

    def mark(self, position: int) -> SlopMark:
        """(score, signal names) of an entry; (0.0, {}) for a clean one."""
        found = self.entries.get(position)
        return _CLEAN if found is None else (found.score, found.names)

    def marks(self) -> Mapping[int, SlopMark]:
        """Position -> (score, names) of every entry with a signal (for `slop:` / `order:`)."""
        if not self._marks and self.entries:
            self._marks.update((p, self.mark(p)) for p in self.entries)
        return self._marks

    def ranked(self) -> list[int]:
        """Every position, worst first; equal scores (and clean entries) in file order."""
        flagged = sorted(self.entries.values(), key=lambda e: (-e.score, e.entry))
        rest = (p for p in range(self.total) if p not in self.entries)
        return [e.entry for e in flagged] + list(rest)

    def phrase_entries(self, row: int) -> list[int]:
        """Positions of the entries that hold phrase-table row ``row``."""
        return sorted(p for p, e in self.entries.items() if row in e.phrases)

    def as_json(self, line_of: Callable[[int], int | None], top: int | None = None
                ) -> dict[str, Any]:
        """The `slop --json` document (docs/slop.md); ``line_of``: 1-based line of a position."""
        ranked, entry, phrases = self.json_parts(line_of, top)
        return {"entries": [entry(p) for p in ranked], "phrases": phrases}

    def json_parts(self, line_of: Callable[[int], int | None], top: int | None = None
                   ) -> tuple[list[int], Callable[[int], dict[str, Any]], list[dict[str, Any]]]:
        """`as_json`'s pieces: the positions in the order the entries are listed, the
        object of one, and the phrases. The command encodes the entries a batch at a
        time from these instead of building the whole document (`cli/json_out.py`)."""
        ranked = self.ranked()
        if top is not None:
            ranked = ranked[:top]
        phrases = [{"text": ph.text, "entries": ph.entries} for ph in self.phrases]
        return ranked, lambda p: self._entry_json(p, line_of(p)), phrases

    def _entry_json(self, position: int, line: int | None) -> dict[str, Any]:
        found = self.entries.get(position)
        if found is None:
            return {"entry": position, "line": line, "score": 0.0, "signals": []}
        return {"entry": position, "line": line, "score": found.score,
                "signals": [{"name": s.name, "evidence": s.evidence} for s in found.signals]}


def plain_entries(entries: Iterable[EntrySlop]) -> list[tuple]:
    """Entries in builtins only (the scan cache; the helper process's answer)."""
    return [(e.entry, e.score, [(g.name, g.evidence) for g in e.signals], e.phrases.tobytes())
            for e in entries]


def entries_of_plain(plain: Iterable[tuple]) -> dict[int, EntrySlop]:
    """Position -> entry of what `plain_entries` wrote, one `Signal` per distinct finding."""
    signals: dict[tuple[str, str], Signal] = {}

    def signal(name: str, evidence: str) -> Signal:
        found = signals.get((name, evidence))
        if found is None:  # built once: most findings are shared by many entries
            found = signals[name, evidence] = Signal(name, evidence)
        return found

    def entry(position: int, score: float, found: list, rows: bytes) -> EntrySlop:
        kept = array("I")
        kept.frombytes(rows)
        return EntrySlop(position, score, tuple([signal(n, e) for n, e in found]), kept)

    return {e[0]: entry(*e) for e in plain}


def finish(counts: Counts, lexicon: Lexicon) -> SlopReport:
    """The report of a whole file's counts (every chunk merged)."""
    found = verdicts(counts, lexicon)
    return SlopReport(counts.entries, judge(counts.rows, found), found.phrases)


@dataclass(frozen=True, slots=True)
class Verdicts:
    """What the whole file decided, all an entry's score needs (plain: it travels to
    the helper process, which scores the entries it counted: `slop.helper`)."""

    phrases: tuple[Phrase, ...]
    row_of: dict[int, int]  # lexicon phrase -> row of the phrase table, for the kept ones
    openings: dict[str, int]
    over_used: dict[bytes, tuple[int, float]]
    findings: Counter[str]


def verdicts(counts: Counts, lexicon: Lexicon,
             rates: Mapping[bytes, float | None] | None = None) -> Verdicts:
    """The file-wide verdicts of a whole file's counts (its rows are not read);
    ``rates``: the stock words' `baseline.stock_rates`, when already known."""
    replied = counts.replied
    floor = max(MIN_ENTRIES, math.ceil(PHRASE_SHARE * replied))
    kept = sorted((p for p, n in counts.phrases.items() if n >= floor),
                  key=lambda p: (-counts.phrases[p], lexicon.phrases[p]))
    phrases = tuple(Phrase(lexicon.phrases[p], counts.phrases[p],
                           round(counts.phrases[p] / max(replied, 1) / PHRASE_SHARE, 1))
                    for p in kept)
    return Verdicts(phrases, {p: row for row, p in enumerate(kept)}, _openings(counts),
                    _over_used(counts, rates or {}), counts.findings)


def judge(rows: dict[int, EntryCounts], found: Verdicts) -> dict[int, EntrySlop]:
    """Position -> `EntrySlop` of the entries with a signal, in the order of ``rows``."""
    judge = Judge(found.phrases, found.openings, found.over_used, found.findings)
    rows_in, held_in = found.row_of.__getitem__, frozenset(found.row_of).intersection
    entries = {}
    for position, row in rows.items():
        held = sorted(map(rows_in, held_in(row[1]))) if row[1] else []
        scored = judge.entry(position, row, held)
        if scored is not None:
            entries[position] = EntrySlop(*scored)
    return entries


def _openings(counts: Counts) -> dict[str, int]:
    floor = max(MIN_ENTRIES, math.ceil(OPENING_SHARE * counts.replied))
    return {key: n for key, n in counts.openings.items() if n >= floor}


def _over_used(counts: Counts, rates: Mapping[bytes, float | None]
               ) -> dict[bytes, tuple[int, float]]:
    """Stock word -> (entries using it, times its human rate), for the over-used ones."""
    out = {}
    for word, uses in counts.stock_uses.items():
        entries = counts.stock_entries[word]
        human = rates[word] if word in rates else human_rate(word.decode())
        if human is None or entries < MIN_ENTRIES:
            continue
        ratio = uses / max(counts.words, 1) / human
        if ratio >= STOCK_RATIO:
            out[word] = (entries, ratio)
    return out
