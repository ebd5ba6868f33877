"""Automatic fixes for fixable findings: pure functions, record in -> new record out.

The input is never mutated. The result copies what changed along its path (the
record dict, the message list, the changed message, a changed content-part
list); untouched messages and fields are *shared* with the input, so treat both
records as immutable values (the session's ops do). Key order, unknown fields
and the record's conversation shape are kept. A fix that no longer applies
(the finding is stale) returns the input object itself, so ``result is record``
means "nothing changed".

Which name a role fix writes (under the key the message already uses): the
canonical role in ChatML; in ShareGPT the vocabulary the record already uses
(``human``/``gpt`` or ``user``/``assistant``), see `roles.canonical_name`. Names
that do not map (character names, ``narrator``, ``tool``) are never fixed.

`misplaced-system` merges every later system message into the first one and
puts it first; that changes message indexes and drops a turn, so it is opt-in:
`SAFE_FIXES` (what ``validate --fix`` applies) leaves it out.

Provenance (docs/provenance.md): a fix that changes a message's text keeps the first
text in ``_review.original`` (index-keyed, as edits do, unless a first text is
already kept), and every applied fix names itself in ``_review.fixes``. A fix
never touches ``turns`` or ``origin``: no person judged the change, so the turn
does not become ``refined``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..formats import Shape, conversation_key, detect_shape, normalise_role, role_key, text_key
from ..review import review_of
from .content import text_parts
from .findings import Finding
from .hidden import remove_hidden
from .roles import ACCEPTED, canonical_name, mislabelled_system, role_names
from .tags import REVIEW_KEY, TAGS_KEY, normalise_tags, tags_problem

Record = dict[str, Any]
Fix = Callable[[Record, Finding], Record]

SAFE_FIXES = frozenset({"unknown-role", "edge-whitespace", "hidden-characters", "bad-tags"})
ALL_FIXES = SAFE_FIXES | {"misplaced-system"}
#: Fixes that change nothing but message texts: once every text is back to what the
#: model wrote (`ops.revert_message`), they no longer describe the entry.
TEXT_FIXES = frozenset({"edge-whitespace", "hidden-characters"})
_SYSTEM_JOIN = "\n\n"


# --------------------------------------------------------------------------- helpers


def _message_at(record: Record, index: int | None) -> tuple[Shape, dict[str, Any]] | None:
    """(shape, message) when `index` names a message object of `record`."""
    shape = detect_shape(record)
    if shape is None or index is None:
        return None
    messages = record[conversation_key(shape)]
    if not 0 <= index < len(messages) or not isinstance(messages[index], dict):
        return None
    return shape, messages[index]


def _with_message(record: Record, shape: Shape, index: int, message: dict[str, Any]) -> Record:
    """A copy of `record` whose message `index` is `message` (other messages shared)."""
    key = conversation_key(shape)
    messages = list(record[key])
    messages[index] = message
    return {**record, key: messages}


def _map_text(content: object, change: Callable[[str], str]) -> object:
    """`content` with `change` applied to its text (a string, or each text part).

    Returns `content` itself when no text changes.
    """
    if isinstance(content, str):
        return change(content)
    if not isinstance(content, list):
        return content
    parts, changed = [], False
    for part in content:
        if isinstance(part, str):
            new: object = change(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            text = change(part["text"])
            new = part if text == part["text"] else {**part, "text": text}
        else:
            new = part
        changed = changed or (new is not part and new != part)
        parts.append(new)
    return parts if changed else content


def _strip_edges(content: object) -> object:
    """`content` without leading/trailing whitespace: a string stripped, or the
    first text part of a part list left-stripped and the last right-stripped."""
    if isinstance(content, str):
        return content.strip()
    if not isinstance(content, list):
        return content
    texts = [i for i, p in enumerate(content)
             if isinstance(p, str) or (isinstance(p, dict) and isinstance(p.get("text"), str))]
    if not texts:
        return content
    parts = list(content)
    for i, strip in ((texts[0], str.lstrip), (texts[-1], str.rstrip)):
        part = parts[i]
        parts[i] = strip(part) if isinstance(part, str) else {**part, "text": strip(part["text"])}
    return parts if parts != content else content


def _fix_content(record: Record, finding: Finding, change: Callable[[object], object]) -> Record:
    """Replace the content of the message a finding points at by `change(content)`."""
    found = _message_at(record, finding.message)
    if found is None:
        return record
    shape, message = found
    key = text_key(message, shape)
    if key is None:
        return record
    new = change(message[key])
    if new is message[key] or new == message[key]:
        return record
    return _with_message(record, shape, finding.message, {**message, key: new})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the fixes


def fix_unknown_role(record: Record, finding: Finding) -> Record:
    """Rename a mappable role ("User", " gpt", "bot") to the shape's canonical name."""
    found = _message_at(record, finding.message)
    if found is None:
        return record
    shape, message = found
    key = role_key(message, shape)
    name = message.get(key) if key else None
    role = normalise_role(name)
    messages = record[conversation_key(shape)]
    if key is None or role is None or name in ACCEPTED[shape] \
            or mislabelled_system(messages, finding.message, shape):  # type: ignore[arg-type]
        return record
    names = role_names(messages, shape)
    return _with_message(record, shape, finding.message,  # type: ignore[arg-type]
                         {**message, key: canonical_name(role, shape, key, names)})


def fix_edge_whitespace(record: Record, finding: Finding) -> Record:
    """Strip leading and trailing whitespace (of each text part of a part list)."""
    return _fix_content(record, finding, _strip_edges)


def fix_hidden_characters(record: Record, finding: Finding) -> Record:
    """Remove hidden characters (line-break-like ones become ``\\n``, see `hidden`)."""
    return _fix_content(record, finding, lambda content: _map_text(content, remove_hidden))


def fix_bad_tags(record: Record, finding: Finding) -> Record:
    """Normalise ``_review.tags`` and top-level ``tags`` (any JSON values; see `tags`)."""
    out = record
    review = record.get(REVIEW_KEY)
    if isinstance(review, dict) and _bad_tags(review.get(TAGS_KEY)):
        out = {**out, REVIEW_KEY: {**review, TAGS_KEY: normalise_tags(review[TAGS_KEY])}}
    if _bad_tags(record.get(TAGS_KEY)):
        out = {**out, TAGS_KEY: normalise_tags(record[TAGS_KEY])}
    return out


def _bad_tags(value: object) -> bool:
    return value is not None and tags_problem(value) is not None


def fix_misplaced_system(record: Record, finding: Finding) -> Record:
    """Merge all system messages into the first one, placed first (opt-in fix).

    Texts are joined with a blank line. ``_review.turns`` is reordered the same
    way and ``_review.original`` re-indexed; the merged-away messages' own
    ``original`` texts cannot stay attached to a message that is gone and are
    dropped — which is one reason this fix is not in `SAFE_FIXES`.
    """
    shape = detect_shape(record)
    if shape is None:
        return record
    key = conversation_key(shape)
    messages = record[key]
    systems = [i for i, m in enumerate(messages) if _is_system(m, shape)]
    if not systems or systems == [0]:
        return record
    first = messages[systems[0]]
    tkey = text_key(first, shape) or ("content" if shape == "chatml" else "value")
    later = [t for i in systems[1:] if (t := "\n".join(text_parts(_content(messages[i], shape))))]
    order = [systems[0]] + [i for i in range(len(messages)) if i not in systems]
    new_messages = [{**first, tkey: _merged(first.get(tkey), later)}]
    new_messages += [messages[i] for i in order[1:]]
    out = {**record, key: new_messages}
    review = record.get(REVIEW_KEY)
    if isinstance(review, dict):
        out[REVIEW_KEY] = _realign_review(review, order, len(messages))
    if new_messages[0].get(tkey) != first.get(tkey):
        out = _keep_originals(out, {0: first.get(tkey)})
    return out


def _merged(content: object, later: list[str]) -> object:
    """The first system message's content with the later texts appended.

    A content-part list keeps its parts and gains one text part per later text.
    """
    if isinstance(content, list):
        return [*content, *({"type": "text", "text": text} for text in later)]
    texts = [content] if isinstance(content, str) and content else []
    return _SYSTEM_JOIN.join(texts + later)


def _is_system(message: object, shape: Shape) -> bool:
    key = role_key(message, shape)
    return key is not None and normalise_role(message[key]) == "system"  # type: ignore[index]


def _content(message: dict[str, Any], shape: Shape) -> object:
    key = text_key(message, shape)
    return message[key] if key else None


def _realign_review(review: dict[str, Any], order: list[int], count: int) -> dict[str, Any]:
    """`_review` with per-message data following the messages' new order."""
    out = dict(review)
    turns = review.get("turns")
    if isinstance(turns, list) and len(turns) == count:
        out["turns"] = [turns[i] for i in order]
    original = review.get("original")
    if isinstance(original, dict):
        new_index = {old: new for new, old in enumerate(order)}
        out["original"] = {
            (str(new_index[int(k)]) if k.isdigit() else k): v for k, v in original.items()
            if not k.isdigit() or int(k) in new_index
        }
    return out


# --------------------------------------------------------------------------- provenance


def _keep_originals(record: Record, firsts: dict[int, object]) -> Record:
    """`record` with ``_review.original[m]`` set to `firsts[m]` where none is kept yet."""
    review = review_of(record)
    original = review.get("original")
    if original is not None and not isinstance(original, dict):
        review["original_legacy"] = original  # another tool's value: kept, not overwritten
        original = None
    kept = dict(original or {})
    for m, text in firsts.items():
        kept.setdefault(str(m), text)
    review["original"] = dict(sorted(kept.items(), key=_index_key))
    return {**record, REVIEW_KEY: review}


def _index_key(item: tuple[str, object]) -> tuple[int, str]:
    key = item[0]
    return (int(key), "") if key.isdigit() else (1 << 62, key)


def _name_fix(record: Record, check: str) -> Record:
    """`record` with `check` appended to ``_review.fixes`` (once)."""
    review = review_of(record)
    old = review.get("fixes")
    fixes = list(old) if isinstance(old, list) else ([] if old is None else [old])
    if check in fixes:
        return record if review == record.get(REVIEW_KEY) else {**record, REVIEW_KEY: review}
    review["fixes"] = [*fixes, check]
    return {**record, REVIEW_KEY: review}


def _changed_texts(before: Record, after: Record) -> dict[int, object]:
    """{index: content before} of the messages whose content a fix changed in place."""
    shape = detect_shape(before)
    if shape is None or detect_shape(after) != shape:
        return {}
    key = conversation_key(shape)
    old, new = before[key], after[key]
    if old is new or len(old) != len(new):
        return {}
    out: dict[int, object] = {}
    for m, (a, b) in enumerate(zip(old, new, strict=True)):
        if a is b or not isinstance(a, dict) or not isinstance(b, dict):
            continue
        tkey = text_key(a, shape)
        if tkey is not None and a.get(tkey) != b.get(tkey):
            out[m] = a[tkey]
    return out


def with_fix_provenance(before: Record, after: Record, check: str) -> Record:
    """`after` (a fix's result) with the first texts kept and the fix named (docs/provenance.md)."""
    if after is before:
        return before
    firsts = _changed_texts(before, after)
    if firsts:
        after = _keep_originals(after, firsts)
    return _name_fix(after, check)


FIXES: dict[str, Fix] = {
    "unknown-role": fix_unknown_role,
    "edge-whitespace": fix_edge_whitespace,
    "hidden-characters": fix_hidden_characters,
    "bad-tags": fix_bad_tags,
    "misplaced-system": fix_misplaced_system,
}
# Per-message fixes first (message indexes stay valid), the reordering one last;
# hidden characters before edges, since removing them can expose whitespace.
_ORDER = ("hidden-characters", "unknown-role", "edge-whitespace", "bad-tags", "misplaced-system")


def fix_finding(record: Record, finding: Finding) -> Record:
    """Apply the fix for one finding (the record itself when there is none to apply)."""
    fix = FIXES.get(finding.check)
    if fix is None or not finding.fixable:
        return record
    return with_fix_provenance(record, fix(record, finding), finding.check)


def fix_all(record: Record, findings: Iterable[Finding],
            checks: Iterable[str] = SAFE_FIXES) -> Record:
    """Apply every fixable finding whose check is in `checks`, in a safe order.

    Record-level fixes run once however many findings they have. Removing hidden
    characters can expose edge whitespace, so when `checks` allows both, that
    whitespace is stripped in the same call.
    """
    allowed = frozenset(checks)
    todo = [f for f in findings if f.fixable and f.check in allowed and f.check in FIXES]
    todo.sort(key=lambda f: _ORDER.index(f.check))
    strip_exposed = "edge-whitespace" in allowed
    done: set[str] = set()
    for finding in todo:
        if finding.check in ("bad-tags", "misplaced-system"):
            if finding.check in done:
                continue
            done.add(finding.check)
        record = fix_finding(record, finding)
        if strip_exposed and finding.check == "hidden-characters":
            record = with_fix_provenance(record, fix_edge_whitespace(record, finding),
                                         "edge-whitespace")
    return record
