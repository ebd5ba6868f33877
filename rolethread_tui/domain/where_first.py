"""`stats --where QUERY` on a cold file: match the lines first, rows only for the matches.

The session's path scans every entry (parse, checks, summary row: ~5.5 s per
100k entries) before it matches anything. A query of words and phrases reads
no summary column, so here the lines are matched straight from the file (half
of them in the helper process, as a search does) and the full row is computed
only for the matches (docs/architecture.md, "stats --where on a cold file").

What the counts take from the whole file is the dataset-level `duplicate`
issue: an entry is one when an earlier entry has the same conversation. A
*plain* line is read by the search's parse (orjson) as by the scan's
(`records.parse_line`), so whether it matches depends on its conversation
alone: an earlier entry with a plain match's conversation matches too, and
its digest is among the matches'. Lines that may not be plain (`is_odd`:
NaN / Infinity, numbers orjson cannot keep, surrogate escapes) are told by
a few byte tests on each line the raw prefilter lets through (an earlier
copy of a match holds its words) and get their row computed too; a match
that may not be plain, or whose text could be the `str` of a number or an
object (`plain_turns`), sends the command back to the full scan, as do a
kept scan (the session reads it back: the path of docs/architecture.md's
scan cache, unchanged) and a query this cannot answer (`eligible`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from .dup_links import earlier_copies
from .formats import turns as turns_of
from .records import parse_line
from .scan import Helper, share
from .scan_cache import ScanCache
from .search import Query, parse
from .search.evaluate import Candidate, check_lines
from .store import BOM, LineStore
from .summary import Columns
from .validation import make_checker

#: Entries per exchange with the helper (as `Engine.search_chunks`): a few tens of MB.
BLOCK = 20_000
#: Below this many lines, a job is not worth a trip to the helper.
SHARE_MIN = 400

# Digits as "0", exponent marks as "e", signs as "+", the rest blanked: an integer
# of 19+ digits (orjson turns it into a float) or an exponent of 3+ digits
# (orjson refuses an infinite float) is then a plain substring test.
_NUMBERS = bytes(48 if 48 <= c <= 57 else 101 if c in b"eE" else 43 if c in b"+-"
                 else 32 for c in range(256))
_LONG_RUN = b"0" * 19
_EXPONENTS = (b"0e000", b"0e+000")
# a JSON number where JSON puts one: after `:`, `[`, `,` or a blank, before `,]}` or one
_EXPONENT = re.compile(rb"(?<=[:\[,\s])-?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{3,}(?=[\s,\]}]|$)")
_WINDOW = 64  # a mantissa longer than this holds a run of 19 digits anyway
# NaN / Infinity (orjson refuses them), surrogate escapes (a lone one too)
_ODD_BYTES = (b"NaN", b"Infinity", b"\\ud", b"\\uD")
_NUMBER_START = frozenset("-0123456789")
_FLOAT_WORDS = frozenset(("inf", "-inf", "nan"))  # str() of 1e400, -1e400, NaN


def eligible(query: Query) -> bool:
    """Whether the matches can be found without any scan column: words and
    phrases the raw-bytes prefilter looks for, no field filter, no slop term."""
    return query.prefilters and not query.has_column_filters and not query.needs_slop


def is_odd(line: bytes) -> bool:
    """Whether the search's parse of `line` may differ from the scan's (see the
    module's docstring): ~1-2 µs a line."""
    for needle in _ODD_BYTES:
        if needle in line:
            return True
    numbers = line.translate(_NUMBERS)
    if _LONG_RUN in numbers:
        return True
    return any(_exponent_near(line, numbers, needle) for needle in _EXPONENTS)


def _exponent_near(line: bytes, numbers: bytes, needle: bytes) -> bool:
    """Whether a `needle` in `numbers` is a JSON number's 3-digit exponent, not
    hex (a UUID's ``5e84435f``): looked at in a window of the line."""
    at = numbers.find(needle)
    while at >= 0:
        if _EXPONENT.search(line, max(at - _WINDOW, 0), at + _WINDOW) is not None:
            return True
        at = numbers.find(needle, at + 1)
    return False


def plain_turns(value: object) -> bool:
    """Whether no turn's text could be the `str` of a number or an object.

    `formats.content_text` shows such a message content as Python's `str`
    (``1e5`` as ``100000.0``), which the raw-bytes prefilter cannot see: an
    earlier entry spelling a match's text that way might be a duplicate the
    search never parsed. Only matches are asked; a text that might be one sends
    the command to the scan."""
    return not any(_str_of_value(text) for _, text in turns_of(value))


def _str_of_value(text: str) -> bool:
    """Whether `text` may be the `str` of a float or of an object (a dict's repr).

    Cautious on purpose: ``inf`` / ``nan`` are a float's (1e400, NaN read by the
    stdlib), and text in braces opening on a quote with a ``": "`` may be a dict's
    (JSON keys are strings; compact JSON text has no space) — one holding ``nan``
    is no literal `ast` could read back."""
    if text in _FLOAT_WORDS:
        return True
    first = text[:1]
    if first in _NUMBER_START:
        try:
            return repr(float(text)) == text
        except ValueError:
            return False
    return first == "{" and text[-1:] == "}" and (
        text == "{}" or (text[1:2] in ("'", '"') and ": " in text))  # repr's key: value


def plain_line(line: bytes) -> bool:
    """Whether the search reads a line (orjson) as the scan does (`parse_line`):
    the exact test for the few matches `is_odd` could not clear."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return type(value) is not dict or turns_of(value) == turns_of(parse_line(line))


def _row(compute: Any, line: bytes) -> tuple[tuple, bool]:
    """The scan's row of a line, and whether its turns are plain (`plain_turns`)."""
    value = parse_line(line)
    return compute(value), plain_turns(value)


def where_lines(query: Query, todo: list[Candidate]) -> tuple[list[tuple[int, float]], list[int]]:
    """(matches with scores, odd lines) of some lines: one side of `_match`.

    Only lines the raw prefilter lets through can be odd *and* matter: a
    line with a match's conversation holds its words (the prefilter is a
    necessary condition on the text, whatever the line's oddness).
    """
    prefilter = query.raw_prefilter
    passed = [c for c in todo if prefilter(c[1].lower())]
    return check_lines(query, passed), [i for i, line, _ in passed if is_odd(line)]


def answer(kind: str, fd: int, compute: Any, args: list[Any]) -> Any:
    """The helper process's side (`scan.serve`): "where-match" (query, spans) and
    "where-rows" (spans): the lines read from the session's file by offset."""
    from .scan import _read_spans as read_spans

    if kind == "where-match":
        source, spans = args
        return where_lines(parse(source), read_spans(fd, spans))
    if kind == "where-rows":
        return [_row(compute, line) for _, line, _ in read_spans(fd, args[0])]
    raise ValueError(f"unknown helper request {kind!r}")


class WhereView:
    """What `cli.stats.collect` and `insights` read, over the matches alone.

    Positions are the file's (the session's, unedited); `columns` holds a row
    per match (and per odd line), `rid` maps a position to its row.
    """

    def __init__(self, store: LineStore, positions: list[int], columns: Columns,
                 rids: dict[int, int]) -> None:
        self.path = store.path
        self.store = store
        self.positions = positions
        self.columns = columns
        self._rids = rids

    def __len__(self) -> int:
        return self.store.count

    def search(self, query: str) -> list[int]:
        return list(self.positions)

    def rid(self, i: int) -> int:
        return self._rids[i]

    def rids(self) -> list[int]:
        return [self._rids[p] for p in self.positions]

    def line_bytes(self, i: int) -> bytes:
        return self.store.line(i)

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        self.store.close()


def quick_where(path: str | Path, where: str, validation: dict[str, Any] | None, *,
                parallel: bool = True, min_bytes: int | None = None) -> WhereView | None:
    """The matches of `where` in the file with their rows, or None when the full
    scan must answer (see the module's docstring). Raises `QueryError` for a bad
    query, as the session's search would. `min_bytes`: the helper's floor (tests)."""
    query = parse(where)
    if not eligible(query):
        return None
    try:
        store = LineStore(path)
    except OSError:
        return None  # the session's open says why
    try:
        view = _view(store, query, validation, parallel, min_bytes)
    except OSError:
        view = None  # the file could not be read through: the session's scan says why
    except BaseException:
        store.close()
        raise
    if view is None:
        store.close()
    return view


def _warm(store: LineStore, validation: dict[str, Any] | None) -> bool:
    slot = ScanCache.of(store, validation)
    return slot is not None and slot.has_scan()


def _view(store: LineStore, query: Query, validation: dict[str, Any] | None,
          parallel: bool, min_bytes: int | None) -> WhereView | None:
    if _warm(store, validation):
        return None
    helper = Helper(store.size, validation, parallel, fd=store.fileno(), min_bytes=min_bytes)
    try:
        for _ in store.index_chunks():  # the helper starts meanwhile
            pass
        store.publish(len(store.starts))
        hits, odd = _match(store, query, helper)
        matched = {i for i, _ in hits}
        if not all(plain_line(store.line(i)) for i in sorted(odd & matched)):
            return None
        order = sorted(matched | odd)
        columns = Columns(make_checker(validation))
        rows = _rows(store, order, columns.compute, helper)
    finally:
        helper.close()
    if not all(plain for (_, plain), p in zip(rows, order, strict=True) if p in matched):
        return None
    columns.append_many([row for row, _ in rows])
    rids = {p: k for k, p in enumerate(order)}  # in file order, as `order`
    _mark_duplicates(columns, rids, matched)
    if query.fuzzy is not None:
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
    else:
        hits.sort()
    return WhereView(store, [i for i, _ in hits], columns, rids)


def _halves(store: LineStore, positions: Sequence[int], helper: Helper, ask: tuple,
            here: Callable[[Sequence[int]], Any]) -> Iterator[Any]:
    """`here(part)` of each block of `positions`, the second half of a block asked
    of the helper as ``(*ask, its spans)`` meanwhile (computed here if it fails):
    answers in order, two per block."""
    for start in range(0, len(positions), BLOCK):
        block = positions[start:start + BLOCK]
        half = len(block) // 2 if len(block) >= SHARE_MIN else len(block)
        mine, theirs, _ = share(helper if half < len(block) else None,
                                partial(_ask, *ask, _spans(store, block[half:])),
                                partial(here, block[:half]), partial(here, block[half:]))
        yield mine
        yield theirs


def _match(store: LineStore, query: Query, helper: Helper
           ) -> tuple[list[tuple[int, float]], set[int]]:
    """Every line matched against `query`, a block at a time, half in the helper."""
    hits: list[tuple[int, float]] = []
    odd: set[int] = set()
    for found, flagged in _halves(store, range(store.count), helper,
                                  ("where-match", query.source),
                                  partial(_match_here, store, query)):
        hits += found
        odd.update(flagged)
    return hits, odd


def _match_here(store: LineStore, query: Query, positions: Sequence[int]
                ) -> tuple[list[tuple[int, float]], list[int]]:
    return where_lines(query, _lines(store, positions))


def _rows(store: LineStore, order: list[int], compute: Any, helper: Helper
          ) -> list[tuple[tuple, bool]]:
    """(the scan's row, `plain_turns`) of the entries at `order` (file order), half
    in the helper."""
    rows: list[tuple[tuple, bool]] = []
    for part in _halves(store, order, helper, ("where-rows",),
                        partial(_rows_here, store, compute)):
        rows += part
    return rows


def _rows_here(store: LineStore, compute: Any, positions: Sequence[int]
               ) -> list[tuple[tuple, bool]]:
    return [_row(compute, line) for line in store.lines_of(positions)]


def _ask(*request: object) -> tuple[object, ...]:
    return request


def _mark_duplicates(columns: Columns, rids: dict[int, int], matched: set[int]) -> None:
    """The `duplicate` issue of each match with an earlier entry of the same
    conversation (`dup_links.earlier_copies`, over the entries that can be one)."""
    digests = columns.digest
    for position in earlier_copies((p, digests[rid]) for p, rid in rids.items()):
        if position in matched:
            columns.add_issue(rids[position], "duplicate", "warning")


def _spans(store: LineStore, positions: Sequence[int]) -> list[tuple[int, int, int, None]]:
    starts, ends = store.starts, store.ends
    return [(i, starts[i], ends[i], None) for i in positions]


def _lines(store: LineStore, positions: Sequence[int]) -> list[Candidate]:
    """(position, line, None) of `positions` (ascending), read in blocks.

    As `Engine._candidates` gives them: a line that starts with a BOM (one in
    mid-file) without it, and then not valid (the scan's parse refuses it).
    """
    return [(i, line.removeprefix(BOM), False if line.startswith(BOM) else None)
            for i, line in zip(positions, store.lines_of(positions), strict=True)]
