"""Case folding for search, and what it means for matching raw JSON bytes.

Text terms match case-insensitively via ``str.casefold``. Casefolding is not
purely ASCII-to-ASCII: a handful of non-ASCII characters fold to strings that
contain ASCII letters (``ß`` -> ``ss``, Kelvin sign ``K`` -> ``k``, ligature
``ﬁ`` -> ``fi``). Both fast paths below exist because of them:

* ``matches_text`` for an all-ASCII query lowers the UTF-8 bytes of the text
  (~1 µs for 2 KB) instead of casefolding the str (~10-16 µs once the text holds
  one em dash) — exact unless the text holds a fold character relevant to the
  query, which is checked with a few single-character ``in`` tests.
* ``raw_prefilter`` may only reject a line when the term cannot be hidden in it:
  not behind a fold character (literal UTF-8 or ``\\uXXXX``), and not behind an
  escaped ASCII character (``\\u0041``, as HTML-safe serialisers write ``<``).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Every non-ASCII code point whose casefold/lower contains an ASCII character
# (Python 3.11 Unicode data; tests/test_search_eval.py recomputes it).
FOLD_TO_ASCII: dict[str, str] = {
    "\u00df": "ss",
    "\u0130": "i\u0307",
    "\u0149": "\u02bcn",
    "\u017f": "s",
    "\u01f0": "j\u030c",
    "\u1e96": "h\u0331",
    "\u1e97": "t\u0308",
    "\u1e98": "w\u030a",
    "\u1e99": "y\u030a",
    "\u1e9a": "a\u02be",
    "\u1e9e": "ss",
    "\u212a": "k",
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}

# Characters a JSON serialiser writes as a two-character escape (\" \\ \/ \n ...):
# a term holding one cannot be looked for verbatim in the raw line.
_SHORT_ESCAPED = frozenset('"\\/') | frozenset(map(chr, range(0x20)))


def fold(text: str) -> str:
    """Casefold, with the (byte-identical) ASCII fast path of ``str.lower``."""
    return text.lower() if text.isascii() else text.casefold()


def forms(folded: str) -> tuple[str, ...]:
    """A folded term in each canonical form a text may hold it in (docs/query.md).

    Text pasted from a Mac or a PDF often holds "café" decomposed (``e`` and a
    combining accent), a typed query holds it composed; both forms are looked
    for, so either finds the other. ASCII has one form and costs nothing.
    """
    if folded.isascii():
        return (folded,)
    base = unicodedata.normalize("NFD", folded).casefold()
    return tuple(dict.fromkeys(
        (folded, unicodedata.normalize("NFC", base), unicodedata.normalize("NFD", base))))


def fold_guard(terms: list[str]) -> str:
    """The fold characters whose folding yields a letter used by one of ``terms``.

    If none of them is in a text, lowering its bytes finds exactly what
    casefolding would.
    """
    letters = set("".join(terms))
    return "".join(c for c, f in FOLD_TO_ASCII.items() if letters & set(f))


def has_any(text: str, chars: str) -> bool:
    """Whether ``text`` holds one of ``chars`` (single-char ``in`` is a fast memchr)."""
    return any(c in text for c in chars)


# `\uXXXX` escapes in a lowered raw line; findall is ~0.8 µs on 2 KB (sre finds
# the backslash with memchr), far cheaper than one `in` test per possible escape.
_ESCAPE_RE = re.compile(rb"\\u([0-9a-f]{4})")
# `RawTerm.lines_in`: under 1/_FEW_LEFT of a block's lines without the needle, those
# are looked at one by one rather than the whole block searched for escapes.
_FEW_LEFT = 4


@dataclass(frozen=True, slots=True)
class RawTerm:
    """A required term as it must appear in a lowered raw line, with its hiding places.

    If ``needle`` is not in the line, the term can still be in the decoded text
    behind a fold character (``utf8``: (probe byte, the UTF-8 sequences it is
    in) pairs; the single-byte probe is a memchr, and a sequence is only looked
    for when its probe hits; sequences share a probe, ``\\xac`` for the six
    ligatures, so a line pays one memchr per distinct probe, 5 rather than 13
    for ``"smiles warmly"``) or behind a ``\\uXXXX`` escape (``escapes``: the XXXX).
    """

    needle: bytes
    utf8: tuple[tuple[bytes, tuple[bytes, ...]], ...]
    escapes: frozenset[bytes]

    def absent_from(self, line_lower: bytes) -> bool:
        """True only when the decoded text of ``line_lower`` cannot contain the term."""
        return self.needle not in line_lower and not self.may_hide_in(line_lower)

    def may_hide_in(self, line_lower: bytes) -> bool:
        """Whether the term could be in the text without ``needle`` being in the bytes."""
        if not line_lower.isascii():
            for probe, sequences in self.utf8:
                if probe in line_lower:
                    for sequence in sequences:
                        if sequence in line_lower:
                            return True
        return not self.escapes.isdisjoint(_ESCAPE_RE.findall(line_lower))


    def lines_in(self, low: bytes, starts: Sequence[int], ends: Sequence[int],
                 escapes: Callable[[], Sequence[tuple[int, bytes]]]) -> set[int]:
        """Indexes k of the lines ``low[starts[k]:ends[k]]`` (a lowered block; starts
        ascending, lines apart) that `absent_from` does not rule out, found in the
        whole block at once: a find per line holding the needle and a memchr per
        probe byte, not a call per line. ``escapes()``: (offset, XXXX) of the
        block's ``\\uXXXX`` escapes (`block_escapes`), asked only when many lines
        lack the needle (a few are looked at one by one). Bytes between the lines
        (line endings, lines left out) are never read as a line's.
        """
        out = _hits(low, self.needle, starts, ends, len(self.needle))
        count = len(starts)
        if len(out) == count:
            return out
        if (count - len(out)) * _FEW_LEFT < count:
            return out | {k for k in range(count) if k not in out
                          and self.may_hide_in(low[starts[k]:ends[k]])}
        for probe, sequences in self.utf8:
            for k in _hits(low, probe, starts, ends, 1) - out:
                line = low[starts[k]:ends[k]]
                if any(sequence in line for sequence in sequences):
                    out.add(k)
        for at, code in escapes():
            if code in self.escapes:
                k = bisect_right(starts, at) - 1
                if k >= 0 and at + 6 <= ends[k]:
                    out.add(k)
        return out


def block_escapes(low: bytes) -> list[tuple[int, bytes]]:
    """(offset, XXXX) of each ``\\uXXXX`` escape of a lowered block: one pass for
    every term (~0.5 ns a byte; few lines hold any)."""
    return [(match.start(), match.group(1)) for match in _ESCAPE_RE.finditer(low)]


def _hits(low: bytes, needle: bytes, starts: Sequence[int], ends: Sequence[int],
          size: int) -> set[int]:
    """Indexes of the lines of `low` holding `needle` (of `size` bytes): after a
    hit the search goes on from the line's end, after a hit outside any line
    from the next line's start."""
    out: set[int] = set()
    find, count = low.find, len(starts)
    at = find(needle)
    while at >= 0:
        k = bisect_right(starts, at) - 1
        if k >= 0 and at + size <= ends[k]:
            out.add(k)
            at = find(needle, ends[k])
        elif k + 1 < count:
            at = find(needle, max(at + 1, starts[k + 1]))
        else:
            break
    return out


def _probe(sequence: bytes) -> bytes:
    """The byte of a UTF-8 sequence least likely to occur in ordinary text.

    Lead bytes (\\xc3, \\xe2) and the \\x80 of punctuation are everywhere in
    LLM output; the second byte of a 3-byte and the last of a 2-byte sequence
    are rare.
    """
    return sequence[1:2] if len(sequence) == 3 else sequence[-1:]


def _by_probe(guard: str) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
    """The fold characters' UTF-8 sequences grouped by probe byte, in first-seen order."""
    groups: dict[bytes, list[bytes]] = {}
    for c in guard:
        groups.setdefault(_probe(c.encode()), []).append(c.encode())
    return tuple((probe, tuple(sequences)) for probe, sequences in groups.items())


def raw_term(term: str) -> RawTerm | None:
    """How to look for a casefolded term in raw JSON bytes; None = cannot be decided.

    Non-ASCII terms and terms with characters JSON writes as short escapes are
    skipped (treated as present), which keeps the prefilter a necessary condition.
    """
    if not term or not term.isascii() or any(c in _SHORT_ESCAPED for c in term):
        return None
    guard = fold_guard([term])
    hidden = set(term) | {c.upper() for c in term} | set(guard)
    return RawTerm(
        needle=term.encode("ascii"),
        utf8=_by_probe(guard),
        escapes=frozenset(f"{ord(c):04x}".encode() for c in hidden),
    )
