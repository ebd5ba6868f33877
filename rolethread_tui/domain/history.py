"""Changes (the command objects every op builds) and the undo/redo history.

Every op, however named, reduces to a `Change`: new states for some records
and, for structural ops, entries inserted into or removed from the order.
Because states are immutable values, apply and revert are just "set after" and
"set before", and a bulk op over 100k entries is one Change, one undo step.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, Protocol

# A record state: None (the line as read), `Reviewed` or `Replaced`.
State = Any


@dataclass(frozen=True, slots=True)
class Reviewed:
    """The original line with only `_review` replaced (None removes it).

    Kept apart from `Replaced` so a bulk status change over 100k entries holds
    100k small dicts, not 100k re-encoded lines.
    """

    review: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Replaced:
    """The record's whole new line content (no line ending)."""

    line: bytes


@dataclass(frozen=True, slots=True)
class Splice:
    """Entries inserted (`insert=True`) into or removed from the order.

    `pairs` are (position, record id), positions ascending; for an insert they
    are the final positions, for a removal the positions before removing.
    Reverting an insert is a removal of the same pairs, and vice versa.
    """

    pairs: tuple[tuple[int, int], ...]
    insert: bool

    def inverse(self) -> Splice:
        return Splice(self.pairs, not self.insert)

    def apply(self, order: array) -> array:
        return insert_at(order, self.pairs) if self.insert else remove_at(order, self.pairs)


def insert_at(order: array, pairs: tuple[tuple[int, int], ...]) -> array:
    """Order with rids inserted at final positions, in one O(n) pass."""
    out = array(order.typecode)
    src = 0
    for k, (pos, rid) in enumerate(pairs):
        upto = pos - k
        out.extend(order[src:upto])
        out.append(rid)
        src = upto
    out.extend(order[src:])
    return out


def remove_at(order: array, pairs: tuple[tuple[int, int], ...]) -> array:
    """Order without the given positions, in one O(n) pass."""
    out = array(order.typecode)
    src = 0
    for pos, _rid in pairs:
        out.extend(order[src:pos])
        src = pos + 1
    out.extend(order[src:])
    return out


@dataclass(slots=True)
class Change:
    """One undo step: record states before/after and order splices."""

    label: str
    states: dict[int, tuple[State, State]] = field(default_factory=dict)
    splices: list[Splice] = field(default_factory=list)
    focus: int | None = None  # the position a view should show after applying

    @property
    def structural(self) -> bool:
        return bool(self.splices)


class Target(Protocol):
    """What a Change is applied to (the session)."""

    def _set_state(self, rid: int, state: State) -> None: ...
    def _splice(self, splice: Splice) -> None: ...


def apply_change(target: Target, change: Change) -> None:
    for rid, (_before, after) in change.states.items():
        target._set_state(rid, after)
    for splice in change.splices:
        target._splice(splice)


def revert_change(target: Target, change: Change) -> None:
    for splice in reversed(change.splices):
        target._splice(splice.inverse())
    for rid, (before, _after) in change.states.items():
        target._set_state(rid, before)


class History:
    """Unlimited linear undo/redo; a new change drops the redo branch."""

    def __init__(self) -> None:
        self._done: list[Change] = []
        self._undone: list[Change] = []
        self._saved_at: int | None = 0

    def push(self, change: Change) -> None:
        if self._saved_at is not None and self._saved_at > len(self._done):
            self._saved_at = None  # the saved state was on the dropped branch
        self._done.append(change)
        self._undone.clear()

    def pop_undo(self) -> Change | None:
        if not self._done:
            return None
        change = self._done.pop()
        self._undone.append(change)
        return change

    def pop_redo(self) -> Change | None:
        if not self._undone:
            return None
        change = self._undone.pop()
        self._done.append(change)
        return change

    def mark_saved(self) -> None:
        self._saved_at = len(self._done)

    @property
    def dirty(self) -> bool:
        return self._saved_at != len(self._done)

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def peek(self, *, undo: bool) -> str | None:
        """The label of the change the next undo (or redo) would move, or None."""
        stack = self._done if undo else self._undone
        return stack[-1].label if stack else None

    def labels(self) -> list[str]:
        return [c.label for c in self._done]
