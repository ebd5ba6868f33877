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
from typing import Any

import orjson

# 19 digits: below -2**63 orjson gives a float too (-9223372036854775809 → -9.2e18)
_BIG_INT = re.compile(rb"(?<![\d.eE+-])-?\d{19,}(?![\d.eE])")
# Digits as "0", everything else blanked: a run of 19 digits is then a plain
# substring test. The regex alone costs ~60 µs on a 2 KB line (it tries every
# position), more than parsing it; this check ~2 µs, and rarely passes.
_DIGITS_AS_ZERO = bytes(48 if 48 <= c <= 57 else 32 for c in range(256))
_LONG_DIGIT_RUN = b"0" * 19


class FlaggedRecord(dict):  # type: ignore[type-arg]
    """A parsed object whose line holds JSON that does not survive a re-encoding.

    `duplicate_keys` names keys an object repeats (the parse kept the last
    value; an edit would write only that one); `constants` the non-standard
    ``NaN`` / ``Infinity`` / ``-Infinity`` it holds (an edit writes them as
    ``null``). Only such rare lines get this type, so validation can warn
    before an edit loses something, at no cost for ordinary lines; any copy
    (``dict(value)``, ``{**value}``) is a plain dict again.
    """

    duplicate_keys: tuple[str, ...] = ()
    constants: tuple[str, ...] = ()


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
    JSON tools commonly write (NaN, integers beyond 64 bits) or silently loses
    (a repeated key). A line orjson re-encodes byte for byte (compact output,
    the usual generated file) lost nothing, so it is taken as parsed at the cost
    of one re-encoding (see `_lost_something`).
    """
    data = raw if type(raw) is bytes else bytes(raw)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return _fallback(data, exc)
    try:
        again = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):  # pragma: no cover - orjson's own output
        return value
    if again == data or not _lost_something(data, again, value):
        return value
    return _fallback(data, None, value)


def _lost_something(data: bytes, again: bytes, value: object) -> bool:
    """Whether orjson's parse of a line it re-encodes differently may have lost data.

    An integer of 19+ digits (orjson may turn it into a float; see
    `_has_big_int`) or a repeated key (`_dropped_a_key`). A line that re-encodes
    byte for byte has neither: a float is always written with ``.`` or ``e``, so
    a lost integer would read differently, and a dropped pair would be missing.
    """
    return _has_big_int(data) or (type(value) is dict and _dropped_a_key(data, again))


def _fallback(data: bytes, exc: Exception | None, parsed: object = None) -> object:
    """The stdlib parse of a line orjson refused (`exc`) or may have parsed lossily.

    A refused line that the stdlib refuses too is a `RawLine`; for one orjson
    did parse, orjson's answer stands when the stdlib fails.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        if exc is None:  # pragma: no cover - orjson parsed it, so it is UTF-8
            return parsed
        return RawLine(data, f"invalid UTF-8 at byte {bad.start}")
    try:
        return _loads_flagged(text)
    except (ValueError, RecursionError):
        return parsed if exc is None else RawLine(data, _short_error(exc))


def _dropped_a_key(data: bytes, again: bytes) -> bool:
    """Whether parsing dropped a repeated key, given orjson's re-encoding `again`.

    Re-encoding writes one ``:`` per key plus those inside strings, which the
    line has too (``:`` is never escaped by the encoder, and an escaped one in
    the line only lowers its count). So the line holds more colons than the
    re-encoding exactly when a key/value pair was dropped. ~1 µs for a 2 KB
    line, all in C; the exact names are found only when this fires.
    """
    return data.count(b":") > again.count(b":")


def _loads_flagged(text: str) -> object:
    """The stdlib parse, noting repeated keys and NaN/Infinity (see `FlaggedRecord`)."""
    duplicates: list[str] = []
    constants: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict:  # type: ignore[type-arg]
        out = dict(items)
        if len(out) < len(items):
            seen: set[str] = set()
            duplicates.extend(k for k, _ in items if k in seen or seen.add(k))  # type: ignore
        return out

    def constant(name: str) -> float:
        constants.append(name)
        return float(name)

    value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    if type(value) is not dict or not (duplicates or constants):
        return value
    flagged = FlaggedRecord(value)
    flagged.duplicate_keys = tuple(dict.fromkeys(duplicates))
    flagged.constants = tuple(dict.fromkeys(constants))
    return flagged


def _short_error(exc: Exception) -> str:
    text = str(exc)
    return text.split(": line ")[0] if len(text) > 80 else text


@dataclass(frozen=True, slots=True)
class LineStyle:
    """How a line was written: what a re-encoding must imitate."""

    item_sep: str = ","
    key_sep: str = ":"
    ascii_only: bool = False
    #: DEL (0x7f) written raw by an ASCII-escaping writer (Python's json escapes it):
    #: kept raw, so an edit elsewhere does not rewrite it in messages nobody touched.
    raw_del: bool = False

    @property
    def is_orjson(self) -> bool:
        return self.item_sep == "," and self.key_sep == ":" and not self.ascii_only


COMPACT = LineStyle()
#: A `\u007f` escape (not an escaped backslash followed by "u007f").
_DEL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u007f")
#: The separator after the object's first key *string* (a key may hold `":` itself).
_KEY_SEP = re.compile(rb'\{\s*"(?:[^"\\]|\\.)*"(\s*:\s*)')
_ITEM_SEP = re.compile(rb'(?:["\]}el\d])(\s*,\s*)["{\[]')


def detect_style(raw: bytes) -> LineStyle:
    """Guess separators and escaping from the first key and the first item.

    An unescaped `"` only occurs at string boundaries, so matching on quotes is
    safe enough; when unsure we fall back to compact orjson output.
    """
    ascii_only = raw.isascii() and b"\\u" in raw
    raw_del = ascii_only and b"\x7f" in raw
    if b"\n" in raw:  # an array's pretty-printed element: written back compact
        return LineStyle(ascii_only=ascii_only, raw_del=raw_del)
    key = _KEY_SEP.search(raw)
    item = _ITEM_SEP.search(raw)
    return LineStyle(
        item_sep=item.group(1).decode() if item else ",",
        key_sep=key.group(1).decode() if key else ":",
        ascii_only=ascii_only,
        raw_del=raw_del,
    )


def raw_dels(text: str) -> str:
    """JSON text with its `\\u007f` escapes written as the raw DEL character: the
    style of a line that holds one raw (`LineStyle.raw_del`)."""
    return _DEL_ESCAPE.sub("\\1\x7f", text)


def encode_value(value: object, style: LineStyle = COMPACT) -> bytes:
    """Serialise a value as one line (no line ending) in the given style."""
    if style.is_orjson:
        try:
            return orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            pass  # lone surrogates or huge ints: the stdlib copes
    return dumps_in_style(value, style, separators=(style.item_sep, style.key_sep))


def dumps_in_style(value: object, style: LineStyle, **options: Any) -> bytes:
    """The stdlib's JSON of `value` (``json.dumps`` `options`: separators, indent) in
    `style`'s escaping: ASCII-only or not, a DEL raw where the line had one raw;
    text with a lone surrogate, which UTF-8 cannot hold, escaped."""
    try:
        text = json.dumps(value, ensure_ascii=style.ascii_only, **options)
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, **options)
        data = text.encode("ascii")
    return raw_dels(text).encode("utf-8") if style.raw_del else data


def one_line(raw: bytes) -> bytes:
    """An entry's bytes as one JSONL line: a line as read; a pretty-printed element of a
    `.json` array (it spans lines) re-encoded compact, or for one that does not parse
    its line breaks made spaces — what `export`, `merge` and a conflict file write."""
    if b"\n" not in raw:
        return raw
    value = parse_line(raw)
    if isinstance(value, RawLine):
        return raw.replace(b"\r\n", b" ").replace(b"\n", b" ")
    return encode_value(value, detect_style(raw))


def json_text(value: object) -> str:
    """A parsed value as JSON text, as a line that is not an object shows it (the list's
    preview, the reading view): never Python's repr (``None``, ``'text'``)."""
    return json.dumps(value, ensure_ascii=False)


def _has_big_int(data: bytes) -> bool:
    """Whether the line holds an integer of 19+ digits (maybe beyond what orjson keeps)."""
    return _LONG_DIGIT_RUN in data.translate(_DIGITS_AS_ZERO) and _BIG_INT.search(data) is not None
