"""The bulk action menu: one op over every marked entry (or every match)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ..safe_text import clean
from ..undo import loaded, run_op
from ..widgets.entry_list import EntryList
from ..widgets.picker import Picker
from ..wording import count
from .prompts import ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from ..app import RoleThreadApp

# (id, label): what BulkScreen offers; the list screen maps ids to session calls.
BULK_ACTIONS = [
    ("accepted", "Accept"),
    ("rejected", "Reject"),
    ("needs_work", "Needs work"),
    ("unreviewed", "Back to unreviewed"),
    ("flag", "Flag…"),
    ("add_tag", "Add a tag…"),
    ("remove_tag", "Remove a tag…"),
    ("refined", "Mark human-refined"),
    ("delete", "Delete entries"),
]


class BulkScreen(ModalScreen[str | None]):
    """Pick what to do with N entries; returns the action id or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="bulk_cancel")]

    def __init__(self, count: int, what: str) -> None:
        super().__init__()
        self.count = count
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{count(self.count, self.what)}: one undoable step", markup=False)
            yield Picker(*[Option(label, id=key) for key, label in BULK_ACTIONS])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FlagPickerScreen(ModalScreen[str | None]):
    """Pick a flag of the flag set (what the sidebar counts), or type a new one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="flag_pick_cancel")]
    NEW = "\x00new"  # the option id of "new flag…" (no flag name can be it)

    def __init__(self, flags: list[str], title: str) -> None:
        super().__init__()
        self.flags = flags
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(self.title_text), markup=False)
            yield Picker(*[Option(f"{n}  {clean(name)}", id=name)
                           for n, name in enumerate(self.flags, start=1)],
                         Option("new flag… (not in the flag set)", id=self.NEW))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id != self.NEW:
            self.dismiss(event.option.id)
            return

        def typed(name: str | None) -> None:
            self.dismiss(name.strip() if name and name.strip() else None)

        self.app.push_screen(PromptScreen("New flag name (it is not in the flag set: the "
                                          "sidebar will not count it)"), typed)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BulkMixin:
    """Mixed into ListScreen: `space` / `V` marks, `B` bulk actions on marks or matches."""

    app: RoleThreadApp
    #: The record last marked or unmarked with `space` or `V`: where `V` ranges from.
    #: A record id, not a row: a row number means another entry once the filter
    #: changes (V after a search, esc and a go-to marked rows 3-10 for a space on 261).
    _anchor: int | None = None

    def action_toggle_mark(self) -> None:
        entries = self.query_one(EntryList)  # type: ignore[attr-defined]
        position = entries.current
        if position is None:
            return
        rid = self.app.session.rid(position)
        entries.marked.symmetric_difference_update({rid})
        self._anchor = rid
        self._marks_changed(entries)
        entries.action_cursor_down()

    def action_mark_range(self) -> None:
        """Mark every row from the last entry marked (when this list shows it) to the cursor."""
        entries = self.query_one(EntryList)  # type: ignore[attr-defined]
        session = self.app.session
        if entries.current is None:
            return
        anchor = entries.cursor
        start = session.position(self._anchor) if self._anchor is not None else None
        if start is not None:
            row = start if entries.view is None else _row_in(entries.view, start)
            anchor = entries.cursor if row is None else row
        low, high = sorted((anchor, entries.cursor))
        for row in range(low, high + 1):
            position = entries.position_at(row)
            if position is not None:
                entries.marked.add(session.rid(position))
        self._anchor = session.rid(entries.current)
        self._marks_changed(entries)
        self.notify(f"{count(len(entries.marked), 'entry')} marked")

    def _marks_changed(self, entries: EntryList) -> None:
        """The rows' marks and the status bar's count, in this frame."""
        entries.refresh_rows(None)
        bar = self.status_bar  # type: ignore[attr-defined]
        bar.marked = len(entries.marked)
        bar.redraw()

    def _bulk_targets(self) -> tuple[list[int], str]:
        entries = self.query_one(EntryList)  # type: ignore[attr-defined]
        session = self.app.session
        if entries.marked:
            positions = [p for p in (session.position(r) for r in entries.marked)
                         if p is not None]
            return sorted(positions), "marked entry"
        if entries.view is not None:
            return list(entries.view), "matching entry"
        return [], ""

    def action_bulk(self) -> None:
        if self.app.session.read_only:
            self.notify(f"Read-only: {self.app.session.readonly_reason}", severity="warning",
                        markup=False)
            return
        positions, what = self._bulk_targets()
        if not positions:
            self.notify("Mark entries with space / V, or filter with /, then press B.")
            return
        self.app.push_screen(BulkScreen(len(positions), what),
                             lambda action: self._bulk_chosen(action, positions))

    def _bulk_chosen(self, action: str | None, positions: list[int]) -> None:
        if action is None:
            return
        if action == "flag":
            self.app.push_screen(
                FlagPickerScreen(self.app.config.flags, f"Flag {count(len(positions), 'entry')}"),
                lambda name: name and self._confirm(action, positions, name))
            return
        if action in ("add_tag", "remove_tag"):
            title = {"add_tag": "Tag to add", "remove_tag": "Tag to remove"}[action]
            self.app.push_screen(PromptScreen(title),
                                 lambda name: name and self._confirm(action, positions,
                                                                     name.strip()))
            return
        self._confirm(action, positions, "")

    def _confirm(self, action: str, positions: list[int], name: str) -> None:
        verb = dict(BULK_ACTIONS)[action].rstrip("…").lower()
        if action == "flag":  # say which way a mixed set goes: on everywhere, or off
            session = self.app.session
            on = not all(name in session.row(p).flags for p in positions)
            verb, action = ("add flag", "flag_on") if on else ("remove flag", "flag_off")
        label = f"{verb} {name}".strip()
        question = f"{label.capitalize()} — {count(len(positions), 'entry')}? (one undo step)"
        self.app.push_screen(ConfirmScreen(question),
                             lambda yes: yes and self._apply(action, positions, name))

    def _apply(self, action: str, positions: list[int], name: str) -> None:
        session = self.app.session
        calls = {
            "accepted": lambda: session.set_status(positions, "accepted"),
            "rejected": lambda: session.set_status(positions, "rejected"),
            "needs_work": lambda: session.set_status(positions, "needs_work"),
            "unreviewed": lambda: session.set_status(positions, None),
            "flag_on": lambda: session.toggle_flag(positions, name, on=True),
            "flag_off": lambda: session.toggle_flag(positions, name, on=False),
            "add_tag": lambda: session.add_tag(positions, name),
            "remove_tag": lambda: session.add_tag(positions, name, on=False),
            "refined": lambda: session.mark_refined(positions),
            "delete": lambda: session.delete_entries(positions),
        }
        if action == "delete" and not loaded(self, session, "Deleting entries"):  # type: ignore[arg-type]
            return
        ok, changed = run_op(self, calls[action])  # type: ignore[arg-type]
        if not ok:
            return
        entries = self.query_one(EntryList)  # type: ignore[attr-defined]
        entries.marked.clear()
        self._anchor = None
        if action == "delete" and entries.view is not None:
            self.filter_without(entries, entries.view, positions)  # type: ignore[attr-defined]
        entries.refresh_rows(None)
        self.notify(f"{count(changed, 'entry')} changed · u undoes it")


def _row_in(view: Sequence[int], position: int) -> int | None:
    """The row showing `position` in a filtered list, or None when it does not show it
    (a ranked list, `~` or `order:slop`, is not in file order: no bisecting)."""
    try:
        return view.index(position)
    except ValueError:
        return None
