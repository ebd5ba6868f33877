"""The editor's text area: what it edits, and how it draws unsafe characters."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import TextArea

ROLE_CYCLE = ("system", "user", "assistant")

# One visible character per unsafe one, so TextArea columns stay aligned.
_ONE_FOR_ONE = {
    **{i: chr(0x2400 + i) for i in range(0x20) if i not in (0x09, 0x0A)},
    0x7F: "␡",
    **dict.fromkeys(range(0x80, 0xA0), "␦"),
    **dict.fromkeys((0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF), "␦"),
    **dict.fromkeys(range(0x2028, 0x202F), "␦"),
    **dict.fromkeys(range(0x2066, 0x206A), "␦"),
}


@dataclass(slots=True)
class Editing:
    """The text area session in progress: what it edits and what it loaded."""

    m: int  # message index (-1: the raw line)
    source: str  # the text handed to the TextArea
    loaded: str  # the TextArea's text right after loading (it normalises line breaks)
    adding: str | None = None  # role of a message being added (None: editing one)


class SafeTextArea(TextArea):
    """A TextArea that draws control / invisible characters as visible stand-ins.

    TextArea renders its document as-is, so an ESC in a message would go
    straight to the terminal. The stand-ins are one character each, so cursor
    and selection columns stay right; the document itself is untouched.
    """

    def get_line(self, line_index: int) -> Text:
        line = self.document.get_line(line_index)
        return Text(line.translate(_ONE_FOR_ONE), end="", no_wrap=True)
