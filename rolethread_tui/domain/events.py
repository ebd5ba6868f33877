"""Change events: what changed, so views refresh only what they show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """What changed.

    kind: "change" (ops, undo, redo), "scan" (progress), "scanned", "saved".
    label: what was done, in words ("undo accept entry 12").
    positions: entry positions touched (None: anything may have moved).
    focus: the position a view should show afterwards.
    """

    kind: str
    label: str = ""
    positions: tuple[int, ...] | None = None
    focus: int | None = None


Listener = Callable[[SessionEvent], None]


class Emitter:
    """Listeners called in order; scan events come from the scan thread, so a UI
    must hand them to its own thread (Textual: `post_message`) before drawing."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener on every event; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self.unsubscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            listener(event)
