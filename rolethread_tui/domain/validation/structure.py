"""Shape checks: the line, the record and each message (the errors of docs/validation.md).

They decide whether there is a conversation to check at all; `content_text_or_error`
is also how the other checks get a message's text.
"""

from __future__ import annotations

from typing import Any

from ..formats import Shape, conversation_key, role_key, text_key
from .findings import Finding, finding

_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number",
               bool: "boolean", type(None): "null"}


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages a user can act on."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def a_json_type(value: object) -> str:
    """"an object", "a string", "null"...: the type with its article."""
    kind = json_type(value)
    return kind if kind == "null" else f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


# --------------------------------------------------------------------------- line level


def check_invalid_json(reason: str) -> Finding:
    """`invalid-json`: the line is kept as raw text and cannot be checked further."""
    return finding("invalid-json", f"line is not valid JSON: {reason}")


def check_not_object(value: object) -> Finding | None:
    """`not-an-object`: valid JSON, but not the object a training row must be."""
    if isinstance(value, dict):
        return None
    return finding("not-an-object", f"line is a JSON {json_type(value)}, not an object")


# --------------------------------------------------------------------------- record level


def check_lossy_json(record: object) -> list[Finding]:
    """`duplicate-keys` / `non-standard-json`: what an edit of this line would lose.

    `records.parse_line` marks such lines (a `FlaggedRecord`); others cost nothing.
    """
    out = []
    keys = getattr(record, "duplicate_keys", ())
    if keys:
        names = ", ".join(repr(k) for k in keys[:5])
        out.append(finding("duplicate-keys", f"an object repeats key {names}: only the last "
                                             "value is kept, and an edit writes only that one"))
    constants = getattr(record, "constants", ())
    if constants:
        out.append(finding("non-standard-json", f"holds {', '.join(constants)} (not standard "
                                                "JSON): an edit writes it as null"))
    return out



def check_no_messages(record: dict[str, Any], shape: Shape | None) -> Finding | None:
    """`no-messages`: no conversation list (ChatML or ShareGPT), or an empty one."""
    if shape is not None:
        key = conversation_key(shape)
        return finding("no-messages", f'"{key}" is empty') if not record[key] else None
    for key in ("messages", "conversations"):
        if key in record:
            return finding("no-messages",
                           f'"{key}" is {a_json_type(record[key])}, not a list')
    return finding("no-messages", 'no "messages" or "conversations" list')


# --------------------------------------------------------------------------- message level


def content_text_or_error(content: object) -> tuple[str | None, str | None]:
    """(text, None) for trainable content, else (None, why it is not text).

    ``null`` is text (empty: reported as empty content, not as malformed); a
    content-part list is text when every part is a string or has a string
    ``"text"`` (parts are joined with ``\\n``, as `formats.content_text` does).
    """
    if isinstance(content, str):
        return content, None
    if content is None:
        return "", None
    if isinstance(content, list):
        parts = []
        for n, part in enumerate(content):
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                return None, f"content part {n} is not text"
        return "\n".join(parts), None
    return None, f"content is {a_json_type(content)}, not text"


def check_message(index: int, message: object, shape: Shape) -> Finding | None:
    """`malformed-message`: not an object, no role or content key, role or content not text.

    Unknown role *names* are `unknown-role`, and empty text `empty-content`.
    """
    problem = message_problem(message, shape)
    if problem is None:
        return None
    return finding("malformed-message", f"message {index}: {problem}", index)


def message_problem(message: object, shape: Shape) -> str | None:
    """What makes `message` malformed, or None."""
    if not isinstance(message, dict):
        return f"a JSON {json_type(message)}, not an object"
    rkey = role_key(message, shape)
    if rkey is None:
        return "no role" if shape == "chatml" else 'no speaker ("from", "role" or "speaker")'
    if not isinstance(message[rkey], str):
        return f'"{rkey}" is {a_json_type(message[rkey])}, not a string'
    tkey = text_key(message, shape)
    if tkey is None:
        return "no content" if shape == "chatml" else 'no text ("value", "content" or "text")'
    return content_text_or_error(message[tkey])[1]
