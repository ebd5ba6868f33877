"""What each op does to one record, as pure functions from old value to new value.

The session turns their results into `Change`s (see history.py). Keeping the
transforms pure makes them easy to test, and keeps provenance rules — which
message is generated, refined or human, and the first generated text of each
edited message — in one place, aligned through every structural edit.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from . import formats
from .review import (
    GENERATED,
    HUMAN,
    REFINED,
    STATUSES,
    aligned_turns,
    origin_of,
    originals_of,
    review_of,
    set_review,
    with_provenance,
)

Value = dict[str, Any]
SHAREGPT_NAMES = {"system": "system", "user": "human", "assistant": "gpt"}


class OpError(ValueError):
    """An op that cannot apply to this entry (bad index, not a conversation)."""


def _conversation(value: object) -> tuple[formats.Shape, list[Any]]:
    shape = formats.detect_shape(value)
    if shape is None:
        raise OpError("this entry has no messages list")
    return shape, list(value[formats.conversation_key(shape)])  # type: ignore[index]


def _check_index(messages: list[Any], m: int, *, allow_end: bool = False) -> None:
    top = len(messages) if allow_end else len(messages) - 1
    if not 0 <= m <= top:
        raise OpError(f"no message {m} (entry has {len(messages)})")


def _rebuild(
    value: Value, shape: formats.Shape, messages: list[Any], turns: list[str],
    originals: dict[int, Any], touched: bool = True,
) -> Value:
    out = dict(value)
    out[formats.conversation_key(shape)] = messages
    review = with_provenance(review_of(value), turns, originals, touched)
    return set_review(out, review)


def _template(messages: list[Any], shape: formats.Shape) -> tuple[str, str]:
    """Role and text keys new messages should use, copied from the entry's own."""
    for message in messages:
        rk, tk = formats.role_key(message, shape), formats.text_key(message, shape)
        if rk and tk:
            return rk, tk
    return ("role", "content") if shape == "chatml" else ("from", "value")


def role_name(role: str, shape: formats.Shape, role_field: str) -> str:
    """How to write a canonical role in this entry's vocabulary."""
    if shape == "sharegpt" and role_field == "from":
        return SHAREGPT_NAMES.get(role, role)
    return role


def edit_message(value: Value, m: int, text: str) -> Value:
    """New content for message m; the first generated text goes to `original`."""
    shape, messages = _conversation(value)
    _check_index(messages, m)
    message = messages[m]
    if not isinstance(message, dict):
        raise OpError(f"message {m} is not an object")
    key = formats.text_key(message, shape) or _template(messages, shape)[1]
    review = review_of(value)
    turns = aligned_turns(review, len(messages))
    originals = originals_of(review)
    if turns[m] == GENERATED and m not in originals:
        originals[m] = message.get(key)
    if turns[m] != HUMAN:
        turns[m] = REFINED
    messages[m] = {**message, key: text}
    return _rebuild(value, shape, messages, turns, originals)


def set_role(value: Value, m: int, role: str) -> Value:
    shape, messages = _conversation(value)
    _check_index(messages, m)
    message = messages[m]
    if not isinstance(message, dict):
        raise OpError(f"message {m} is not an object")
    key = formats.role_key(message, shape) or _template(messages, shape)[0]
    review = review_of(value)
    turns = aligned_turns(review, len(messages))
    if turns[m] == GENERATED:
        turns[m] = REFINED
    messages[m] = {**message, key: role_name(role, shape, key)}
    return _rebuild(value, shape, messages, turns, originals_of(review))


def insert_message(value: Value, m: int, role: str, text: str = "") -> Value:
    """A message written by a person (human), inserted before index m."""
    shape, messages = _conversation(value)
    _check_index(messages, m, allow_end=True)
    rk, tk = _template(messages, shape)
    review = review_of(value)
    turns = aligned_turns(review, len(messages))
    originals = {(k + 1 if k >= m else k): v for k, v in originals_of(review).items()}
    messages.insert(m, {rk: role_name(role, shape, rk), tk: text})
    turns.insert(m, HUMAN)
    return _rebuild(value, shape, messages, turns, originals)


def delete_message(value: Value, m: int) -> Value:
    shape, messages = _conversation(value)
    _check_index(messages, m)
    review = review_of(value)
    turns = aligned_turns(review, len(messages))
    originals = {
        (k - 1 if k > m else k): v for k, v in originals_of(review).items() if k != m
    }
    del messages[m]
    del turns[m]
    return _rebuild(value, shape, messages, turns, originals)


def move_message(value: Value, m: int, to: int) -> Value:
    """Move message m to index `to`, carrying its provenance with it."""
    shape, messages = _conversation(value)
    _check_index(messages, m)
    _check_index(messages, to)
    review = review_of(value)
    turns = aligned_turns(review, len(messages))
    originals = originals_of(review)
    ids = list(range(len(messages)))
    for seq in (messages, turns, ids):
        seq.insert(to, seq.pop(m))
    moved = {new: originals[old] for new, old in enumerate(ids) if old in originals}
    return _rebuild(value, shape, messages, turns, moved)


def revert_message(value: Value, m: int) -> Value:
    """Put back the generated text of message m; it becomes generated again.

    When no edited message is left, the entry goes back to generated too (a
    vouch with `mark_refined` can be made again).
    """
    shape, messages = _conversation(value)
    _check_index(messages, m)
    review = review_of(value)
    originals = originals_of(review)
    if m not in originals:
        raise OpError(f"message {m} has no original text to revert to")
    message = messages[m]
    key = formats.text_key(message, shape) or _template(messages, shape)[1]
    messages[m] = {**message, key: originals.pop(m)}
    turns = aligned_turns(review, len(messages))
    turns[m] = GENERATED
    out = _rebuild(value, shape, messages, turns, originals, touched=False)
    if all(t == GENERATED for t in turns) and origin_of(review) == REFINED:
        out["_review"]["origin"] = GENERATED
    if not originals:
        _forget_text_fixes(out["_review"])
    return out


def _forget_text_fixes(review: dict[str, Any]) -> None:
    """Every text is the model's again: a fix that only changed texts is undone too,
    and `fixes` must not go on naming it (the header said "fixed: hidden-characters"
    over the model's own text)."""
    from .validation.fixes import TEXT_FIXES

    fixes = review.get("fixes")
    if not isinstance(fixes, list):
        return
    kept = [f for f in fixes if f not in TEXT_FIXES]
    if kept:
        review["fixes"] = kept
    else:
        del review["fixes"]


def mark_refined(review: dict[str, Any]) -> dict[str, Any]:
    """A person vouches for the entry: generated becomes refined (human stays human)."""
    out = dict(review)
    if origin_of(out) == GENERATED:
        out["origin"] = REFINED
    return out


def unvouch(review: dict[str, Any]) -> dict[str, Any]:
    """Take back a vouch: the entry is generated again (see `review.can_unvouch`)."""
    return set_origin(review, GENERATED)


def set_origin(review: dict[str, Any], origin: str) -> dict[str, Any]:
    out = dict(review)
    if origin == GENERATED:
        out.pop("origin", None)
    else:
        out["origin"] = origin
    return out


def set_status(review: dict[str, Any], status: str | None) -> dict[str, Any]:
    if status is not None and status not in STATUSES[1:]:
        raise OpError(f"unknown status {status!r} (use accepted, rejected, needs_work or None)")
    out = dict(review)
    if status is None:
        out.pop("status", None)
    else:
        out["status"] = status
    return out


def toggle_flag(review: dict[str, Any], flag: str, on: bool | None = None) -> dict[str, Any]:
    flags = [f for f in review.get("flags", []) if isinstance(f, str)] if isinstance(
        review.get("flags"), list) else []
    want = (flag not in flags) if on is None else on
    flags = [f for f in flags if f != flag] + ([flag] if want else [])
    out = dict(review)
    if flags:
        out["flags"] = flags
    else:
        out.pop("flags", None)
    return out


def set_note(review: dict[str, Any], note: str) -> dict[str, Any]:
    """The note, trimmed (every screen and script gets the same rule); "" removes it."""
    note = note.strip()
    out = dict(review)
    if note:
        out["note"] = note
    else:
        out.pop("note", None)
    return out


def set_tags(review: dict[str, Any], tags: list[str]) -> dict[str, Any]:
    clean = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    out = dict(review)
    if clean:
        out["tags"] = clean
    else:
        out.pop("tags", None)
    return out


def add_tag(review: dict[str, Any], tag: str, on: bool = True) -> dict[str, Any]:
    """Add (or remove) one tag, keeping the others and their order."""
    tags = review.get("tags")
    current = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    return set_tags(review, [*current, tag] if on else [t for t in current if t != tag])


def split_entry(value: Value, m: int) -> tuple[Value, Value]:
    """Split before message m. The second half re-uses the leading system prompt.

    Both halves keep the review state (status, flags, note); provenance is
    divided by message, so each half still says what a person wrote.
    """
    shape, messages = _conversation(value)
    if not 0 < m < len(messages):
        raise OpError(f"cannot split at {m}: choose a message between 1 and {len(messages) - 1}")
    review = review_of(value)
    turns = aligned_turns(review, len(messages))
    originals = originals_of(review)
    head = [0] if formats.normalise_role(formats.raw_role(messages[0], shape)) == "system" else []
    head = head if m > 1 or not head else []
    first = list(range(m))
    second = head + list(range(m, len(messages)))
    return (
        _part(value, shape, messages, turns, originals, first),
        _part(value, shape, messages, turns, originals, second),
    )


def _part(
    value: Value, shape: formats.Shape, messages: list[Any], turns: list[str],
    originals: dict[int, Any], picks: list[int],
) -> Value:
    out = _rebuild(
        value, shape, [deepcopy(messages[i]) for i in picks], [turns[i] for i in picks],
        {n: originals[i] for n, i in enumerate(picks) if i in originals}, touched=False,
    )
    return out


def join_entries(first: Value, second: Value) -> Value:
    """One conversation from two; the second's system prompt is dropped when identical."""
    shape, a = _conversation(first)
    shape_b, b = _conversation(second)
    ra, rb = review_of(first), review_of(second)
    ta, tb = aligned_turns(ra, len(a)), aligned_turns(rb, len(b))
    oa, ob = originals_of(ra), originals_of(rb)
    skip = 0
    if a and b and _same_system(a[0], b[0], shape, shape_b):
        skip = 1
    messages = a + [_in_shape(deepcopy(x), shape_b, shape, a) for x in b[skip:]]
    turns = ta + tb[skip:]
    originals = dict(oa)
    originals.update({k - skip + len(a): v for k, v in ob.items() if k >= skip})
    return _rebuild(first, shape, messages, turns, originals)


def _same_system(x: Any, y: Any, sx: formats.Shape, sy: formats.Shape) -> bool:
    rx, ry = formats.normalise_role(formats.raw_role(x, sx)), formats.normalise_role(
        formats.raw_role(y, sy))
    return rx == ry == "system" and formats.raw_content(x, sx) == formats.raw_content(y, sy)


def _in_shape(message: Any, source: formats.Shape, target: formats.Shape,
              neighbours: list[Any]) -> Any:
    """A message moved into an entry of the other shape takes that entry's keys."""
    if source == target or not isinstance(message, dict):
        return message
    rk, tk = formats.role_key(message, source), formats.text_key(message, source)
    role, text = message.pop(rk, None) if rk else None, message.pop(tk, None) if tk else None
    new_rk, new_tk = _template(neighbours, target)
    canonical = formats.normalise_role(role)
    return {new_rk: role_name(canonical, target, new_rk) if canonical else role,
            new_tk: text, **message}
