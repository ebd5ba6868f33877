"""The session's ops: every change a reviewer or a script makes, by name.

Mixed into `Session` (the facade): each method names an op, picks its label
("accept entry 12": what undo will say) and hands the work to `edits`, which
builds the `Change` the document applies. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import edits, ops
from . import review as rv
from .history import Change
from .validation import SAFE_FIXES, Finding, fix_all, fix_finding

if TYPE_CHECKING:
    from .document import Document
    from .summary import Columns, Row


class SessionOps:
    """The named ops of a `Session` (which provides `doc`, `columns`, `reviewer`)."""

    doc: Document
    columns: Columns
    reviewer: str

    def rid(self, i: int) -> int: ...  # provided by Session
    def row(self, i: int) -> Row: ...
    def entry(self, i: int) -> object: ...

    # ----------------------------------------------------------- review ops
    def _review(self, what: str, i: int | Iterable[int],
                fn: Callable[[dict[str, Any]], dict[str, Any]], tags: bool = False) -> int:
        positions = edits.many(i)
        return edits.review_op(self.doc, self.reviewer, _label(what, i, positions), positions,
                               fn, strict=isinstance(i, int), tags=tags)

    def set_status(self, i: int | Iterable[int], status: str | None) -> int:
        """"accepted" | "rejected" | "needs_work" | None (unreviewed)."""
        return self._review(_STATUS_VERB.get(status, f"status {status}"), i,
                            lambda r: ops.set_status(r, status))

    def toggle_flag(self, i: int | Iterable[int], flag: str, on: bool | None = None) -> int:
        """Toggle a flag (or force it with on=True/False; a bulk toggle of a mixed
        set turns it on everywhere, or off when all have it)."""
        if on is None and isinstance(i, int):
            on = flag not in self.row(i).flags
        elif on is None:
            i = list(i)
            on = not all(flag in self.row(p).flags for p in i)
        verb = "flag" if on else "unflag"
        return self._review(f"{verb} {flag} on", i, lambda r: ops.toggle_flag(r, flag, on))

    def set_note(self, i: int, note: str) -> int:
        return self._review("note on", i, lambda r: ops.set_note(r, note))

    def note(self, i: int) -> str:
        """The entry's note as text ("" when none or not text)."""
        return rv.note_of(rv.review_of(self.entry(i)))

    def set_tags(self, i: int | Iterable[int], tags: list[str]) -> int:
        return self._review("tags of", i, lambda r: ops.set_tags(r, tags), tags=True)

    def add_tag(self, i: int | Iterable[int], tag: str, on: bool = True) -> int:
        return self._review(f"{'add' if on else 'remove'} tag {tag} on", i,
                            lambda r: ops.add_tag(r, tag, on), tags=True)

    def mark_refined(self, i: int | Iterable[int]) -> int:
        """A person vouches for the entry: it becomes refined."""
        return self._review("mark refined", i, ops.mark_refined)

    def toggle_refined(self, i: int) -> int:
        """`h`: vouch for a generated entry; again, take back a vouch. An entry whose
        messages a person edited stays refined, and one written by a person is human:
        both are refused with the reason."""
        review = rv.review_of(self.entry(i))
        if rv.can_unvouch(review):
            return self._review("unmark refined", i, ops.unvouch)
        if rv.origin_of(review) == rv.REFINED:
            raise ops.OpError(f"Messages of entry {i + 1} were edited: it stays refined.")
        if rv.origin_of(review) == rv.HUMAN:  # said, not silently left as it is
            raise ops.OpError(f"Entry {i + 1} was written by a person: there is no "
                              "generated text to vouch for.")
        return self.mark_refined(i)

    def set_origin(self, i: int | Iterable[int], origin: str) -> int:
        return self._review(f"origin {origin} for", i, lambda r: ops.set_origin(r, origin))

    # ----------------------------------------------------------- content ops
    def _content(self, label: str, i: int, fn: Callable[[dict[str, Any]], dict[str, Any]]
                 ) -> bool:
        return edits.value_op(self.doc, self.reviewer, f"{label} of entry {i + 1}", i, fn)

    def edit_message(self, i: int, m: int, text: str) -> bool:
        """New text for message m; message and entry become refined, original kept."""
        return self._content(f"edit message {m}", i, lambda v: ops.edit_message(v, m, text))

    def set_role(self, i: int, m: int, role: str) -> bool:
        return self._content(f"role of message {m}", i, lambda v: ops.set_role(v, m, role))

    def insert_message(self, i: int, m: int, role: str, text: str = "") -> bool:
        return self._content(f"insert message {m}", i,
                             lambda v: ops.insert_message(v, m, role, text))

    def delete_message(self, i: int, m: int) -> bool:
        return self._content(f"delete message {m}", i, lambda v: ops.delete_message(v, m))

    def move_message(self, i: int, m: int, to: int) -> bool:
        return self._content(f"move message {m}", i, lambda v: ops.move_message(v, m, to))

    def revert_message(self, i: int, m: int) -> bool:
        return self._content(f"revert message {m}", i, lambda v: ops.revert_message(v, m))

    def replace_entry(self, i: int, value: object, label: str = "edit entry") -> bool:
        """Replace an entry's whole value (a raw-line repair, a script's rewrite)."""
        return edits.replace_entry(self.doc, self.reviewer, i, value, label)

    def replace_line(self, i: int, line: bytes, label: str = "edit raw line") -> bool:
        return edits.replace_line(self.doc, i, line, label)

    def fix_finding(self, i: int, finding: Finding) -> bool:
        """Apply the fix of one finding of entry i as one undoable op."""
        rid = self.rid(i)
        value = self.doc.object(rid, i)
        fixed = fix_finding(value, finding)
        if fixed == value:
            return False
        change = Change(f"fix {finding.check} in entry {i + 1}", focus=i)
        edits.fix_change(self.doc, self.reviewer, change, i, value, fixed)
        return self.doc.commit(change, [i])

    def apply_fixes(self, positions: int | Iterable[int],
                    checks: Iterable[str] = SAFE_FIXES, label: str = "apply fixes") -> int:
        """Apply the fixable findings (of `checks`) as one undoable op; entries changed."""
        allowed = frozenset(checks)
        positions = edits.many(positions)
        change = Change(label, focus=positions[0] if len(positions) == 1 else None)
        for i in positions:
            value = self.doc.value(self.rid(i))
            if not isinstance(value, dict):
                continue
            found = [f for f in self.columns.checker(value) if f.fixable and f.check in allowed]
            fixed = fix_all(value, found, allowed) if found else value
            if fixed != value:
                edits.fix_change(self.doc, self.reviewer, change, i, value, fixed)
        self.doc.commit(change, positions)
        return len(change.states)

    # ----------------------------------------------------------- structural ops
    def delete_entries(self, positions: int | Iterable[int]) -> int:
        return edits.delete_entries(self.doc, positions)

    def duplicate_entry(self, i: int) -> int:
        """A copy right after entry i, with a new id; returns the copy's position."""
        return edits.duplicate_entry(self.doc, i)

    def add_entry(self, messages: list[dict[str, Any]], after: int | None = None, *,
                  before: int | None = None) -> int:
        """A hand-written entry (origin human) after `after` or before `before`
        (neither: at the end); returns its position."""
        return edits.add_entry(self.doc, self.reviewer, messages, after, before=before)

    def split_entry(self, i: int, m: int) -> int:
        """Split entry i before message m; returns the position of the second part."""
        return edits.split_entry(self.doc, self.reviewer, i, m)

    def join_entries(self, i: int) -> bool:
        """Join entry i+1 onto entry i (one conversation)."""
        return edits.join_entries(self.doc, self.reviewer, i)


_STATUS_VERB = {"accepted": "accept", "rejected": "reject", "needs_work": "mark needs work",
                None: "mark unreviewed"}


def _label(what: str, i: int | Iterable[int], positions: list[int]) -> str:
    """An op's label names its entry (1-based, as the app shows it) or counts them:
    "accept entry 12", "reject 3 entries" — what undo then says it undid."""
    if isinstance(i, int):
        return f"{what} entry {i + 1}"
    if len(positions) == 1:
        return f"{what} entry {positions[0] + 1}"
    return f"{what} {len(positions):,} entries"
