"""`stats --where QUERY` on a cold file: match the lines first, rows only for the matches.

The session's path scans every entry (parse, checks, summary row: ~5.5 s per
100k entries) before it matches anything. A query of words and phrases reads
no summary column, so here the lines are matched straight from the file (a
share of them in the helper process, as a search does) and the full row is
computed only for the matches, by the side that matched them, from the same
parse (docs/architecture.md, "stats --where on a cold file").

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
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson

from .formats import turns as turns_of
from .gc_pause import gc_paused
from .handout import Handout, first_line
from .records import parse_line
from .scan import Helper, Span
from .search import Query, parse
from .summary import Columns

if TYPE_CHECKING:
    from pathlib import Path

    from .store import LineStore

# The helper process imports this module for its `answer` alone: what only this
# side needs (the store, the scan cache, the duplicate links: pathlib, tempfile,
# bz2… ~10-20 ms) is imported where it is used.
BOM = b"\xef\xbb\xbf"  # `store.BOM`

#: Lines per request to the helper, at most (~0.1 s of its work at 100k for a
#: phrase in a third of the lines): each exchange idles it a few ms.
REQUEST = 4_000
#: Lines this side matches between looks at the helper's pipe: a few ms.
PIECE = 100
#: Lines matched at once without a helper (a few tens of MB).
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
# what the `str` of a number, of an object or a float word starts with
_SHOWN_FIRST = _NUMBER_START | {"{", "i", "n"}


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
    return not _values_shown(turns_of(value))


def _values_shown(turns: Iterable[tuple[str | None, str]]) -> bool:
    """Whether a turn's text may be the `str` of a number or an object."""
    for _, text in turns:  # noqa: SIM110 - a loop beats any(genexpr); most texts end here
        if text[:1] in _SHOWN_FIRST and _str_of_value(text):
            return True
    return False


def _str_of_value(text: str) -> bool:
    """Whether `text` may be the `str` of a float or of an object (a dict's repr).

    Cautious on purpose: ``inf`` / ``nan`` are a float's (1e400, NaN read by the
    stdlib), and text in braces opening on a quote with a ``": "`` may be a dict's
    (JSON keys are strings; compact JSON text has no space) — one holding ``nan``
    is no literal `ast` could read back."""
    if len(text) <= 4 and text in _FLOAT_WORDS:  # no hash of a long text
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


#: One side's answer (`where_block`): the matches with their scores, (position,
#: the scan's row) of the matches and odd lines in file order, and whether every
#: match is plain (False: the command takes the full scan; the rest may be partial).
Found = tuple[list[tuple[int, float]], list[tuple[int, tuple]], bool]
_UNREAD = object()  # a line the search's parse did not read (orjson refused it, a BOM)


def where_block(query: Query, compute: Any, read: Callable[[int, int], bytes],
                spans: Sequence[Span]) -> Found:
    """Match some lines, and compute the row of each match (and odd line) here:
    one side's share of a block (`_scan`). ``spans``: (position, start, end, _)
    of lines in file order, read as one block with ``read`` and run through the
    raw prefilter together (`Query.passing`, as a search does).

    A line the search's parse (orjson) read and orjson writes back byte for byte
    is parsed by the scan's `parse_line` into that very value: its row is computed
    from it (no second parse), and it is plain (not odd, whatever `is_odd` says).
    Only lines the raw prefilter lets through can be odd *and* matter: a line
    with a match's conversation holds its words (the prefilter is a necessary
    condition on the text, whatever the line's oddness). The cyclic GC is paused
    meanwhile, as `scan.rows_of` does for the scan's rows.
    """
    if not spans:
        return [], [], True
    base = spans[0][1]
    data = read(base, spans[-1][2])
    starts = [span[1] - base for span in spans]
    ends = [span[2] - base for span in spans]
    lines = [(spans[k][0], data[starts[k]:ends[k]])
             for k in query.passing(data.lower(), starts, ends)]
    with gc_paused():
        return _block(query, compute, lines)


def _block(query: Query, compute: Any, lines: list[tuple[int, bytes]]) -> Found:
    """`where_block` of the lines the raw prefilter let through."""
    ranked = query.fuzzy is not None
    hits: list[int] = []
    texts: list[str] = []  # what `~` ranks, of each match
    rows: list[tuple[int, tuple]] = []
    for i, raw in lines:
        line = raw[3:] if raw[:3] == BOM else raw
        value, turns, text = _read(line, line is raw)
        hit = query.matches_text(turns) if turns is not None else query.matches_raw(text)
        if value is not _UNREAD and orjson.dumps(value) == line:
            if not hit:
                continue
            row, plain = compute(value), not _values_shown(turns or ())
        elif hit or is_odd(line):
            if hit and is_odd(line) and not plain_line(raw):
                return [], [], False
            value = parse_line(raw)
            row, plain = compute(value), plain_turns(value)
        else:
            continue
        rows.append((i, row))
        if hit:
            if not plain:
                return [], [], False
            hits.append(i)
            if ranked:
                texts.append(query.ranked_text(turns) if turns is not None else text)
    scores = query.score_texts(texts) if ranked else [0.0] * len(hits)
    return list(zip(hits, scores, strict=True)), rows, True


def _read(line: bytes, parse: bool) -> tuple[Any, list | None, str]:
    """(the search's parse of a line or `_UNREAD`, its turns when it is an object,
    else its text): what `search.evaluate` matches, ``valid`` unknown (no scan
    column) — a line after a BOM is not parsed, as the scan's parse refuses it."""
    if parse:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
        else:
            if type(value) is dict:
                return value, turns_of(value), ""
            return value, None, line.decode("utf-8", "replace")
    return _UNREAD, None, line.decode("utf-8", "replace")


def answer(kind: str, fd: int, compute: Any, args: list[Any]) -> Found:
    """The helper process's side (`scan.serve`): "where-match" (query, first line,
    the lines' starts and ends as arrays: a request is a few µs to build and
    send, where a list of spans took ~1 µs a line) → `where_block` of those
    lines, read from the session's file by offset."""
    from .scan import _read_range as read_range

    if kind != "where-match":
        raise ValueError(f"unknown helper request {kind!r}")
    source, first, starts, ends = args
    spans = [(first + k, start, end, None)
             for k, (start, end) in enumerate(zip(starts, ends, strict=True))]
    return where_block(parse(source), compute, partial(read_range, fd), spans)


class WhereView:
    """What `cli.stats.collect` and `insights` read, over the matches alone.

    Positions are the file's (the session's, unedited); `columns` holds a row
    per match (and per odd line), `rid` maps a position to its row.
    """

    def __init__(self, store: LineStore, positions: list[int], columns: Columns,
                 rids: dict[int, int], closing: threading.Thread | None = None) -> None:
        self.path = store.path
        self.store = store
        self.positions = positions
        self.columns = columns
        self._rids = rids
        self._closing = closing  # the helper's close, waited for in `close`

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
        if self._closing is not None:
            self._closing.join()
        self.store.close()


def quick_where(path: str | Path, where: str, validation: dict[str, Any] | None, *,
                parallel: bool = True, min_bytes: int | None = None) -> WhereView | None:
    """The matches of `where` in the file with their rows, or None when the full
    scan must answer (see the module's docstring). Raises `QueryError` for a bad
    query, as the session's search would. `min_bytes`: the helper's floor (tests)."""
    query = parse(where)
    if not eligible(query):
        return None
    from .store import LineStore

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
    from .scan_cache import ScanCache

    slot = ScanCache.of(store, validation)
    return slot is not None and slot.has_scan()


def _view(store: LineStore, query: Query, validation: dict[str, Any] | None,
          parallel: bool, min_bytes: int | None) -> WhereView | None:
    if _warm(store, validation):
        return None
    helper = Helper(store.size, validation, parallel, fd=store.fileno(), min_bytes=min_bytes)
    try:
        from .validation import make_checker

        columns = Columns(make_checker(validation))
        found = _scan(store, query, columns.compute, helper)
    except BaseException:
        helper.close()
        raise
    # the helper's exit (tens of ms) overlaps the rows' assembly and the counts
    closing = threading.Thread(target=helper.close, daemon=True)
    closing.start()
    if found is None:
        closing.join()
        return None
    hits, rows = found
    columns.append_many([row for _, row in rows])
    rids = {p: k for k, (p, _) in enumerate(rows)}  # in file order, as `rows`
    _mark_duplicates(columns, rids, {i for i, _ in hits})
    if query.fuzzy is not None:
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
    return WhereView(store, [i for i, _ in hits], columns, rids, closing)


def _scan(store: LineStore, query: Query, compute: Any, helper: Helper
          ) -> tuple[list[tuple[int, float]], list[tuple[int, tuple]]] | None:
    """`where_block` of every line, shared with the helper (`_Schedule`):
    (matches, rows) in file order, or None when a match is not plain. The cyclic
    GC is paused throughout (not only within each part, `where_block`): the rows
    kept grow by the piece, and each pause's end let a collection walk them."""
    schedule = _Schedule(store, helper, partial(_here, store, query, compute),
                         partial(_ask, store, query.source))
    with gc_paused():
        parts = schedule.run()
    if parts is None:
        return None
    hits: list[tuple[int, float]] = []
    rows: list[tuple[int, tuple]] = []
    for found, computed, _ in parts:
        hits += found
        rows += computed
    return hits, rows


class _Schedule(Handout[Found]):
    """The file's lines handed out in file order to whichever side is free
    (`handout`): the helper is sent up to `REQUEST` lines at a time (fewer near
    the end, so both sides finish together), this side matches `PIECE` lines at
    a time. (Fixed shares of 20,000-line blocks made the quicker side wait for
    the other at every block's end: 0.1-0.3 s in all at 100k.) The index is
    extended as lines are needed: the helper starts on the first lines while
    this side indexes the rest. Each part is matched by `where_block` alone, so
    the answers, put back in file order, are the same however the lines were
    shared.
    """

    def __init__(self, store: LineStore, helper: Helper,
                 here: Callable[[range], Found], ask: Callable[[range], tuple]) -> None:
        super().__init__(helper)
        self.store, self.here, self.ask = store, here, ask
        self.chunks = store.index_chunks()
        self.indexed = False  # the whole file, published
        self.parts: list[tuple[int, Found]] = []
        self.plain = True

    def run(self) -> list[Found] | None:
        with self.helper.lock:  # one request/answer at a time on the pipes
            while not self.indexed:  # the first request as soon as its lines are known
                self._index_step()
                self._collect(wait=False)
            piece = PIECE if self.helper.active else BLOCK
            while self.plain and self.next < self.store.count:
                part = range(self.next, min(self.next + piece, self.store.count))
                self.next = part.stop
                self._add(part.start, part.stop, self.here(part))
                self._collect(wait=False)
            while self.out is not None:
                self._collect(wait=True)
        if not self.plain:
            return None
        self.parts.sort(key=first_line)
        return [found for _, found in self.parts]

    def _index_step(self) -> None:
        """Index one more chunk; the lines known are published at the end."""
        if next(self.chunks, None) is None:
            self.store.publish(len(self.store.starts))
            self.indexed = True
        if self.out is None:
            self._feed()

    def _add(self, first: int, stop: int, answer: Found) -> None:
        self.parts.append((first, answer))
        self.plain = self.plain and answer[2]

    def _feed(self) -> None:
        """Send the helper its next lines, if there are enough left to share."""
        if not self.plain or not self.helper.active:
            return
        left = len(self.store.starts) - self.next
        size = min(REQUEST, left if not self.indexed else left // 3)
        if size >= SHARE_MIN:
            self._send(self.next, self.next + size)

    def _request(self, first: int, stop: int) -> object:
        return self.ask(range(first, stop))

    def _answer(self, received: Any) -> Found:
        return received  # type: ignore[no-any-return]

    def _alone(self, first: int, stop: int) -> Found:
        return self.here(range(first, stop))



def _here(store: LineStore, query: Query, compute: Any, positions: Sequence[int]) -> Found:
    return where_block(query, compute, store.read_range, _spans(store, positions))


def _ask(store: LineStore, source: str, lines: range) -> tuple[object, ...]:
    """The helper's request for ``lines`` (`answer`)."""
    return ("where-match", source, lines.start, store.starts[lines.start:lines.stop],
            store.ends[lines.start:lines.stop])


def _mark_duplicates(columns: Columns, rids: dict[int, int], matched: set[int]) -> None:
    """The `duplicate` issue of each match with an earlier entry of the same
    conversation (`dup_links.earlier_copies`, over the entries that can be one)."""
    from .dup_links import earlier_copies

    digests = columns.digest
    for position in earlier_copies((p, digests[rid]) for p, rid in rids.items()):
        if position in matched:
            columns.add_issue(rids[position], "duplicate", "warning")


def _spans(store: LineStore, positions: Sequence[int]) -> list[tuple[int, int, int, None]]:
    starts, ends = store.starts, store.ends
    return [(i, starts[i], ends[i], None) for i in positions]
