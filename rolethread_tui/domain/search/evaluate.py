"""Running a query over many entries, stage by stage, cheapest first.

The session owns the entries (line index, edits overlay, summary columns) and
may drive the stages of ``Query`` itself; ``scan``/``select`` are the reference
order, used by headless commands and tests, and a template for the session's
worker: columns -> raw-byte prefilter -> parse -> exact text -> score.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from ..formats import turns as turns_of
from .grouped import GroupMarks, apply_groups
from .query import Query
from .ranking import rank_lines
from .rows import RowLike

LineAt = Callable[[int], bytes]
#: Position -> (slop score, signal names) of the entries with a slop signal (docs/slop.md);
#: a position not in it is clean. `SlopReport.marks()` gives one.
SlopMarks = Mapping[int, tuple[float, frozenset[str]]]
_CLEAN: tuple[float, frozenset[str]] = (0.0, frozenset())
_BOM = b"\xef\xbb\xbf"


def scan(
    query: Query,
    rows: Sequence[RowLike],
    line_at: LineAt,
    indexes: Iterable[int] | None = None,
) -> Iterator[tuple[int, float]]:
    """Yield ``(index, score)`` for each matching entry, in index order.

    ``line_at(i)`` gives the entry's current JSON line (for an edited entry, its
    new serialisation); it is only called for rows that pass the column filters
    and only when the query has text or fuzzy terms. ``indexes`` restricts the
    scan (chunks for a worker, or the current result set to refine). The score
    is 0.0 without a ``~`` term.
    """
    passes = query.column_predicate
    needs_turns, needs_text = query.needs_turns, query.needs_text
    for i in range(len(rows)) if indexes is None else indexes:
        row = rows[i]
        if not passes(row):
            continue
        if not needs_turns:
            yield i, 0.0
            continue
        line = line_at(i)
        if needs_text and not query.raw_prefilter(line.lower()):
            continue
        result = _check_line(query, line.removeprefix(_BOM), row.valid)
        if result is not None:
            yield i, result


#: (position, line, valid): valid None when no scan column says (`_matched`).
Candidate = tuple[int, bytes, bool | None]


def candidates(
    query: Query, rows: Sequence[RowLike], line_at: LineAt, indexes: Iterable[int],
    valid_at: Callable[[int], bool] | None = None,
) -> tuple[list[tuple[int, float]], list[Candidate]]:
    """The cheap stages: (matches decided by columns alone, lines still to check).

    Splitting here lets a caller spread the expensive stage (`check_lines`:
    parse and match text) over more than one process.
    """
    passes = query.column_predicate
    done: list[tuple[int, float]] = []
    todo: list[Candidate] = []
    if not query.has_column_filters and valid_at is not None:  # no row objects needed
        if not query.needs_turns:
            return [(i, 0.0) for i in indexes], todo
        return done, [(i, line_at(i).removeprefix(_BOM), valid_at(i)) for i in indexes]
    for i in indexes:
        row = rows[i]
        if not passes(row):
            continue
        if not query.needs_turns:
            done.append((i, 0.0))
            continue
        todo.append((i, line_at(i).removeprefix(_BOM), row.valid))
    return done, todo


def check_lines(query: Query, todo: Iterable[Candidate]) -> list[tuple[int, float]]:
    """The expensive stages, raw-byte prefilter then parse and match: (index, score).

    With a ``~`` term the texts of the matching lines are scored together
    (`ranking.rank_lines`: one rapidfuzz call for a batch, not one per line).
    """
    prefilter = query.raw_prefilter if query.needs_text else None
    out: list[tuple[int, float]] = []
    if query.fuzzy is not None:
        return rank_lines(query, todo, lambda line, valid: _ranked_text(query, line, valid),
                          prefilter)
    for i, line, valid in todo:
        if prefilter is not None and not prefilter(line.lower()):
            continue
        result = _check_line(query, line, valid)
        if result is not None:
            out.append((i, result))
    return out


def _matched(query: Query, line: bytes, valid: bool | None
             ) -> tuple[list[Any] | None, str | None] | None:
    """(turns, None) for a parsed line whose text terms match, (None, its text) for
    a raw line that matches, None when the line does not match.

    ``valid`` None: not known yet (no scan column, `where_first`); the parse
    decides, as the scan's column would (a line orjson reads is an object
    exactly when the scan's parse is one)."""
    if valid is not False:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
        else:
            if valid or type(value) is dict:
                turns = turns_of(value)
                return (turns, None) if query.matches_text(turns) else None
    text = line.decode("utf-8", "replace")
    return (None, text) if query.matches_raw(text) else None


def _check_line(query: Query, line: bytes, valid: bool | None) -> float | None:
    """Score of a line that matches the text terms, None when it does not."""
    hit = _matched(query, line, valid)
    if hit is None:
        return None
    turns, text = hit
    return query.score_raw(text) if turns is None else query.score(turns)


def _ranked_text(query: Query, line: bytes, valid: bool | None) -> str | None:
    """The text ``~`` scores for a line matching the text terms (None when it does
    not): what `Query.score` / `score_raw` would score for `_check_line`."""
    hit = _matched(query, line, valid)
    if hit is None:
        return None
    turns, text = hit
    return text if turns is None else query.ranked_text(turns)


def select(
    query: Query,
    rows: Sequence[RowLike],
    line_at: LineAt,
    indexes: Iterable[int] | None = None,
    slop: SlopMarks | None = None,
    groups: GroupMarks | None = None,
) -> list[int]:
    """Indexes of matching entries: in file order, or best first with a ``~`` term.

    ``slop`` is required when the query has `slop:` or `order:slop` terms,
    ``groups`` when it has `order:group`.
    """
    found = list(scan(query, rows, line_at, indexes))
    if query.fuzzy is not None:
        found.sort(key=lambda hit: (-hit[1], hit[0]))
    return apply_groups(query, apply_slop(query, [i for i, _ in found], slop), groups)


def apply_slop(query: Query, positions: list[int], slop: SlopMarks | None) -> list[int]:
    """The last stage: keep the matches the `slop:` filters allow, then `order:slop`
    ranks them worst first (a stable sort: equal scores keep the order they had)."""
    if not query.needs_slop:
        return positions
    if slop is None:
        raise ValueError("this query has slop terms: pass the slop marks (SlopReport.marks())")
    mark = slop.get
    kept = [i for i in positions if query.matches_slop(mark(i, _CLEAN))]
    if query.order == "slop":
        kept.sort(key=lambda i: -mark(i, _CLEAN)[0])
    return kept


def check_passed(query: Query, todo: Iterable[Candidate]) -> list[tuple[int, float]]:
    """`check_lines` of lines the raw prefilter already let through (`Query.passing`
    over a whole block): parse and match only. Not for a ``~`` term (its texts
    are scored a batch at a time: `check_lines`)."""
    out: list[tuple[int, float]] = []
    for i, line, valid in todo:
        result = _check_line(query, line, valid)
        if result is not None:
            out.append((i, result))
    return out
