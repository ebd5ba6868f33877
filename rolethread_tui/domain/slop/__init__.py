"""The slop lens (DESIGN §7a): what a generated batch repeats, entry by entry.

Signals over assistant turns: ``repeated-phrase`` (4–8-word phrases shared by
many entries), ``repeated-opening``, ``sycophancy``, ``generic-assistant``,
``not-x-but-y`` and ``stock-words``. Each entry gets a score in [0, 1] and its
signals with evidence; the file gets the phrase table.

    report = slop_of(count, read)            # or file_slop(path)
    report.ranked(); report.entries[i].signals; report.phrases

The computation is pure and splits over chunks: ``discover`` (a sample) ->
``count_chunk`` per chunk -> ``merge`` -> ``finish``. No Textual import, no threads.
"""

from .counts import Counts, Lexicon, count_chunk, discover, merge
from .report import EntrySlop, Phrase, SlopMark, SlopReport, finish
from .rules import SIGNALS
from .score import Signal
from .source import file_slop, slop_of

__all__ = [
    "SIGNALS", "Counts", "EntrySlop", "Lexicon", "Phrase", "Signal", "SlopMark", "SlopReport",
    "count_chunk", "discover", "file_slop", "finish", "merge", "slop_of",
]
