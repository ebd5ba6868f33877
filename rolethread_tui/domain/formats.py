"""Conversation shapes (ChatML / ShareGPT) and the role vocabulary.

Every other module reads conversations through these helpers so that the two
shapes, and the many speaker names found in the wild, are handled in one place.
Nothing here ever renames or drops a field: mapping is for reading and for
explicit, user-approved fixes only.
"""

from __future__ import annotations

from typing import Any, Literal

Shape = Literal["chatml", "sharegpt"]

CANONICAL_ROLES = ("system", "user", "assistant")

ROLE_ALIASES: dict[str, str] = {
    **dict.fromkeys(("system", "sys", "system_prompt", "context"), "system"),
    **dict.fromkeys(
        ("user", "human", "usr", "person", "player", "prompt", "instruction", "input"), "user"
    ),
    **dict.fromkeys(
        (
            "assistant", "gpt", "bot", "chatbot", "model", "ai", "asst", "chatgpt",
            "response", "output", "completion",
        ),
        "assistant",
    ),
}

# ShareGPT turns name the speaker and the text under several keys; first found wins.
SHAREGPT_ROLE_KEYS = ("from", "role", "speaker")
SHAREGPT_TEXT_KEYS = ("value", "content", "text")
CHATML_ROLE_KEYS = ("role",)
CHATML_TEXT_KEYS = ("content",)


def normalise_role(name: object) -> str | None:
    """Map a speaker name to system/user/assistant, or None when it does not map.

    Unknown names (character names, ``narrator``, ``tool``) return None so that
    callers report them instead of guessing.
    """
    if not isinstance(name, str):
        return None
    return ROLE_ALIASES.get(name.strip().lower())


def detect_shape(record: object) -> Shape | None:
    """Which conversation shape a parsed line has, or None when it has neither list."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("messages"), list):
        return "chatml"
    if isinstance(record.get("conversations"), list):
        return "sharegpt"
    return None


def conversation_key(shape: Shape) -> str:
    return "messages" if shape == "chatml" else "conversations"


def messages_of(record: object) -> list[Any] | None:
    """The raw message list of a record (ChatML or ShareGPT), or None."""
    shape = detect_shape(record)
    if shape is None:
        return None
    return record[conversation_key(shape)]  # type: ignore[index]


def _first_key(message: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in message:
            return key
    return None


def role_key(message: object, shape: Shape) -> str | None:
    """The key that holds the speaker in this message, or None."""
    if not isinstance(message, dict):
        return None
    return _first_key(message, CHATML_ROLE_KEYS if shape == "chatml" else SHAREGPT_ROLE_KEYS)


def text_key(message: object, shape: Shape) -> str | None:
    """The key that holds the text in this message, or None."""
    if not isinstance(message, dict):
        return None
    return _first_key(message, CHATML_TEXT_KEYS if shape == "chatml" else SHAREGPT_TEXT_KEYS)


def raw_role(message: object, shape: Shape) -> object:
    key = role_key(message, shape)
    return message[key] if key is not None else None  # type: ignore[index]


def raw_content(message: object, shape: Shape) -> object:
    key = text_key(message, shape)
    return message[key] if key is not None else None  # type: ignore[index]


def content_text(content: object) -> str:
    """Readable text of a message's content, whatever its type.

    Content-part lists (``[{"type": "text", "text": ...}]``) are joined; ``None``
    becomes ``""``; any other value is shown as its JSON-ish ``str``. Used for
    display, search and checks — never written back.
    """
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    return str(content)


def turns(record: object) -> list[tuple[str | None, str]]:
    """(canonical role or None, text) for each message; [] when there is no list.

    This is the read model every check, search and export builds on, and it
    runs for every entry of the background scan: the common case (string
    role and content under the shape's first keys) takes a fast path.
    """
    shape = detect_shape(record)
    if shape is None:
        return []
    rk, tk = ("role", "content") if shape == "chatml" else ("from", "value")
    aliases = ROLE_ALIASES
    out: list[tuple[str | None, str]] = []
    append = out.append
    for message in record[conversation_key(shape)]:  # type: ignore[index]
        if type(message) is dict:
            role, content = message.get(rk), message.get(tk)
            if type(role) is str and type(content) is str:
                append((aliases.get(role) or normalise_role(role), content))
                continue
        append(
            (
                normalise_role(raw_role(message, shape)),
                content_text(raw_content(message, shape)),
            )
        )
    return out
