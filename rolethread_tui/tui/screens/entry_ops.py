"""The list's whole-entry keys: a new hand-written entry (`N` after, `O` before the
current one) and deleting the current entry (`d`, asked first, one undo step).

Where an entry goes and which entry the cursor lands on after a delete are the
domain's (`Session.add_entry`, `Session.delete_entries`); this mixin asks, runs
the op and moves the cursor back where the reviewer expects it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..safe_text import one_line
from ..undo import loaded, writable
from ..widgets.entry_list import EntryList
from .prompts import ConfirmScreen

if TYPE_CHECKING:
    from ..app import RoleThreadApp

#: Characters of the entry's first user line the delete question quotes.
PREVIEW_CHARS = 50


class EntryOpsMixin:
    """Mixed into ListScreen (the reading view reaches `d` through it)."""

    app: RoleThreadApp
    _run: Any
    _guard: Any
    _focus_position: Any
    notify: Any
    call_later: Any
    status_bar: Any

    def action_new_entry(self) -> None:
        """`N`: a hand-written entry (origin human) after the current one, in the editor."""
        self._new_entry(before=False)

    def action_new_entry_before(self) -> None:
        """`O`: a hand-written entry before the current one (on the first: first in
        the file), in the editor."""
        self._new_entry(before=True)

    _added = 0

    def _new_entry(self, *, before: bool) -> None:
        current = self.query_one(EntryList).current  # type: ignore[attr-defined]
        session = self.app.session
        if not loaded(self, session, "A new entry"):  # type: ignore[arg-type]
            return

        def add() -> None:
            if before:
                self._added = session.add_entry([], before=0 if current is None else current)
            else:
                self._added = session.add_entry([], after=current)

        if self._run(add):
            added, label = self._added, session.undo_label
            self.app.open_editor(added, closed=lambda: self._drop_if_untouched(added, label,
                                                                               current))

    def _drop_if_untouched(self, position: int, label: str | None,
                           was_on: int | None) -> None:
        """`N` then straight back (no message, note or tag: the add is still the last
        step): the empty entry goes again, as an empty new message does in the editor,
        and the cursor goes back to the entry it was on (it was left on the next)."""
        session = self.app.session
        untouched = (label is not None and session.undo_label == label
                     and position < len(session)
                     and not session.entry(position).get("messages"))
        if untouched and self._run(session.undo):
            self.notify("Empty new entry dropped.", timeout=3)
            if was_on is not None and was_on < len(session):  # after the undo's own focus
                self.call_later(self._focus_position, was_on)

    def action_delete_entry(self) -> None:
        """`d`: delete the current entry, once the reviewer says yes (one undo step)."""
        position = self._guard()
        session = self.app.session
        if (position is None or not writable(self, session)  # type: ignore[arg-type]
                or not loaded(self, session, "Deleting an entry")):  # type: ignore[arg-type]
            return
        rid = session.rid(position)  # the answer finds the entry again by its record
        preview = one_line(session.row(position).preview)[:PREVIEW_CHARS]
        question = f"Delete entry {position + 1}? “{preview}” (one undo step)"
        self.app.push_screen(ConfirmScreen(question, "y: delete · n: keep"),
                             lambda yes: self._delete_answered(bool(yes), rid))

    def _delete_answered(self, yes: bool, rid: int) -> None:
        """Delete the entry asked about; the cursor follows the op's own focus (the
        entry that took its place, or the new last one: `_session_changed`)."""
        session = self.app.session
        position = session.position(rid)
        if not yes or position is None:
            return
        entries = self.query_one(EntryList)  # type: ignore[attr-defined]
        view = entries.view
        if self._run(lambda: session.delete_entries([position])):
            if view is not None:
                self.filter_without(entries, view, [position])
            if rid in entries.marked:  # a mark on a deleted entry would count for nothing
                entries.marked.discard(rid)
                self.status_bar.marked = len(entries.marked)
                self.status_bar.redraw()
            self.notify(f"Deleted entry {position + 1} · u undoes it", timeout=3,
                        markup=False)

    def filter_without(self, entries: EntryList, view: Sequence[int],
                       deleted: Sequence[int]) -> None:
        """A filtered list after the entries at `deleted` went: the same rows, those
        after them moved up, the cursor on the first row left at or after its own.
        The query runs again (`_session_changed`) and lands near the change; until
        then the stale rows named the entries after the deleted ones, so a key in
        between acted on the wrong entry. A filter no query names (an insights
        figure) follows its record ids (`refigure`)."""
        out = set(deleted)
        gone = sorted(out)
        row = entries.cursor
        near = next((p for p in view[row:] if p not in out),
                    next((p for p in reversed(view[:row]) if p not in out), None))
        shifted = [p - bisect_left(gone, p) for p in view if p not in out]
        keep = None if near is None else near - bisect_left(gone, near)
        entries.set_view(shifted, keep=keep)
        self.status_bar.matched = len(shifted)
        self.status_bar.redraw()
