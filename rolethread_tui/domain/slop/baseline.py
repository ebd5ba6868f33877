"""The human baseline: how often people write a word (``wordfreq``'s English list).

Imported lazily, only when a report is finished, so the CLI's other commands and
the app's start never pay for it (~0.15 s import, ~0.07 s for the list). Without
``wordfreq`` installed the lens still runs; it just cannot say that a word is
over-used, so `stock-words` never fires.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache


@lru_cache(maxsize=1)
def human_frequencies() -> Mapping[str, float] | None:
    """Word -> share of English words it makes up, or None without ``wordfreq``."""
    try:
        from wordfreq import get_frequency_dict
    except ImportError:
        return None
    return get_frequency_dict("en", wordlist="large")


#: Below wordfreq's floor (~1e-8): a word it does not know is taken to be this rare.
FLOOR = 1e-8


def human_rate(word: str) -> float | None:
    """The word's human frequency (at least `FLOOR`), or None without a baseline."""
    table = human_frequencies()
    if table is None:
        return None
    return max(table.get(word, 0.0), FLOOR)


def stock_rates() -> dict[bytes, float | None]:
    """`human_rate` of every curated stock word (as `text.words` spells it).

    What the report needs of the baseline, computed where it is cheap: the helper
    process loads the list while the caller reads its sample (`slop.source`).
    """
    from .lists import stock_words

    return {word: human_rate(word.decode()) for word in sorted(stock_words())}
