"""The errors the domain raises to its callers (the TUI shows them, the CLI prints them).

They live apart from the modules that raise them so the port
(`rolethread_tui.domain`) can export one flat set, and a screen can catch
`DomainError` without knowing which layer said no.
"""

from __future__ import annotations


class DomainError(RuntimeError):
    """Base of every refusal the domain explains in words (never a crash)."""


class ReadOnlyError(DomainError):
    """A change or an in-place save on a session that may not write.

    `reason` says why (who holds the lock, a file without a write bit, an
    unwritable `.rolethread/` folder): what a script or the status bar shows.
    Saving to another path still works.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"read-only: {reason}")
        self.reason = reason


class SaveInProgressError(DomainError):
    """A change while a save is writing the file: it would not be in what is written."""


class FileChangedError(DomainError):
    """The file on disk is not the one we loaded: saving would destroy someone's work."""


class ScanError(DomainError):
    """The background scan failed (the file could not be read)."""


class NotAnArrayError(DomainError, ValueError):
    """A `.json` file that starts as an array but is not one array of entries (truncated,
    a separator missing, text after the ``]``): it is not opened at all, so nothing is
    shown that a save could write back wrong (docs/formats.md)."""
