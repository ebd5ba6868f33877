"""File-wide notes: a check that fires on most of a file is one fact, not N findings.

docs/validation.md: a check firing on more than half of a file's entries (``missing-system``
on a dump that never uses system prompts, ``starts-with-assistant`` on a batch
that opens with greetings) is reported once, as a note, in summaries — the
per-entry findings stay (``issue:CHECK`` still lists them). Summaries anywhere
(``validate``, the validation summary, insights) call `file_notes` with the
entry counts they already have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .findings import CHECKS

#: A check is file-wide when it fires on more than this share of the entries.
FILE_WIDE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class FileNote:
    """One check that fires on most entries: how many, and a line to show."""

    check: str
    severity: str
    entries: int
    total: int

    @property
    def share(self) -> float:
        return self.entries / self.total if self.total else 0.0

    @property
    def text(self) -> str:
        return (f"{self.check} on {self.entries:,} of {self.total:,} entries "
                f"({self.share:.0%}): a property of this file (list them with "
                f"issue:{self.check})")

    def as_dict(self) -> dict[str, object]:
        return {"check": self.check, "severity": self.severity, "entries": self.entries,
                "total": self.total, "text": self.text}


def file_notes(entry_counts: Mapping[str, int], total: int) -> list[FileNote]:
    """The checks of `entry_counts` (check -> entries it fires on) above the share.

    Most widespread first. `total` is the number of entries in the file (or the
    selection summarised); nothing is file-wide in an empty one. An error is never
    a note: each is a line someone must fix, and `validate`'s reader needs its
    line number (a 3-line file with 2 broken lines listed none).
    """
    if total <= 0:
        return []
    notes = [FileNote(check, severity, n, total)
             for check, n in entry_counts.items()
             if n > total * FILE_WIDE_SHARE
             and (severity := CHECKS.get(check, "warning")) != "error"]
    return sorted(notes, key=lambda note: (-note.entries, note.check))


def file_wide_checks(entry_counts: Mapping[str, int], total: int) -> frozenset[str]:
    """Just the names of the file-wide checks (for filtering a findings list)."""
    return frozenset(note.check for note in file_notes(entry_counts, total))
