"""Textual messages that carry domain events into the UI thread."""

from __future__ import annotations

from textual.message import Message

from ..domain import SessionEvent


class SessionChanged(Message):
    """A session event (change, scan progress, save), delivered on the UI thread."""

    def __init__(self, event: SessionEvent) -> None:
        self.event = event
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        """Scan progress not yet handled is superseded by newer progress: a 1M-entry
        scan posts hundreds, and only the latest count matters."""
        return (isinstance(message, SessionChanged) and message.event.kind == "scan"
                and self.event.kind == "scan")


class SessionListener:
    """A screen that handles `SessionChanged`: the app posts session events to
    these, and to no other screen on the stack."""
