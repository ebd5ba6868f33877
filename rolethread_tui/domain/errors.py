"""Errors a session raises that callers (the TUI, scripts) are expected to handle."""

from __future__ import annotations


class ReadOnlyError(RuntimeError):
    """A change or an in-place save on a session opened read-only.

    `reason` says why the session is read-only (who holds the lock, a file
    without a write bit, an unwritable `.rolethread/` folder): the message a
    script or the status bar shows. Saving to another path still works.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"read-only: {reason}")
        self.reason = reason
