"""The entry editor: every message of one entry, edited on a local copy.

The screen never changes the session while you work. Each key applies one of
the pure transforms of `domain.ops` to a local copy of the entry, so the
provenance rules (refined / human turns, the first generated text kept in
`original`) are the domain's, not re-implemented here. Leaving the screen
hands the whole result to the session as ONE undoable op, so a session undo
takes back the whole editing visit, and a visit that changed nothing leaves no
trace.

A line that is not a conversation (not JSON, not an object, no messages list)
is shown and edited as its raw text and written back with `replace_line`:
it is never silently converted.

All dataset text goes through `safe_text` (display) or `SafeTextArea`
(editing): content is never read as markup, and control characters never
reach the terminal.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from ...domain import formats, ops
from ...domain import review as rv
from ...domain.records import RawLine, parse_line
from ...domain.session import Session
from ..safe_text import clean, literal, one_line
from .prompts import ConfirmScreen, PromptScreen

Value = dict[str, Any]
ROLE_CYCLE = ("system", "user", "assistant")
ROLE_STYLE = {"system": "bold magenta", "user": "bold cyan", "assistant": "bold green"}
ORIGIN_STYLE = {"generated": "dim", "refined": "bold yellow", "human": "bold green"}
DISPLAY_CHARS = 20_000  # a multi-MB message is cut for display; the TextArea edits it whole
DIFF_TOKENS = 20_000  # above this, diff line by line (a word diff would be quadratic)
_TOKEN = re.compile(r"\s+|\S+\s*")  # a word with its trailing space: runs stay readable

# One visible character per unsafe one, so TextArea columns stay aligned.
_ONE_FOR_ONE = {
    **{i: chr(0x2400 + i) for i in range(0x20) if i not in (0x09, 0x0A)},
    0x7F: "␡",
    **dict.fromkeys(range(0x80, 0xA0), "␦"),
    **dict.fromkeys((0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF), "␦"),
    **dict.fromkeys(range(0x2028, 0x202F), "␦"),
    **dict.fromkeys(range(0x2066, 0x206A), "␦"),
}


@dataclass(frozen=True, slots=True)
class EditorResult:
    """What the visit did: `changed` (the session got an op), `split_at` (the
    message index the entry was split before; the second part is at index+1)."""

    changed: bool
    split_at: int | None = None


@dataclass(slots=True)
class _Editing:
    """The TextArea session in progress: what it edits and what it loaded."""

    m: int  # message index (-1: the raw line)
    source: str  # the text handed to the TextArea
    loaded: str  # the TextArea's text right after loading (it normalises line breaks)
    adding: str | None = None  # role of a message added for this edit
    back_to: int = 0  # selection to restore when an added message is dropped


class SafeTextArea(TextArea):
    """A TextArea that draws control / invisible characters as visible stand-ins.

    TextArea renders its document as-is, so an ESC in a message would go
    straight to the terminal. The stand-ins are one character each, so cursor
    and selection columns stay right; the document itself is untouched.
    """

    def get_line(self, line_index: int) -> Text:
        line = self.document.get_line(line_index)
        return Text(line.translate(_ONE_FOR_ONE), end="", no_wrap=True)


class MessageView(Static):
    """One message: a title line (index, role, origin) and its wrapped text."""

    DEFAULT_CSS = """
    MessageView { padding: 0 1 1 1; border-left: blank; width: 1fr; }
    MessageView.-selected { border-left: thick $accent; background: $boost; }
    """


# ---------------------------------------------------------------- rendering
def role_label(message: object, shape: formats.Shape) -> tuple[str, str]:
    """(label, style): the canonical role, plus the raw name when it differs."""
    if not isinstance(message, dict):
        return "(not an object)", "bold red"
    raw = formats.raw_role(message, shape)
    raw_text = raw if isinstance(raw, str) else json.dumps(raw)
    canonical = formats.normalise_role(raw)
    if canonical is None:
        return f"{raw_text} (unknown role)", "bold red"
    if raw_text != canonical:
        return f"{canonical} ({raw_text})", ROLE_STYLE[canonical]
    return canonical, ROLE_STYLE[canonical]


def message_text(message: object, shape: formats.Shape) -> str:
    """The text a person reads and edits (content parts joined)."""
    if not isinstance(message, dict):
        return json.dumps(message, ensure_ascii=False)
    return formats.content_text(formats.raw_content(message, shape))


def capped(text: str) -> Text:
    """The text, literally, cut at DISPLAY_CHARS with a visible note."""
    if len(text) <= DISPLAY_CHARS:
        return literal(text)
    out = literal(text[:DISPLAY_CHARS])
    out.append(f"\n… {len(text) - DISPLAY_CHARS:,} more characters (e: edit all)", style="dim")
    return out


def word_diff(old: str, new: str) -> Text:
    """An inline word diff: removed words struck through, added ones highlighted.

    Word-level reads best at 80 columns (a side-by-side diff halves the width);
    words keep their trailing whitespace so line breaks survive and a bare
    space cannot anchor a match between unrelated words. Every piece goes
    through `clean`, like any other dataset text.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) + len(b) > DIFF_TOKENS:
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = Text()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(clean("".join(a[i1:i2])))
            continue
        removed = "".join(a[i1:i2])
        if removed:
            out.append(clean(removed), style="strike red")
            if j2 > j1 and not removed[-1].isspace():
                out.append(" ")  # keep the removed and the added word apart
        if j2 > j1:
            out.append(clean("".join(b[j1:j2])), style="bold green underline")
    if len(out) > 2 * DISPLAY_CHARS:
        out = out[: 2 * DISPLAY_CHARS]
        out.append("\n… diff cut for display", style="dim")
    return out


def render_message(value: Value, m: int, *, diff: bool) -> Text:
    """Title line and body of message m, content shown literally."""
    shape = formats.detect_shape(value)
    assert shape is not None
    messages = value[formats.conversation_key(shape)]
    message = messages[m]
    review = rv.review_of(value)
    turn = rv.aligned_turns(review, len(messages))[m]
    originals = rv.originals_of(review)
    label, style = role_label(message, shape)
    out = Text.assemble((f"#{m} ", "bold"), (clean(label), style), " · ",
                        (turn, ORIGIN_STYLE.get(turn, "")))
    diff = diff and m in originals
    if m in originals:
        out.append("  ✎ original kept" + (" · diff: -old +new" if diff else ""),
                   style="italic")
    out.append("\n")
    if diff:
        out.append_text(word_diff(formats.content_text(originals[m]),
                                  message_text(message, shape)))
    else:
        out.append_text(_body(message, shape))
    return out


def _body(message: object, shape: formats.Shape) -> Text:
    text = message_text(message, shape)
    content = formats.raw_content(message, shape) if isinstance(message, dict) else None
    if isinstance(message, dict) and content is None:
        return Text("(no content)", style="dim italic")
    if not text:
        return Text("(empty)", style="dim italic")
    body = capped(text)
    if isinstance(message, dict) and not isinstance(content, str):
        body.append("\n(non-text content: editing replaces it with this text)", style="dim")
    return body


def same_entry(a: object, b: object) -> bool:
    """Equal once default provenance is ignored (all turns generated, no origin).

    An edit reverted in the same visit leaves `turns: [generated, ...]` behind;
    that says nothing new, so it must not become an op that rewrites the line.
    """
    return _plain(a) == _plain(b)


def _plain(value: object) -> object:
    if not isinstance(value, dict):
        return value
    review = rv.review_of(value)
    turns = review.get("turns")
    if isinstance(turns, list) and "original" not in review and all(
            t == rv.GENERATED for t in turns):
        review.pop("turns")
    if review.get("origin") == rv.GENERATED:
        review.pop("origin")
    return rv.set_review(value, review or None)


def raw_reason(value: object) -> str:
    """Why an entry is edited as raw text."""
    if isinstance(value, RawLine):
        return f"not valid JSON: {value.error}"
    if not isinstance(value, dict):
        return f"not a JSON object ({type(value).__name__})"
    return "no messages / conversations list"


# ---------------------------------------------------------------- the screen
_OWN = {"select", "edit_message", "cycle_role", "add_message", "delete_message",
        "move_message", "toggle_diff", "revert_message", "edit_note", "edit_tags",
        "split_entry", "undo", "redo", "leave", "finish_edit", "apply_and_save",
        "scroll_page", "help"}
_ADD = Binding.Group("Add", compact=True)
_MOVE = Binding.Group("Move", compact=True)
_RAW_OK = {"edit_message", "undo", "redo", "leave", "apply_and_save", "scroll_page", "help"}


class EditorScreen(Screen[EditorResult | None]):
    """Edit one entry's messages, role, order, note and tags; one undo step on leave."""

    DEFAULT_CSS = """
    EditorScreen #editor-header { height: auto; max-height: 3; padding: 0 1;
        background: $panel; }
    EditorScreen #messages { height: 1fr; }
    EditorScreen #edit-panel { height: 1fr; display: none; }
    EditorScreen.-editing #edit-panel { display: block; }
    EditorScreen.-editing #messages { display: none; }
    EditorScreen #edit-title { height: 1; padding: 0 1; background: $accent 30%; }
    EditorScreen #edit-area { height: 1fr; }
    EditorScreen #raw-view, EditorScreen #empty-hint { padding: 0 1; }
    EditorScreen Footer.-compact FooterLabel { margin: 0 1 0 0; }
    EditorScreen Footer.-compact KeyGroup.-compact { padding-left: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "select(1)", "Next message", show=False, id="editor_next_message"),
        Binding("k,up", "select(-1)", "Previous message", show=False,
                id="editor_previous_message"),
        Binding("enter,e", "edit_message", "Edit", id="editor_edit_message"),
        Binding("r", "cycle_role", "Role", id="editor_cycle_role"),
        Binding("o", "add_message(1)", "Add after", id="editor_add_after", group=_ADD),
        Binding("O", "add_message(0)", "Add before", id="editor_add_before", group=_ADD),
        Binding("d", "delete_message", "Del", id="editor_delete_message"),
        Binding("J", "move_message(1)", "Move down", id="editor_move_down", group=_MOVE),
        Binding("K", "move_message(-1)", "Move up", id="editor_move_up", group=_MOVE),
        Binding("D", "toggle_diff", "Diff", id="editor_toggle_diff"),
        Binding("R", "revert_message", "Revert", id="editor_revert_message"),
        Binding("n", "edit_note", "Note", id="edit_note"),
        Binding("t", "edit_tags", "Tags", id="tag"),
        Binding("s", "split_entry", "Split here", show=False, id="editor_split_entry"),
        Binding("u,ctrl+z", "undo", "Undo", id="undo"),
        Binding("ctrl+r,ctrl+y", "redo", "Redo", show=False, id="redo"),
        Binding("pagedown", "scroll_page(1)", "Page down", show=False, id="editor_page_down"),
        Binding("pageup", "scroll_page(-1)", "Page up", show=False, id="editor_page_up"),
        Binding("ctrl+s,escape", "finish_edit", "Done", id="editor_finish_edit"),
        Binding("escape,q", "leave", "Back", id="editor_leave"),
        Binding("ctrl+s", "apply_and_save", "Apply+save", show=False, id="editor_save"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
    ]

    AUTO_FOCUS = None  # keys go to the screen; the TextArea takes focus only while editing

    def __init__(self, session: Session, index: int) -> None:
        super().__init__()
        self.session = session
        self.index = index
        self._loaded: object = session.entry(index)
        self.raw_mode = formats.detect_shape(self._loaded) is None
        self.value: object = (session.line_bytes(index).decode("utf-8", "replace")
                              if self.raw_mode else copy.deepcopy(self._loaded))
        self._start: object = self.value
        self._entry_id = "" if self.raw_mode else session.entry_id(index)
        self._undo: list[tuple[str, object]] = []
        self._redo: list[tuple[str, object]] = []
        self.selected = 0
        self.show_diff = False
        self._editing: _Editing | None = None

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="editor-header", markup=False)
        with VerticalScroll(id="messages", can_focus=False):
            if self.raw_mode:
                yield Static(id="raw-view", markup=False)
            else:
                yield Static("(no messages: o adds one)", id="empty-hint", markup=False)
        with Vertical(id="edit-panel"):
            yield Static(id="edit-title", markup=False)
            yield SafeTextArea(id="edit-area", soft_wrap=True, show_line_numbers=False,
                               disabled=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_view()

    @property
    def messages(self) -> list[Any]:
        """The local copy's message list ([] in raw mode)."""
        if self.raw_mode:
            return []
        return formats.messages_of(self.value) or []

    @property
    def pending(self) -> int:
        """Local edits not yet handed to the session."""
        return len(self._undo)

    def refresh_view(self) -> None:
        """Redraw header and messages from the local copy."""
        self.query_one("#editor-header", Static).update(self._header())
        if self.raw_mode:
            self._refresh_raw()
        else:
            self._refresh_messages()
        self.refresh_bindings()

    def _header(self) -> Text:
        total = len(self.session)
        line = self.session.line_number(self.index)
        out = Text.assemble((f"Entry {self.index + 1}/{total}", "bold"),
                            f" · line {line}" if line else " · new")
        if self.raw_mode:
            out.append(" · ⚠ raw line, shown as text", style="bold red")
            out.append_text(self._pending_text())
            return out
        review = rv.review_of(self.value)
        out.append(f" · id {clean(self._entry_id[:18])} · {len(self.messages)} messages\n")
        origin = rv.origin_of(review)
        out.append_text(Text.assemble(rv.status_of(review), " · ",
                                      (origin, ORIGIN_STYLE[origin])))
        out.append_text(self._pending_text())
        out.append_text(self._review_line(review))
        return out

    def _pending_text(self) -> Text:
        if not self.pending:
            return Text(" · no unsaved edits", style="dim")
        return Text(f" · {self.pending} unsaved edit{'s' * (self.pending > 1)} (u: undo)",
                    style="bold")

    def _review_line(self, review: dict[str, Any]) -> Text:
        """Flags, tags and note: long ones are cut, the header stays at most 3 lines."""
        bits = []
        if flags := rv.flags_of(review):
            bits.append("flags: " + ", ".join(flags))
        if tags := rv.tags_of(self.value, review):
            bits.append("tags: " + ", ".join(tags))
        if isinstance(note := review.get("note"), str) and note:
            bits.append("note: " + note)
        line = one_line(" · ".join(bits))
        line = line if len(line) <= 150 else line[:149] + "…"
        return Text(" · " + line, style="italic") if bits else Text()

    def _refresh_raw(self) -> None:
        text = str(self.value)
        body = Text(f"⚠ {raw_reason(self._loaded)}\n", style="bold red")
        if text != self._start:
            parsed = parse_line(text.encode("utf-8"))
            ok = formats.detect_shape(parsed) is not None
            body.append("edited: " + ("now a valid conversation\n" if ok
                                      else f"still {raw_reason(parsed)}\n"),
                        style="bold green" if ok else "yellow")
        body.append_text(capped(text))
        body.append("\n\ne: edit the raw line · esc: back", style="dim")
        self.query_one("#raw-view", Static).update(body)

    def _refresh_messages(self) -> None:
        box = self.query_one("#messages", VerticalScroll)
        views = list(box.query(MessageView))
        count = len(self.messages)
        self.selected = max(0, min(self.selected, count - 1))
        self.query_one("#empty-hint").display = not count
        for extra in views[count:]:
            extra.remove()
        rendered = [render_message(self.value, m, diff=self.show_diff)  # type: ignore[arg-type]
                    for m in range(count)]
        for view, text in zip(views, rendered, strict=False):
            view.update(text)
        if count > len(views):
            box.mount_all(MessageView(text, markup=False) for text in rendered[len(views):])
        self.call_after_refresh(self._mark_selected)

    def _mark_selected(self) -> None:
        for m, view in enumerate(self.query(MessageView)):
            view.set_class(m == self.selected, "-selected")
        self._scroll_to_selected()

    def _scroll_to_selected(self) -> None:
        views = list(self.query(MessageView))
        if 0 <= self.selected < len(views):
            self.query_one("#messages", VerticalScroll).scroll_to_widget(
                views[self.selected], animate=False, top=False)

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
        if action in ("toggle_diff", "revert_message"):
            originals = rv.originals_of(rv.review_of(self.value))
            return self.show_diff or (self.selected in originals if action == "revert_message"
                                      else bool(originals))
        if action == "undo":
            return bool(self._undo)
        if action == "redo":
            return bool(self._redo)
        return True

    # ------------------------------------------------------------ local history
    def apply(self, label: str, fn: Callable[[Value], Value]) -> bool:
        """Run a pure op on the local copy as one local undo step; notify on OpError."""
        try:
            new = fn(self.value)  # type: ignore[arg-type]
        except ops.OpError as exc:
            self.notify(str(exc), severity="error")
            return False
        return self._push(label, new)

    def _push(self, label: str, new: object) -> bool:
        if new == self.value:
            return False
        self._undo.append((label, self.value))
        self._redo.clear()
        self.value = new
        self.refresh_view()
        return True

    def action_undo(self) -> None:
        self._step(self._undo, self._redo, "Undid")

    def action_redo(self) -> None:
        self._step(self._redo, self._undo, "Redid")

    def _step(self, source: list[tuple[str, object]], target: list[tuple[str, object]],
              verb: str) -> None:
        if not source:
            self.notify(f"Nothing to {verb[:-1].lower()} in this entry.", timeout=3)
            return
        label, value = source.pop()
        target.append((label, self.value))
        self.value = value
        self.refresh_view()
        self.notify(f"{verb} {label}.", timeout=2)

    # ------------------------------------------------------------ selection
    def action_select(self, step: int) -> None:
        count = len(self.messages)
        if not count:
            return
        self.selected = max(0, min(count - 1, self.selected + step))
        self._mark_selected()
        self.refresh_bindings()

    def action_scroll_page(self, step: int) -> None:
        box = self.query_one("#messages", VerticalScroll)
        (box.scroll_page_down if step > 0 else box.scroll_page_up)(animate=False)

    def _need_message(self) -> bool:
        if self.messages:
            return True
        self.notify("This entry has no messages: o adds one.", severity="warning")
        return False

    # ------------------------------------------------------------ text editing
    def action_edit_message(self) -> None:
        if self.raw_mode:
            self._open_editor(-1, str(self.value), "raw line (one line: no line breaks)")
            return
        if not self._need_message():
            return
        m = self.selected
        label, _style = role_label(self.messages[m], self._shape)
        self._open_editor(m, message_text(self.messages[m], self._shape), f"#{m} {label}")

    @property
    def _shape(self) -> formats.Shape:
        shape = formats.detect_shape(self.value)
        assert shape is not None
        return shape

    def _open_editor(self, m: int, text: str, what: str, adding: str | None = None,
                     back_to: int = 0) -> None:
        area = self.query_one("#edit-area", SafeTextArea)
        area.disabled = False
        area.load_text(text)
        area.move_cursor(area.document.end)
        self._editing = _Editing(m, text, area.text, adding, back_to)
        self.query_one("#edit-title", Static).update(Text.assemble(
            ("Editing ", "bold"), clean(what), ("  ctrl+s / esc: done", "dim")))
        self.add_class("-editing")
        area.focus()
        self.refresh_bindings()

    def action_finish_edit(self) -> None:
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
        if editing.adding is not None:
            self._finish_add(editing, text)
        elif text != editing.loaded:
            self._finish_text(editing, text)
        self.refresh_view()

    def _finish_text(self, editing: _Editing, text: str) -> None:
        if editing.m < 0:
            self._push("raw line edit", text)
            return
        message = self.messages[editing.m]
        if isinstance(message, dict) and not isinstance(
                formats.raw_content(message, self._shape), str | None):
            self.notify("Non-text content replaced by the edited text.", severity="warning")
        self.apply(f"edit message {editing.m}", lambda v: ops.edit_message(v, editing.m, text))

    def _finish_add(self, editing: _Editing, text: str) -> None:
        """An added message is one local step with its text; left empty, it is dropped."""
        label, before = self._undo.pop()
        self.value = before
        if not text.strip():
            self.notify("Empty message not added.", timeout=3)
            self.selected = editing.back_to
            return
        self.apply(label, lambda v: ops.insert_message(v, editing.m, editing.adding or "user",
                                                        text))

    # ------------------------------------------------------------ structure
    def action_cycle_role(self) -> None:
        if not self._need_message():
            return
        m = self.selected
        current = formats.normalise_role(formats.raw_role(self.messages[m], self._shape))
        role = ROLE_CYCLE[(ROLE_CYCLE.index(current) + 1) % 3] if current else ROLE_CYCLE[0]
        self.apply(f"role of message {m}", lambda v: ops.set_role(v, m, role))

    def action_add_message(self, after: int) -> None:
        """Add a message after (o) or before (O) the selected one and type its text."""
        messages, back_to = self.messages, self.selected
        m = back_to + after if messages else 0
        near = formats.normalise_role(
            formats.raw_role(messages[back_to], self._shape)) if messages else None
        role = "assistant" if near == "user" else "user"
        if not self.apply(f"add message {m}", lambda v: ops.insert_message(v, m, role, "")):
            return
        self.selected = m
        self.refresh_view()
        self._open_editor(m, "", f"new #{m} {role}", adding=role, back_to=back_to)

    def action_delete_message(self) -> None:
        if not self._need_message():
            return
        m = self.selected
        label, _style = role_label(self.messages[m], self._shape)
        preview = one_line(message_text(self.messages[m], self._shape))[:50]

        def answer(yes: bool | None) -> None:
            if yes:
                self.apply(f"delete message {m}", lambda v: ops.delete_message(v, m))

        self.app.push_screen(ConfirmScreen(f"Delete message #{m} ({label})? “{preview}”",
                                           "y: delete · n: keep"), answer)

    def action_move_message(self, step: int) -> None:
        if not self._need_message():
            return
        m, to = self.selected, self.selected + step
        if not 0 <= to < len(self.messages):
            self.notify("Already at the " + ("end." if step > 0 else "start."), timeout=2)
            return
        if self.apply(f"move message {m}", lambda v: ops.move_message(v, m, to)):
            self.selected = to
            self.refresh_view()

    # ------------------------------------------------------------ provenance
    def action_toggle_diff(self) -> None:
        originals = rv.originals_of(rv.review_of(self.value))
        if not originals and not self.show_diff:
            self.notify("No edited message has its original text kept.", timeout=3)
            return
        self.show_diff = not self.show_diff
        if self.show_diff and self.selected not in originals:
            self.notify(f"Message #{self.selected} has no original; edited ones: "
                        + ", ".join(f"#{k}" for k in sorted(originals)), timeout=4)
        self.refresh_view()

    def action_revert_message(self) -> None:
        if not self._need_message():
            return
        m = self.selected
        self.apply(f"revert message {m}", lambda v: ops.revert_message(v, m))

    # ------------------------------------------------------------ note and tags
    def action_edit_note(self) -> None:
        note = rv.review_of(self.value).get("note")
        shown = one_line(note) if isinstance(note, str) else ""

        def done(text: str | None) -> None:
            if text is not None and text != shown:
                self.apply("note", lambda v: rv.set_review(
                    v, ops.set_note(rv.review_of(v), text.strip())))

        self.app.push_screen(PromptScreen("Note (empty removes it)", shown), done)

    def action_edit_tags(self) -> None:
        tags = rv.review_of(self.value).get("tags")
        current = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
        shown = one_line(", ".join(current))

        def done(text: str | None) -> None:
            if text is not None and text != shown:
                self.apply("tags", lambda v: rv.set_review(
                    v, ops.set_tags(rv.review_of(v), text.split(","))))

        self.app.push_screen(PromptScreen("Tags, comma separated", shown,
                                          placeholder="e.g. fantasy, long"), done)

    # ------------------------------------------------------------ leaving
    def commit(self) -> bool:
        """Hand the local copy to the session as one undoable op; True if it changed."""
        if same_entry(self.value, self._start):
            return False
        if self.raw_mode:
            changed = self.session.replace_line(self.index, str(self.value).encode("utf-8"))
        else:
            changed = self.session.replace_entry(self.index, self.value, label="edit entry")
        self._loaded = self.session.entry(self.index)
        self._start = self.value
        self._undo.clear()
        self._redo.clear()
        return changed

    def _safe_commit(self) -> bool | None:
        """commit(), or None (after saying why) when the session refused."""
        try:
            return self.commit()
        except ops.OpError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return None

    def action_leave(self) -> None:
        changed = self._safe_commit()
        if changed is not None:
            self.dismiss(EditorResult(changed=changed))

    def action_split_entry(self) -> None:
        m = self.selected
        try:
            ops.split_entry(self.value, m)  # type: ignore[arg-type]  # a dry run: refuse early
        except ops.OpError as exc:
            self.notify(str(exc), severity="error")
            return
        if self._safe_commit() is None:
            return
        try:
            self.session.split_entry(self.index, m)
        except ops.OpError as exc:
            self.notify(str(exc), severity="error")
            self.refresh_view()
            return
        self.dismiss(EditorResult(changed=True, split_at=m))

    def action_apply_and_save(self) -> None:
        """ctrl+s outside the TextArea: apply the edits, then save the file if the app can."""
        if self._safe_commit() is None:
            return
        self.refresh_view()
        save = getattr(self.app, "save", None)
        if getattr(self.app, "readonly", False) or not callable(save):
            self.notify("Edits applied to the session (not saved to disk here).", timeout=4)
            return
        save()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self.app.key_table()))  # type: ignore[attr-defined]
