"""Invisible characters: control characters, zero-width and bidi formatting.

They slip into generated or scraped text, are invisible in every editor, change
tokenisation, and bidi overrides can make text read differently from what it
contains. Which characters count:

- C0 controls except ``\\t`` and ``\\n``, DEL, C1 controls (U+0080-U+009F);
- zero-width: U+200B, U+2060-U+2064, U+FEFF (BOM), U+180E, soft hyphen U+00AD;
- bidi marks and overrides: U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069;
- U+206A-U+206F, U+FFF9-U+FFFB, tag characters U+E0000-U+E007F ("ASCII smuggling")
  except in the flags of England, Scotland and Wales (🏴 + tag letters + CANCEL TAG),
  lone surrogates (not valid Unicode; tokenizers reject them);
- line/paragraph separators U+2028/U+2029;
- U+200C/U+200D (ZWNJ/ZWJ) only when *not* after a letter of a script that uses
  them (Arabic to Sinhala) or after an emoji: 👩‍💻 and Persian text are clean.

The fix removes them, except that characters acting as line breaks (a lone
``\\r``, VT, FF, NEL, U+2028, U+2029) become ``\\n`` so that words are not glued
together, and ``\\r\\n`` becomes ``\\n``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from .findings import Finding, finding

_ALWAYS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_JOINERS = "\u200c\u200d"
_JOINER_OK_AFTER = "\u0600-\u0dff\u2600-\u27bf\ufe0f\U0001f000-\U0001faff"
# One character class first (so ``re`` can skip to candidates), then a lookbehind
# that lets a joiner through after a letter or emoji that uses it.
HIDDEN_RE = re.compile(f"[{_ALWAYS}{_JOINERS}](?<![{_JOINER_OK_AFTER}][{_JOINERS}])")
_CRLF_OR_HIDDEN_RE = re.compile("\r\n|" + HIDDEN_RE.pattern)
#: The emoji tag sequences in use (Unicode's recommended set: the flags of England,
#: Scotland and Wales): their tag characters are the flag's. Only these: any other
#: run of tags after a 🏴 can still spell text a reader does not see.
_TAG_FLAG_RE = re.compile("(\U0001f3f4\U000e0067\U000e0062(?:\U000e0065\U000e006e\U000e0067"
                          "|\U000e0073\U000e0063\U000e0074|\U000e0077\U000e006c\U000e0073)"
                          "\U000e007f)")
_CANCEL_TAG = "\U000e007f"
_AS_NEWLINE = frozenset("\r\x0b\x0c\x85\u2028\u2029")


# Fast pre-check (`maybe_hidden`). ASCII text can only hide C0 controls and DEL: a
# byte translate finds them. Other text is encoded once; deleting the printable ASCII
# bytes leaves only the non-ASCII characters (and controls), usually a few dozen,
# which a regex then checks — instead of running the regex over every character.
ASCII_HIDDEN = bytes(b for b in range(0x80) if HIDDEN_RE.fullmatch(chr(b)))
_ASCII_VISIBLE = bytes(b for b in range(0x80) if b not in ASCII_HIDDEN)
_HIDDEN_ANYWHERE_RE = re.compile(f"[{_ALWAYS}{_JOINERS}]")
SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _rust_class(chars: str) -> str:
    """A character class in ``\\x{..}`` escapes (the Rust regex syntax), without
    surrogates: no UTF-8 text holds one, so the engine cannot be asked about them."""
    out, k = [], 0
    while k < len(chars):
        first, last = chars[k], chars[k]
        if chars[k + 1:k + 2] == "-" and k + 2 < len(chars):
            last, k = chars[k + 2], k + 3
        else:
            k += 1
        if not 0xD800 <= ord(first) <= 0xDFFF:
            out.append(f"\\x{{{ord(first):x}}}-\\x{{{ord(last):x}}}")
    return "[" + "".join(out) + "]"


#: Every character `maybe_hidden` answers "maybe" for, but lone surrogates, for the
#: needle search to look for in the same pass (`scanner.Scanner.screen`).
HIDDEN_CLASS_RUST = _rust_class(_ALWAYS + _JOINERS)


def maybe_hidden(text: str) -> bool:
    """Whether `text` may hold a hidden character: never a false "no", and cheap.

    "Maybe" only for ZWNJ/ZWJ in a script or emoji sequence that uses them;
    `check_hidden` gives the exact answer.
    """
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, ASCII_HIDDEN)) != len(data)
    rest = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_VISIBLE)
    return _HIDDEN_ANYWHERE_RE.search(rest.decode("utf-8", "surrogatepass")) is not None


def _label(char: str) -> str:
    name = unicodedata.name(char, "") or (
        "surrogate" if 0xD800 <= ord(char) <= 0xDFFF else "control character"
    )
    return f"U+{ord(char):04X} {name}"


def _without_flags(text: str) -> str:
    """`text` with each emoji tag sequence's tag characters left out (its 🏴 kept):
    what the check reads. A flag's tags are not hidden text."""
    return _TAG_FLAG_RE.sub("\U0001f3f4", text) if _CANCEL_TAG in text else text


def describe_hidden(text: str) -> str:
    """A short list of the hidden characters in `text`, most frequent first."""
    counts = Counter(m.group() for m in HIDDEN_RE.finditer(_without_flags(text)))
    labels = [f"{_label(c)}{f' ×{n}' if n > 1 else ''}" for c, n in counts.most_common(4)]
    more = len(counts) - len(labels)
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def check_hidden(index: int, text: str) -> Finding | None:
    """`hidden-characters` for one message's text (exact, not the fast pre-check)."""
    if not HIDDEN_RE.search(text):
        return None
    seen = _without_flags(text)  # once: `describe_hidden` finds no flag left in it
    if seen is not text and not HIDDEN_RE.search(seen):
        return None
    return finding("hidden-characters",
                   f"message {index}: hidden characters: {describe_hidden(seen)}",
                   index, fixable=True)


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    return "\n" if char == "\r\n" or char in _AS_NEWLINE else ""


def remove_hidden(text: str) -> str:
    """`text` without hidden characters; line-break-like ones become ``\\n``. An
    emoji tag sequence stays whole (its tags removed, 🏴 would be another flag)."""
    if _CANCEL_TAG not in text:
        return _CRLF_OR_HIDDEN_RE.sub(_replacement, text)
    parts = _TAG_FLAG_RE.split(text)  # a flag at each odd index
    return "".join(part if k % 2 else _CRLF_OR_HIDDEN_RE.sub(_replacement, part)
                   for k, part in enumerate(parts))
