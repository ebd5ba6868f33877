"""A one-line prompt over the footer: a note or tags without leaving the list.

A modal dialog repaints the whole screen twice (dimmed on open, restored on
close): ~45 KB over SSH for a one-word note. This prompt takes the footer's
line, on a layer of its own, and is always laid out — only its visibility
changes, so no layout runs, nothing under it moves, and it costs about a line
per keystroke (docs/architecture.md, "Repaints"). Like `PromptScreen`, it shows
control characters of a stored value as visible stand-ins and gives back the
stored value itself when the reviewer did not touch it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Region
from textual.widgets import Input, Label

from ..safe_text import clean, one_line
from .footer import QuietFooter

Done = Callable[[str | None], None]


class QuietInput(Input):
    """An `Input` whose edits repaint it only up to the end of its text.

    Textual repaints the whole field for each letter typed: ~0.14 KB over SSH
    for a 60-column field, most of it blanks. An edit changes nothing after the
    longer of the old and new text (and the cursor cell after it), so the
    repaint stops there; a scroll of the text repaints the field as before.
    """

    _editing = False
    _wide = False

    def _text_end(self) -> int:
        return cell_len(self.value) + 1 - round(self.scroll_offset.x)  # +1: the cursor

    def on_show(self) -> None:
        """Drawn whole as it appeared: repaints asked for while it was hidden (its
        value set, its focus) are done, not left to be drawn with the next letter."""
        self._exchange_repaint_regions()

    def replace(self, text: str, start: int, end: int) -> None:
        before, scroll = self._text_end(), self.scroll_offset
        self._editing, self._wide = True, False
        try:
            super().replace(text, start, end)
        finally:
            self._editing = False
        if self._wide:
            if self.scroll_offset != scroll:
                self.refresh()
            else:
                self.refresh(Region(0, 0, max(before, self._text_end()), 1))

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> QuietInput:
        if self._editing and not regions and not recompose:
            if repaint:
                self._wide = True  # narrowed once the edit is done (`replace`)
                repaint = False
            # the text's width changed, but it still fits: a layout would find the
            # field's scrollable size changed and repaint all of it
            layout = layout and self.virtual_size.width > self.scrollable_content_region.width
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        return self


class LinePrompt(Horizontal):
    """Hidden until `ask`; enter answers the text, escape answers None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._done: Done | None = None
        self._value = ""
        self._shown = ""

    def compose(self) -> ComposeResult:
        yield Label("", markup=False)
        # a steady cursor: a blinking one repaints the field twice a second (~0.3 KB/s
        # over SSH while the reviewer thinks)
        field = QuietInput(select_on_focus=False)
        field.cursor_blink = False
        yield field

    @property
    def asking(self) -> bool:
        return self._done is not None

    def ask(self, title: str, value: str, done: Done) -> None:
        self._done, self._value, self._shown = done, value, one_line(value)
        label = self.query_one(Label)
        text = " " + clean(title) + ": "  # (the margin in the text: one run, not two)
        label.update(text, layout=False)
        width = cell_len(text)
        if label.styles.width is None or label.styles.width.value != width:
            label.styles.width = width  # a layout only when the width changes
        field = self.query_one(Input)
        field.value = self._shown
        field.cursor_position = len(self._shown)
        self._cover(True)
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # untouched: the value as it was, not its stand-ins (nothing is rewritten)
        self._finish(self._value if event.value == self._shown else event.value)

    def action_cancel(self) -> None:
        self._finish(None)

    def _finish(self, answer: str | None) -> None:
        done, self._done = self._done, None
        self._cover(False)
        if done is not None:
            done(answer)

    def _cover(self, asking: bool) -> None:
        """Show the prompt over the footer, or the footer again. The footer under
        it is hidden meanwhile: it does not rebuild for the prompt's keys, and the
        prompt's line is drawn in one piece, not cut where the footer's keys are."""
        self.visible = asking
        for footer in self.screen.query(QuietFooter):
            footer.covered = asking
