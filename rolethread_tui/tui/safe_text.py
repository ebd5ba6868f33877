"""Showing dataset text literally: never as markup, never as terminal control codes.

Content is always wrapped in `rich.text.Text` (never parsed as markup), and
control characters — ESC, BEL, CR, C1 codes, bidi overrides, zero-width
characters — are replaced by visible stand-ins so a hostile line can neither
drive the terminal nor hide text from the reviewer.

Where a stand-in must take exactly one cell (the editor's text box: its cursor
columns are the document's), `one_cell` draws each hidden character as the glyph
of its kind (`hidden_kind`: ⇄ bidi control, ◌ zero-width, a control picture or
␦ for other controls), and `describe` names the one under the cursor.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text

_C0 = {i: chr(0x2400 + i) for i in range(0x20) if i not in (0x09, 0x0A)}  # ␀ … ␟
_INVISIBLE = {
    0x7F: "␡",
    0x200B: "⟨ZWSP⟩", 0x200C: "⟨ZWNJ⟩", 0x200D: "⟨ZWJ⟩", 0x2060: "⟨WJ⟩", 0xFEFF: "⟨BOM⟩",
    0x202A: "⟨LRE⟩", 0x202B: "⟨RLE⟩", 0x202C: "⟨PDF⟩", 0x202D: "⟨LRO⟩", 0x202E: "⟨RLO⟩",
    0x2066: "⟨LRI⟩", 0x2067: "⟨RLI⟩", 0x2068: "⟨FSI⟩", 0x2069: "⟨PDI⟩",
    0x200E: "⟨LRM⟩", 0x200F: "⟨RLM⟩", 0x061C: "⟨ALM⟩",
    0x2028: "⟨LS⟩", 0x2029: "⟨PS⟩", 0xFFFD: "�",
}
# the rest of what the `hidden-characters` check flags (validation/hidden.py): invisible
# in a terminal too; a tag character spells the ASCII it smuggles
_FORMAT = {0xAD: "⟨SHY⟩", 0x180E: "⟨MVS⟩",
           **{i: f"⟨{i:04X}⟩" for i in (*range(0x2061, 0x2065), *range(0x206A, 0x2070),
                                           *range(0xFFF9, 0xFFFC))},
           **{i: f"⟨TAG {chr(i - 0xE0000)}⟩" if 0xE0020 < i < 0xE007F else f"⟨{i:05X}⟩"
              for i in range(0xE0000, 0xE0080)}}
_TABLE = {**_C0, **_INVISIBLE, **_FORMAT, **{i: f"⟨{i:02X}⟩" for i in range(0x80, 0xA0)}}
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)

#: The one-cell glyph of each kind of hidden character (`one_cell`).
KIND_GLYPH = {"bidi": "⇄", "zero-width": "◌", "control": "␦"}
_BIDI = frozenset((0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_ZERO_WIDTH = frozenset((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *_FORMAT))


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


def hidden_kind(char: str) -> str | None:
    """"bidi" (reorders what follows), "zero-width" (hides inside a word),
    "control" (C0/C1, DEL, line separators), or None for a character shown as is."""
    if not _UNSAFE.fullmatch(char):
        return None
    code = ord(char)
    return "bidi" if code in _BIDI else "zero-width" if code in _ZERO_WIDTH else "control"


def _one_cell_stand_in(code: int) -> str:
    """A control picture (␛, ␀ …: one cell already, and it names the control), else
    the glyph of the character's kind: ⟨RLO⟩ would shift every column after it."""
    shown = _TABLE[code]
    return shown if len(shown) == 1 else KIND_GLYPH[hidden_kind(chr(code)) or "control"]


_ONE_CELL = {code: _one_cell_stand_in(code) for code in _TABLE if _UNSAFE.fullmatch(chr(code))}


def one_cell(text: str) -> str:
    """`text` with each hidden character drawn as one cell: the same length, so a
    column of `text` is a column of the result (the editor's cursor stays right)."""
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_ONE_CELL)


def hidden_spans(text: str) -> Iterator[tuple[int, str]]:
    """(index, kind) of each hidden character of `text`, to style its stand-in."""
    if text.isascii() and text.isprintable():
        return
    for found in _UNSAFE.finditer(text):
        yield found.start(), hidden_kind(found.group()) or "control"


def hidden_counts(text: str) -> Counter[str]:
    """How many hidden characters of each kind `text` holds."""
    return Counter(kind for _, kind in hidden_spans(text))


def describe(char: str) -> str:
    """The character's marker, code point and Unicode name ("⟨RLO⟩ U+202E
    RIGHT-TO-LEFT OVERRIDE"): what a one-cell glyph cannot say."""
    code = ord(char)
    name = unicodedata.name(char, "")
    if not name:  # controls have no Unicode name: their control picture has one
        picture = _C0.get(code) or ("␡" if code == 0x7F else "")
        name = (unicodedata.name(picture).removeprefix("SYMBOL FOR ") if picture
                else "C1 CONTROL" if 0x80 <= code < 0xA0 else "CONTROL")
    return f"{clean(char)} U+{code:04X} {name}"
