"""The curated lists of the lens (``patterns/*.txt``) and the per-entry phrase checks.

`sycophancy`, `generic-assistant` and `not-x-but-y` are phrase lists in the
validation lists' syntax, run by validation's `Scanner`: one literal needle
search per entry, the regexes only where a needle occurs (most entries hold
none). `stock-words` is a word list; whether a file *over-uses* a word is decided
later against the human baseline (`baseline`), so here it is only loaded.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from ..validation.scanner import PatternList, Scanner, normalise_quotes, parse_pattern_lines

#: Signal name -> its list file.
PATTERN_SIGNALS = {
    "sycophancy": "sycophancy.txt",
    "generic-assistant": "generic_assistant.txt",
    "not-x-but-y": "not_x_but_y.txt",
}
EVIDENCE_CHARS = 80  # a matched text longer than this is cut (it is evidence, not the reply)


def _read(name: str) -> str:
    return (resources.files(f"{__package__}.patterns") / name).read_text("utf-8")


@lru_cache(maxsize=1)
def scanner() -> Scanner:
    """One scanner for the three phrase lists (built once per process)."""
    return Scanner(PatternList.build(signal, parse_pattern_lines(_read(name).splitlines()))
                   for signal, name in PATTERN_SIGNALS.items())


@lru_cache(maxsize=1)
def stock_words() -> frozenset[bytes]:
    """The curated stock words, as the lower-case bytes `text.words` produces."""
    lines = _read("stock_words.txt").splitlines()
    return frozenset(w.encode() for line in lines if not line.startswith("#")
                     for w in line.split())


def pattern_findings(text: str) -> tuple[tuple[str, str], ...]:
    """(signal, matched text) for each phrase list that matches ``text`` (first match each)."""
    scan = scanner()
    # Screened before the quotes are normalised (most texts stop here): a needle's
    # ' also matches ’ and ‘ (`scanner.needle_regex`) and no needle holds a curly
    # quote, so the screen answers alike on the text and on its normalised form.
    if not scan.may_match(text):
        return ()
    text = normalise_quotes(text)
    out = []
    for signal, regex in scan.regexes_for(text):
        match = regex.search(text)
        if match is not None:
            out.append((signal, _clip(match.group(0))))
    return tuple(out)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"
