"""Duplicate text: how an entry is rendered and normalised before it is compared.

Split from `dedupe` (the finder): the rules that decide when two texts are
"the same" live here, so the finder, the helper process and the tests share one
definition (see `dedupe`'s module docstring for the whole method).
"""

from __future__ import annotations

import operator
import re
import unicodedata

from rapidfuzz.distance import Indel

from rolethread_tui.domain import formats

TURN_SEP = "\x1e"
ROLE_MARKS = {"system": "\x11", "user": "\x12", "assistant": "\x13"}
OTHER_MARK = "\x14"
MAX_VERIFY_BYTES = 64 * 1024  # longer dialogues are compared on their start

_CODES = "".join(ROLE_MARKS.values()) + OTHER_MARK + TURN_SEP
_CODE_BYTES = _CODES.encode()
_CODES_RE = re.compile(f"[{_CODES}]")
_SEP = TURN_SEP.encode()
_SYSTEM_MARK = ROLE_MARKS["system"].encode()
_SYSTEM_TURN = _SEP + _SYSTEM_MARK


def _table(keep: bytes) -> bytes:
    """bytes.translate table: ASCII letters lower-cased, digits and ``keep`` kept,
    other ASCII → space; bytes ≥ 0x80 (UTF-8 of non-ASCII) are left as they are."""
    out = bytearray(range(256))
    for c in range(128):
        if 65 <= c <= 90:
            out[c] = c + 32
        elif not (48 <= c <= 57 or 97 <= c <= 122 or c in keep):
            out[c] = 32
    return bytes(out)


_PLAIN_TABLE = _table(b"")
_STRUCT_TABLE = _table(_CODE_BYTES)


def conversation_text(record: object) -> str:
    """The text duplicates are judged on: every turn's role and content, in order.

    Each turn is a role mark (``ROLE_MARKS``, ``OTHER_MARK`` for unknown roles)
    followed by its content; turns are joined by ``TURN_SEP``. The marks are
    control characters, taken out of the content first, so the finder can tell
    the system prompt apart. No conversation → "".
    """
    turns = formats.turns(record)
    contents = [text for _, text in turns]
    blob = "".join(contents)
    if any(code in blob for code in _CODES):  # rare: hidden control characters
        contents = [_CODES_RE.sub(" ", text) for text in contents]
    marks = [ROLE_MARKS.get(role or "", OTHER_MARK) for role, _ in turns]
    return TURN_SEP.join(map(operator.add, marks, contents))


def normalise(text: str) -> str:
    """Text reduced to what makes two conversations the same: lower-case words.

    NFKC folds compatibility forms (full-width letters, ligatures), casefold folds
    case, every run of punctuation, symbols, underscores or whitespace becomes one
    space ("Hello,world" and "hello world" agree; "don't" becomes "don t").
    """
    return b" ".join(_norm_bytes(text, _PLAIN_TABLE).split()).decode()


def _norm_bytes(text: str, table: bytes) -> bytes:
    """Normalised UTF-8 with separators as (uncollapsed) spaces; ASCII runs in C.

    Past the NFKC pass, casefolding and blanking non-word characters are both
    per-character maps, so they are applied once per *distinct* non-ASCII
    character (a handful per entry) as byte replacements, rather than as a regex
    and a casefold over the whole text: 2x faster on prose with curly quotes,
    dashes and accented names. The NFKC pass itself is skipped when every such
    character is *plain* (`_char`): then the text is NFKC already, once the
    ``_ASCII_COMPAT`` characters are replaced by their (ASCII) NFKC forms —
    which happens on the bytes, with the other replacements.
    """
    if text.isascii():
        return text.encode().translate(table)
    raw = text.encode("utf-8", "surrogatepass")
    chars = set(raw.translate(None, _ASCII).decode("utf-8", "surrogatepass"))
    found = [_CHARS.get(char) or _char(char) for char in chars]
    if not all(plain for plain, _ in found):
        if not unicodedata.is_normalized("NFKC", text):  # the C quick check is cheap
            text = _nfkc(text)
            raw = text.encode("utf-8", "surrogatepass")
            chars = set(raw.translate(None, _ASCII).decode("utf-8", "surrogatepass"))
        found = [_CHARS.get(char) or _char(char) for char in chars]
    for _, swap in found:
        if swap is not None:
            raw = raw.replace(*swap)
    return raw.translate(table)


_ASCII = bytes(range(128))
# Compatibility characters common in generated prose whose NFKC form is plain
# ASCII. Decomposing them first is what NFKC does anyway (ASCII never composes
# with a neighbour), and usually leaves the text normalised: "…" alone sends
# most replies through a full NFKC pass (~18 µs each) otherwise.
_ASCII_COMPAT = tuple((char, unicodedata.normalize("NFKC", char))
                      for char in "\u2026\u00a0\u202f\u2002\u2003\u2009\u200a\ufb01\ufb02")
# Starters (combining class 0) that can be the second character of a canonical
# composition: Hangul vowel and final jamo, and these (every 2-character
# canonical decomposition whose second character is a starter, in Unicode 14:
# Python 3.11; tests/test_dedupe.py recomputes the list). Their NFKC quick check
# is "maybe": they are never plain. Under a Unicode version not checked here
# (add it to ``_PLAIN_VERSIONS`` once that test passes) no character is plain
# and every non-ASCII text takes the NFKC check, as before.
_COMPOSING_STARTERS = frozenset(
    "\u09be\u09d7\u0b3e\u0b56\u0b57\u0bbe\u0bd7\u0cc2\u0cd5\u0cd6\u0d3e\u0d57\u0dcf"
    "\u0ddf\u0fb5\u0fb7\u102e\u1b35\U00011127\U0001133e\U00011357\U000114b0"
    "\U000114ba\U000114bd\U000115af\U00011930"
    + "".join(map(chr, range(0x1161, 0x1176))) + "".join(map(chr, range(0x11A8, 0x11C3))))
_PLAIN_VERSIONS = ("14.0.0",)


_CHARS: dict[str, tuple[bool, tuple[bytes, bytes] | None]] = {}  # `_char` of each one seen


def _nfkc(text: str) -> str:
    """NFKC of a text the quick check refused, skipping the full pass when the
    refusal came only from ``_ASCII_COMPAT`` characters."""
    for char, plain in _ASCII_COMPAT:
        if char in text:
            text = text.replace(char, plain)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _char(char: str) -> tuple[bool, tuple[bytes, bytes] | None]:
    """What one non-ASCII character needs: whether it is *plain* — one of
    ``_ASCII_COMPAT``, or a character NFKC keeps as it is whatever its neighbours
    (NFKC-stable, combining class 0, not a composing starter), so that ASCII and
    plain characters make an NFKC text once the former are replaced — and its
    replacement as (old, new) UTF-8 (None: kept). A compatibility character
    becomes its NFKC form, any other its `_swap`."""
    compat = dict(_ASCII_COMPAT).get(char)
    if compat is not None:
        found = (True, (char.encode(), compat.encode()))
    else:
        plain = (unicodedata.unidata_version in _PLAIN_VERSIONS
                 and not unicodedata.combining(char) and char not in _COMPOSING_STARTERS
                 and unicodedata.normalize("NFKC", char) == char)
        found = (plain, _swap(char))
    if len(_CHARS) < 1 << 16:  # bounded: texts use few distinct characters
        _CHARS[char] = found
    return found


def _swap(char: str) -> tuple[bytes, bytes] | None:
    """What one non-ASCII character becomes: casefolded, with non-word characters
    (those a ``\\W`` regex matches) blanked; as (old, new) UTF-8, None if kept."""
    new = char.casefold()
    if not new.isalnum():
        new = "".join(c if c.isalnum() else " " for c in new)
    if new == char:
        return None
    return char.encode("utf-8", "surrogatepass"), new.encode("utf-8", "surrogatepass")


def _strip_system(data: bytes) -> bytes:
    """A normalised conversation without its system turns (usually one, at the start)."""
    if data.startswith(_SYSTEM_MARK):
        cut = data.find(_SEP)
        data = data[cut + 1 :] if cut >= 0 else b""
    while _SYSTEM_TURN in data:
        start = data.index(_SYSTEM_TURN)
        end = data.find(_SEP, start + 1)
        data = data[:start] + (data[end:] if end >= 0 else b"")
    return data


def dialogue_bytes(text: str) -> bytes:
    """The normalised dialogue of a :func:`conversation_text`, as verified."""
    return b" ".join(_strip_system(_norm_bytes(text, _STRUCT_TABLE)).split())


def similarity(text_a: str, text_b: str) -> float:
    """The verified similarity (0..1) of two :func:`conversation_text` values.

    Indel similarity of the normalised dialogues, as ``groups`` measures it.
    """
    a, b = (dialogue_bytes(text)[:MAX_VERIFY_BYTES] for text in (text_a, text_b))
    return Indel.normalized_similarity(a, b)
