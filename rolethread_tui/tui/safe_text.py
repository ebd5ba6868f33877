"""Showing dataset text literally: never as markup, never as terminal control codes.

Content is always wrapped in `rich.text.Text` (never parsed as markup), and
control characters — ESC, BEL, CR, C1 codes, bidi overrides, zero-width
characters — are replaced by visible stand-ins so a hostile line can neither
drive the terminal nor hide text from the reviewer.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text

_C0 = {i: chr(0x2400 + i) for i in range(0x20) if i not in (0x09, 0x0A)}  # ␀ … ␟
_INVISIBLE = {
    0x7F: "␡",
    0x200B: "⟨ZWSP⟩", 0x200C: "⟨ZWNJ⟩", 0x200D: "⟨ZWJ⟩", 0x2060: "⟨WJ⟩", 0xFEFF: "⟨BOM⟩",
    0x202A: "⟨LRE⟩", 0x202B: "⟨RLE⟩", 0x202C: "⟨PDF⟩", 0x202D: "⟨LRO⟩", 0x202E: "⟨RLO⟩",
    0x2066: "⟨LRI⟩", 0x2067: "⟨RLI⟩", 0x2068: "⟨FSI⟩", 0x2069: "⟨PDI⟩",
    0x200E: "⟨LRM⟩", 0x200F: "⟨RLM⟩", 0x2028: "⟨LS⟩", 0x2029: "⟨PS⟩", 0xFFFD: "�",
}
_TABLE = {**_C0, **_INVISIBLE, **{i: f"⟨{i:02X}⟩" for i in range(0x80, 0xA0)}}
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]"
)


def clean(text: str) -> str:
    """The text with every control / invisible character made visible."""
    if text.isascii() and text.isprintable():
        return text
    if not _UNSAFE.search(text):
        return text
    return text.translate(_TABLE)


def one_line(text: str) -> str:
    """For list rows: newlines and tabs become spaces, then `clean`."""
    return clean(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def literal(text: str, style: str = "") -> Text:
    """A Rich Text that shows `text` exactly (markup-looking text stays text)."""
    return Text(clean(text), style=style, no_wrap=False)


def clipped(text: str, width: int, *, middle: bool = False) -> str:
    """`one_line` in at most `width` terminal cells, the cut said with "…" (a name that
    does not fit must not pass for a shorter one): at the end, or in the middle so
    that both ends show (a file name keeps its extension)."""
    text = one_line(text)
    if cell_len(text) <= width:
        return text
    room = max(width - 1, 0)
    if not middle:
        return _head(text, room) + "…"
    back = _head(text[::-1], room // 2)[::-1]
    return _head(text, room - cell_len(back)) + "…" + back


def _head(text: str, cells: int) -> str:
    """The longest start of `text` that takes at most `cells` cells."""
    used = 0
    for n, char in enumerate(text):
        used += get_character_cell_size(char)
        if used > cells:
            return text[:n]
    return text
