"""Parsing one JSONL line, and writing a changed value back in the line's own style.

A line that does not parse is still an entry: it is represented by `RawLine`, a
`str` that remembers its exact bytes so it can be shown, validated and written
back unchanged. A changed line is re-encoded to look like it did before (same
separators, same choice of `\\u` escapes, same key order) so diffs stay minimal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import orjson

# 19 digits: below -2**63 orjson gives a float too (-9223372036854775809 → -9.2e18)
_BIG_INT = re.compile(rb"(?<![\d.eE+-])-?\d{19,}(?![\d.eE])")
# Digits as "0", everything else blanked: a run of 19 digits is then a plain
# substring test. The regex alone costs ~60 µs on a 2 KB line (it tries every
# position), more than parsing it; this check ~2 µs, and rarely passes.
_DIGITS_AS_ZERO = bytes(48 if 48 <= c <= 57 else 32 for c in range(256))
_LONG_DIGIT_RUN = b"0" * 19


class RawLine(str):
    """The text of a line that is not valid JSON (shown, never reinterpreted)."""

    raw: bytes
    error: str

    def __new__(cls, raw: bytes, error: str) -> RawLine:
        self = super().__new__(cls, raw.decode("utf-8", errors="replace"))
        self.raw = raw
        self.error = error
        return self


def parse_line(raw: bytes | memoryview) -> object:
    """Parse a line; a `RawLine` when it is not JSON.

    orjson first (fast); the stdlib as a fallback for what orjson refuses but
    JSON tools commonly write (NaN, integers beyond 64 bits).
    """
    try:
        if _has_big_int(raw):  # orjson would turn integers beyond 64 bits into floats
            raise orjson.JSONDecodeError("big integer", "", 0)
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        data = bytes(raw)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return RawLine(data, f"invalid UTF-8 at byte {bad.start}")
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return RawLine(data, _short_error(exc))


def _short_error(exc: Exception) -> str:
    text = str(exc)
    return text.split(": line ")[0] if len(text) > 80 else text


@dataclass(frozen=True, slots=True)
class LineStyle:
    """How a line was written: what a re-encoding must imitate."""

    item_sep: str = ","
    key_sep: str = ":"
    ascii_only: bool = False

    @property
    def is_orjson(self) -> bool:
        return self.item_sep == "," and self.key_sep == ":" and not self.ascii_only


COMPACT = LineStyle()
_KEY_SEP = re.compile(rb'"\s*(:\s*)')
_ITEM_SEP = re.compile(rb'(?:["\]}el\d])(\s*,\s*)["{\[]')


def detect_style(raw: bytes) -> LineStyle:
    """Guess separators and escaping from the first key and the first item.

    An unescaped `"` only occurs at string boundaries, so matching on quotes is
    safe enough; when unsure we fall back to compact orjson output.
    """
    key = _KEY_SEP.search(raw)
    item = _ITEM_SEP.search(raw)
    ascii_only = raw.isascii() and b"\\u" in raw
    return LineStyle(
        item_sep=item.group(1).decode() if item else ",",
        key_sep=key.group(1).decode() if key else ":",
        ascii_only=ascii_only,
    )


def encode_value(value: object, style: LineStyle = COMPACT) -> bytes:
    """Serialise a value as one line (no line ending) in the given style."""
    if style.is_orjson:
        try:
            return orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            pass  # lone surrogates or huge ints: the stdlib copes
    try:
        text = json.dumps(
            value, ensure_ascii=style.ascii_only, separators=(style.item_sep, style.key_sep)
        )
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(style.item_sep, style.key_sep)).encode("ascii")


def _has_big_int(raw: bytes | memoryview) -> bool:
    """Whether the line holds an integer of 19+ digits (maybe beyond what orjson keeps)."""
    data = raw if type(raw) is bytes else bytes(raw)
    return _LONG_DIGIT_RUN in data.translate(_DIGITS_AS_ZERO) and _BIG_INT.search(data) is not None
