"""Merging reviewed shards into one file, without silently losing a decision.

Typical use: a batch was split between reviewers, or the same file went to two
people. Entries are matched by their stable id (`review.entry_id`: an
existing id, else a hash of the original line — which is also the id a
session stamps into `_review.id`, so an entry reviewed in one shard and
untouched in another still matches).

For an id seen more than once:

* same content and same decision -> one copy is written (``identical``);
* same content, only one side reviewed -> the reviewed copy is written
  (``completed``: there is only one decision, nothing to choose between);
* otherwise -> a **conflict**: one copy is written (the first reviewed one,
  else the first), the other versions are attached to it under
  ``_review.conflicts`` — their file, line, what differs, their whole
  `_review`, and the top-level fields whose values differ — and the entry is
  tagged ``merge-conflict`` so ``--where tag:merge-conflict`` lists them.

"Decision" is `_review` without ``id``, ``by``, ``at`` and earlier
``conflicts``: two reviewers who both accepted an entry agree. Ids are
matched across files only: the k-th copy of an id inside one file matches
the k-th copy in another, so merging never removes an entry a file has
twice (that is `dedupe`'s call). Exact duplicate conversations (same roles
and text, whatever the shape) among the written entries — under different
ids, or repeated inside a file — are reported, and kept.

Memory: two passes over the files. The first keeps, per written entry, its
id and three 64-bit hashes (not the record); the second streams the lines to
the output through `write_atomic`.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from . import formats
from . import review as rv
from .line_repeats import nth_id
from .records import RawLine, detect_style, encode_value, one_line, parse_line
from .store import LineStore
from .wording import count
from .writer import write_atomic

CONFLICTS_KEY = "conflicts"
CONFLICT_TAG = "merge-conflict"
#: Review fields that record who/when, not what was decided.
_NOT_DECISION = frozenset({"id", "by", "at", CONFLICTS_KEY})
_FILE_BITS = 40  # a slot packs (file index, record id) into one int64


@dataclass(frozen=True, slots=True)
class Place:
    """Where one version of an entry is: file and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Conflict:
    """One id whose versions disagree: the one written, and the others."""

    id: str
    kept: Place
    others: list[tuple[Place, tuple[str, ...]]]  # (where, what differs from the kept one)

    @property
    def differs(self) -> tuple[str, ...]:
        return tuple(sorted({d for _, what in self.others for d in what}))

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kept": str(self.kept), "differs": list(self.differs),
                "others": [{"at": str(p), "differs": list(d)} for p, d in self.others]}


@dataclass
class MergeReport:
    """What a merge did; `render` is what the CLI prints."""

    out: Path
    files: list[str]
    read: list[int] = field(default_factory=list)
    written: int = 0
    identical: int = 0
    completed: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    duplicates: list[list[tuple[str, Place]]] = field(default_factory=list)
    seed: int | None = None
    invalid: int = 0  # written lines that are not JSON objects (kept as they are)
    blank: list[int] = field(default_factory=list)  # per file: blank lines, not entries

    @property
    def blank_lines(self) -> int:
        """Blank (whitespace-only) lines of the inputs: not entries, so not written."""
        return sum(self.blank)

    def as_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "files": [{"file": f, "entries": n, "blank_lines": b} for f, n, b in
                      zip(self.files, self.read, self.blank or [0] * len(self.files),
                          strict=True)],
            "written": self.written, "identical": self.identical,
            "completed": self.completed, "invalid": self.invalid,
            "blank_lines_dropped": self.blank_lines, "shuffle_seed": self.seed,
            "conflicts": [c.as_dict() for c in self.conflicts],
            "duplicates": [[{"id": i, "at": str(p)} for i, p in g] for g in self.duplicates],
        }

    def render(self, limit: int = 10) -> str:
        """Counts, then the first `limit` conflicts and duplicate groups."""
        lines = [f"merged {count(len(self.files), 'file')} ({count(sum(self.read), 'entry')}) into "
                 f"{self.out}: wrote {self.written:,}"]
        if self.identical or self.completed:
            lines.append(f"same id: {self.identical:,} identical copies dropped, "
                         f"{self.completed:,} taken from the shard that reviewed them")
        if self.blank_lines:
            lines.append(f"{count(self.blank_lines, 'blank line')} dropped (not entries)")
        if self.invalid:
            what = "is not a JSON object" if self.invalid == 1 else "are not JSON objects"
            lines.append(f"{count(self.invalid, 'line')} that {what}, written as read "
                         "(`validate` lists them)")
        if self.seed is not None:
            lines.append(f"shuffled with --seed {self.seed}")
        if self.conflicts:
            lines.append(f"{count(len(self.conflicts), 'conflict')} (both versions kept in "
                         f"_review.{CONFLICTS_KEY}; find them with --where tag:{CONFLICT_TAG}):")
            for c in self.conflicts[:limit]:
                others = ", ".join(str(p) for p, _ in c.others)
                lines.append(f"  {c.id}: {'+'.join(c.differs)} differ; kept {c.kept}, "
                             f"also {others}")
            if len(self.conflicts) > limit:
                lines.append(f"  ... and {len(self.conflicts) - limit:,} more")
        if self.duplicates:
            lines.append(f"{count(len(self.duplicates), 'group')} of identical conversations "
                         "(all kept; see `dedupe`):")
            for group in self.duplicates[:limit]:
                lines.append("  " + ", ".join(f"{p} ({i})" for i, p in group))
            if len(self.duplicates) > limit:
                lines.append(f"  ... and {len(self.duplicates) - limit:,} more")
        return "\n".join(lines)


# --------------------------------------------------------------------------- hashing
def _digest(value: object) -> int:
    """A stable 64-bit hash of a JSON value (key order ignored); never 0."""
    if isinstance(value, bytes):
        data = value
    else:
        try:
            data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):  # huge ints, lone surrogates
            data = json.dumps(value, sort_keys=True, default=str).encode("utf-8", "replace")
    h = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)
    return h or 1


@dataclass(frozen=True, slots=True)
class _Version:
    """One version of an entry: where it is and the hashes it is compared by."""

    slot: int  # packed (file index, record id)
    decision: int  # 0: no decision (unreviewed)
    content: int
    conversation: int  # 0: no conversation (not compared for duplicates)
    is_object: bool

    @property
    def rank(self) -> tuple[bool, bool]:
        """Which version to write: a reviewed one first, then one that is an object."""
        return (self.decision != 0, self.is_object)


def _version(slot: int, value: object, line: bytes) -> tuple[str, _Version]:
    if not isinstance(value, dict):
        return rv.entry_id(value, line), _Version(slot, 0, _digest(line), 0, False)
    review = rv.review_of(value)
    decision = {k: v for k, v in review.items() if k not in _NOT_DECISION}
    body = {k: v for k, v in value.items() if k != rv.REVIEW_KEY}
    turns = formats.turns(value)
    return rv.entry_id(value, line), _Version(
        slot, _digest(decision) if decision else 0, _digest(body),
        _digest(turns) if turns else 0, True)


def _differs(a: _Version, b: _Version) -> tuple[str, ...]:
    return tuple(name for name, same in (("content", a.content == b.content),
                                         ("review", a.decision == b.decision)) if not same)


# --------------------------------------------------------------------------- pass 1
class _Index:
    """Pass 1: which version of each entry to write, in first-seen order.

    Entry n (in output order) has its id in `ids` and, in flat arrays, the
    version chosen and its hashes — about 200 bytes an entry, never a record.
    Ids are matched across files only: a repeat inside one file is a separate
    entry (the k-th copy in one file matches the k-th copy in another), as
    removing duplicates is `dedupe`'s job, not merge's.
    """

    def __init__(self) -> None:
        self.keys: dict[str, int] = {}  # id (or id + NUL + k for the k-th repeat) -> n
        self.ids: list[str] = []
        self.slot, self.decision = array("q"), array("q")
        self.content, self.conversation = array("q"), array("q")
        self.is_object = bytearray()
        self.last_file = array("i")  # the last file that matched entry n
        self.others: dict[int, list[_Version]] = {}  # n -> disagreeing versions
        self._repeats: dict[tuple[int, str], int] = {}  # (file, id) -> next k to try
        self.identical = 0
        self.completed = 0

    def __len__(self) -> int:
        return len(self.ids)

    def version(self, n: int) -> _Version:
        return _Version(self.slot[n], self.decision[n], self.content[n],
                        self.conversation[n], bool(self.is_object[n]))

    def _set(self, n: int, v: _Version) -> None:
        self.slot[n], self.decision[n] = v.slot, v.decision
        self.content[n], self.conversation[n] = v.content, v.conversation
        self.is_object[n] = v.is_object

    def _append(self, key: str, eid: str, v: _Version, file_no: int) -> None:
        self.keys[key] = len(self.ids)
        self.ids.append(eid)
        self.slot.append(v.slot)
        self.decision.append(v.decision)
        self.content.append(v.content)
        self.conversation.append(v.conversation)
        self.is_object.append(v.is_object)
        self.last_file.append(file_no)

    def add(self, eid: str, new: _Version, file_no: int, line: bytes = b"") -> None:
        """A repeat inside one file whose id is the hash of its `line` is shown as the
        session names it, the k-th copy `<hash>-k` (`line_repeats`)."""
        key, n, shown = eid, self.keys.get(eid), eid
        if n is not None and self.last_file[n] == file_no:  # a repeat inside this file
            k = self._repeats.get((file_no, eid), 1)
            while True:
                key = f"{eid}\0{k}"
                n = self.keys.get(key)
                if n is None or self.last_file[n] != file_no:
                    break
                k += 1
            self._repeats[(file_no, eid)] = k + 1
            shown = nth_id(eid, k + 1) if eid == rv.line_id(line) else eid
        if n is None:
            self._append(key, shown, new, file_no)
            return
        self.last_file[n] = file_no
        self._match(n, new)

    def _match(self, n: int, new: _Version) -> None:
        kept = self.version(n)
        others = self.others.get(n, [])
        if any(new.content == v.content and new.decision == v.decision for v in [kept, *others]):
            self.identical += 1
            return
        if new.content == kept.content and not others and 0 in (new.decision, kept.decision):
            self.completed += 1
            if new.rank > kept.rank:
                self._set(n, new)
            return
        if new.rank > kept.rank:
            self._set(n, new)
            new = kept
        self.others.setdefault(n, []).append(new)


def _scan_file(index: _Index, store: LineStore, file_no: int) -> int:
    count = 0
    for chunk, spans in store.index_chunks():
        view = memoryview(chunk)
        for start, end in spans:
            line = bytes(view[start:end])
            eid, version = _version((file_no << _FILE_BITS) | count, parse_line(line), line)
            index.add(eid, version, file_no, line)
            count += 1
        store.publish(count)
    return count


# --------------------------------------------------------------------------- pass 2
class _Writer:
    """Pass 2: the output lines, with conflicts attached to the version written."""

    def __init__(self, stores: Sequence[LineStore], names: Sequence[str],
                 index: _Index) -> None:
        self.stores, self.names, self.index = stores, names, index

    def place(self, slot: int) -> Place:
        f, rid = slot >> _FILE_BITS, slot & ((1 << _FILE_BITS) - 1)
        return Place(self.names[f], self.stores[f].lines[rid])

    def line(self, slot: int) -> bytes:
        f, rid = slot >> _FILE_BITS, slot & ((1 << _FILE_BITS) - 1)
        return self.stores[f].line(rid)

    def lines(self, order: Iterable[int]) -> Iterator[bytes]:
        """Entry n's line for each n of `order`, conflicts attached where there are any."""
        others, slots = self.index.others, self.index.slot
        for n in order:
            line = self.line(slots[n])
            if n in others:
                line = self.with_conflicts(n, line)
            yield one_line(line) + b"\n"

    def with_conflicts(self, n: int, line: bytes) -> bytes:
        value = parse_line(line)
        if not isinstance(value, dict):
            return line  # nowhere to attach them: the report still lists them
        kept = self.index.version(n)
        review = rv.review_of(value)
        items = list(review.get(CONFLICTS_KEY) or []) if isinstance(
            review.get(CONFLICTS_KEY), list) else []
        items += [self.conflict_item(value, other, kept) for other in self.index.others[n]]
        review[CONFLICTS_KEY] = items
        tags = review.get("tags") if isinstance(review.get("tags"), list) else []
        if CONFLICT_TAG not in tags:
            review["tags"] = [*tags, CONFLICT_TAG]
        return encode_value(rv.set_review(value, review), detect_style(line))

    def conflict_item(self, kept_value: dict[str, Any], other: _Version,
                      kept: _Version) -> dict[str, Any]:
        """Another version, enough to see and restore it: its review and differing fields."""
        place = self.place(other.slot)
        item: dict[str, Any] = {"file": place.file, "line": place.line,
                                "differs": list(_differs(other, kept))}
        value = parse_line(self.line(other.slot))
        if not isinstance(value, dict):
            item["raw"] = str(value) if isinstance(value, RawLine) else value
            return item
        item["review"] = rv.review_of(value)
        fields = {k: v for k, v in value.items()
                  if k != rv.REVIEW_KEY and kept_value.get(k, _MISSING) != v}
        if fields:
            item["fields"] = fields
        absent = [k for k in kept_value if k != rv.REVIEW_KEY and k not in value]
        if absent:
            item["absent"] = absent
        return item


_MISSING = object()


# --------------------------------------------------------------------------- merge
def merge(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
          shuffle: bool = False, seed: int | None = None) -> MergeReport:
    """Combine `paths` into `out` (atomically), in file order unless `shuffle`.

    With `shuffle` and no `seed`, a seed is drawn and reported so the order
    can be reproduced.
    """
    out = Path(out)
    files = [Path(p) for p in paths]
    if any(_same_file(out, f) for f in files):
        raise ValueError(f"{out}: refusing to merge into one of the input files")
    names = _short_names(files)
    stores = [LineStore(f) for f in files]
    try:
        index = _Index()
        report = MergeReport(out, names)
        report.read = [_scan_file(index, store, k) for k, store in enumerate(stores)]
        report.blank = [store.index_state()[0] - n for store, n in zip(stores, report.read,
                                                                        strict=True)]
        report.identical, report.completed = index.identical, index.completed
        report.invalid = len(index) - sum(index.is_object)
        writer = _Writer(stores, names, index)
        order: Sequence[int] = range(len(index))
        if shuffle:
            report.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
            order = list(order)
            random.Random(report.seed).shuffle(order)
        report.conflicts = _conflicts(index, writer)
        report.duplicates = _duplicates(index, writer)
        write_atomic(out, writer.lines(order))
        report.written = len(order)
        return report
    finally:
        for store in stores:
            store.close()


def _conflicts(index: _Index, writer: _Writer) -> list[Conflict]:
    out = []
    for n, others in index.others.items():
        kept = index.version(n)
        out.append(Conflict(index.ids[n], writer.place(kept.slot),
                            [(writer.place(o.slot), _differs(o, kept)) for o in others]))
    return out


def _duplicates(index: _Index, writer: _Writer) -> list[list[tuple[str, Place]]]:
    """Groups of written entries with the same conversation (different ids, or an
    id repeated inside one file).

    Sorting entry numbers by hash (instead of a hash -> entry dict) keeps the
    extra memory to one list of ints.
    """
    conv = index.conversation
    ranked = sorted((n for n in range(len(index)) if conv[n]), key=conv.__getitem__)
    groups: list[list[int]] = []
    for k, n in enumerate(ranked):
        if k and conv[ranked[k - 1]] == conv[n]:
            if groups and groups[-1][-1] == ranked[k - 1]:
                groups[-1].append(n)
            else:
                groups.append([ranked[k - 1], n])
    groups.sort()
    return [[(index.ids[n], writer.place(index.slot[n])) for n in group] for group in groups]


def _short_names(files: Sequence[Path]) -> list[str]:
    """File names as the report shows them: the base name, the path when two clash."""
    bases = [f.name for f in files]
    return [f.name if bases.count(f.name) == 1 else str(f) for f in files]


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False
