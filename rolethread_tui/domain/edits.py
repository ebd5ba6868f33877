"""Op builders: each public op of the session as one `Change` handed to the document.

The pure transforms live in `ops` (what a change does to a record); here they
meet positions, record ids, the reviewer stamp and the line's own style, so
every caller — list, editor, reading view, script — gets the same rules
(docs/provenance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import ops
from . import review as rv
from .document import Document
from .history import Change, Replaced, Reviewed, Splice, State
from .records import COMPACT, RawLine, encode_value

Fn = Callable[[dict[str, Any]], dict[str, Any]]


def many(i: int | Iterable[int]) -> list[int]:
    return [i] if isinstance(i, int) else list(i)


def review_op(doc: Document, reviewer: str, label: str, positions: Iterable[int], fn: Fn,
              *, strict: bool, tags: bool = False) -> int:
    """Apply fn to `_review` of each entry as one undo step; returns entries changed.

    strict: a single-entry op raises on a line that is not an object; a bulk
    op skips such lines (it cannot take a status without being rewritten).
    tags: the op edits tags, so another tool's top-level ``tags`` list moves
    into ``_review.tags`` first (`_adopt_tags`) and becomes removable.
    """
    positions = list(positions)
    doc.check_writable()  # refuse before a 100k-entry loop, not after it
    change = Change(label, focus=positions[0] if len(positions) == 1 else None)
    for i in positions:
        rid = doc.rid(i)
        try:
            value = doc.object(rid, i)
        except ops.OpError:
            if strict:
                raise
            continue
        old = rv.review_of(value)
        adopted = _adopt_tags(value, old) if tags else None
        base = old if adopted is None else rv.review_of(adopted)
        new = fn(base)
        if new == base:  # nothing the op asked for changes: the line stays as written
            continue
        new = doc.stamp(new, value, rid, reviewer)
        before = doc.state(rid)
        if adopted is not None or isinstance(before, Replaced):
            after: State = Replaced(encode_value(rv.set_review(adopted or value, new),
                                                 doc.style(rid)))
        elif doc.says_as_loaded(rid, new):  # undone by hand: the line stays as written
            if before is None:
                continue  # it never left it: nothing to record
            after = None
        else:
            doc.remember_foreign(rid, value)
            after = Reviewed(new)
        change.states[rid] = (before, after)
    doc.commit(change, positions)
    return len(change.states)


def _adopt_tags(value: dict[str, Any], review: dict[str, Any]) -> dict[str, Any] | None:
    """The record with its top-level ``tags`` list moved into ``_review.tags``, or None.

    Only a list of strings moves (anything else is `bad-tags`' business and is
    left as written); the key goes from this line only, on the first tag edit,
    and the tags keep their order after the review's own (docs/provenance.md).
    """
    foreign = value.get("tags")
    if not isinstance(foreign, list) or not all(isinstance(t, str) for t in foreign):
        return None
    merged = list(rv.review_tags(review, rv.foreign_tags(value)))
    out = {k: v for k, v in value.items() if k != "tags"}
    inner = dict(review)
    if merged:
        inner["tags"] = merged
    else:
        inner.pop("tags", None)
    return rv.set_review(out, inner)


def value_op(doc: Document, reviewer: str, label: str, i: int, fn: Fn) -> bool:
    """One content op on entry i (an edit, a role, a message added or moved)."""
    rid = doc.rid(i)
    value = doc.object(rid, i)
    new = fn(value)
    if new == value:
        return False
    return _replace(doc, reviewer, label, i, rid, value, new)


def _replace(doc: Document, reviewer: str, label: str, i: int, rid: int, value: object,
             new: dict[str, Any]) -> bool:
    new = rv.set_review(new, doc.stamp(rv.review_of(new), value, rid, reviewer))
    after: State = (None if doc.reads_as_loaded(rid, new)  # back as loaded: as written
                    else Replaced(encode_value(new, doc.style(rid))))
    return doc.commit(Change(label, {rid: (doc.state(rid), after)}, focus=i), [i])


def replace_entry(doc: Document, reviewer: str, i: int, value: object,
                  label: str = "edit entry") -> bool:
    """Replace an entry's whole value; a raw line that now parses becomes an entry."""
    rid = doc.rid(i)
    if isinstance(value, dict):
        value = rv.set_review(value, doc.stamp(rv.review_of(value), value, rid, reviewer))
    line = value.raw if isinstance(value, RawLine) else encode_value(value, doc.style(rid))
    return replace_line(doc, i, line, label)


def replace_line(doc: Document, i: int, line: bytes, label: str = "edit raw line") -> bool:
    if b"\n" in line or b"\r" in line:
        raise ops.OpError("a JSONL entry must stay on one line")
    if line == doc.line_bytes(i):
        return False
    rid = doc.rid(i)
    return doc.commit(Change(label, {rid: (doc.state(rid), Replaced(line))}, focus=i), [i])


# ---------------------------------------------------------------- structure
def delete_entries(doc: Document, positions: int | Iterable[int]) -> int:
    """Structural ops wait for the scan: positions are stable once every line is indexed."""
    doc.wait_scanned()
    doc.check_writable()
    unique = sorted(set(many(positions)))
    pairs = tuple((p, doc.rid(p)) for p in unique)
    focus = min(unique[0], len(doc) - len(unique) - 1) if unique else None
    label = (f"delete entry {unique[0] + 1}" if len(unique) == 1
             else f"delete {len(pairs)} entries")
    doc.commit(Change(label, splices=[Splice(pairs, False)], focus=focus), None)
    return len(pairs)


def insert_line(doc: Document, position: int, line: bytes, label: str) -> int:
    """A new record at `position`; returns that position."""
    new = doc.new_rid()
    change = Change(label, {new: (None, Replaced(line))},
                    [Splice(((position, new),), True)], focus=position)
    doc.commit(change, None)
    return position


def duplicate_entry(doc: Document, i: int) -> int:
    """A copy right after entry i, with new ids; returns the copy's position."""
    doc.wait_scanned()
    rid = doc.rid(i)
    value = doc.value(rid)
    if isinstance(value, dict):
        review = rv.review_of(value)
        review["id"] = rv.new_id()
        review["duplicated_from"] = doc.id_of(value, rid)
        line = encode_value(rv.set_review(rv.with_fresh_ids(value), review), doc.style(rid))
    else:
        line = doc.line_bytes(i)
    return insert_line(doc, i + 1, line, f"duplicate entry {i + 1}")


def add_entry(doc: Document, reviewer: str, messages: list[dict[str, Any]],
              after: int | None = None, *, before: int | None = None) -> int:
    """A hand-written entry (origin human, every turn human) after `after`, or before
    `before` (`before=0`: first in the file, which no `after` can say); neither: at
    the end. Returns its position."""
    if after is not None and before is not None:
        raise ValueError("add_entry takes `after` or `before`, not both")
    doc.wait_scanned()  # a structural op: the end, and every position, are known
    doc.check_writable()
    position = (before if before is not None
                else len(doc) if after is None else after + 1)
    if not 0 <= position <= len(doc):  # a list insert would clamp it silently
        raise ops.OpError(f"no place for a new entry at {position + 1}")
    review = rv.stamped({"id": rv.new_id(), "origin": rv.HUMAN,
                         "turns": [rv.HUMAN] * len(messages)}, "", reviewer, rv.now_stamp())
    line = encode_value({"messages": list(messages), rv.REVIEW_KEY: review}, COMPACT)
    return insert_line(doc, position, line, f"new entry {position + 1}")


def split_entry(doc: Document, reviewer: str, i: int, m: int) -> int:
    """Split entry i before message m; returns the position of the second part."""
    doc.wait_scanned()
    rid = doc.rid(i)
    value = doc.object(rid, i)
    first, second = ops.split_entry(value, m)
    review = rv.review_of(second)
    review.update(id=rv.new_id(), split_from=doc.id_of(value, rid))
    second = rv.set_review(rv.with_fresh_ids(second), doc.stamp(review, second, rid, reviewer))
    first = rv.set_review(first, doc.stamp(rv.review_of(first), value, rid, reviewer))
    style = doc.style(rid)
    new = doc.new_rid()
    change = Change(
        f"split entry {i + 1} at message {m}",
        {rid: (doc.state(rid), Replaced(encode_value(first, style))),
         new: (None, Replaced(encode_value(second, style)))},
        [Splice(((i + 1, new),), True)], focus=i,
    )
    doc.commit(change, None)
    return i + 1


def join_entries(doc: Document, reviewer: str, i: int) -> bool:
    """Join entry i+1 onto entry i (one conversation)."""
    doc.wait_scanned()
    rid, rid2 = doc.rid(i), doc.rid(i + 1)
    first, second = doc.object(rid, i), doc.object(rid2, i + 1)
    joined = ops.join_entries(first, second)
    joined = rv.set_review(joined, doc.stamp(rv.review_of(joined), first, rid, reviewer))
    change = Change(
        f"join entries {i + 1} and {i + 2}",
        {rid: (doc.state(rid), Replaced(encode_value(joined, doc.style(rid))))},
        [Splice(((i + 1, rid2),), False)], focus=i,
    )
    return doc.commit(change, None)


# ---------------------------------------------------------------- fixes
def fix_change(doc: Document, reviewer: str, change: Change, i: int, value: object,
               fixed: dict[str, Any]) -> None:
    """Add one fixed record to a fix change (stamped, in the line's style)."""
    rid = doc.rid(i)
    fixed = rv.set_review(fixed, doc.stamp(rv.review_of(fixed), value, rid, reviewer))
    change.states[rid] = (doc.state(rid), Replaced(encode_value(fixed, doc.style(rid))))
