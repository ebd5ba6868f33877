"""The query line of docs/query.md, parsed into terms.

Grammar (whitespace separates terms; everything is case-insensitive):

    word                 must appear in the scoped turns (substring)
    "exact phrase"       must appear verbatim (``\\"`` and ``\\\\`` escape inside)
    -word  -"phrase"     must not appear
    field:value[,value]  filter on summary columns; a comma list means any of
    slop:NAME|any        entries with that slop signal (per-entry data the caller gives)
    order:slop           rank the matches worst first by slop score
    order:group          each duplicate group's members side by side
    -field:value         negated filter
    role:NAME / in:A,B   scope of the text terms (several = union)
    ~text / ~"text"      rank by fuzzy similarity; a bare ``~`` takes the rest
                         of the line, a quoted one lets parsing continue

A bare token shaped like ``name:`` is always a field; an unknown name is an
error rather than a silent text search, because a mistyped filter that quietly
matches nothing is worse than a message. Quote text that has a colon.
Errors are ``QueryError`` with the offset of the bad token, so the search box
can put the cursor there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from ..formats import normalise_role
from .query import Query
from .terms import (
    ALL_ROLE_NAMES,
    ALL_ROLES,
    ANY,
    CHECK_SEVERITY,
    FIELD_ALIASES,
    FIELD_RE,
    FIELDS,
    ORDER_VALUES,
    ORIGIN_VALUES,
    OTHER_ROLE_NAMES,
    RANGE_FIELDS,
    SEVERITY_VALUES,
    SLOP_VALUES,
    STATUS_VALUES,
    FuzzyTerm,
    OrderTerm,
    RangeTerm,
    ScopeTerm,
    SetTerm,
    Term,
    TextTerm,
)

RANGE_EXAMPLES = {"turns": "turns:>5", "len": "len:<200"}

Item = tuple[str, int]  # a value as typed, and its offset in the query


class QueryError(ValueError):
    """A query that cannot be parsed; ``position`` is the offset of the bad token."""

    def __init__(self, message: str, position: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = position + 1 if end is None else end


def parse(text: str, *, checks: Mapping[str, str] | None = None) -> Query:
    """Parse a query line. Empty (or blank) text gives a query that matches everything.

    ``checks`` maps validation check names to severities (default: docs/validation.md);
    ``issue:`` values are checked against it so a typo is reported, not silently
    matched against nothing.
    """
    return Query(_Parser(text, CHECK_SEVERITY if checks is None else checks).terms(), text)


def _column(offset: int) -> str:
    """Where an error is, as people count: the 1-based column (`QueryError.position`
    stays the 0-based offset, for code that highlights the token)."""
    return f"column {offset + 1}"


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


class _Parser:
    """A hand-written scanner: the grammar is small and positions must be exact."""

    def __init__(self, text: str, checks: Mapping[str, str]) -> None:
        self.text = text
        self.checks = checks
        self.pos = 0

    # -- scanning -------------------------------------------------------------

    def _skip_space(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n and text[self.pos].isspace():
            self.pos += 1

    def _at_end(self) -> bool:
        return self.pos >= len(self.text)

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _read_quoted(self) -> str:
        """Read ``"..."`` starting at the quote; ``\\"`` and ``\\\\`` are escapes."""
        text, start = self.text, self.pos
        out: list[str] = []
        i = start + 1
        while i < len(text):
            c = text[i]
            if c == '"':
                self.pos = i + 1
                return "".join(out)
            if c == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
                i += 1
                c = text[i]
            out.append(c)
            i += 1
        raise QueryError(f"unclosed quote at {_column(start)}", start, len(text))

    def _read_bare(self, stops: str) -> str:
        text, start = self.text, self.pos
        i = start
        while i < len(text) and not text[i].isspace() and text[i] not in stops:
            i += 1
        self.pos = i
        return text[start:i]

    def _read_items(self) -> list[Item]:
        """A field value: one or more comma-separated items, each bare or quoted."""
        items: list[Item] = []
        while True:
            start = self.pos
            value = self._read_quoted() if self._peek() == '"' else self._read_bare(',"')
            items.append((value, start))
            if self._peek() != ",":
                return items
            self.pos += 1

    # -- terms ----------------------------------------------------------------

    def terms(self) -> list[Term]:
        out: list[Term] = []
        while True:
            self._skip_space()
            if self._at_end():
                return out
            term = self._term(has_fuzzy=any(isinstance(t, FuzzyTerm) for t in out))
            if term is not None:
                out.append(term)

    def _term(self, has_fuzzy: bool) -> Term | None:
        start = self.pos
        if self._peek() == "~":
            if has_fuzzy:
                raise QueryError(
                    f"only one ~ term is allowed (the second at {_column(start)})", start)
            return self._fuzzy()
        negated = self._peek() == "-"
        if negated:
            self.pos += 1
            if self._at_end() or self._peek().isspace():
                raise QueryError(
                    f"'-' at {_column(start)} needs a word, \"phrase\" or filter after it", start)
            if self._peek() == "~":
                raise QueryError(
                    f"a ~ term ranks, it cannot be negated (at {_column(start)})", start)
        if self._peek() == '"':
            phrase = self._read_quoted()
            return TextTerm(phrase, phrase=True, negated=negated) if phrase else None
        match = FIELD_RE.match(self.text, self.pos)
        if match:
            return self._field(match.group(1), negated)
        return TextTerm(self._read_bare('"'), negated=negated)

    def _fuzzy(self) -> FuzzyTerm:
        start = self.pos
        self.pos += 1
        if self._peek() == '"':
            text = self._read_quoted()
        else:
            text = self.text[self.pos:].strip()
            self.pos = len(self.text)
        if not text.strip():
            raise QueryError(
                f"~ at {_column(start)} needs text to rank by, like ~dragon fight", start)
        return FuzzyTerm(text)

    def _field(self, typed: str, negated: bool) -> Term:
        start = self.pos
        name = typed.casefold()
        name = FIELD_ALIASES.get(name, name)
        if name not in FIELDS:
            token = self._read_bare("")
            raise QueryError(
                f"unknown field '{typed}' at {_column(start)}{_suggest(name, FIELDS)} "
                f"(fields: {', '.join(FIELDS)}; to search for the text, quote it: \"{token}\")",
                start, self.pos,
            )
        self.pos += len(typed) + 1
        items = self._read_items()
        if len(items) == 1 and not items[0][0]:
            raise QueryError(f"{name}: needs {self._expected(name)} (at {_column(start)})",
                             start, self.pos)
        for value, pos in items:
            if not value.strip():
                raise QueryError(f"empty value in the {name}: list at {_column(pos)}", pos)
        if name in RANGE_FIELDS:
            return self._range(name, items, negated)
        if name in ("role", "in"):
            if negated:
                raise QueryError(f"-{name}: at {_column(start - 1)} cannot be negated; "
                                 f"name the roles to search instead, like in:user", start - 1)
            return ScopeTerm(self._roles(name, items))
        if name == "order":
            return self._order(items, negated, start)
        return self._set(name, items, negated)

    def _order(self, items: list[Item], negated: bool, start: int) -> OrderTerm:
        if negated:
            raise QueryError(f"-order: at {_column(start - 1)} cannot be negated; "
                             "use order:slop or order:group", start - 1)
        value = items[0][0]
        if len(items) > 1 or value.strip().casefold() not in ORDER_VALUES:
            bad, at = items[1] if len(items) > 1 else items[0]
            raise self._bad_value("order", bad, at)
        return OrderTerm(value.strip().casefold())

    def _expected(self, name: str) -> str:
        if name in RANGE_FIELDS:
            return f"a number like {RANGE_EXAMPLES[name]}"
        choices = self._choices(name)
        return f"a value: {', '.join(choices)}" if choices else f"a name like {name}:refusal"

    def _choices(self, name: str) -> tuple[str, ...]:
        if name == "status":
            return STATUS_VALUES
        if name == "origin":
            return ORIGIN_VALUES
        if name == "issue":
            return (ANY, *SEVERITY_VALUES, *self.checks)
        if name in ("role", "in"):
            return ("system", "user", "assistant", OTHER_ROLE_NAMES[0], ALL_ROLE_NAMES[0])
        if name == "slop":
            return (ANY, *SLOP_VALUES)
        if name == "order":
            return ORDER_VALUES
        return ()

    def _bad_value(self, name: str, value: str, pos: int) -> QueryError:
        choices = self._choices(name)
        return QueryError(
            f"bad value '{value}' for {name} at {_column(pos)}"
            f"{_suggest(value.casefold(), choices)} "
            f"(expected {', '.join(choices)})",
            pos, pos + len(value),
        )

    # -- field values -----------------------------------------------------------

    def _set(self, name: str, items: list[Item], negated: bool) -> SetTerm:
        values: set[str] = set()
        shown: list[str] = []
        for value, pos in items:
            norm, expanded = self._set_value(name, value, pos)
            shown.append(norm)
            values |= expanded
        if ANY in values:
            values, shown = {ANY}, [ANY]
        return SetTerm(name, frozenset(values), tuple(dict.fromkeys(shown)), negated)

    def _set_value(self, name: str, value: str, pos: int) -> tuple[str, set[str]]:
        """The normalised value as shown, and the column values it stands for."""
        norm = value.strip().casefold()
        if name in ("status", "origin"):
            norm = norm.replace("-", "_")
            if norm not in self._choices(name):
                raise self._bad_value(name, value, pos)
            return norm, {norm}
        if name == "slop":
            norm = norm.replace("_", "-")
            if norm not in self._choices(name):
                raise self._bad_value(name, value, pos)
            return norm, {norm}
        if name != "issue" or norm == ANY:
            return norm, {norm}
        norm = norm.replace("_", "-")
        if norm in SEVERITY_VALUES:
            return norm, {c for c, sev in self.checks.items() if sev == norm}
        if norm not in self.checks:
            raise self._bad_value(name, value, pos)
        return norm, {norm}

    def _roles(self, name: str, items: list[Item]) -> frozenset[str | None]:
        roles: set[str | None] = set()
        for value, pos in items:
            norm = value.strip().casefold()
            if norm in ALL_ROLE_NAMES:
                roles |= ALL_ROLES
            elif norm in OTHER_ROLE_NAMES:
                roles.add(None)
            elif (role := normalise_role(norm)) is not None:
                roles.add(role)
            else:
                raise self._bad_value(name, value, pos)
        return frozenset(roles)

    def _range(self, name: str, items: list[Item], negated: bool) -> RangeTerm:
        value, pos = items[0]
        if len(items) > 1:
            raise QueryError(f"{name}: takes one number or range, like "
                             f"{RANGE_EXAMPLES[name]} (at {_column(items[1][1])})", items[1][1])
        bounds = _parse_range(value)
        if bounds is None:
            raise QueryError(
                f"{name}: needs a number like {RANGE_EXAMPLES[name]}, {name}:<=3, "
                f"{name}:4 or {name}:2..6 (got '{value}' at {_column(pos)})",
                pos, pos + len(value),
            )
        low, high = bounds
        if low is not None and high is not None and low > high:
            raise QueryError(f"{name}:{value} at {_column(pos)} can never match (empty range)",
                             pos, pos + len(value))
        return RangeTerm(name, low, high, negated, shown=value)


_NUMBER_RE = re.compile(r"([0-9]{1,15})|([0-9]{1,12}(?:\.[0-9]{1,3})?)[kK]")


def _number(text: str) -> int | None:
    """A non-negative integer, optionally with a ``k`` suffix (``2k``, ``1.5k``).

    Digits are capped so that ``turns:>1e999999`` style input cannot build a
    huge integer; no entry has a quadrillion turns.
    """
    match = _NUMBER_RE.fullmatch(text)
    if match is None:
        return None
    if match.group(1) is not None:
        return int(match.group(1))
    number = Decimal(match.group(2)) * 1000
    return int(number) if number == number.to_integral_value() else None


Bounds = tuple[int | None, int | None]


def _parse_range(value: str) -> Bounds | None:
    """``>5`` ``>=5`` ``<3`` ``<=3`` ``=4`` ``4`` ``2..6`` ``..6`` ``2..`` as inclusive bounds.

    None when ``value`` is not a range at all.
    """
    if ".." in value:
        left, _, right = value.partition("..")
        low = _number(left) if left else None
        high = _number(right) if right else None
        if (left and low is None) or (right and high is None) or not (left or right):
            return None
        return low, high
    op = next((op for op in (">=", "<=", ">", "<", "=") if value.startswith(op)), "")
    number = _number(value[len(op):])
    if number is None:
        return None
    if op == ">":
        return number + 1, None
    if op == ">=":
        return number, None
    if op == "<":
        return (None, number - 1) if number > 0 else (1, 0)  # <0: an empty range
    if op == "<=":
        return None, number
    return number, number
