"""Two near-duplicate entries side by side, the words that differ highlighted.

Opened with `=` on an entry that has a `duplicate` / `near-duplicate` finding:
a reviewer sees at once whether the copy says anything new, then goes back
and keeps one. At 80 columns each pane is 39 wide; on a narrow terminal the
panes stack.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain import EntryView
from ..conversation import title
from ..safe_text import clean
from ..undo import HistoryActions, history_bindings

DIFF_STYLE = "bold yellow underline"
_TOKEN = re.compile(r"\s+|\S+")
MAX_TOKENS = 20_000  # above this, no word diff (it would be quadratic): plain text


class PairScreen(HistoryActions, Screen[None]):
    """Entry `a` beside entry `b`; j / k scroll both, n shows the next partner."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll(1)", "Down", show=False, id="pair_down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="pair_up"),
        Binding("space,pagedown", "page(1)", "Page", show=False, id="pair_page_down"),
        Binding("b,pageup", "page(-1)", "Page up", show=False, id="pair_page_up"),
        Binding("n", "next_partner", "Next copy", id="pair_next"),
        Binding("escape,q,equals_sign", "close", "Back", id="pair_close"),
        *history_bindings(),
    ]

    def __init__(self, position: int, partners: list[int]) -> None:
        super().__init__()
        self.position = position
        self.partners = partners
        self.shown = 0

    def compose(self) -> ComposeResult:
        yield Static(id="pair-title", markup=False)
        with Horizontal(id="panes"):
            with VerticalScroll(classes="pane", id="left"):
                yield Static(id="left-body", markup=False)
            with VerticalScroll(classes="pane", id="right"):
                yield Static(id="right-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 70, "-narrow")

    def show(self) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        other = self.partners[self.shown]
        left, right = session.view(self.position), session.view(other)
        self.query_one("#pair-title", Static).update(Text.assemble(
            (f"Entry {self.position + 1}", "bold"), "  vs  ", (f"entry {other + 1}", "bold"),
            f"  ({self.shown + 1} of {len(self.partners)} copies)  ",
            ("differences highlighted", DIFF_STYLE)))
        a, b = side_by_side(left, right)
        self.query_one("#left-body", Static).update(a)
        self.query_one("#right-body", Static).update(b)

    def action_scroll(self, step: int) -> None:
        for pane in self.query(VerticalScroll):
            pane.scroll_relative(y=step, animate=False)

    def action_page(self, step: int) -> None:
        for pane in self.query(VerticalScroll):
            (pane.scroll_page_down if step > 0 else pane.scroll_page_up)(animate=False)

    def action_next_partner(self) -> None:
        self.shown = (self.shown + 1) % len(self.partners)
        self.show()

    def action_close(self) -> None:
        self.dismiss(None)

    def after_history(self) -> None:
        """Both entries are shown again as they are now (an undone add or split may
        have moved them: then back to the list)."""
        if max(self.position, *self.partners) >= len(self.app.session):  # type: ignore[attr-defined]
            self.dismiss(None)
            return
        self.show()


def side_by_side(left: EntryView, right: EntryView) -> tuple[Text, Text]:
    """Both entries message by message; words only one side has are highlighted."""
    out_a, out_b = Text(), Text()
    count = max(len(left.messages), len(right.messages))
    for m in range(count):
        ma = left.messages[m] if m < len(left.messages) else None
        mb = right.messages[m] if m < len(right.messages) else None
        body_a, body_b = word_marks(ma.text if ma else "", mb.text if mb else "")
        for out, message, body in ((out_a, ma, body_a), (out_b, mb, body_b)):
            if message is None:
                out.append("(no such message)\n\n", style="dim italic")
                continue
            out.append_text(title(message))
            out.append("\n")
            out.append_text(body)
            out.append("\n\n")
    if not left.is_conversation or not right.is_conversation:
        for out, view in ((out_a, left), (out_b, right)):
            if not view.is_conversation:
                out.append(clean(view.raw or ""), style="dim")
    return out_a, out_b


def word_marks(a: str, b: str) -> tuple[Text, Text]:
    """Each text with the words the other lacks highlighted (shown literally)."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    if len(ta) + len(tb) > MAX_TOKENS:
        return Text(clean(a)), Text(clean(b))
    out_a, out_b = Text(), Text()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        style = None if tag == "equal" else DIFF_STYLE
        out_a.append(clean("".join(ta[i1:i2])), style=style)
        out_b.append(clean("".join(tb[j1:j2])), style=style)
    return out_a, out_b
