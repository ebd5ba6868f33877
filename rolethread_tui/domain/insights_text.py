"""The text side of the insights: what a reply opens with, how much of it is quoted
speech, and which line of a system prompt tells it apart (`insights` counts them)."""

from __future__ import annotations

import re
import string

OPENING_WORDS = 4
PHRASE_CHARS = 80  # longest system-prompt phrase put into a link query
MIN_PHRASE = 24  # shorter prompt lines are headings, not what tells prompts apart

_PUNCT = string.punctuation + "“”‘’«»„‚—–…·•"
_CURLY_QUOTE = re.compile("“[^”]*”")

# A word is a run of letters/digits (anything but space and punctuation), with
# inner apostrophes ("you've"); `*`, quotes and dashes around it are separators.
# So "*Mira smiles," and "Mira smiles" open the same way.
_SEP_CHARS = re.escape(_PUNCT) + r"\s"
_WORD = rf"[^{_SEP_CHARS}]+(?:['’][^{_SEP_CHARS}]+)*"
_SEP = rf"[{_SEP_CHARS}]"
_OPENING = re.compile(
    rf"{_SEP}*({_WORD})" + "".join(rf"(?:{_SEP}+({_WORD}))?" for _ in range(OPENING_WORDS - 1))
)
_LOOK = 40 * OPENING_WORDS  # characters of a reply the opening is looked for in


def opening_words(text: str) -> list[str]:
    """The first words of a reply (up to ``OPENING_WORDS``), punctuation dropped, case folded.

    One anchored regex match: this runs for every reply of the batch.
    """
    match = _OPENING.match(text, 0, _LOOK)
    if match is None:
        return []
    return [w.casefold() for w in match.groups() if w is not None]


def opening_phrase(text: str) -> str:
    """The raw text spanning a reply's opening words (for a phrase query).

    Stops before a line break, so the phrase stays one line a search box can show.
    """
    match = _OPENING.match(text, 0, _LOOK)
    if match is None:
        return ""
    start = end = match.start(1)
    for k in range(1, OPENING_WORDS + 1):
        if match.group(k) is None or any(c in "\n\r\t" for c in text[end:match.start(k)]):
            break
        end = match.end(k)
    return text[start:end]


def quoted_share(text: str) -> float:
    """Share of a reply's characters inside closed "…" or “…” quotes (dialogue vs narration)."""
    if not text:
        return 0.0
    inside = 0
    if '"' in text:
        parts = text.split('"')
        inside += sum(map(len, parts[1::2] if len(parts) % 2 else parts[1:-1:2]))
    if "“" in text:
        inside += sum(len(m) - 2 for m in _CURLY_QUOTE.findall(text))
    return inside / len(text)  # quote marks are outside: never above 1


def _system_phrase(text: str) -> str:
    """A line of a system prompt that picks it out, for an ``in:system "…"`` query.

    The first line of at least ``MIN_PHRASE`` characters (a bare ``<character>``
    or ``### Instructions`` heading would match every card of that template),
    else the longest line; cut at a word boundary to ``PHRASE_CHARS``.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((x for x in lines if len(x) >= MIN_PHRASE), max(lines, key=len, default=""))
    if len(line) > PHRASE_CHARS:
        cut = line[:PHRASE_CHARS]
        line = cut.rsplit(None, 1)[0] if " " in cut else cut
    return line


def _prompt_label(text: str) -> str:
    """The start of a prompt on one line, whitespace collapsed (screens cut it to fit)."""
    return " ".join(text[:400].split())[:200]
