"""The editor's text area: what it edits, and how it draws unsafe characters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast, overload

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import TextArea
from textual.widgets.text_area import DocumentBase, DocumentNavigator, WrappedDocument

from ..safe_text import KIND_GLYPH, describe, hidden_counts, hidden_kind, hidden_spans, one_cell

ROLE_CYCLE = ("system", "user", "assistant")

#: How each kind of hidden character's stand-in stands out from a literal ⇄ or ◌.
KIND_STYLE = {"bidi": "bold red", "zero-width": "bold yellow", "control": "bold cyan"}
_KIND_NAME = {"bidi": "bidi control", "zero-width": "zero-width", "control": "control"}


@dataclass(slots=True)
class Editing:
    """The text area session in progress: what it edits and what it loaded."""

    m: int  # message index (-1: the raw line)
    source: str  # the text handed to the TextArea
    loaded: str  # the TextArea's text right after loading (it normalises line breaks)
    adding: str | None = None  # role of a message being added (None: editing one)


class _ShownLines(Sequence[str]):
    """The document's lines as drawn (`one_cell`), each made when asked for: an edit
    re-wraps a few lines, not the whole message."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [one_cell(line) for line in self._lines[index]]
        return one_cell(self._lines[index])


class _Shown:
    """The document as drawn, for Textual's wrapping and cursor placement.

    Textual measures wrap points, cursor cells and clicks on the document it is
    given. A hidden character counts 0 cells there but its stand-in takes 1, so
    measured on the raw text a wrapped row would overflow (its last cells cut:
    text hidden again) and the cursor drift. The drawn text has the same length
    line by line, so every (row, column) is the document's own.
    """

    def __init__(self, document: DocumentBase) -> None:
        self._document = document

    @property
    def lines(self) -> _ShownLines:
        return _ShownLines(self._document.lines)

    @property
    def line_count(self) -> int:
        return self._document.line_count

    def get_line(self, index: int) -> str:
        return one_cell(self._document.get_line(index))

    def __getitem__(self, index: int) -> str:
        return one_cell(self._document[index])


class SafeTextArea(TextArea):
    """A TextArea that draws control / invisible characters as visible stand-ins.

    TextArea renders its document as-is, so an ESC in a message would go straight
    to the terminal and an RLO would reorder what follows. Each hidden character
    is drawn as the one-cell glyph of its kind (`safe_text.one_cell`), styled, so
    cursor and selection columns stay right; the document itself is untouched (the
    exact characters are edited and saved). `hidden_status` names the one under
    the cursor, which no single cell can.
    """

    _counts: Counter[str] = Counter()

    def _set_document(self, text: str, language: str | None) -> None:
        """Wrap and navigate the drawn text (`_Shown`), not the raw one."""
        super()._set_document(text, language)
        shown = cast(DocumentBase, _Shown(self.document))
        self.wrapped_document = WrappedDocument(shown, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._rewrap_and_refresh_virtual_size()

    def get_component_rich_style(self, *names: str, partial: bool = False,
                                 default: Style | None = None) -> Style:
        """The cursor line keeps only its background: its text colour would paint over
        the stand-ins' colours on the very line being edited."""
        style = super().get_component_rich_style(*names, partial=partial, default=default)
        return Style(bgcolor=style.bgcolor) if names == ("text-area--cursor-line",) else style

    def get_line(self, line_index: int) -> Text:
        line = self.document.get_line(line_index)
        out = Text(one_cell(line), end="", no_wrap=True)
        for index, kind in hidden_spans(line):
            out.stylize(KIND_STYLE[kind], index, index + 1)
        return out

    def get_column_width(self, row: int, column: int) -> int:
        """Cells before `column` as drawn (where a tab stops)."""
        drawn = one_cell(self.document[row][:column])
        return cell_len(expand_tabs_inline(drawn, self.indent_width))

    def on_text_area_changed(self) -> None:
        """Count the hidden characters once per change, not per cursor move."""
        self._counts = hidden_counts(self.text)

    def hidden_status(self) -> Text | None:
        """The line under the editor's title: the character under the cursor named
        ("⟨RLO⟩ U+202E RIGHT-TO-LEFT OVERRIDE"), else how many of each kind the text
        holds; None when it holds none."""
        if not self._counts:
            return None
        row, column = self.cursor_location
        line = self.document[row]
        char = line[column] if column < len(line) else ""
        kind = hidden_kind(char) if char else None
        if kind is not None:
            return Text.assemble(("cursor on ", "dim"), (describe(char), KIND_STYLE[kind]),
                                 (f" · {_KIND_NAME[kind]}", "dim"))
        parts = [Text.assemble((glyph, KIND_STYLE[kind]), f" {self._counts[kind]} {kind}")
                 for kind, glyph in KIND_GLYPH.items() if self._counts[kind]]
        return Text.assemble(("⚠ hidden: ", "bold"), Text(" · ").join(parts),
                             (" · cursor on one names it", "dim"))
