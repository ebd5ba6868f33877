"""A review-only change written into the line as it was read: only `_review`'s bytes move.

A status, a flag, a note or a tag changes `_review` alone. Encoding the whole
record again for it rewrote what nobody touched: `\\u00e9` became `é`, `\\/`
became `/`, the spaces around the line went (a diff must show only what the
reviewer changed: docs/formats.md, "Writing back: byte preservation"). Here
the `_review` member's value is replaced in the line's own bytes (added before
the closing brace when the line has none, taken out with its comma for None),
encoded in the line's style.

Every splice is checked: the spliced line must parse to exactly the record the
change means. When it does not — `"_review"` found nested rather than at the
top level, an odd line — the caller encodes the record whole, as before.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .records import LineStyle, encode_value
from .review import REVIEW_KEY, set_review

_KEY = b'"' + REVIEW_KEY.encode() + b'"'
_COLON = re.compile(rb"\s*:\s*")
#: A string (escapes skipped whole), a bracket, or a comma: what finding the end
#: of a nested value needs to look at.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]')
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(rb"[^,}\]\s]*")
_BLANK = b" \t\r\n"


def spliced(line: bytes, value: dict[str, Any], review: dict[str, Any] | None,
            style: LineStyle) -> bytes | None:
    """`line` (the record `value` as read) with `_review` set to `review`, changing no
    other byte; None when that cannot be done surely (the caller encodes `value`)."""
    candidate = _splice(line, review, style)
    if candidate is None:
        return None
    try:
        same = orjson.loads(candidate) == set_review(value, review)
    except orjson.JSONDecodeError:
        return None
    return candidate if same else None


def _splice(line: bytes, review: dict[str, Any] | None, style: LineStyle) -> bytes | None:
    at = line.rfind(_KEY)
    if at < 0:
        return line if review is None else _added(line, review, style)
    colon = _COLON.match(line, at + len(_KEY))
    if colon is None:
        return None
    start = colon.end()
    end = _value_end(line, start)
    if end is None:
        return None
    if review is not None:
        return line[:start] + encode_value(review, style) + line[end:]
    return _removed(line, at, end)


def _added(line: bytes, review: dict[str, Any], style: LineStyle) -> bytes | None:
    """The member appended as the object's last (where `set_review` puts a new key)."""
    close = len(line.rstrip(_BLANK)) - 1
    if close < 0 or line[close:close + 1] != b"}":
        return None
    last = len(line[:close].rstrip(_BLANK))  # just after the last member (or the "{")
    member = _KEY + style.key_sep.encode() + encode_value(review, style)
    empty = line[last - 1:last] == b"{"
    joint = b"" if empty else style.item_sep.encode()
    return line[:last] + joint + member + line[last:]


def _removed(line: bytes, at: int, end: int) -> bytes:
    """The member [at, end) taken out with the comma before it (or after it, first)."""
    before = line[:at].rstrip(_BLANK)
    if before.endswith(b","):
        return before[:-1] + line[end:]
    after = line[end:].lstrip(_BLANK)
    if after.startswith(b","):
        return line[:at] + after[1:].lstrip(_BLANK)
    return line[:at] + line[end:]


def _value_end(line: bytes, start: int) -> int | None:
    """Where the JSON value starting at `start` ends (None: not a value seen whole)."""
    first = line[start:start + 1]
    if first == b'"':
        found = _STRING.match(line, start)
        return found.end() if found else None
    if first not in (b"{", b"["):
        found = _SCALAR.match(line, start)
        return found.end() if found and found.end() > start else None
    depth = 0
    for token in _TOKEN.finditer(line, start):
        mark = token.group()
        if mark in (b"{", b"["):
            depth += 1
        elif mark in (b"}", b"]"):
            depth -= 1
            if depth == 0:
                return token.end()
    return None
