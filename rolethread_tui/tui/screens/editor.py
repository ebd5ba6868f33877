"""The entry editor: every message of one entry, each edit applied to the session at once.

Every key that changes the entry is one session op, so it is journaled the
moment it is applied (a crash in the editor loses nothing) and `u` — here or
in the list — takes back exactly one edit and says which. The screen keeps no
copy of the entry: it redraws from `Session.view`, and the provenance rules
(refined / human turns, the first generated text kept in `original`) are the
domain's (docs/provenance.md).

A line that is not a conversation (not JSON, not an object, no messages list)
is shown and edited as its raw text and written back with `replace_line`:
it is never silently converted. All dataset text goes through the shared
renderer (`conversation.py`) or `SafeTextArea`: content is never markup and
control characters never reach the terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain import EntryView, Session
from ..conversation import ORIGIN_STYLE, capped, foreign_line, render_message, review_line
from ..keymap import FLAG_BINDINGS, KeymapOrder, decision_bindings
from ..messages import SessionChanged, SessionListener
from ..safe_text import clean, one_line
from ..undo import HistoryActions, loaded, run_op, writable
from ..wording import count
from .editing import ROLE_CYCLE, Editing, SafeTextArea
from .prompts import ConfirmScreen, PromptScreen

WINDOW = 60  # messages drawn at once; a longer conversation is drawn around the selection


@dataclass(frozen=True, slots=True)
class EditorResult:
    """What the visit did: `changed` (the entry differs from when it opened),
    `split_at` (the message the entry was split before), `index` (the entry
    shown last: `>`/`<` move through the list)."""

    changed: bool
    split_at: int | None = None
    index: int | None = field(default=None, compare=False)


class MessageView(Static):
    """One message: a title line (index, role, origin) and its wrapped text."""


_OWN = {"select", "edit_message", "cycle_role", "add_message", "delete_message",
        "move_message", "toggle_diff", "revert_message", "edit_note", "edit_tags",
        "split_entry", "undo", "redo", "leave", "finish_edit", "apply_and_save",
        "scroll_page", "help", "decide", "toggle_flag", "mark_refined", "other_entry",
        "select_edge"}
_ADD = Binding.Group("Add", compact=True)
_MOVE = Binding.Group("Move", compact=True)
_RAW_OK = {"edit_message", "undo", "redo", "leave", "apply_and_save", "scroll_page", "help",
           "other_entry", "decide"}


class EditorScreen(KeymapOrder, SessionListener, HistoryActions,
                   Screen[EditorResult | None]):
    """Edit one entry's messages, roles, order, note and tags; decide it; move on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "select(1)", "Next message", show=False, id="editor_next_message"),
        Binding("k,up", "select(-1)", "Previous message", show=False,
                id="editor_previous_message"),
        Binding("g,home", "select_edge(0)", "First message", show=False,
                id="editor_first_message"),
        Binding("G,end", "select_edge(1)", "Last message", show=False,
                id="editor_last_message"),
        Binding("enter,e", "edit_message", "Edit", id="editor_edit_message"),
        Binding("r", "cycle_role", "Role", id="editor_cycle_role"),
        Binding("o", "add_message(1)", "Add after", id="editor_add_after", group=_ADD),
        Binding("O", "add_message(0)", "Add before", id="editor_add_before", group=_ADD),
        Binding("d", "delete_message", "Del", id="editor_delete_message"),
        Binding("J", "move_message(1)", "Move down", id="editor_move_down", group=_MOVE),
        Binding("K", "move_message(-1)", "Move up", id="editor_move_up", group=_MOVE),
        Binding("D", "toggle_diff", "Diff", id="editor_toggle_diff"),
        Binding("R", "revert_message", "Revert", id="editor_revert_message"),
        *decision_bindings(show=False),
        Binding("h", "mark_refined", "Refined", show=False, id="mark_refined"),
        Binding("greater_than_sign", "other_entry(1)", "Next entry", show=False,
                id="editor_next_entry"),
        Binding("less_than_sign", "other_entry(-1)", "Previous entry", show=False,
                id="editor_previous_entry"),
        Binding("n", "edit_note", "Note", id="edit_note"),
        Binding("t", "edit_tags", "Tags", id="tag"),
        Binding("s", "split_entry", "Split here", show=False, id="editor_split_entry"),
        Binding("u,ctrl+z", "undo", "Undo", id="undo"),
        Binding("ctrl+r,ctrl+y", "redo", "Redo", show=False, id="redo"),
        Binding("pagedown", "scroll_page(1)", "Page down", show=False, id="editor_page_down"),
        Binding("pageup", "scroll_page(-1)", "Page up", show=False, id="editor_page_up"),
        Binding("ctrl+s,escape", "finish_edit", "Done", id="editor_finish_edit"),
        Binding("escape,q", "leave", "Back", id="editor_leave"),
        Binding("ctrl+s", "apply_and_save", "Save", show=False, id="editor_save"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
        *FLAG_BINDINGS,
    ]

    AUTO_FOCUS = None  # keys go to the screen; the TextArea takes focus only while editing

    def __init__(self, session: Session, index: int, message: int = 0) -> None:
        super().__init__()
        self.session = session
        self.index = index
        self.selected = message
        self.show_diff = False
        self._editing: Editing | None = None
        self._split_at: int | None = None
        self._start_line = session.line_bytes(index)  # to tell whether the visit changed it
        self._load()

    def _load(self) -> None:
        """Read the entry as it is now (after an op, an undo, or a move to another)."""
        self.view: EntryView = self.session.view(self.index)

    @property
    def raw_mode(self) -> bool:
        return not self.view.is_conversation

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The entry's messages as the session holds them now ([] in raw mode)."""
        if self.raw_mode:
            return []
        value = self.session.entry(self.index)
        return value.get("messages", value.get("conversations", []))  # type: ignore[union-attr]

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="editor-header", markup=False)
        with VerticalScroll(id="messages", can_focus=False):
            yield Static(id="raw-view", markup=False)
            yield Static("(no messages: o adds one)", id="empty-hint", markup=False)
        with Vertical(id="edit-panel"):
            yield Static(id="edit-title", markup=False)
            yield Static(id="edit-hidden", markup=False)
            yield SafeTextArea(id="edit-area", soft_wrap=True, show_line_numbers=False,
                               disabled=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        """Redraw header and messages from the session."""
        self._load()
        self.query_one("#editor-header", Static).update(self._header())
        self.query_one("#raw-view").display = self.raw_mode
        if self.raw_mode:
            self.query_one("#empty-hint").display = False
            self._refresh_raw()
        else:
            self._refresh_messages()
        self.refresh_bindings()

    def on_session_changed(self, message: SessionChanged) -> None:
        """A save ended: the header says so (it was redrawn only after an edit)."""
        message.stop()
        if message.event.kind == "saved":
            self.query_one("#editor-header", Static).update(self._header())

    def _header(self) -> Text:
        session, view = self.session, self.view
        line = session.line_number(self.index)
        out = Text.assemble((f"Entry {self.index + 1}/{len(session)}", "bold"),
                            f" · line {line}" if line else " · new")
        saved = (Text(" · [read-only]", style="bold red") if session.read_only
                 else Text(" · ● unsaved changes", style="bold") if session.dirty
                 else Text(" · saved", style="dim"))
        if self.raw_mode:
            out.append(" · ⚠ raw line, shown as text", style="bold red")
            out.append_text(saved)
            return out
        out.append(f" · id {clean(view.id[:18])} · "
                   f"{count(len(view.messages), 'message')}\n")
        out.append_text(Text.assemble(view.status, " · ",
                                      (view.origin, ORIGIN_STYLE[view.origin])))
        out.append_text(saved)
        line_text = review_line(view)
        if line_text:
            out.append(" · ")
            out.append_text(line_text)
        foreign = foreign_line(view)
        if foreign:
            out.append("\n")
            out.append_text(foreign)
        return out

    def _refresh_raw(self) -> None:
        view = self.view
        body = Text(f"⚠ {clean(view.raw_reason)}\n", style="bold red")
        body.append_text(capped(view.raw or ""))
        body.append("\n\ne: edit the raw line · esc: back", style="dim")
        self.query_one("#raw-view", Static).update(body)

    def _search_terms(self) -> list[str]:
        """The list's search matches, marked here as in the preview and the reading
        view (DESIGN §4): the editor is opened from a filtered list to fix them."""
        for screen in self.app.screen_stack:
            terms = getattr(screen, "highlight_terms", None)
            if terms:
                return list(terms)
        return []

    def _window(self) -> range:
        """The messages drawn: all of a normal entry, a window around the selection
        of a huge one (50k messages would be 50k widgets: seconds per key)."""
        total = len(self.view.messages)
        if total <= WINDOW:
            return range(total)
        start = max(0, min(self.selected - WINDOW // 2, total - WINDOW))
        return range(start, start + WINDOW)

    def _refresh_messages(self) -> None:
        box = self.query_one("#messages", VerticalScroll)
        views = list(box.query(MessageView))
        total = len(self.view.messages)
        self.selected = max(0, min(self.selected, total - 1))
        self.query_one("#empty-hint").display = not total
        self._shown = self._window()
        highlight = self._search_terms()
        rendered = [render_message(self.view.messages[m], diff=self.show_diff,
                                   highlight=highlight)
                    for m in self._shown]
        if len(self._shown) < total:  # say what is outside the window, and how to reach it
            rendered[0] = Text(f"… {count(self._shown.start, 'message')} above (k, g)\n",
                               style="dim") + rendered[0] if self._shown.start else rendered[0]
            below = total - self._shown.stop
            if below:
                rendered[-1].append(f"\n… {count(below, 'message')} below (j, G)", style="dim")
        for extra in views[len(rendered):]:
            extra.remove()
        for widget, text in zip(views, rendered, strict=False):
            widget.update(text)
        if len(rendered) > len(views):
            box.mount_all(MessageView(text, markup=False) for text in rendered[len(views):])
        self.call_after_refresh(self._mark_selected)

    _shown: range = range(0)

    def _mark_selected(self) -> None:
        if self.selected not in self._shown and self.view.messages:
            self._refresh_messages()  # the selection left the window: draw the next one
            return
        views = list(self.query(MessageView))
        selected = self.selected - self._shown.start
        for widget in self.query(".-selected"):  # restyle two widgets, not the window
            if widget is not (views[selected] if 0 <= selected < len(views) else None):
                widget.remove_class("-selected")
        if 0 <= selected < len(views):
            views[selected].add_class("-selected")
        if 0 <= selected < len(views):
            self.query_one("#messages", VerticalScroll).scroll_to_widget(
                views[selected], animate=False, top=False)

    # ------------------------------------------------------------ key gating
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys are live: only 'done' while editing, a few on a raw line."""
        if action not in _OWN:
            return True
        if self._editing is not None:
            return action == "finish_edit"
        if action == "finish_edit":
            return False
        if self.raw_mode:
            return action in _RAW_OK and self._relevant(action)
        if action == "help":
            return hasattr(self.app, "key_table")
        return self._relevant(action)

    def _relevant(self, action: str) -> bool:
        """Hide keys that cannot apply now, so the footer fits in 80 columns."""
        edited = self.view.edited
        if action == "toggle_diff":
            return self.show_diff or bool(edited)
        if action == "revert_message":
            return self.selected in edited
        if action == "undo":
            return self.session.undo_label is not None
        if action == "redo":
            return self.session.redo_label is not None
        return True

    # ------------------------------------------------------------ applying ops
    def apply(self, op: Callable[[], object], *, content: bool = True) -> bool:
        """Run one session op (journaled at once) and redraw; a refusal is shown.

        `content=False` (a decision, a flag, a note): only the header changes, so the
        messages are not laid out again (seconds for a huge conversation)."""
        ok, done = run_op(self, op)
        if not ok:
            return False
        if content:
            self.refresh_view()
        else:
            self._load()
            self.query_one("#editor-header", Static).update(self._header())
            self.refresh_bindings()
        return bool(done)

    @property
    def index(self) -> int:
        """The entry shown, followed by its record: an undo moving entries keeps it."""
        return self._index

    @index.setter
    def index(self, value: int) -> None:
        self._index = value
        self._rid = self.session.rid(value) if 0 <= value < len(self.session) else None

    def after_history(self) -> None:
        at = None if self._rid is None else self.session.position(self._rid)
        if at is not None:
            self._index = at
        elif self.index >= len(self.session):  # an undone split or insert: stay in range
            self.index = len(self.session) - 1
        self.refresh_view()

    # ------------------------------------------------------------ selection
    def action_select(self, step: int) -> None:
        count = len(self.view.messages)
        if count:
            self.selected = max(0, min(count - 1, self.selected + step))
            self._mark_selected()
            self.refresh_bindings()

    def action_select_edge(self, last: int) -> None:
        self.action_select(len(self.view.messages) if last else -len(self.view.messages))

    def action_scroll_page(self, step: int) -> None:
        box = self.query_one("#messages", VerticalScroll)
        (box.scroll_page_down if step > 0 else box.scroll_page_up)(animate=False)

    def action_other_entry(self, step: int) -> None:
        """`>` / `<`: the next or previous entry of the file, in this editor."""
        index = self.index + step
        if not 0 <= index < len(self.session):
            self.notify("No more entries in this direction.", timeout=2)
            return
        self.index, self.selected, self.show_diff = index, 0, False
        self._lossy_ok = False
        self._start_line = self.session.line_bytes(index)
        self._split_at = None
        self.refresh_view()

    def _need_message(self) -> bool:
        if self.view.messages:
            return True
        self.notify("This entry has no messages: o adds one.", severity="warning")
        return False

    # ------------------------------------------------------------ deciding
    def action_decide(self, status: str) -> None:
        if self.session.row(self.index).status != status:
            self.apply(lambda: self.session.set_status(self.index, status), content=False)

    def action_toggle_flag(self, n: int) -> None:
        flags = getattr(getattr(self.app, "config", None), "flags", [])
        if n <= len(flags):
            self.apply(lambda: self.session.toggle_flag(self.index, flags[n - 1]), content=False)

    def action_mark_refined(self) -> None:
        self.apply(lambda: self.session.toggle_refined(self.index), content=False)

    # ------------------------------------------------------------ text editing
    _lossy_ok = False

    def _lossless_or_asked(self, then: Callable[[], None]) -> bool:
        """A line whose JSON an edit cannot write back as it is (duplicate keys, NaN):
        say what would be lost and go on only when the reviewer says so (once)."""
        if not self.view.lossy or self._lossy_ok:
            return True

        def answer(yes: bool | None) -> None:
            if yes:
                self._lossy_ok = True
                then()

        self.app.push_screen(ConfirmScreen(f"Editing this entry rewrites its line, and "
                                           f"{self.view.lossy}. Edit anyway?",
                                           "y: edit · n: leave it as it is"), answer)
        return False

    def _writable(self) -> bool:
        """A read-only session refuses the text box before anything is typed in it."""
        return writable(self, self.session)

    def action_edit_message(self) -> None:
        if not self._writable() or not self._lossless_or_asked(self.action_edit_message):
            return
        if self.raw_mode:
            self._open_editor(-1, self.view.raw or "", "raw line (one line: no line breaks)")
            return
        if not self._need_message():
            return
        message = self.view.messages[self.selected]
        self._open_editor(self.selected, message.text, f"#{message.index} {message.label}")

    def _open_editor(self, m: int, text: str, what: str, adding: str | None = None) -> None:
        area = self.query_one("#edit-area", SafeTextArea)
        area.disabled = False
        area.load_text(text)
        area.move_cursor(area.document.end)
        self._editing = Editing(m, text, area.text, adding)
        self.query_one("#edit-title", Static).update(Text.assemble(
            ("Editing ", "bold"), clean(what), ("  ctrl+s / esc: done", "dim")))
        self.add_class("-editing")
        area.focus()
        self.refresh_bindings()

    def on_text_area_changed(self) -> None:
        """The line under the title: `SafeTextArea.hidden_status`, when it changes."""
        status = self.query_one("#edit-area", SafeTextArea).hidden_status()
        if status == self._hidden_shown:  # most keys and moves: no layout for nothing
            return
        self._hidden_shown = status
        line = self.query_one("#edit-hidden", Static)
        line.display = status is not None
        line.update(status or "")

    _hidden_shown: Text | None = None

    on_text_area_selection_changed = on_text_area_changed

    @property
    def unapplied(self) -> bool:
        """The text box is open and holds text not yet applied to the session: quitting
        now would lose it (the app asks first, `RoleThreadApp.action_quit`)."""
        editing = self._editing
        if editing is None:
            return False
        text = self.query_one("#edit-area", SafeTextArea).text
        return bool(text.strip()) if editing.adding is not None else text != editing.loaded

    def action_finish_edit(self) -> None:
        """Leave the text area; the edit is applied (and journaled) right now."""
        editing = self._editing
        if editing is None:
            return
        text = self.query_one("#edit-area", SafeTextArea).text
        changed = text != editing.loaded
        if changed and editing.m < 0 and ("\n" in text or "\r" in text):
            self.notify("A JSONL entry must stay on one line: remove the line breaks, "
                        "then ctrl+s (ctrl+z in the text undoes typing).",
                        severity="error", timeout=8)
            return
        if changed and editing.source != editing.loaded:
            self.notify("Line separators in this text were normalised by the editor.",
                        severity="warning", timeout=6)
        self._editing = None
        self.remove_class("-editing")
        self.query_one("#edit-area", SafeTextArea).disabled = True
        self.set_focus(None)
        self._apply_text(editing, text, changed)
        self.refresh_view()

    def _apply_text(self, editing: Editing, text: str, changed: bool) -> None:
        session, i, m = self.session, self.index, editing.m
        if editing.adding is not None:
            if not text.strip():
                self.notify("Empty message not added.", timeout=3)
                return
            if self.apply(lambda: session.insert_message(i, m, editing.adding or "user", text)):
                self.selected = m
        elif changed and m < 0:
            self.apply(lambda: session.replace_line(i, text.encode("utf-8", "surrogateescape")))
            if not self.raw_mode:
                self.notify("The line is now a valid conversation.", timeout=4)
        elif changed:
            if not self.view.messages[m].text_content:
                self.notify("Non-text content replaced by the edited text.", severity="warning")
            self.apply(lambda: session.edit_message(i, m, text))

    # ------------------------------------------------------------ structure
    def action_cycle_role(self) -> None:
        if not self._need_message() or not self._lossless_or_asked(self.action_cycle_role):
            return
        m = self.selected
        current = self.view.messages[m].role
        role = ROLE_CYCLE[(ROLE_CYCLE.index(current) + 1) % 3] if current else ROLE_CYCLE[0]
        self.apply(lambda: self.session.set_role(self.index, m, role))

    def action_add_message(self, after: int) -> None:
        """Add a message after (o) or before (O) the selected one: type its text first."""
        if not self._writable():
            return
        messages = self.view.messages
        m = self.selected + after if messages else 0
        near = messages[self.selected].role if messages else None
        role = "assistant" if near == "user" else "user"
        self._open_editor(m, "", f"new #{m} {role}", adding=role)

    def action_delete_message(self) -> None:
        if not self._need_message():
            return
        m = self.selected
        message = self.view.messages[m]
        preview = one_line(message.text)[:50]

        def answer(yes: bool | None) -> None:
            if yes:
                self.apply(lambda: self.session.delete_message(self.index, m))

        self.app.push_screen(ConfirmScreen(f"Delete message #{m} ({message.label})? “{preview}”",
                                           "y: delete · n: keep"), answer)

    def action_move_message(self, step: int) -> None:
        if not self._need_message():
            return
        m, to = self.selected, self.selected + step
        if not 0 <= to < len(self.view.messages):
            self.notify("Already at the " + ("end." if step > 0 else "start."), timeout=2)
            return
        if self.apply(lambda: self.session.move_message(self.index, m, to)):
            self.selected = to
            self._mark_selected()

    # ------------------------------------------------------------ provenance
    def action_toggle_diff(self) -> None:
        edited = self.view.edited
        if not edited and not self.show_diff:
            self.notify("No edited message has its original text kept.", timeout=3)
            return
        self.show_diff = not self.show_diff
        if self.show_diff and self.selected not in edited:
            self.notify(f"Message #{self.selected} has no original; edited ones: "
                        + ", ".join(f"#{k}" for k in edited), timeout=4)
        self.refresh_view()

    def action_revert_message(self) -> None:
        if self._need_message():
            m = self.selected
            self.apply(lambda: self.session.revert_message(self.index, m))

    # ------------------------------------------------------------ note and tags
    def action_edit_note(self) -> None:
        if not self._writable():
            return
        shown = one_line(self.view.note)

        def done(text: str | None) -> None:
            if text is not None and text != shown:
                self.apply(lambda: self.session.set_note(self.index, text), content=False)

        self.app.push_screen(PromptScreen("Note (empty removes it)", shown), done)

    def action_edit_tags(self) -> None:
        if not self._writable():
            return
        shown = one_line(", ".join(self.view.tags))

        def done(text: str | None) -> None:
            if text is not None and text != shown:
                self.apply(lambda: self.session.set_tags(self.index, text.split(",")),
                           content=False)

        self.app.push_screen(PromptScreen("Tags, comma separated", shown,
                                          placeholder="e.g. fantasy, long"), done)

    # ------------------------------------------------------------ leaving
    def _result(self) -> EditorResult:
        changed = (self._split_at is not None
                   or self.session.line_bytes(self.index) != self._start_line)
        return EditorResult(changed=changed, split_at=self._split_at, index=self.index)

    def action_leave(self) -> None:
        self.dismiss(self._result())

    def action_split_entry(self) -> None:
        m = self.selected
        if not loaded(self, self.session, "Splitting an entry"):
            return
        if self.apply(lambda: self.session.split_entry(self.index, m) is not None):
            self._split_at = m
            self.dismiss(self._result())

    def action_apply_and_save(self) -> None:
        """ctrl+s outside the TextArea: every edit is applied already; save the file."""
        save = getattr(self.app, "save", None)
        if self.session.read_only or not callable(save):
            self.notify("Edits are applied to the session (not saved to disk here).", timeout=4)
            return
        save()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self.app.key_table()))  # type: ignore[attr-defined]
