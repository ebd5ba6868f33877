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

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label

from ..safe_text import clean, one_line

Done = Callable[[str | None], None]


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
        yield Input(select_on_focus=False)

    @property
    def asking(self) -> bool:
        return self._done is not None

    def ask(self, title: str, value: str, done: Done) -> None:
        self._done, self._value, self._shown = done, value, one_line(value)
        label = self.query_one(Label)
        text = clean(title) + ": "
        label.update(text, layout=False)
        if label.styles.width is None or label.styles.width.value != len(text) + 1:
            label.styles.width = len(text) + 1  # a layout only when the width changes
        field = self.query_one(Input)
        field.value = self._shown
        field.cursor_position = len(self._shown)
        self.visible = True
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # untouched: the value as it was, not its stand-ins (nothing is rewritten)
        self._finish(self._value if event.value == self._shown else event.value)

    def action_cancel(self) -> None:
        self._finish(None)

    def _finish(self, answer: str | None) -> None:
        done, self._done = self._done, None
        self.visible = False
        if done is not None:
            done(answer)
