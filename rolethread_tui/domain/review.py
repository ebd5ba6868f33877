"""The `_review` block: status, flags, provenance — read and rewritten as plain dicts.

Every function here returns new dicts instead of mutating, because the undo
history keeps references to earlier states.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

REVIEW_KEY = "_review"
STATUSES = ("unreviewed", "accepted", "rejected", "needs_work")
ORIGINS = ("generated", "refined", "human")
GENERATED, REFINED, HUMAN = ORIGINS


def review_of(value: object) -> dict[str, Any]:
    """A copy of the record's `_review` ({} when absent).

    A `_review` that is not an object (written by some other tool) is kept
    under `legacy` rather than thrown away.
    """
    if not isinstance(value, dict) or REVIEW_KEY not in value:
        return {}
    review = value[REVIEW_KEY]
    if isinstance(review, dict):
        return dict(review)
    return {"legacy": review}


def status_of(review: dict[str, Any]) -> str:
    status = review.get("status")
    return status if status in STATUSES else "unreviewed"


def origin_of(review: dict[str, Any]) -> str:
    origin = review.get("origin")
    return origin if origin in ORIGINS else GENERATED


def flags_of(review: dict[str, Any]) -> tuple[str, ...]:
    flags = review.get("flags")
    if not isinstance(flags, list):
        return ()
    return tuple(f for f in flags if isinstance(f, str))


def note_of(review: dict[str, Any]) -> str:
    """The note as text ("" when there is none, or another tool stored a non-string)."""
    note = review.get("note")
    return note if isinstance(note, str) else ""


def can_unvouch(review: dict[str, Any]) -> bool:
    """A refined entry whose messages nobody edited was only vouched for: `h` again
    takes that back. One with edited or hand-written messages stays refined."""
    turns = review.get("turns")
    edited = isinstance(turns, list) and any(t in (REFINED, HUMAN) for t in turns)
    return origin_of(review) == REFINED and not edited


def tags_of(value: object, review: dict[str, Any]) -> tuple[str, ...]:
    """Tags from `_review.tags`, plus a top-level `tags` list another tool wrote."""
    return review_tags(review, foreign_tags(value))


def foreign_tags(value: object) -> tuple[str, ...]:
    """The usable tags of a top-level `tags` list (another tool's), in order."""
    source = value.get("tags") if isinstance(value, dict) else None
    return _usable_tags(source)


def review_tags(review: dict[str, Any], foreign: tuple[str, ...]) -> tuple[str, ...]:
    """`_review.tags` first, then foreign tags, without repeats."""
    return tuple(dict.fromkeys((*_usable_tags(review.get("tags")), *foreign)))


def _usable_tags(source: object) -> tuple[str, ...]:
    if not isinstance(source, list):
        return ()
    return tuple(t for t in source if isinstance(t, str) and t.strip())


def entry_id(value: object, raw: bytes) -> str:
    """The stable id of an entry: an existing one if any, else a hash of its line.

    A hash of the original line (not a random id) means two shards cut from the
    same batch give the same entry the same id, which is what merge needs.
    """
    if isinstance(value, dict):
        review = value.get(REVIEW_KEY)
        if isinstance(review, dict) and isinstance(review.get("id"), str | int):
            return str(review["id"])
        rt = value.get("_rolethread")
        if isinstance(rt, dict) and isinstance(rt.get("entry_uuid"), str | int):
            return str(rt["entry_uuid"])
        if isinstance(value.get("id"), str | int) and not isinstance(value.get("id"), bool):
            return str(value["id"])
    return line_id(raw)


def loaded_id(raw: bytes) -> str:
    """`entry_id` of an unedited entry from its line as loaded: parsed only when the
    bytes may hold an id key (`may_hold_id`). `validate` asks for ~40 % of a file's
    entries, half of them in the helper process (`scan.serve`)."""
    if not may_hold_id(raw):
        return line_id(raw)
    from .records import parse_line  # the parse of the store and the scan

    return entry_id(parse_line(raw), raw)


def line_id(raw: bytes) -> str:
    """The id of an entry whose line holds none: a hash of the line as loaded."""
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def may_hold_id(raw: bytes) -> bool:
    """Whether a line's bytes can hold a key `entry_id` reads (``id``, ``entry_uuid``).

    False only when neither key is spelt out and no ASCII letter is escaped
    (``\\u0069d`` is ``id`` too): then `entry_id` is `line_id` and needs no parse.
    """
    return b'"id"' in raw or b"entry_uuid" in raw or b"\\u00" in raw


def new_id() -> str:
    return uuid.uuid4().hex[:16]


#: Id fields of other tools a copy must not share with its source (docs/formats.md):
#: (path of dicts to the field). Top-level ``id`` and RoleThread Lite's uuid.
FOREIGN_ID_FIELDS: tuple[tuple[str, ...], ...] = (("id",), ("_rolethread", "entry_uuid"))


def with_fresh_ids(value: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record with a fresh value in every foreign id field it carries.

    A duplicated or split entry that kept ``_rolethread.entry_uuid`` or ``id``
    would be the same entry to the tool that wrote them (its index sends both to
    one). Each field keeps its kind: a uuid-looking string gets a new uuid4, any
    other string or a number a new random hex id of the same type where
    possible; key order and everything else is kept. (``_review.id`` is set by
    the caller, which also records where the copy came from.)
    """
    out = dict(value)
    for path in FOREIGN_ID_FIELDS:
        out = _fresh_at(out, path)
    return out


def _fresh_at(record: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    key, rest = path[0], path[1:]
    if key not in record:
        return record
    current = record[key]
    if rest:
        if not isinstance(current, dict):
            return record
        return {**record, key: _fresh_at(current, rest)}
    fresh = _fresh_like(current)
    return record if fresh is None else {**record, key: fresh}


def _fresh_like(old: object) -> object:
    """A new id of the same kind as `old`, or None when `old` is not an id value."""
    if isinstance(old, bool) or old is None:
        return None
    if isinstance(old, int):
        return uuid.uuid4().int >> 66  # 62 bits: a JSON integer every tool reads exactly
    if isinstance(old, str):
        try:
            uuid.UUID(old)
        except ValueError:
            return new_id()
        return str(uuid.uuid4())
    return None


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamped(review: dict[str, Any], eid: str, by: str, at: str) -> dict[str, Any]:
    """The review with its id, reviewer and time set, `id` kept first for readability."""
    out = {"id": review.get("id", eid)}
    out.update(review)
    out["by"] = by
    out["at"] = at
    return out


def aligned_turns(review: dict[str, Any], n: int) -> list[str]:
    """`turns` as a list of length n (missing entries are generated)."""
    turns = review.get("turns")
    out = [t if t in ORIGINS else GENERATED for t in turns] if isinstance(turns, list) else []
    return (out + [GENERATED] * n)[:n]


def originals_of(review: dict[str, Any]) -> dict[int, Any]:
    original = review.get("original")
    if not isinstance(original, dict):
        return {}
    return {int(k): v for k, v in original.items() if str(k).isdigit()}


def with_provenance(
    review: dict[str, Any], turns: list[str], originals: dict[int, Any], touched: bool
) -> dict[str, Any]:
    """Write turns/original back; a person's touch makes a generated entry refined."""
    out = dict(review)
    out["turns"] = turns
    if originals:
        out["original"] = {str(k): originals[k] for k in sorted(originals)}
    else:
        out.pop("original", None)
    if touched and origin_of(out) == GENERATED:
        out["origin"] = REFINED
    return out


#: What stamping adds to a review: who, when, and the id it is stamped under.
STAMPS = frozenset({"by", "at", "id"})


def same_review(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two reviews say the same, stamps aside and empty fields as absent: a flag
    toggled on and off, or a status set and set back, says what the line said."""
    def said(review: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in review.items() if k not in STAMPS and v not in ([], {}, "", None)}
        turns = out.get("turns")
        if isinstance(turns, list) and all(t == GENERATED for t in turns):
            del out["turns"]  # what a missing `turns` says (`aligned_turns`)
        return out
    return said(a) == said(b)


def set_review(value: dict[str, Any], review: dict[str, Any] | None) -> dict[str, Any]:
    """A shallow copy of the record with `_review` replaced (in place if present)."""
    out = dict(value)
    if review is None:
        out.pop(REVIEW_KEY, None)
    else:
        out[REVIEW_KEY] = review
    return out
