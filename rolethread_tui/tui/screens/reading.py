"""The reading view (`z`): one whole conversation on the screen, decided with one key.

The triage loop at 80x24: read the entry whole (space / b page through it),
decide (a / x / w, deciding advances), flag (1–9), note (n), tag (t), vouch
(h), and the next entry is already on the screen. Every decision goes through
the list screen's own actions, so the list, its filter and its cursor stay
the one place that says which entry is current; `z` / esc go back to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import Reactive
from textual.widget import Widget

from ..conversation import (
    ORIGIN_STYLE,
    foreign_line,
    render_entry,
    render_findings,
    render_message,
    review_line,
)
from ..keymap import FLAG_BINDINGS, KeymapOrder, decision_bindings
from ..safe_text import clean
from ..widgets.footer import QuietFooter
from ..widgets.line_prompt import LinePrompt
from ..widgets.lines import LineView
from ..widgets.quiet import QuietCovered
from ..wording import count

if TYPE_CHECKING:
    from .list_screen import ListScreen



class ReadingScreen(KeymapOrder, QuietCovered):
    """The current entry of the list, whole; the list's keys decide and move."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *decision_bindings(show=True),
        Binding("j,down", "step(1)", "Next", id="reading_next_entry"),
        Binding("k,up", "step(-1)", "Prev", id="reading_previous_entry"),
        Binding("space,pagedown", "page(1)", "Page", show=False, id="reading_page_down"),
        Binding("b,pageup", "page(-1)", "Page up", show=False, id="reading_page_up"),
        Binding("e,enter", "edit", "Edit", id="reading_edit"),
        Binding("h", "list('mark_refined')", "Refined", show=False, id="mark_refined"),
        Binding("n", "list('edit_note')", "Note", show=False, id="edit_note"),
        Binding("t", "list('tag')", "Tag", show=False, id="tag"),
        # the findings shown here say "[F fixes]", as on the list
        Binding("F", "list('fix_entry')", "Fix", show=False, id="fix_entry"),
        Binding("d", "list('delete_entry')", "Delete entry", show=False, id="delete_entry"),
        Binding("u,ctrl+z", "list('undo')", "Undo", id="undo"),
        Binding("ctrl+r,ctrl+y", "list('redo')", "Redo", show=False, id="redo"),
        Binding("z,escape", "back", "List", id="reading_back"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
        *FLAG_BINDINGS,
    ]

    # the note prompt taking and giving back focus repaints its own line, not the
    # screen (docs/architecture.md, "Repaints"; as on the list screen)
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, home: ListScreen) -> None:
        super().__init__()
        self.home = home

    def compose(self) -> ComposeResult:
        # Line views: a key repaints the cells it changes (docs/architecture.md,
        # "Repaints"); the header is always two lines, so a flag or a note that
        # gives an entry its review line does not move the text under it.
        yield LineView(id="reading-header")
        yield LineView(id="reading-body")
        yield QuietFooter()
        yield LinePrompt(id="line-prompt")  # the note and tags prompt, over the footer

    def on_mount(self) -> None:
        self.show_entry()

    @property
    def position(self) -> int | None:
        return self.home.entries.current

    _shown: int | None = None
    _shown_version = -1

    def follow(self, redraw: bool = False) -> None:
        """The list's cursor moved or its entry changed: show it (same entry: same place).
        Nothing to do when this view's own key drew it already (a move, a decision):
        drawing it again would wrap the whole entry a move wraps only in part.
        `redraw`: the entry is the same but what marks it is not (the slop lens came)."""
        if (not redraw and self.position == self._shown
                and self.app.session.version == self._shown_version):
            return
        self.show_entry(keep_scroll=self.position == self._shown)

    def show_entry(self, keep_scroll: bool = False) -> None:
        """Draw the list's current entry (again, after a change, keeping the scroll)."""
        session, position = self.app.session, self.position  # type: ignore[attr-defined]
        self._shown, self._shown_version = position, session.version
        header = self.query_one("#reading-header", LineView)
        body = self.query_one("#reading-body", LineView)
        if position is None:
            header.set_text([Text("(no entry)", style="dim"), Text("")], Text(""))
            body.set_text([], Text(""))
            return
        view = session.view(position)
        head = Text.assemble((f"Entry {position + 1}/{len(session)}", "bold"), " · ",
                             view.status, " · ", (view.origin, ORIGIN_STYLE[view.origin]),
                             f" · {count(len(view.messages), 'message')}")
        if session.dirty:
            head.append(" · ● unsaved", style="bold")
        if self.home.query_text:
            head.append(f" · /{clean(self.home.query_text)}", style="bold cyan")
        header.set_text([head, review_line(view)], Text(""))
        text = render_findings(session.findings(position))
        foreign = foreign_line(view)
        if foreign:
            text.append_text(foreign)
            text.append("\n")
        text.append_text(render_entry(view, self.home.highlight_terms,
                                      session.slop_phrases(position)))
        body.set_text([], text, keep_scroll=keep_scroll, whole=False)

    # ------------------------------------------------------------ keys
    def action_step(self, step: int) -> None:
        entries = self.home.entries
        row = entries.cursor + step
        if not 0 <= row < entries.count:
            self.notify("No more entries in this direction.", timeout=2)
            return
        entries.cursor = row
        self.show_entry()

    def action_page(self, step: int) -> None:
        box = self.query_one("#reading-body", LineView)
        (box.scroll_page_down if step > 0 else box.scroll_page_up)(animate=False)

    def action_decide(self, status: str) -> None:
        before = self.position
        self.home.action_decide(status)
        self.show_entry(keep_scroll=self.position == before)

    def action_toggle_flag(self, n: int) -> None:
        self.home.action_toggle_flag(n)
        self.show_entry(keep_scroll=True)

    def action_list(self, action: str) -> None:
        """A list action on the current entry (note and tag ask first)."""
        getattr(self.home, f"action_{action}")()
        self.show_entry(keep_scroll=True)

    def on_screen_resume(self) -> None:
        self.show_entry(keep_scroll=True)  # back from a note, tag or the editor

    def action_edit(self) -> None:
        """The editor, at the message at the top of the view."""
        position = self.position
        if position is not None:
            self.app.open_editor(position, self._message_in_view())  # type: ignore[attr-defined]

    def _message_in_view(self) -> int:
        """Which message the top of the view is in, from the wrapped heights."""
        position = self.position
        if position is None:
            return 0
        session, console = self.app.session, self.app.console  # type: ignore[attr-defined]
        body = self.query_one("#reading-body", LineView)
        top, width = round(body.scroll_offset.y), max(body.wrap_width, 1)
        y = len(render_findings(session.findings(position)).wrap(console, width))
        view = session.view(position)
        for message in view.messages:
            text = render_message(message, highlight=self.home.highlight_terms,
                                  phrases=session.slop_phrases(position))
            text.append("\n\n")
            y += len(text.wrap(console, width))
            if y > top:
                return message.index
        return max(len(view.messages) - 1, 0)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self.app.key_table()))  # type: ignore[attr-defined]


