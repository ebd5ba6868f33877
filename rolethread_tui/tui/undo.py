"""Running a session op from any screen: a refusal or a journal failure is said, never a crash.

Every key that changes the session goes through `run_op`, so the list, the
editor, the reading view, bulk actions and insights say the same thing when
the domain says no (read-only, a save running, an entry that cannot take the
op) or the crash journal cannot be written (nothing changed then).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode

from ..domain import DomainError, OpError, ReadOnlyError, Session, os_reason


def run_op(node: DOMNode, op: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, what op returned), or (False, None) after telling the user why not."""
    try:
        return True, op()
    except ReadOnlyError as exc:
        say_once(node, str(exc), severity="error")
    except (DomainError, OpError, IndexError) as exc:
        node.notify(str(exc), severity="error", markup=False)
    except OSError as exc:  # the journal could not be written: the change was not made
        node.notify(f"Not done: the change could not be recorded in the crash journal "
                    f"({os_reason(exc)}).", severity="error", timeout=15, markup=False)
    return False, None


def writable(node: DOMNode, session: Session) -> bool:
    """Whether the session takes changes; a read-only one says so (the domain's
    `ReadOnlyError` words) before anything is typed, not when it is applied."""
    reason = session.readonly_reason
    if reason is not None:
        say_once(node, str(ReadOnlyError(reason)), severity="error")
    return reason is None


#: Seconds within which the same refusal is not said again (a toast stays ~5 s).
SAID_FOR = 5.0


def say_once(node: DOMNode, text: str, **options: Any) -> None:
    """A toast, unless the same one went up less than `SAID_FOR` s ago: every key a
    read-only session refuses stacked another five-line toast over the list (QA)."""
    app = node.app
    now = time.monotonic()
    last = getattr(app, "_last_said", None)
    if last is not None and last[0] == text and now - last[1] < SAID_FOR:
        return
    app._last_said = (text, now)  # type: ignore[attr-defined]
    node.notify(text, markup=False, **options)


def loaded(node: DOMNode, session: Session, what: str) -> bool:
    """Whether the file is scanned through, as adding, deleting, splitting or joining
    entries needs (the domain waits for it: every position known). While the scan
    runs, say so instead of freezing the screen until it ends (~20 s at 1M)."""
    if not session.scanning:
        return True
    node.notify(f"{what} waits until the file is loaded ({session.progress:.0%} so far): "
                "try again in a moment.", severity="warning", timeout=4, markup=False)
    return False


def undo_step(node: DOMNode, session: Session, *, redo: bool) -> bool:
    """Undo (or redo) one step and say which ("Undid: accept entry 12")."""
    label = session.redo_label if redo else session.undo_label
    verb = "Redid" if redo else "Undid"
    if label is None:
        node.notify(f"Nothing to {'redo' if redo else 'undo'}.", timeout=2)
        return False
    ok, done = run_op(node, session.redo if redo else session.undo)
    if ok and done:
        node.notify(f"{verb}: {label}", timeout=3, markup=False)
    return bool(ok and done)


class HistoryActions:
    """`undo` / `redo` on a screen: one step, said (`undo_step`), then
    `after_history` shows what the step changed (nothing to redraw by default:
    the list follows the session's events)."""

    def action_undo(self) -> None:
        self._history_step(redo=False)

    def action_redo(self) -> None:
        self._history_step(redo=True)

    def _history_step(self, *, redo: bool) -> None:
        if undo_step(self, self.app.session, redo=redo):  # type: ignore[attr-defined]
            self.after_history()

    def after_history(self) -> None:
        """After a step was undone or redone (override to show it)."""


def history_bindings() -> list[Binding]:
    """Undo and redo for a screen that has no other use for the keys (insights, the
    side-by-side view): `u` says what it undid wherever it is pressed (DESIGN §3:
    undo works across all screens). The list's and editor's ids, so one keymap entry
    re-binds them everywhere."""
    return [
        Binding("u,ctrl+z", "undo", "Undo", show=False, id="undo"),
        Binding("ctrl+r,ctrl+y", "redo", "Redo", show=False, id="redo"),
    ]
