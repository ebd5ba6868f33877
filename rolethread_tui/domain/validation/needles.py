"""Reduce a regex to *needles*: literal strings one of which every match contains.

A cheap literal search for the needles of many patterns then says which
patterns can possibly match a text, so that only those run (see `scanner`).
The reduction is conservative — a needle set is only ever derived from parts a
match must contain — and gives up (None) rather than guess: such a pattern is
simply always run.

Needles are lower-case printable ASCII plus tab/newline/CR (matching is
case-insensitive). `LINE_START` stands for "a line starts here" (``^`` under
MULTILINE, ``\\A``), `BLANKS` for ``[ \\t]*`` (any run of spaces and tabs, maybe
none): a speaker label's name and its colon (``user[ \\t]*:``) are far rarer
together than the name alone, which ordinary prose ("{{user}}") holds.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import product

from .patterns import read_text

try:  # the parser of the ``re`` module: private, but stable in shape since 3.7
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

LINE_START = "\x00"
BLANKS = "\x01"
MAX_ALTERNATIVES = 64


def _read_words(name: str) -> frozenset[str]:
    """The whitespace-separated words of a data file (``#`` comment lines skipped)."""
    text = read_text(name)
    return frozenset(word for line in text.splitlines() if not line.startswith("#")
                     for word in line.split())


# Rarity is judged by the longest word that is not a function word ("against the"
# is common prose, "guidelines" is not); symbols prose hardly uses count as rare.
FUNCTION_WORDS = _read_words("function_words.txt")
_RARE_SYMBOLS = frozenset("#<>{}[]|`~^\\_=@$%&+/")
_WORD_RE = re.compile(r"[a-z][a-z'-]*")
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_REPEATS = tuple(op for op in (_c.MAX_REPEAT, _c.MIN_REPEAT,
                               getattr(_c, "POSSESSIVE_REPEAT", None)) if op is not None)
_STARTS = (_c.AT_BEGINNING, _c.AT_BEGINNING_LINE, _c.AT_BEGINNING_STRING)

Needles = frozenset[str]


def specificity(needle: str) -> int:
    """How unlikely `needle` is in prose: longest non-function word, +6 per rare symbol."""
    words = [w for w in _WORD_RE.findall(needle) if w not in FUNCTION_WORDS]
    return max(map(len, words), default=0) + 6 * sum(c in _RARE_SYMBOLS for c in needle)


def _option_key(needles: Needles) -> tuple[int, int]:
    """Prefer options whose least specific needle is most specific, then fewer needles."""
    return (-min(specificity(n) for n in needles), len(needles))


def _literal_char(code: int) -> str | None:
    if 0x20 <= code < 0x7F:
        return chr(code).lower()
    return chr(code) if code in (0x09, 0x0A, 0x0D) else None


def _exact_in(av: list) -> Needles | None:
    if len(av) > 4 or any(op is not _c.LITERAL for op, _ in av):
        return None
    chars = [_literal_char(code) for _, code in av]
    return frozenset(chars) if all(chars) else None  # type: ignore[arg-type]


def _blank_run(op: object, av: object) -> bool:
    """Whether an item is ``[ \\t]*``: spaces and tabs, any number (`BLANKS`)."""
    if op not in _REPEATS or av[:2] != (0, _c.MAXREPEAT) or len(av[2]) != 1:  # type: ignore
        return False
    inner_op, inner = av[2][0]  # type: ignore[index]
    return (inner_op is _c.IN and len(inner) == 2
            and all(o is _c.LITERAL for o, _ in inner)
            and {code for _, code in inner} == {0x20, 0x09})


def _exact(op: object, av: object) -> Needles | None:
    """The few exact strings an item matches (literals, small alternations), or None."""
    if _blank_run(op, av):
        return frozenset({BLANKS})
    if op is _c.LITERAL:
        char = _literal_char(av)  # type: ignore[arg-type]
        return frozenset({char}) if char else None
    if op is _c.AT:
        return frozenset({LINE_START}) if av in _STARTS else None
    if op is _c.IN:
        return _exact_in(av)  # type: ignore[arg-type]
    if op is _c.SUBPATTERN:
        return exact_strings(av[-1])  # type: ignore[index]
    if op is _c.BRANCH:
        alts = [exact_strings(alt) for alt in av[1]]  # type: ignore[index]
        if any(a is None for a in alts):
            return None
        union: Needles = frozenset().union(*alts)  # type: ignore[arg-type]
        return union if len(union) <= MAX_ALTERNATIVES else None
    if op in _REPEATS and av[:2] == (0, 1):  # type: ignore[index]
        inner = exact_strings(av[2])  # type: ignore[index]
        return inner | {""} if inner is not None else None
    return None


def exact_strings(items: object) -> Needles | None:
    """All strings a sequence matches, when it only matches a few exact ones."""
    out: Needles = frozenset({""})
    for op, av in items:  # type: ignore[attr-defined]
        item = _exact(op, av)
        if item is None or len(out) * len(item) > MAX_ALTERNATIVES:
            return None
        out = frozenset(a + b for a, b in product(out, item))
    return out


def _inner(op: object, av: object) -> Needles | None:
    """Needles of an item that is not exact but must match (a group, a ``+`` repeat)."""
    if op is _c.SUBPATTERN:
        return required(av[-1])  # type: ignore[index]
    if op is _ATOMIC:
        return required(av)
    if op is _c.BRANCH:
        alts = [required(alt) for alt in av[1]]  # type: ignore[index]
        return None if any(a is None for a in alts) else frozenset().union(*alts)  # type: ignore
    if op in _REPEATS and av[0] >= 1:  # type: ignore[index]
        return required(av[2])  # type: ignore[index]
    return None


def _useful(option: Needles) -> bool:
    """An option every needle of which holds a character (not only anchors or blanks)."""
    return all(needle.strip(LINE_START + BLANKS) for needle in option)


def required(items: object) -> Needles | None:
    """Needles of a parsed sequence: the best of its options, or None.

    Runs of consecutive exact items are multiplied out (``(?:as|i'm) an ai`` ->
    "as an ai", "i'm an ai"); each run, and the needles of each required group,
    is an option.
    """
    options: list[Needles] = []
    run: Needles = frozenset({""})
    for op, av in items:  # type: ignore[attr-defined]
        item = _exact(op, av)
        if item is not None and len(run) * len(item) <= MAX_ALTERNATIVES:
            run = frozenset(a + b for a, b in product(run, item))
            continue
        options.append(run)
        run = item if item is not None else frozenset({""})
        inner = _inner(op, av) if item is None else None
        if inner:
            options.append(inner)
    options.append(run)
    options = [o for o in options if _useful(o)]
    return min(options, key=_option_key) if options else None


def needles_of(source: str, flags: int) -> Needles | None:
    """The needles of a regex source, or None when it has none usable."""
    try:
        return required(_parser.parse(source, flags))
    except Exception:  # a private parser must never break validation
        return None


def minimal(needles: set[str] | Needles) -> list[str]:
    """Needles without those containing another (which can add no new hit),
    shortest first.

    A needle is dropped when any other needle occurs in it: all of them are
    joined into one text and each is looked for there with ``str.find``, only
    in the needles longer than itself. ~2 ms for the ~500 needles of the
    validation lists, where testing each pair took ~6 ms — every process
    reduces them before its first entry.
    """
    ordered = sorted(needles, key=lambda n: (len(n), n))
    joined = _SEPARATOR.join(ordered)
    if "" in needles or joined.count(_SEPARATOR) != len(ordered) - 1:
        return _minimal_pairwise(ordered)
    starts, at = [], 0
    for needle in ordered:
        starts.append(at)
        at += len(needle) + 1
    starts.append(at)
    dropped: set[int] = set()
    longer = 0  # the first needle longer than the one looked for
    for needle in ordered:
        while longer < len(ordered) and len(ordered[longer]) <= len(needle):
            longer += 1
        hit = joined.find(needle, starts[longer])
        while hit >= 0:
            owner = bisect_right(starts, hit) - 1
            dropped.add(owner)
            hit = joined.find(needle, starts[owner + 1])  # the next needle on
    return [needle for k, needle in enumerate(ordered) if k not in dropped]


#: Joins the needles for `minimal`: no needle holds it (they are printable ASCII,
#: tab, newline, CR, `LINE_START` and `BLANKS`).
_SEPARATOR = "\x02"


def _minimal_pairwise(ordered: list[str]) -> list[str]:
    """`minimal` of needles in (length, text) order, testing each against those kept."""
    kept: list[str] = []
    for needle in ordered:
        if not any(short in needle for short in kept):
            kept.append(needle)
    return kept
