"""A compiled query: everything the session needs to filter up to 1M entries fast.

Evaluation is staged from cheap to expensive, and the session runs the stages
in this order, stopping at the first that rejects an entry:

1. ``matches_columns(row)`` — summary columns only (a chain of closures built
   at parse time; no parsing, no text).
2. ``raw_prefilter(line.lower())`` — a necessary condition on the raw JSON
   bytes, so most non-matching lines are dropped without ``orjson.loads``.
3. ``matches_text(turns)`` — the exact check on parsed turns (role scope,
   words, phrases, exclusions); ``matches_raw(text)`` for unparseable lines.
4. ``score(turns)`` — only when ``fuzzy`` is set, to rank the survivors.

Words and phrases match as case-insensitive *substrings*: ``dragon`` finds
``Dragons`` and ``dragonfly``. That is what grep, less and most search boxes
do, it lets a stem find its inflections (``refus`` -> refuse / refusal / refusing),
it works the same for languages without spaces, and it keeps the prefilter
sound and the check a plain ``in``. A quoted phrase with spaces
(``" cat "``) is the escape hatch when a whole word is wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, AnyStr

from rapidfuzz import fuzz, process, utils

from .folding import RawTerm, block_escapes, fold, fold_guard, forms, has_any, raw_term
from .rows import RowLike
from .terms import (
    ALL_ROLES,
    ANY,
    DEFAULT_SCOPE,
    FuzzyTerm,
    OrderTerm,
    RangeTerm,
    ScopeTerm,
    SetTerm,
    Term,
    TextTerm,
    role_names,
)

Turns = Sequence[tuple[str | None, str]]
Check = Callable[[Any], bool]

# Turn texts are joined with a character typed queries do not contain, so a phrase
# never matches across the boundary of two turns (a term that does hold it is
# matched turn by turn instead, see `_match_parts`).
_JOIN = "\x00"

# Fuzzy scores under this are noise, scored 0: any 2 KB reply scores 40-60
# against a 20-letter query it has nothing to do with. Ranking noise told the
# reviewer nothing, and the cutoff lets rapidfuzz skip hopeless windows
# (~30 % less work); those entries keep file order after the ranked ones.
FUZZY_FLOOR = 60

# `passing`: once under 1/_FEW of a block's lines are left, the next words are
# looked for line by line (a search of the whole block would read the others too).
_FEW = 4

# Cheap, selective columns first: most rows are rejected by the first check.
_CHECK_ORDER = ("status", "origin", "issue", "turns", "len", "flag", "tag")


class Query:
    """An immutable, thread-safe compiled query (build it with ``parse``)."""

    __slots__ = (
        "_ascii", "_columns", "_excluded_b", "_excluded_s", "_forms", "_fuzzy_processed", "_guard",
        "_join_unsafe", "_one_form", "_raw_terms", "_required_b", "_required_s", "_scope_all",
        "_slop",
        "_verbatim", "fuzzy", "order", "scope", "source", "terms",
    )

    def __init__(self, terms: Iterable[Term] = (), source: str = "") -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self.source = source
        scopes = [t.roles for t in self.terms if isinstance(t, ScopeTerm)]
        self.scope: frozenset[str | None] = (
            frozenset().union(*scopes) if scopes else DEFAULT_SCOPE
        )
        self._scope_all = self.scope >= ALL_ROLES
        self._compile_text()
        fuzzy = next((t.text for t in self.terms if isinstance(t, FuzzyTerm)), None)
        self.fuzzy: str | None = fuzzy
        self._fuzzy_processed = utils.default_process(fuzzy) if fuzzy is not None else ""
        self._columns = _all_of(_column_checks(self.terms, attrgetter))
        self._slop = tuple(t for t in self.terms if isinstance(t, SetTerm) and t.field == "slop")
        self.order: str | None = next(
            (t.key for t in self.terms if isinstance(t, OrderTerm)), None)

    def _compile_text(self) -> None:
        texts = [t for t in self.terms if isinstance(t, TextTerm)]
        required = _unique(fold(t.text) for t in texts if not t.negated)
        excluded = _unique(fold(t.text) for t in texts if t.negated)
        self._required_s, self._excluded_s = required, excluded
        # each term in its canonical forms (an ASCII term has one: then `_one_form`)
        self._forms = (tuple(map(forms, required)), tuple(map(forms, excluded)))
        self._one_form = all(len(f) == 1 for f in (*self._forms[0], *self._forms[1]))
        self._join_unsafe = any(_JOIN in t for t in (*required, *excluded))
        self._ascii = all(t.isascii() for t in (*required, *excluded))
        self._required_b = tuple(t.encode() for t in required) if self._ascii else ()
        self._excluded_b = tuple(t.encode() for t in excluded) if self._ascii else ()
        self._guard = fold_guard([*required, *excluded]) if self._ascii else ""
        # ASCII words to find and none to exclude: found as typed in a turn, lowered,
        # is found folded too (`matches_text`'s first test)
        self._verbatim = self._ascii and bool(required) and not excluded
        self._raw_terms: tuple[RawTerm, ...] = tuple(
            rt for t in required if (rt := raw_term(t)) is not None
        )

    # -- identity ---------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """Same terms in any order (term order never changes what matches)."""
        return isinstance(other, Query) and frozenset(self.terms) == frozenset(other.terms)

    def __hash__(self) -> int:
        return hash(frozenset(self.terms))

    def __repr__(self) -> str:
        return f"Query({str(self)!r})"

    def __str__(self) -> str:
        """The normalised query text; ``parse(str(q)) == q``. The fuzzy term goes last."""
        ordered = sorted(self.terms, key=lambda t: isinstance(t, FuzzyTerm))
        return " ".join(map(str, ordered))

    @property
    def is_empty(self) -> bool:
        """No term at all: every entry matches, in file order."""
        return not self.terms

    @property
    def needs_text(self) -> bool:
        """Whether text terms (words, phrases, exclusions) must be checked on turns."""
        return bool(self._required_s or self._excluded_s)

    @property
    def needs_turns(self) -> bool:
        """Whether entries must be parsed at all (text terms or fuzzy ranking)."""
        return self.needs_text or self.fuzzy is not None

    @property
    def prefilters(self) -> bool:
        """Whether `raw_prefilter` can reject a line (a required word or phrase it can
        look for in raw bytes): a text query that reads no column matches without
        the scan then (`where_first`)."""
        return bool(self._raw_terms)

    @property
    def has_column_filters(self) -> bool:
        return any(isinstance(t, SetTerm | RangeTerm) and t.field != "slop" for t in self.terms)

    @property
    def needs_slop(self) -> bool:
        """Whether evaluating needs per-entry slop data (`slop:` filters, `order:slop`)."""
        return bool(self._slop) or self.order == "slop"

    @property
    def needs_groups(self) -> bool:
        """Whether evaluating needs the duplicate groups (`order:group`, `grouped.py`)."""
        return self.order == "group"

    def matches_slop(self, mark: tuple[float, frozenset[str]]) -> bool:
        """The `slop:` filters on one entry's (score, signal names)."""
        names = mark[1]
        for term in self._slop:
            found = bool(names) if term.values == {ANY} else not term.values.isdisjoint(names)
            if found == term.negated:
                return False
        return True

    # -- stage 1: summary columns -------------------------------------------------

    def matches_columns(self, row: RowLike) -> bool:
        """Field filters (status, origin, flag, tag, issue, turns, len) on one row."""
        return self._columns(row)

    @property
    def column_predicate(self) -> Callable[[RowLike], bool]:
        """The composed column check itself, to save a method call in hot loops."""
        return self._columns

    def column_filter(self, field: Fields) -> Callable[[Any], bool]:
        """The same column check over any record handle, ``field(name)`` giving the
        reader of one `RowLike` field (``status``, ``flags``, ``length``...) by it.

        The session reads its column arrays by record id this way: a `RowLike`
        object per entry cost ~3 µs, most of a column-only filter (docs/query.md).
        """
        return _all_of(_column_checks(self.terms, field))

    # -- stage 2: raw bytes ---------------------------------------------------------

    def raw_prefilter(self, line_lower: bytes) -> bool:
        """A necessary condition for the text terms, on ``raw_line.lower()``.

        False only when a required word/phrase provably is not in the line's
        text. Exclusions and role scope are not decided here: the word may sit
        in a turn outside the scope, or in another field.
        """
        for term in self._raw_terms:
            if term.needle not in line_lower and not term.may_hide_in(line_lower):
                return False
        return True

    def passing(self, low: bytes, starts: Sequence[int], ends: Sequence[int]) -> list[int]:
        """`raw_prefilter` of many lines at once: the indexes k, ascending, of the
        lines ``low[starts[k]:ends[k]]`` of a lowered block it lets through
        (`RawTerm.lines_in`: one search of the block per word, no line sliced
        or lowered on its own; docs/query.md, "How it runs"). Once few lines are
        left, the next words are looked for in those lines alone."""
        if not self._raw_terms:
            return list(range(len(starts)))
        found: list[list[tuple[int, bytes]]] = []

        def escapes() -> list[tuple[int, bytes]]:  # one pass for every word, if any asks
            if not found:
                found.append(block_escapes(low))
            return found[0]

        keep = self._raw_terms[0].lines_in(low, starts, ends, escapes)
        for term in self._raw_terms[1:]:
            if not keep:
                break
            if len(keep) * _FEW < len(starts):
                keep = {k for k in keep if not term.absent_from(low[starts[k]:ends[k]])}
            else:
                keep &= term.lines_in(low, starts, ends, escapes)
        return sorted(keep)

    # -- stage 3: parsed turns ---------------------------------------------------------

    def matches_text(self, turns: Turns) -> bool:
        """Exact text check on ``formats.turns(record)``: scope, words, phrases, exclusions."""
        if not (self._required_s or self._excluded_s):
            return True
        scoped = self._scoped(turns)
        if self._verbatim and _all_in_some(self._required_s, scoped):
            # the usual match: each word as typed in a turn, no text folded (~1 µs,
            # not ~7 µs for a 2 KB entry); casefolding maps character by character
            # and keeps lowercase ASCII as it is, so the folded text holds them too
            return True
        if self._join_unsafe:
            return self._match_parts(scoped)
        return self._match_joined(_JOIN.join(scoped))

    def matches_raw(self, text: str) -> bool:
        """Text check on the raw text of an unparseable line (no roles, so no scope)."""
        if not (self._required_s or self._excluded_s):
            return True
        return self._match_joined(text)

    def _scoped(self, turns: Turns) -> list[str]:
        if self._scope_all:
            return [text for _, text in turns]
        scope = self.scope
        return [text for role, text in turns if role in scope]

    def _match_parts(self, parts: list[str]) -> bool:
        """Turn by turn: only for a term holding the join character itself."""
        folded = [p.casefold() for p in parts]
        required, excluded = self._forms
        return all(any(t in f for t in ts for f in folded) for ts in required) and not any(
            t in f for ts in excluded for t in ts for f in folded
        )

    def _match_joined(self, joined: str) -> bool:
        # Lowering UTF-8 bytes equals casefolding for an ASCII query unless the
        # text holds a character that folds into one of the query's letters.
        if self._ascii and (joined.isascii() or not has_any(joined, self._guard)):
            hay = joined.encode("utf-8", "surrogatepass").lower()
            return _contains(hay, self._required_b, self._excluded_b)
        if not self._one_form:
            return _contains_a_form(joined.casefold(), *self._forms)
        return _contains(joined.casefold(), self._required_s, self._excluded_s)

    # -- stage 4: ranking ----------------------------------------------------------------

    def score(self, turns: Turns) -> float:
        """Similarity 0-100 of the scoped turns to the ``~`` text (0 without one).

        ``fuzz.partial_ratio``: the best-aligned window of the text against the
        query, so a short, misspelt query (``~dragn fite``) scores high on a
        2 KB entry that contains it somewhere. ``token_set_ratio`` was the other
        candidate; it scores 100 when every query word is present but falls to
        near 0 on a typo in a long text, and costs twice as much. Both sides go
        through rapidfuzz's ``default_process`` (lowercase, punctuation to
        spaces; ~1 µs in C++ where ``casefold`` takes ~10 µs on non-ASCII text).
        Scores under ``FUZZY_FLOOR`` are 0.
        """
        if self.fuzzy is None:
            return 0.0
        return self._score_text(self.ranked_text(turns))

    def ranked_text(self, turns: Turns) -> str:
        """The text ``score`` compares with the ``~`` text: the scoped turns, one per line."""
        return "\n".join(self._scoped(turns))

    def score_raw(self, text: str) -> float:
        """``score`` for the raw text of an unparseable line."""
        return 0.0 if self.fuzzy is None else self._score_text(text)

    def score_texts(self, texts: Sequence[str]) -> list[float]:
        """``_score_text`` of many texts (`ranked_text` or raw), in one rapidfuzz pass.

        ``process.extract`` builds the query's pattern once and scores every
        long-enough text in C++ with the same scorer and cutoff, so each score
        equals ``_score_text``'s; the few texts shorter than the query take
        ``_score_text`` itself.
        """
        if self.fuzzy is None:
            return [0.0] * len(texts)
        query = self._fuzzy_processed
        processed = list(map(utils.default_process, texts))
        scores = [0.0] * len(texts)
        if not processed or min(map(len, processed)) >= len(query):  # the usual batch
            long, choices = range(len(texts)), processed
        else:
            long = [i for i, p in enumerate(processed) if len(p) >= len(query)]
            for i in (i for i, p in enumerate(processed) if len(p) < len(query)):
                scores[i] = self._score_text(texts[i])
            choices = [processed[i] for i in long]
        hits = process.extract(query, choices, scorer=fuzz.partial_ratio,
                               processor=None, score_cutoff=FUZZY_FLOOR, limit=None)
        for _, score, k in hits:
            scores[long[k]] = float(score)
        return scores

    def _score_text(self, text: str) -> float:
        processed = utils.default_process(text)
        if len(processed) < len(self._fuzzy_processed):
            # partial_ratio would slide the short text inside the query and give
            # ~dragon fight a 100 for an entry that only says "Dragon".
            return float(fuzz.ratio(self._fuzzy_processed, processed, score_cutoff=FUZZY_FLOOR))
        return float(fuzz.partial_ratio(self._fuzzy_processed, processed,
                                        score_cutoff=FUZZY_FLOOR))

    # -- presentation ---------------------------------------------------------------------

    def highlight_terms(self) -> list[str]:
        """Positive words and phrases as typed, longest first, case-insensitively unique.

        Longest first so a highlighter building one alternation regex marks
        ``dragonfly`` before ``dragon``. Match them case-insensitively.
        """
        seen: dict[str, str] = {}
        for t in self.terms:
            if isinstance(t, TextTerm) and not t.negated and t.text:
                seen.setdefault(fold(t.text), t.text)
                for form in forms(fold(t.text))[1:]:  # a decomposed "café" is marked too
                    seen.setdefault(form, form)
        return sorted(seen.values(), key=len, reverse=True)

    def describe(self) -> str:
        """A short human reading of the query for the status bar."""
        if self.is_empty:
            return "all entries"
        parts = [_describe(t) for t in self.terms
                 if not isinstance(t, ScopeTerm | FuzzyTerm | OrderTerm)]
        if self.scope != DEFAULT_SCOPE:
            parts.append("in " + "+".join(role_names(self.scope)))
        if self.fuzzy is not None:
            parts.append(f'ranked by ~"{self.fuzzy}"')
        if self.order == "group":
            parts.append("duplicate groups together")
        elif self.order is not None:
            parts.append(f"worst {self.order} first")
        if not (self.has_column_filters or self.needs_text or self._slop):
            parts.insert(0, "all entries")
        return ", ".join(p for p in parts if p)


# -- helpers -------------------------------------------------------------------------------


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _all_in_some(terms: Sequence[str], texts: Sequence[str]) -> bool:
    """Whether each of `terms` is in one of `texts`, as it is."""
    for term in terms:
        for text in texts:
            if term in text:
                break
        else:
            return False
    return True


def _contains(hay: AnyStr, required: Sequence[AnyStr], excluded: Sequence[AnyStr]) -> bool:
    for term in required:
        if term not in hay:
            return False
    return all(term not in hay for term in excluded)


def _contains_a_form(hay: str, required: Sequence[tuple[str, ...]],
                     excluded: Sequence[tuple[str, ...]]) -> bool:
    """`_contains` where each term is found in any of its canonical forms."""
    for term_forms in required:
        if not any(term in hay for term in term_forms):
            return False
    return not any(term in hay for term_forms in excluded for term in term_forms)


def _describe(term: Term) -> str:
    if isinstance(term, TextTerm):
        return ("not " if term.negated else "") + f'"{term.text}"'
    if isinstance(term, SetTerm):
        return _describe_set(term)
    if isinstance(term, RangeTerm):
        return f"{term.field} {'not ' if term.negated else ''}{term.shown or str(term)}"
    return ""


def _describe_set(term: SetTerm) -> str:
    if term.values == {ANY}:
        return f"{'no' if term.negated else 'any'} {term.field}"
    values = " or ".join(term.shown)
    return f"{term.field} {'not ' if term.negated else ''}{values}"


# -- column checks ----------------------------------------------------------------------------

#: Reads one field of a record handle, with the values a `RowLike` has there.
Field = Callable[[Any], Any]
#: Gives the reader of a field by its `RowLike` name (`status`, `flags`, `length`, ...).
Fields = Callable[[str], Field]


def _column_checks(terms: Sequence[Term], field: Fields) -> list[Check]:
    filters = [t for t in terms if isinstance(t, SetTerm | RangeTerm) and t.field != "slop"]
    filters.sort(key=lambda t: _CHECK_ORDER.index(t.field))
    return [_set_check(t, field) if isinstance(t, SetTerm) else _range_check(t, field)
            for t in filters]


def _all_of(checks: list[Check]) -> Check:
    """One callable for the whole chain; arities 0-2 skip the loop entirely."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda row: first(row) and second(row)
    chain = tuple(checks)

    def run(row: RowLike) -> bool:
        for check in chain:  # noqa: SIM110 - a loop beats all(genexpr) per row
            if not check(row):
                return False
        return True

    return run


def _always(row: Any) -> bool:
    return True


def _set_check(term: SetTerm, field: Fields) -> Check:
    values, neg = term.values, term.negated
    if term.field in ("status", "origin"):
        get = field(term.field)
        return (lambda r: get(r) not in values) if neg else (lambda r: get(r) in values)
    if term.field == "issue":
        issues = field("issues")
        if values == {ANY}:
            return (lambda r: not issues(r)) if neg else (lambda r: bool(issues(r)))
        return _negate(lambda r: not values.isdisjoint(issues(r)), neg)
    return _name_check(field("flags" if term.field == "flag" else "tags"), values, neg)


def _name_check(get: Field, values: frozenset[str], neg: bool) -> Check:
    """flag:/tag: compare case-insensitively: both are free text typed by people."""
    if values == {ANY}:
        return (lambda r: not get(r)) if neg else (lambda r: bool(get(r)))

    def meets(r: Any) -> bool:
        names = get(r)
        return bool(names) and _meets(values, names)

    return _negate(meets, neg)


def _meets(values: frozenset[str], names: tuple[str, ...]) -> bool:
    return not values.isdisjoint([n.strip().casefold() for n in names])


def _negate(check: Check, neg: bool) -> Check:
    return (lambda r: not check(r)) if neg else check


def _range_check(term: RangeTerm, field: Fields) -> Check:
    low = 0 if term.low is None else term.low
    high = _NO_LIMIT if term.high is None else term.high
    get = field("turns" if term.field == "turns" else "length")
    return _negate(lambda r: low <= get(r) <= high, term.negated)


_NO_LIMIT = 1 << 62
