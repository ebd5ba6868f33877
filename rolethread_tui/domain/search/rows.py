"""What a query's field filters read: one entry's cheap summary columns.

A Protocol rather than a concrete class so the session can hand over whatever
row object its column store produces (``summary.Row``, a namedtuple, a view)
without copying into a search-specific type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class RowLike(Protocol):
    """Summary columns of one entry (read-only properties so frozen rows fit)."""

    @property
    def status(self) -> str:
        """``unreviewed`` | ``accepted`` | ``rejected`` | ``needs_work``."""
        ...

    @property
    def origin(self) -> str:
        """``generated`` | ``refined`` | ``human``."""
        ...

    @property
    def flags(self) -> tuple[str, ...]: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def issues(self) -> tuple[str, ...]:
        """Names of the validation checks that found something (``refusal``, ...)."""
        ...

    @property
    def turns(self) -> int: ...

    @property
    def length(self) -> int:
        """Total characters of user + assistant text."""
        ...

    @property
    def valid(self) -> bool:
        """False for a line that did not parse as a JSON object."""
        ...


@dataclass(frozen=True, slots=True)
class Row:
    """A minimal ``RowLike`` for tests and scripts; defaults describe a fresh entry."""

    status: str = "unreviewed"
    origin: str = "generated"
    flags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    turns: int = 0
    length: int = 0
    valid: bool = True
