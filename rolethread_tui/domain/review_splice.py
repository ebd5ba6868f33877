"""A review-only change written into the line as it was read: only `_review`'s bytes move.

A status, a flag, a note or a tag changes `_review` alone. Encoding the whole
record again for it rewrote what nobody touched: `\\u00e9` became `é`, `\\/`
became `/`, the spaces around the line went (a diff must show only what the
reviewer changed: docs/formats.md, "Writing back: byte preservation"). Here
the `_review` member's value is replaced in the line's own bytes (added before
the closing brace when the line has none, taken out with its comma for None),
encoded in the line's style — for a `.json` array's pretty-printed element, laid
out over lines like the element's other keys (`_layout`; docs/formats.md).

Every splice is checked: the spliced line must parse to exactly the record the
change means. When it does not — `"_review"` found nested rather than at the
top level, an odd line — the caller encodes the record whole, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from .records import LineStyle, dumps_in_style, encode_value
from .review import REVIEW_KEY, set_review

_KEY = b'"' + REVIEW_KEY.encode() + b'"'
_COLON = re.compile(rb"\s*:\s*")
#: A string (escapes skipped whole), a bracket, or a comma: what finding the end
#: of a nested value needs to look at.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]')
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(rb"[^,}\]\s]*")
_BLANK = b" \t\r\n"
#: A pretty-printed object's start: "{", a line break, the first key's indentation.
_LEADING = re.compile(rb"\{[ \t]*(\r?\n)([ \t]*)(?=\")")
_KEY_SEP = re.compile(rb"([ \t]*:[ \t]*)")


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
        layout = _layout(line)
        if layout is not None:  # the value indented as the member's line is
            lead = line[line.rfind(b"\n", 0, at) + 1:at]
            indent = layout.indent if lead.strip(b" \t") else lead
            return line[:start] + layout.value(review, style, indent) + line[end:]
        return line[:start] + encode_value(review, style) + line[end:]
    return _removed(line, at, end)


def _added(line: bytes, review: dict[str, Any], style: LineStyle) -> bytes | None:
    """The member appended as the object's last (where `set_review` puts a new key)."""
    close = len(line.rstrip(_BLANK)) - 1
    if close < 0 or line[close:close + 1] != b"}":
        return None
    last = len(line[:close].rstrip(_BLANK))  # just after the last member (or the "{")
    empty = line[last - 1:last] == b"{"
    layout = None if empty else _layout(line)
    if layout is not None:  # on a line of its own, indented like the other members
        member = _KEY + layout.key_sep + layout.value(review, style, layout.indent)
        return line[:last] + b"," + layout.newline + layout.indent + member + line[last:]
    member = _KEY + style.key_sep.encode() + encode_value(review, style)
    joint = b"" if empty else style.item_sep.encode()
    return line[:last] + joint + member + line[last:]


@dataclass(frozen=True, slots=True)
class _Layout:
    """How a pretty-printed object (an array's element) lays out its members."""

    newline: bytes  # b"\n" or b"\r\n"
    indent: bytes  # before each member's key
    step: bytes  # one level more: what `json.dumps(indent=...)` would be given
    key_sep: bytes  # b": " as json.dumps writes it

    def value(self, review: dict[str, Any], style: LineStyle, indent: bytes) -> bytes:
        """`review` spread over lines one `step` deeper per level, its closing
        bracket at `indent` — as `json.dumps(..., indent=step)` writes a member."""
        if not review:
            return b"{}"
        data = dumps_in_style(review, style, indent=self.step.decode(),
                              separators=(",", self.key_sep.decode()))
        return data.replace(b"\n", self.newline + indent)


def _layout(line: bytes) -> _Layout | None:
    """The layout of a pretty-printed object: its first member on a line of its own,
    its closing brace on one too, the members one `step` deeper than the brace.
    None for anything else (a JSONL line, at once; a compact or irregular element)."""
    first = _LEADING.match(line)
    if first is None:
        return None
    body = line.rstrip(_BLANK)
    cut = body.rfind(b"\n", 0, len(body) - 1)
    outer = body[cut + 1:-1]
    newline, indent = first.group(1), first.group(2)
    if (cut < 0 or not body.endswith(b"}") or outer.strip(b" \t")
            or not indent.startswith(outer) or len(indent) == len(outer)):
        return None
    # the separator after the first key *string*: a key may hold `":` itself
    key = _STRING.match(line, first.end())
    sep = _KEY_SEP.match(line, key.end()) if key else None
    return _Layout(newline, indent, indent[len(outer):], sep.group(1) if sep else b": ")


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
