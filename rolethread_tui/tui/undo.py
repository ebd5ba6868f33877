"""Undo and redo as every screen does them: say what moved, survive a refusal."""

from __future__ import annotations

from textual.dom import DOMNode

from ..domain import DomainError, Session


def undo_step(node: DOMNode, session: Session, *, redo: bool) -> bool:
    """Undo (or redo) one step and say which ("Undid: accept entry 12").

    A read-only session, a save in progress or a journal that cannot be
    written refuses the step; the reason is shown and nothing changes.
    """
    label = session.redo_label if redo else session.undo_label
    verb = "Redid" if redo else "Undid"
    if label is None:
        node.notify(f"Nothing to {verb[:-1].lower()}.", timeout=2)
        return False
    try:
        done = session.redo() if redo else session.undo()
    except DomainError as exc:
        node.notify(str(exc), severity="warning", markup=False)
        return False
    except OSError as exc:
        node.notify(f"Not done: the crash journal could not be written "
                    f"({exc.strerror or exc}).", severity="error", timeout=15, markup=False)
        return False
    if done:
        node.notify(f"{verb}: {label}", timeout=3, markup=False)
    return done
