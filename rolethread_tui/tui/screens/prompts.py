"""Small modal prompts: one line of text, or a yes/no question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ..safe_text import clean, one_line


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; enter returns it, escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt_cancel")]

    def __init__(self, title: str, value: str = "", *, placeholder: str = "",
                 hint: str = "enter: ok · esc: cancel", history: list[str] | None = None,
                 holds_keys: bool = False) -> None:
        """`holds_keys`: enter holds the keys typed after it (`KeyQueue.hold_keys`)
        until the answer's result is on screen: a search's matches."""
        super().__init__()
        self.holds_keys = holds_keys
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.hint = hint
        self.history = list(history or [])
        self._back = len(self.history)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(self.title_text), markup=False)
            yield Input(self.shown, placeholder=self.placeholder, select_on_focus=False)
            yield Label(self.hint, classes="hint", markup=False)

    @property
    def shown(self) -> str:
        """The value as the field shows it: control characters (a note's ESC, BEL)
        as visible stand-ins, so text from a file never drives the terminal."""
        return one_line(self.value)

    def holds_on_enter(self) -> bool:
        """Whether enter here should hold the keys typed after it (`typeahead`): a
        search about to run. Asked before the enter is handled: its answer is a
        message handled after the next key could be let through."""
        return self.holds_keys and bool(self.query_one(Input).value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # untouched: the value as it was, not its stand-ins (nothing is rewritten)
        self.dismiss(self.value if event.value == self.shown else event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        """Up/down walk the history (search queries)."""
        if not self.history or event.key not in ("up", "down"):
            return
        step = -1 if event.key == "up" else 1
        self._back = max(0, min(len(self.history), self._back + step))
        text = self.history[self._back] if self._back < len(self.history) else ""
        field = self.query_one(Input)
        field.value = text
        field.cursor_position = len(text)
        event.stop()


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y/enter = yes, n/escape = no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str, hint: str = "y: yes · n: no") -> None:
        super().__init__()
        self.question = question
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(self.question), markup=False)
            yield Label(self.hint, classes="hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few choices by its key letter (e.g. save / discard / cancel)."""

    BINDINGS = [Binding("escape", "pick('')", "Cancel", id="choice_cancel")]

    def __init__(self, question: str, choices: dict[str, str]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(self.question), markup=False)
            hint = " · ".join(f"{k}: {v}" for k, v in self.choices.items())
            yield Label(hint + " · esc: cancel", classes="hint", markup=False)

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.character in self.choices:
            event.stop()
            self.dismiss(event.character)

    def action_pick(self, key: str) -> None:
        self.dismiss(key or None)
