"""The parsed pieces of a query, and the vocabulary the parser checks values against.

Terms are small frozen dataclasses so that two parses of the same text compare
equal (tests, caching a compiled query by its canonical text) and so that
``str(term)`` gives back query syntax: ``str(parse(q))`` is a normalised query
that parses to an equal ``Query``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..slop.rules import SIGNALS
from ..validation.findings import CHECKS

STATUS_VALUES = ("accepted", "rejected", "needs_work", "unreviewed")
ORIGIN_VALUES = ("generated", "refined", "human")

# Check names and severities of docs/validation.md, from the validation package (one home
# for the table). `issue:error` etc. expand through it; the session may pass its
# own registry to `parse(..., checks=...)`.
CHECK_SEVERITY: Mapping[str, str] = CHECKS
SEVERITY_VALUES = ("error", "warning", "info")

# Roles a scope can name. None stands for turns whose speaker is not one of the
# three canonical roles (character names, `narrator`, `tool`).
DEFAULT_SCOPE: frozenset[str | None] = frozenset({"user", "assistant"})
ALL_ROLES: frozenset[str | None] = frozenset({"system", "user", "assistant", None})
OTHER_ROLE_NAMES = ("other", "unknown")
ALL_ROLE_NAMES = ("all", "any")

# Field names in the order the error message lists them.
SET_FIELDS = ("status", "origin", "flag", "tag", "issue")
RANGE_FIELDS = ("turns", "len")
SCOPE_FIELDS = ("role", "in")
# The slop lens (docs/slop.md): `slop:NAME|any` filters, `order:slop` ranks worst first.
# Both read per-entry slop data the caller provides, not summary columns.
SLOP_VALUES = (*SIGNALS,)
# `order:group` puts the members of each duplicate group side by side (`grouped.py`).
ORDER_VALUES = ("slop", "group")
FIELDS = SET_FIELDS + RANGE_FIELDS + SCOPE_FIELDS + ("slop", "order")
FIELD_ALIASES = {"length": "len", "turn": "turns"}

# A bare token that starts like this is a field filter, not a word.
FIELD_RE = re.compile(r"([A-Za-z_]+):")

# Sentinel value of flag:/tag:/issue: meaning "has at least one".
ANY = "any"


@dataclass(frozen=True, slots=True)
class TextTerm:
    """A free word or a quoted phrase, required or (negated) excluded.

    ``text`` is kept as typed (for highlighting and ``str``); matching uses
    its casefolded form.
    """

    text: str
    # Only how it was typed: words and phrases match alike (substrings).
    phrase: bool = field(default=False, compare=False)
    negated: bool = False

    def __str__(self) -> str:
        body = quote(self.text) if self.phrase or _needs_quotes(self.text) else self.text
        return ("-" if self.negated else "") + body


@dataclass(frozen=True, slots=True)
class SetTerm:
    """``status:/origin:/flag:/tag:/issue:`` with one or more accepted values (any of).

    ``values`` are normalised (casefolded, severities expanded for ``issue:``);
    ``shown`` is what ``str`` prints, so ``issue:error`` stays readable.
    """

    field: str
    values: frozenset[str]
    shown: tuple[str, ...]
    negated: bool = False

    def __str__(self) -> str:
        items = ",".join(quote(v) if _needs_quotes(v, in_value=True) else v for v in self.shown)
        return f"{'-' if self.negated else ''}{self.field}:{items}"


@dataclass(frozen=True, slots=True)
class RangeTerm:
    """``turns:`` / ``len:`` as an inclusive integer range; None = open end."""

    field: str
    low: int | None
    high: int | None
    negated: bool = False
    # As typed (``>5``), so the status bar echoes the user; bounds decide equality.
    shown: str = field(default="", compare=False)

    def __str__(self) -> str:
        shown = self.shown or range_text(self.low, self.high)
        return f"{'-' if self.negated else ''}{self.field}:{shown}"


@dataclass(frozen=True, slots=True)
class ScopeTerm:
    """``role:`` / ``in:``: which turns text terms look at (several terms = union)."""

    roles: frozenset[str | None]

    def __str__(self) -> str:
        return "in:" + ",".join(role_names(self.roles))


@dataclass(frozen=True, slots=True)
class FuzzyTerm:
    """``~text``: rank by similarity to ``text`` instead of filtering."""

    text: str

    def __str__(self) -> str:
        return "~" + quote(self.text)


@dataclass(frozen=True, slots=True)
class OrderTerm:
    """``order:slop`` / ``order:group``: order the matches by per-entry data the
    caller gives (slop scores, worst first; duplicate groups, side by side)."""

    key: str

    def __str__(self) -> str:
        return f"order:{self.key}"


Term = TextTerm | SetTerm | RangeTerm | ScopeTerm | FuzzyTerm | OrderTerm


def role_names(roles: frozenset[str | None]) -> list[str]:
    """Scope roles in a stable order, None shown as ``other``."""
    if roles >= ALL_ROLES:
        return ["all"]
    order = ("system", "user", "assistant", None)
    return [OTHER_ROLE_NAMES[0] if r is None else r for r in order if r in roles]


def range_text(low: int | None, high: int | None) -> str:
    """The shortest query syntax for an inclusive range."""
    if low is not None and low == high:
        return str(low)
    if high is None:
        return f">={low}"
    if low is None:
        return f"<={high}"
    return f"{low}..{high}"


def quote(text: str) -> str:
    """Quote ``text`` as a query phrase (backslash-escaping ``"`` and ``\\``)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _needs_quotes(text: str, in_value: bool = False) -> bool:
    """Whether a bare word would not parse back to itself."""
    if not text or any(c.isspace() or c in '"\\' for c in text):
        return True
    if in_value:
        return "," in text
    return text[0] in "-~" or FIELD_RE.match(text) is not None
