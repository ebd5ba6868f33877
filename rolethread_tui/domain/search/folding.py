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


@dataclass(frozen=True, slots=True)
class RawTerm:
    """A required term as it must appear in a lowered raw line, with its hiding places.

    ``utf8`` / ``escaped`` are byte strings whose presence in the line means the
    term could still be in the decoded text even though ``needle`` is not in
    the line, so the line must not be rejected.
    """

    needle: bytes
    utf8: tuple[bytes, ...]
    escaped: tuple[bytes, ...]

    def absent_from(self, line_lower: bytes) -> bool:
        """True only when the decoded text of ``line_lower`` cannot contain the term."""
        if self.needle in line_lower:
            return False
        if line_lower.isascii():
            return b"\\u" not in line_lower or not _any_in(self.escaped, line_lower)
        if _any_in(self.utf8, line_lower):
            return False
        return b"\\u" not in line_lower or not _any_in(self.escaped, line_lower)


def _any_in(needles: tuple[bytes, ...], haystack: bytes) -> bool:
    return any(n in haystack for n in needles)


def raw_term(term: str) -> RawTerm | None:
    """How to look for a casefolded term in raw JSON bytes; None = cannot be decided.

    Non-ASCII terms and terms with characters JSON writes as short escapes are
    skipped (treated as present), which keeps the prefilter a necessary condition.
    """
    if not term or not term.isascii() or any(c in _SHORT_ESCAPED for c in term):
        return None
    guard = fold_guard([term])
    escapes = {f"\\u{ord(c):04x}" for c in term} | {f"\\u{ord(c.upper()):04x}" for c in term}
    escapes |= {f"\\u{ord(c):04x}" for c in guard}
    return RawTerm(
        needle=term.encode("ascii"),
        utf8=tuple(c.encode("utf-8") for c in guard),
        escaped=tuple(sorted(e.encode("ascii") for e in escapes)),
    )
