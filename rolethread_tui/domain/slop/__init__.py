"""The slop lens (docs/slop.md): what a generated batch repeats, entry by entry.

Signals over assistant turns: ``repeated-phrase`` (4–8-word phrases shared by
many entries), ``repeated-opening``, ``sycophancy``, ``generic-assistant``,
``not-x-but-y`` and ``stock-words``. Each entry gets a score in [0, 1] and its
signals with evidence; the file gets the phrase table.

    report = slop_of(count, read)            # or file_slop(path)
    report.ranked(); report.entries[i].signals; report.phrases

The computation is pure and splits over chunks: ``discover`` (a sample) ->
``count_chunk`` per chunk -> ``merge`` -> ``finish``. No Textual import, no threads.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .rules import SIGNALS

# Loaded on first use: the query parser needs only the signal names, and the
# counting modules import `insights`, which imports the search package.
_HOMES = {
    "Counts": "counts", "Lexicon": "lexicon", "count_chunk": "counts", "discover": "lexicon",
    "merge": "counts", "EntrySlop": "report", "Phrase": "report", "SlopMark": "report",
    "SlopReport": "report", "finish": "report", "Signal": "score", "file_slop": "source",
    "slop_of": "source",
}

__all__ = ["SIGNALS", *_HOMES]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{home}", __name__), name)
