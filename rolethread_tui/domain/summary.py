"""Compact per-record summary columns: what the list, counts and filters read.

One row per record id, in flat arrays and lists of interned tuples, so a
million entries cost tens of MB instead of a million parsed dicts. Filled by
the background scan and refreshed by the session when an op changes a record.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter
from typing import Any

import orjson

from . import formats
from .records import RawLine, json_text
from .review import (
    ORIGINS,
    REVIEW_KEY,
    STATUSES,
    flags_of,
    origin_of,
    review_of,
    review_tags,
    status_of,
    tags_of,
)

PREVIEW_CHARS = 160
ROW_FIELDS = 13  # the fields of one `Columns.compute` row
#: How the first 12 fields are stored, in row order: an array typecode (valid,
#: status, origin and severity in a bytearray, "B"), or None for a list. The
#: 13th, the findings, is a dict of the rows that have some. The scan cache and a
#: save's snapshot store them the same way.
FIELD_TYPES = ("B", "B", "B", None, None, "I", "I", None, None, "H", "B", "Q")
SEVERITIES = ("", "info", "warning", "error")
_SEVERITY_INDEX = {name: k for k, name in enumerate(SEVERITIES)}
_STATUS_INDEX = {name: k for k, name in enumerate(STATUSES)}
_ORIGIN_INDEX = {name: k for k, name in enumerate(ORIGINS)}

Checker = Callable[[object], Sequence[Any]]
#: A finding as the columns keep it: (check, severity, message, fixable, text).
_FINDING_CELLS = attrgetter("check", "severity", "message", "fixable", "text")
_dumps = orjson.dumps
_sha1 = hashlib.sha1


@dataclass(frozen=True, slots=True)
class Row:
    """One record's summary, as handed to the query evaluator and the list."""

    valid: bool
    status: str
    origin: str
    flags: tuple[str, ...]
    tags: tuple[str, ...]
    turns: int
    length: int
    preview: str
    issues: tuple[str, ...]
    issue_count: int
    severity: str


def _intern(cache: dict[tuple[str, ...], tuple[str, ...]], value: tuple[str, ...]):
    return cache.setdefault(value, value)


def preview_of(value: object, turns: list[tuple[str | None, str]] | None = None) -> str:
    """First line of the first user turn (or of the raw text): what a row shows."""
    if isinstance(value, RawLine):
        text = str(value)
    else:
        turns = formats.turns(value) if turns is None else turns
        text = next((t for r, t in turns if r == "user"), turns[0][1] if turns else "")
        if not turns and not isinstance(value, dict):  # a JSON string, array, null…
            text = json_text(value)
    return _preview_text(text)


def _preview_text(text: str) -> str:
    """The first line of `text`, without leading blanks, cut to PREVIEW_CHARS."""
    text = text.lstrip()[: PREVIEW_CHARS * 2]
    return text.split("\n", 1)[0][:PREVIEW_CHARS]


def conversation_digest(turns: list[tuple[str | None, str]]) -> int:
    """A 64-bit digest of the conversation (roles and texts), 0 for none.

    Computed in the scan so exact duplicates are a dictionary pass, not a reparse.
    The turns are serialised by orjson (one C call, and JSON tells every list of
    (role, text) pairs apart); text orjson refuses (a lone surrogate) is joined
    by hand. Only equality of digests matters, within one session (and between
    the scan's processes and Dask's workers, hence no salted ``hash()``). SHA-1
    cut to 64 bits, as a checksum: OpenSSL's runs at ~1 ns/byte (hardware SHA on
    most CPUs), ~1.8x quicker than ``blake2b`` (docs/architecture.md, the scan).
    """
    if not turns:
        return 0
    try:
        data = _dumps(turns)
    except TypeError:
        data = "\x1e".join(f"{r}\x1f{t}" for r, t in turns).encode("utf-8", "surrogatepass")
    return int.from_bytes(_sha1(data, usedforsecurity=False).digest()[:8], "little") or 1


def _length_and_first_user(turns: list[tuple[str | None, str]]) -> tuple[int, str | None]:
    """Characters of the user and assistant turns, and the first user text (None: no user
    turn): what the `length` and `preview` columns read, in one plain loop."""
    length, first = 0, None
    for role, text in turns:
        if role == "user":
            length += len(text)
            if first is None:
                first = text
        elif role == "assistant":
            length += len(text)
    return length, first


#: The review cells of a record without `_review` or `tags`: most records of a
#: generated file, which then cost nothing here (see `_review_cells`).
_NO_REVIEW = (0, 0, (), ())
_MAX_U32 = 0xFFFFFFFF  # the turns and length columns are arrays of "I"


def _review_cells(value: dict[str, Any], intern: dict[tuple[str, ...], tuple[str, ...]]
                  ) -> tuple[int, int, tuple[str, ...], tuple[str, ...]]:
    """(status index, origin index, flags, tags) of a record that has `_review` or `tags`."""
    review = review_of(value)
    return (STATUSES.index(status_of(review)), ORIGINS.index(origin_of(review)),
            _intern(intern, flags_of(review)), _intern(intern, tags_of(value, review)))


def issue_cells(found: tuple[tuple[Any, ...], ...]) -> tuple[tuple[str, ...], int, int]:
    """(checks, count, severity index) of a record's stored findings: the issue cells
    as the scan sets them, before any dataset-level issue (duplicates) is added."""
    if not found:  # the usual entry: nothing found
        return (), 0, 0
    if len(found) == 1:  # the usual entry with a finding: nothing to sort
        return (found[0][0],), 1, _SEVERITY_INDEX[found[0][1]]
    return (tuple(sorted({f[0] for f in found})), min(len(found), 0xFFFF),
            max(_SEVERITY_INDEX[f[1]] for f in found))


def pack_columns(cols: Sequence[Sequence[Any]]) -> tuple:
    """A chunk's 13 columns in a compact form for marshal or pickle (the scan cache,
    the helper's answer): numbers as raw array bytes (`FIELD_TYPES`: a copy to
    load, where a tuple of ints costs an object per cell), the lists as tuples,
    findings as (row, findings) pairs for the rows that have some."""
    out: list[Any] = [array(code, column).tobytes() if code else tuple(column)
                      for code, column in zip(FIELD_TYPES, cols, strict=False)]
    out.append([(k, found) for k, found in enumerate(cols[-1]) if found])
    return tuple(out)


def unpack_columns(packed: tuple) -> list[Any]:
    """`pack_columns`'s columns back, in the form `Columns.append_columns` takes."""
    cols: list[Any] = [array(code, column) if code else column
                       for code, column in zip(FIELD_TYPES, packed, strict=False)]
    findings: list[tuple] = [()] * len(cols[0])
    for k, found in packed[-1]:
        findings[k] = found
    cols.append(findings)
    return cols


def rows_as_columns(rows: list[tuple]) -> list[Any]:
    """`compute`'s rows as 13 columns (empty ones for no rows)."""
    return list(zip(*rows, strict=True)) if rows else [()] * ROW_FIELDS


def join_parts(parts: Sequence[Sequence[Sequence[Any]]]) -> list[Any]:
    """Runs of rows, as columns (`rows_as_columns`, `unpack_columns`), one after
    the other: the scan's pieces of one chunk, from either process (`scan_schedule`)."""
    if len(parts) == 1:
        return list(parts[0])
    out: list[Any] = []
    for k, code in enumerate((*FIELD_TYPES, None)):
        if code:
            column = array(code)
            for part in parts:
                column.extend(part[k])  # an array of the same code: one copy
        else:
            column = [cell for part in parts for cell in part[k]]
        out.append(column)
    return out


class Columns:
    """Column storage for all records, appended to by the scan, patched by ops."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        # `validation.make_checker`'s checker can hand over the turns it read
        self._check_and_read = getattr(checker, "with_turns", None)
        self.valid = bytearray()
        self.status = bytearray()
        self.origin = bytearray()
        self.turns = array("I")
        self.length = array("I")
        self.issue_count = array("H")
        self.severity = bytearray()
        self.digest = array("Q")
        # (check, severity, message, fixable, text) per finding, only for records with
        # some: plain tuples pickle fast from the scan helper, unlike dataclasses
        self.findings: dict[int, tuple[tuple[Any, ...], ...]] = {}
        self.flags: list[tuple[str, ...]] = []
        self.tags: list[tuple[str, ...]] = []
        self.issues: list[tuple[str, ...]] = []
        self.preview: list[str] = []
        self._interned: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}

    def __len__(self) -> int:
        return len(self.status)

    def compute(self, value: object) -> tuple:
        """The column values of one parsed record (pure; run in the scan thread)."""
        if self._check_and_read is not None:  # the turns too, read by the same pass
            findings, turns = self._check_and_read(value)
            if turns is None:
                turns = formats.turns(value)
        else:
            findings = self.checker(value)
            turns = formats.turns(value)
        if findings:
            stored = tuple(map(_FINDING_CELLS, findings))
            codes, count, severity = issue_cells(stored)
        else:  # the usual entry: no call for nothing
            stored, codes, count, severity = (), (), 0, 0
        intern = self._interned
        is_dict = isinstance(value, dict)
        status, origin, flags, tags = (
            _review_cells(value, intern) if is_dict and (REVIEW_KEY in value or "tags" in value)
            else _NO_REVIEW)
        length, first_user = _length_and_first_user(turns)
        n_turns = len(turns)
        return (
            is_dict,
            status,
            origin,
            flags,
            tags,
            n_turns if n_turns <= _MAX_U32 else _MAX_U32,
            length if length <= _MAX_U32 else _MAX_U32,
            _preview_text(first_user) if first_user is not None else preview_of(value, turns),
            intern.setdefault(codes, codes),  # `_intern`, inlined
            count,
            severity,
            conversation_digest(turns),
            stored,
        )

    def append_many(self, rows: list[tuple]) -> None:
        if rows:
            self.append_columns(list(zip(*rows, strict=True)))

    def append_columns(self, cols: list[tuple]) -> None:
        """Append rows given column by column (`compute`'s 13 fields, in order):
        the scan's chunks, and the same chunks read back from the scan cache."""
        if len(cols) != ROW_FIELDS or len({len(c) for c in cols}) != 1:
            raise ValueError("summary columns of unequal length")
        # typed first, so a bad value fails before any column has grown
        typed = [array(code, column) if code else column
                 for code, column in zip(FIELD_TYPES, cols, strict=False)]
        intern = self._interned
        for k in (3, 4, 8):  # rows from a helper process carry their own tuple copies
            canonical = {v: intern.setdefault(v, v) for v in set(typed[k])}  # a few distinct
            typed[k] = tuple(map(canonical.__getitem__, typed[k]))
        for store, values in zip(self.stores(), typed, strict=True):
            store.extend(values)
        start = len(self.digest) - len(cols[0])
        found = cols[12]  # C-level: most rows have no finding
        self.findings.update(zip(compress(range(start, start + len(found)), found),
                                 filter(None, found), strict=True))

    def stores(self) -> list[Any]:
        """The stores of the first 12 fields, in row order (see `FIELD_TYPES`)."""
        return [self.valid, self.status, self.origin, self.flags, self.tags, self.turns,
                self.length, self.preview, self.issues, self.issue_count, self.severity,
                self.digest]

    def set(self, rid: int, row: tuple) -> None:
        if rid == len(self):
            self.append_many([row])
            return
        (
            self.valid[rid], self.status[rid], self.origin[rid], self.flags[rid],
            self.tags[rid], self.turns[rid], self.length[rid], self.preview[rid],
            self.issues[rid], self.issue_count[rid], self.severity[rid], self.digest[rid],
            found,
        ) = row
        if found:
            self.findings[rid] = found
        else:
            self.findings.pop(rid, None)

    def set_review(self, rid: int, review: dict[str, Any], foreign: tuple[str, ...]) -> None:
        """Refresh only what a review-only change can alter (no content re-check).

        `foreign`: the record's own top-level tags (another tool's), which a
        review change cannot alter, so the caller keeps them instead of a reparse.
        Runs 100k times for one bulk undo: plain lookups, no generic readers
        unless the review holds something unusual.
        """
        status, origin = review.get("status"), review.get("origin")
        # a hand-edited file may hold any JSON value here (a list is unhashable)
        self.status[rid] = _STATUS_INDEX.get(status, 0) if isinstance(status, str) else 0
        self.origin[rid] = _ORIGIN_INDEX.get(origin, 0) if isinstance(origin, str) else 0
        flags, tags = review.get("flags"), review.get("tags")
        self.flags[rid] = _intern(self._interned, flags_of(review)) if flags else ()
        self.tags[rid] = (_intern(self._interned, review_tags(review, foreign))
                          if tags or foreign else ())

    def review_cells(self, rid: int) -> tuple:
        """The review-derived cells of one record, to put back on undo."""
        return self.status[rid], self.origin[rid], self.flags[rid], self.tags[rid]

    def put_review_cells(self, rid: int, cells: tuple) -> None:
        self.status[rid], self.origin[rid], self.flags[rid], self.tags[rid] = cells

    def add_issue(self, rid: int, check: str, severity: str) -> None:
        """Add a dataset-level issue (duplicates) found after the scan; it stays
        until the record's content changes or `drop_issue`."""
        if check in self.issues[rid]:
            return
        self.issues[rid] = _intern(self._interned, tuple(sorted((*self.issues[rid], check))))
        self.issue_count[rid] = min(self.issue_count[rid] + 1, 0xFFFF)
        self.severity[rid] = max(self.severity[rid], SEVERITIES.index(severity))

    def drop_issue(self, rid: int, check: str) -> None:
        """Take back a dataset-level issue (the groups were found again)."""
        if check not in self.issues[rid]:
            return
        self.issues[rid] = _intern(self._interned, tuple(c for c in self.issues[rid]
                                                         if c != check))
        self.issue_count[rid] = max(self.issue_count[rid] - 1, 0)
        kept = self.findings.get(rid, ())
        self.severity[rid] = max((SEVERITIES.index(f[1]) for f in kept), default=0)

    def row(self, rid: int) -> Row:
        return Row(
            valid=bool(self.valid[rid]),
            status=STATUSES[self.status[rid]],
            origin=ORIGINS[self.origin[rid]],
            flags=self.flags[rid],
            tags=self.tags[rid],
            turns=self.turns[rid],
            length=self.length[rid],
            preview=self.preview[rid],
            issues=self.issues[rid],
            issue_count=self.issue_count[rid],
            severity=SEVERITIES[self.severity[rid]],
        )

    def counts(self, rids: Sequence[int] | range) -> dict[str, Counter]:
        """Dataset-wide counts for the status bar, the sidebar and `stats`.

        Counting interned tuples with C-level `Counter(map(...))` and expanding
        afterwards keeps this ~50 ms at a million rows.
        """
        whole = isinstance(rids, range) and rids == range(len(self))

        def tally(column: Sequence) -> Counter:
            if whole and isinstance(column, bytearray):
                return Counter({k: n for k in range(4) if (n := column.count(k))})
            return Counter(column if whole else map(column.__getitem__, rids))

        def expand(groups: Counter) -> Counter:
            out: Counter = Counter()
            for names, n in groups.items():
                for name in names:
                    out[name] += n
            return out

        status = tally(self.status)
        origin = tally(self.origin)
        return {
            "status": Counter({STATUSES[k]: v for k, v in status.items()}),
            "origin": Counter({ORIGINS[k]: v for k, v in origin.items()}),
            "flags": expand(tally(self.flags)),
            "tags": expand(tally(self.tags)),
            "issues": expand(tally(self.issues)),
            "invalid": Counter({"invalid": tally(self.valid).get(0, 0)}),
        }
