"""Thresholds and weights of the slop lens, in one place, with the reason for each.

The lens judges a file against itself and against human text: a phrase is
"repeated" when it recurs in far more entries than ordinary prose repeats any
4–8-word phrase; a stock word is "over-used" when the file uses it far above
its frequency in human text. The numbers were set on the planted and the
human-like corpora of ``tests/slopgen.py``: every planted phrase and opener is
found, and varied human prose raises no signal at all.
"""

from __future__ import annotations

from typing import Final

from ..validation.needles import FUNCTION_WORDS

#: Signal names (docs/slop.md), in the order they are listed for an entry.
SIGNALS: Final = ("repeated-phrase", "repeated-opening", "sycophancy", "generic-assistant",
                  "not-x-but-y", "stock-words")

# -- repeated phrases -----------------------------------------------------------------
#: Ordinary prose repeats a given content-bearing 4-word phrase in well under 0.1 % of
#: replies; the lens reports a phrase from this share of the entries with assistant
#: text, and a phrase's over-representation is its share divided by this one.
PHRASE_SHARE: Final = 0.005
#: …and never on fewer entries than this (small files: 4 of 100 is chance, not a habit).
MIN_ENTRIES: Final = 4
#: Entries read (evenly spread over the file) to find the candidate phrases that the
#: full pass then counts exactly. Larger files are sampled; smaller ones read whole.
SAMPLE_ENTRIES: Final = 3000
#: A candidate needs this share of PHRASE_SHARE in the sample (sampling noise margin).
SAMPLE_MARGIN: Final = 0.5
#: Candidates kept (the most shared first): bounds memory on heavily templated files.
MAX_CANDIDATES: Final = 20_000
#: Two repeated 4-grams are one phrase when one follows the other in at least this
#: share of the entries of either (the more shared one too: a common 4-gram that a
#: rare one sometimes follows is a different phrase, or chains would swallow the file).
LINK_SHARE: Final = 0.5
#: Words of a phrase shown; a longer repeated run is cut and ends with "…".
MAX_PHRASE_WORDS: Final = 8
#: 4-grams made only of these say nothing about phrasing ("and i don't want").
COMMON_WORDS: Final = frozenset(w.encode() for w in FUNCTION_WORDS)

# -- openings ----------------------------------------------------------------------------
#: An opening (the first words of the first reply) shared by this share of entries.
OPENING_SHARE: Final = 0.01

# -- stock words -------------------------------------------------------------------------
#: A listed word is over-used when the file uses it this many times its human frequency…
STOCK_RATIO: Final = 10.0
#: …and an entry has the signal when it uses this many distinct over-used words.
STOCK_MIN_WORDS: Final = 2

# -- per-entry score ----------------------------------------------------------------------
#: Per finding weights; an entry's score is 1 - prod(1 - weight) over its findings, so it
#: stays in [0, 1], grows with every finding and no single one decides alone.
WEIGHTS: Final = {
    "repeated-phrase": 0.3,  # + up to 0.25 more as the phrase gets more over-represented
    "repeated-opening": 0.25,
    "sycophancy": 0.45,
    "generic-assistant": 0.35,
    "not-x-but-y": 0.3,
    "stock-words": 0.1,  # per over-used word, up to 0.3
}
PHRASES_PER_ENTRY: Final = 3  # repeated phrases listed (and scored) per entry, most shared first
