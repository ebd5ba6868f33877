"""Content checks on one message's text: emptiness, edges, length, heuristics.

`refusal` and `format-leak` run curated pattern lists (see `scanner`) and only
on assistant turns: a user asking "are you an AI?" or a system prompt full of
``{{user}}`` and ``### Instruction:`` is normal data, not a defect.
"""

from __future__ import annotations

import re

from .findings import Finding, finding
from .scanner import normalise_quotes

_SNIPPET = 60


def is_blank(text: str) -> bool:
    """Empty or whitespace-only (``isspace`` stops at the first other character)."""
    return not text or text.isspace()


def check_empty(index: int, content: object, text: str) -> Finding | None:
    """`empty-content`: nothing to train on (``""``, whitespace, ``null``, no parts)."""
    if not is_blank(text):
        return None
    what = "null" if content is None else "whitespace only" if text else "empty"
    return finding("empty-content", f"message {index}: content is {what}", index)


def text_parts(content: object) -> list[str]:
    """The strings of a content value: itself, or each text part of a part list."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [p if isinstance(p, str) else p["text"] for p in content
                if isinstance(p, str) or (isinstance(p, dict) and isinstance(p.get("text"), str))]
    return []


def check_edge_whitespace(index: int, content: object) -> Finding | None:
    """`edge-whitespace`: leading/trailing whitespace of the message text.

    For a content-part list that is the start of the first text part and the end
    of the last: whitespace where two parts meet is part of the text.
    """
    parts = text_parts(content)
    if not parts or not (parts[0][:1].isspace() or parts[-1][-1:].isspace()):
        return None
    return finding("edge-whitespace", f"message {index}: leading or trailing whitespace",
                   index, fixable=True)


def check_short_response(index: int, text: str, minimum: int) -> Finding | None:
    """`short-response`: an assistant reply shorter than `minimum` characters (stripped)."""
    length = len(text.strip())  # O(1) unless there is whitespace to strip
    if length >= minimum or length == 0:  # empty is empty-content's business
        return None
    return finding("short-response",
                   f"message {index}: reply is {length} characters (< {minimum})", index)


def snippet(text: str, match: re.Match[str]) -> str:
    """The matched text, shortened and on one line, for a finding's message."""
    found = " ".join(match.group().split())
    return found if len(found) <= _SNIPPET else found[: _SNIPPET - 1] + "…"


#: A fence line of CommonMark: up to three spaces, then ``` or ~~~.
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
#: An inline code span on one line: `like this`.
_INLINE_CODE = re.compile(r"`[^`\n]+`")


def fenced_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each code block or inline code span; an unclosed fence runs to the end.

    What code quotes is material, not the reply's own voice: a data model with
    a ``User:`` entity, a chat mock-up with ``Human:`` lines, `<|im_end|>` named
    in an explanation.
    """
    if "`" not in text and "~~~" not in text:
        return []
    marks = [m.start() for m in _FENCE.finditer(text)]
    if len(marks) % 2:
        marks.append(len(text))
    spans = list(zip(marks[::2], marks[1::2], strict=True))
    spans.extend(m.span() for m in _INLINE_CODE.finditer(text))
    return spans


def _first_outside(regex: re.Pattern[str], text: str,
                   spans: list[tuple[int, int]]) -> re.Match[str] | None:
    for match in regex.finditer(text):
        if not any(a <= match.start() < b for a, b in spans):
            return match
    return None


def check_pattern(check: str, what: str, index: int, text: str,
                  regex: re.Pattern[str]) -> Finding | None:
    """A `refusal` / `format-leak` finding when `regex` matches the message text.

    A `format-leak` match inside a fenced code block does not count (see
    `fenced_spans`; docs/validation.md).
    """
    text_q = normalise_quotes(text)
    spans = fenced_spans(text_q) if check == "format-leak" else []
    match = _first_outside(regex, text_q, spans) if spans else regex.search(text_q)
    if match is None:
        return None
    return finding(check, f"message {index}: {what} {snippet(text, match)!r}", index)
