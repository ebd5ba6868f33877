"""ChatML <-> ShareGPT conversion, and the clean conversation a trainer loads.

Two kinds of output, for two jobs:

* **Whole-record conversion** (`to_chatml`, `to_sharegpt`) is for moving a
  reviewed dataset to another tool without losing anything: every other
  top-level field, `_review`, and extra per-message keys (``name``,
  ``weight``) stay, in their order. Mappable speaker names are rewritten to
  the target's vocabulary (docs/formats.md mapping; ShareGPT names: system/human/gpt);
  names that do not map (``narrator``, a character name) are kept verbatim —
  never guessed, never dropped. A record already in the target shape comes
  back unchanged. Content-part lists stay lists in ChatML; ShareGPT needs
  text, so they are flattened there and the parts are kept beside the text
  under ``content_parts`` so the way back restores them (a round trip
  ChatML -> ShareGPT -> ChatML gives the same conversation).
* **Clean conversation** (`clean_conversation`, `clean`) is what
  ``export --clean`` writes: only the turns, each with exactly a role and a
  string, so that ``datasets.load_dataset("json")`` infers one schema for the
  whole file. Anything that cannot be made so without guessing is skipped
  with a reason instead: an unmappable role (``unknown-role`` — a trainer
  would otherwise see a role the chat template does not know), a message that
  is not an object or has no role or text key (``malformed-message``),
  content that is not text (``non-text-content``: an image part would be lost
  silently), no turns at all (``no-messages``). ``None`` content becomes "".
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Literal

from .formats import (
    Shape,
    conversation_key,
    detect_shape,
    normalise_role,
    role_key,
    text_key,
)

Format = Literal["chatml", "sharegpt"]
FORMATS: tuple[Format, ...] = ("chatml", "sharegpt")

#: Canonical role -> ShareGPT speaker name (the names trainers' templates expect).
SHAREGPT_NAMES: dict[str, str] = {"system": "system", "user": "human", "assistant": "gpt"}
#: Where a ShareGPT turn keeps the content-part list its text was flattened from.
PARTS_KEY = "content_parts"
#: Suffix for a field that would be overwritten by a renamed key (kept, not lost).
SHADOW_SUFFIX = "_original"

_TARGET_KEYS: dict[Format, tuple[str, str, str]] = {
    # (conversation key, role key, text key)
    "chatml": ("messages", "role", "content"),
    "sharegpt": ("conversations", "from", "value"),
}


class SkipEntry(ValueError):
    """An entry the clean export cannot write without guessing; `reason` says why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# --------------------------------------------------------------------------- roles
def target_role(name: object, fmt: Format) -> object:
    """The speaker name in the target format; an unmappable name comes back as it was."""
    role = normalise_role(name)
    if role is None:
        return name
    return SHAREGPT_NAMES[role] if fmt == "sharegpt" else role


# --------------------------------------------------------------------------- content
def _is_text_part(part: object) -> bool:
    return isinstance(part, str) or (isinstance(part, dict) and isinstance(part.get("text"), str))


def flatten_parts(parts: list[Any]) -> str:
    """Join the text of a content-part list, one part per line (what `content_text` shows)."""
    return "\n".join(p if isinstance(p, str) else p["text"] for p in parts if _is_text_part(p))


def clean_text(content: object) -> str:
    """Content as a plain string for the clean export, or SkipEntry when it is not text."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        if all(_is_text_part(p) for p in content):
            return flatten_parts(content)
        raise SkipEntry("non-text-content", "a content part has no text")
    raise SkipEntry("malformed-message", f"content is a {type(content).__name__}")


# --------------------------------------------------------------------------- whole records
def _put_converted(out: dict[str, Any], key: str, value: object) -> None:
    """Set a key the conversion produces; a field already there moves to `key_original`."""
    if key in out:
        out[key + SHADOW_SUFFIX] = out.pop(key)
    out[key] = value


def _put_kept(out: dict[str, Any], key: str, value: object) -> None:
    """Copy a field through; if the conversion already uses its name, keep it as `key_original`."""
    out[key + SHADOW_SUFFIX if key in out else key] = value


def _convert_message(message: object, source: Shape, fmt: Format) -> object:
    """One message in the target shape; a non-object message is left as it is."""
    if not isinstance(message, dict):
        return message
    rk, tk = role_key(message, source), text_key(message, source)
    _, new_rk, new_tk = _TARGET_KEYS[fmt]
    out: dict[str, Any] = {}
    consumed = {rk, tk}
    if rk is not None:
        out[new_rk] = target_role(message[rk], fmt)
    if tk is not None:
        out[new_tk] = content = message[tk]
        if fmt == "sharegpt" and isinstance(content, list):
            out[new_tk] = flatten_parts(content)
            out[PARTS_KEY] = content
        parts = message.get(PARTS_KEY)
        if fmt == "chatml" and isinstance(parts, list) and flatten_parts(parts) == content:
            out[new_tk] = parts  # restore what to_sharegpt flattened
            consumed.add(PARTS_KEY)
    for key, value in message.items():
        if key not in consumed:
            _put_kept(out, key, value)
    return out


def convert(record: object, fmt: Format) -> object:
    """The record in shape `fmt`, every other field kept in place.

    Non-objects, records without a conversation list, and records already in
    the target shape are returned unchanged (the caller can then keep their
    original bytes).
    """
    source = detect_shape(record)
    if source is None or source == fmt:
        return record
    assert isinstance(record, dict)
    old_key = conversation_key(source)
    new_key = _TARGET_KEYS[fmt][0]
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == old_key:
            _put_converted(out, new_key, [_convert_message(m, source, fmt) for m in value])
        else:
            _put_kept(out, key, value)
    return out


def to_chatml(record: dict[str, Any]) -> dict[str, Any]:
    """The record with a ChatML ``messages`` list (see `convert`)."""
    return convert(record, "chatml")  # type: ignore[return-value]


def to_sharegpt(record: dict[str, Any]) -> dict[str, Any]:
    """The record with a ShareGPT ``conversations`` list (see `convert`)."""
    return convert(record, "sharegpt")  # type: ignore[return-value]


# --------------------------------------------------------------------------- clean export
def _clean_turn(message: object, source: Shape, fmt: Format) -> dict[str, str]:
    if not isinstance(message, dict):
        raise SkipEntry("malformed-message", "a message is not an object")
    rk, tk = role_key(message, source), text_key(message, source)
    if rk is None or tk is None:
        raise SkipEntry("malformed-message", "a message has no role or no text")
    role = normalise_role(message[rk])
    if role is None:
        raise SkipEntry("unknown-role", repr(message[rk])[:40])
    _, new_rk, new_tk = _TARGET_KEYS[fmt]
    name = SHAREGPT_NAMES[role] if fmt == "sharegpt" else role
    return {new_rk: name, new_tk: clean_text(message[tk])}


def clean(record: object, fmt: Format = "chatml") -> dict[str, list[dict[str, str]]]:
    """Only the conversation, in `fmt`, roles normalised and content plain text.

    Raises `SkipEntry` (with a reason code) when that cannot be done without
    guessing; see the module docstring for the reasons.
    """
    if not isinstance(record, dict):
        raise SkipEntry("not-an-object")
    source = detect_shape(record)
    if source is None or not record[conversation_key(source)]:
        raise SkipEntry("no-messages")
    turns = [_clean_turn(m, source, fmt) for m in record[conversation_key(source)]]
    return {_TARGET_KEYS[fmt][0]: turns}


def template_problem(roles: list[str]) -> str | None:
    """Why a chat template would refuse these canonical roles, or None (docs/cli.md).

    What every common template accepts: an optional system message first, then
    user / assistant alternating from a user turn, at least one assistant turn.
    """
    body = roles[1:] if roles[:1] == ["system"] else roles
    if "system" in body:
        return "template:misplaced-system"
    if not body or body[0] != "user":
        return "template:starts-with-assistant" if body else "template:no-assistant"
    if any(a == b for a, b in pairwise(body)):
        return "template:role-alternation"
    if "assistant" not in body:
        return "template:no-assistant"
    return None


def template_safe(record: object, fmt: Format = "chatml") -> dict[str, list[dict[str, str]]]:
    """`clean`, then the chat-template rules: SkipEntry (``template:...``) when broken.

    Empty or whitespace-only content is ``template:empty-content``: it trains nothing
    and some templates drop the turn, which breaks the alternation.
    """
    cleaned = clean(record, fmt)
    _, rk, tk = _TARGET_KEYS[fmt]
    turns = next(iter(cleaned.values()))
    if any(not turn[tk].strip() for turn in turns):
        raise SkipEntry("template:empty-content")
    canonical = {v: k for k, v in SHAREGPT_NAMES.items()} if fmt == "sharegpt" else {}
    problem = template_problem([canonical.get(turn[rk], turn[rk]) for turn in turns])
    if problem is not None:
        raise SkipEntry(problem)
    return cleaned


def training_record(record: object, fmt: Format, eid: str, tags: list[str], status: str,
                    origin: str) -> dict[str, Any]:
    """The one schema of a ``--format`` export (docs/cli.md), or SkipEntry.

    ``{"id", <conversation>: [{role, text}], "tags", "status", "origin"}`` with every
    value of one JSON type on every row: text content (parts joined), roles mapped
    to the format's names where they map and kept as written where they do not,
    tags a list of strings. Other fields are not carried: they differ from row to
    row and tool to tool, and a loader infers one schema from all rows (the default
    export keeps every line byte for byte).
    """
    if not isinstance(record, dict):
        raise SkipEntry("not-an-object")
    source = detect_shape(record)
    if source is None or not record[conversation_key(source)]:
        raise SkipEntry("no-messages")
    conv_key, rk_out, tk_out = _TARGET_KEYS[fmt]
    turns = []
    for message in record[conversation_key(source)]:
        if not isinstance(message, dict):
            raise SkipEntry("malformed-message", "a message is not an object")
        rk, tk = role_key(message, source), text_key(message, source)
        if rk is None or tk is None or not isinstance(message[rk], str):
            raise SkipEntry("malformed-message", "a message has no role or no text")
        turns.append({rk_out: target_role(message[rk], fmt), tk_out: clean_text(message[tk])})
    return {"id": eid, conv_key: turns, "tags": tags, "status": status, "origin": origin}


def clean_conversation(record: object, fmt: Format = "chatml") -> dict[str, Any] | None:
    """`clean`, returning None instead of raising (use `skip_reason` to learn why)."""
    try:
        return clean(record, fmt)
    except SkipEntry:
        return None


def skip_reason(record: object, fmt: Format = "chatml") -> str | None:
    """Why `clean_conversation` would skip the record, or None when it would not."""
    try:
        clean(record, fmt)
    except SkipEntry as skip:
        return skip.reason
    return None


__all__ = [
    "FORMATS",
    "PARTS_KEY",
    "SHAREGPT_NAMES",
    "Format",
    "SkipEntry",
    "clean",
    "clean_conversation",
    "clean_text",
    "convert",
    "flatten_parts",
    "skip_reason",
    "target_role",
    "template_problem",
    "template_safe",
    "to_chatml",
    "to_sharegpt",
    "training_record",
]
