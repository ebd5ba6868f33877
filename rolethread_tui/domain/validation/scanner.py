"""Curated phrase/regex lists for the content heuristics, and a fast way to run them.

The lists live in data files (``patterns/refusal.txt``, ``patterns/format_leak.txt``)
so curators can extend them without touching code: one regex or plain phrase per
line, ``#`` starts a comment line. Every pattern is matched case-insensitively,
with ``^``/``$`` at line starts/ends (MULTILINE), against one message's text in
which curly apostrophes (’ ‘) have been replaced by ``'``. A *plain phrase* (no
regex metacharacter) matches whole words only.

Why not simply run each list's combined regex over every reply: CPython's ``re``
has no multi-literal search, and a 30-alternative regex costs hundreds of
nanoseconds per character, i.e. hundreds of µs per entry. Instead each pattern
is reduced once to its *needles* (see `needles`), and one case-insensitive
search for every needle of every list runs over an entry's replies joined
together. That search uses the Rust ``regex`` crate pydantic-core already ships
(``str_schema(pattern=...)``, a documented API; `rust_regex`): ~3 µs for 1.3 KB of replies,
most of it the conversion to UTF-8; plain ``re`` takes over should that engine
ever fail its one-time self-test. Only when a needle occurs are the patterns
that own it found (per reply, through a small tree of matchers) and confirmed
with ``re``, which also gives the finding its exact matched text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from .hidden import HIDDEN_CLASS_RUST
from .needles import BLANKS, LINE_START, minimal, needles_of
from .patterns import read_text
from .rust_regex import always_true, rust_matcher, rust_screen

FLAGS = re.IGNORECASE | re.MULTILINE
_REGEX_META = frozenset(".^$*+?{}[]\\|()")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})

Matcher = Callable[[str], bool]

# --------------------------------------------------------------------------- loading


def read_pattern_file(name: str) -> list[str]:
    """The pattern lines of ``patterns/<name>``: comments and blank lines dropped."""
    text = read_text(name)
    return parse_pattern_lines(text.splitlines())


def parse_pattern_lines(lines: Iterable[str]) -> list[str]:
    """Keep the non-blank, non-comment lines (stripped)."""
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def pattern_source(line: str) -> str:
    """The regex a list line stands for: a plain phrase becomes a whole-word match."""
    line = line.translate(_APOSTROPHES)
    if not _REGEX_META.isdisjoint(line):
        return line
    start = r"\b" if line[:1].isalnum() or line[:1] == "_" else ""
    end = r"\b" if line[-1:].isalnum() or line[-1:] == "_" else ""
    return f"{start}{re.escape(line)}{end}"


def compile_pattern(line: str) -> re.Pattern[str]:
    """Compile one list line, or raise ValueError naming it."""
    try:
        return re.compile(pattern_source(line), FLAGS)
    except re.error as exc:
        raise ValueError(f"invalid pattern {line!r}: {exc}") from None


def normalise_quotes(text: str) -> str:
    """`text` with curly single quotes as ``'``, as the patterns expect."""
    if "\u2019" in text or "\u2018" in text:
        return text.translate(_APOSTROPHES)
    return text


# --------------------------------------------------------------------------- matchers


def _escape_literal(needle: str) -> str:
    """A needle as a regex in the syntax both engines share; ' matches curly ones."""
    out = []
    for char in needle:
        if char == "'":
            out.append("['\u2019\u2018]")
        elif char == "\n":
            out.append(r"\n")
        elif char == "\t":
            out.append(r"\t")
        elif char == "\r":
            out.append(r"\r")
        elif char == BLANKS:
            out.append(r"[ \t]*")
        elif char in _REGEX_META:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def needle_regex(needles: Iterable[str]) -> str:
    """One case-insensitive alternation of needles (LINE_START becomes ``^``, BLANKS
    ``[ \\t]*``)."""
    alternatives = []
    for needle in sorted(needles, key=lambda n: (-len(n), n)):
        line_start = needle.startswith(LINE_START)
        body = _escape_literal(needle.lstrip(LINE_START))
        alternatives.append(f"(?m:^){body}" if line_start else body)
    return "(?i)" + "|".join(alternatives)


def sample_of(needle: str) -> str:
    """A text the needle must be found in (for the engine self-test)."""
    body = needle.lstrip(LINE_START).upper().replace(BLANKS, " \t")
    return f"x\n{body}x" if needle.startswith(LINE_START) else f"x{body}x"


def python_matcher(source: str) -> Matcher:
    """The always-correct engine: ``re`` search (slow for many needles)."""
    search = re.compile(source).search
    return lambda text: search(text) is not None


_PROBES = [f"q{chr(c)}z" for c in range(0x20, 0x7F)] + [
    "q\tz", "q\nz", "q\rz", LINE_START + "user:", "i'm", f"{LINE_START}{BLANKS}gpt{BLANKS}:"]


@lru_cache(maxsize=1)
def rust_engine_ok() -> bool:
    """Self-test of the Rust engine, once: every character a needle can hold,
    case-insensitivity, line starts, curly apostrophes, search (not match) semantics."""
    fast = rust_matcher(needle_regex(_PROBES))
    if fast is None:
        return False
    hits = all(fast(sample_of(n)) for n in _PROBES) and fast("I\u2019M") and fast("x\nUSER: y")
    misses = not any(fast(t) for t in ("", "qz", "qaaz", "\u2019", "xuser: y", "i m",
                                       "xgpt:", "\ngpt\n:", "\n gpt .:"))
    return hits and misses


def make_matcher(needles: Iterable[str]) -> Matcher:
    """A case-insensitive search for any of `needles`: Rust when it passed its
    self-test, else ``re``."""
    source = needle_regex(needles)
    fast = rust_matcher(source) if rust_engine_ok() else None
    return fast if fast is not None else python_matcher(source)


# --------------------------------------------------------------------------- scanner


class PatternList:
    """One check's patterns (list lines in file order, then extras), each compiled
    on first use.

    The scan reads only the patterns' sources (their needles, `Scanner`); a
    pattern's ``re`` form is needed only once its needles occur in an entry,
    which most never do. Compiling them all up front cost every process ~8 ms
    before its first entry. User-written lines are checked when the settings
    load (`config.ValidationConfig`, `compile_pattern`), not here.

    Compared and hashed by identity: it keys caches, and hashing its patterns
    on every lookup would cost more than the lookup saves.
    """

    __slots__ = ("_combined", "_compiled", "check", "lines", "sources")

    def __init__(self, check: str, lines: Iterable[str]) -> None:
        self.check = check
        self.lines = tuple(lines)
        #: The regex source of each line (`pattern_source`): what needles are found in.
        self.sources = tuple(map(pattern_source, self.lines))
        self._compiled: list[re.Pattern[str] | None] = [None] * len(self.lines)
        self._combined: re.Pattern[str] | None = None

    @classmethod
    def build(cls, check: str, lines: Iterable[str]) -> PatternList:
        return cls(check, lines)

    def pattern(self, k: int) -> re.Pattern[str]:
        """The k-th line's regex, compiled the first time it is asked for."""
        found = self._compiled[k]
        if found is None:
            found = self._compiled[k] = compile_pattern(self.lines[k])
        return found

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        """Every line's regex (compiles those not compiled yet)."""
        return tuple(map(self.pattern, range(len(self.lines))))

    @property
    def combined(self) -> re.Pattern[str]:
        """One regex for the whole list, compiled on first use."""
        if self._combined is None:
            self._combined = re.compile(
                "|".join(f"(?:{source})" for source in self.sources) or "(?!)", FLAGS)
        return self._combined


_ALWAYS: Matcher = always_true


class Scanner:
    """Runs several `PatternList`s over an entry's replies with one needle search.

    Matchers form a small tree: one for every needle of every list (the screen,
    the only one run on a clean entry), one per group of `GROUP` patterns, one
    per pattern — so finding the few patterns to confirm takes a handful of
    searches, not one per pattern. (A search per list, between the two, would
    spare a few searches a firing reply, but building the validation lists'
    costs ~15 ms, in the first chunk that fires: on the way to the first rows.)

    Every search is built on its first use (the screen ~10 ms for the ~500
    needles of every list, a group's 0.5-7 ms, a pattern's 0.1-2 ms) or, for
    the screen, by `prepare`: the scan of a clean entry needs the screen alone,
    and `may_match`'s search is needed only by the slop lens, for a lone
    surrogate, or in a process whose Rust engine failed its self-test.
    """

    GROUP = 6

    def __init__(self, lists: Iterable[PatternList]) -> None:
        self.lists = tuple(lists)
        everything: set[str] = set()
        self.group_matchers: list[list[tuple[Matcher, list[tuple[int, Matcher]]]]] = []
        for plist in self.lists:
            needles = [needles_of(source, FLAGS) for source in plist.sources]
            groups = []
            for start in range(0, len(needles), self.GROUP):
                members = list(enumerate(needles))[start:start + self.GROUP]
                groups.append((_Later([n for _, n in members]),
                               [(pi, _Later([n])) for pi, n in members]))
            self.group_matchers.append(groups)
            everything.update(*(n or {""} for n in needles))
        # ~400 needles: reduced once, for both searches below
        self._needed = None if "" in everything else minimal(everything)
        self._any: Matcher | None = _ALWAYS if self._needed is None else None
        #: screen(text) is False when no pattern can match `text` and it holds no
        #: hidden character (`hidden.maybe_hidden` would say no): one search for
        #: both, the answer for nearly every entry's replies. True or None: look
        #: closer. The search itself, not a method around it, once built (its
        #: first call builds it): it runs per entry.
        self.screen: Callable[[str], bool | None] = self._first_screen

    def prepare(self) -> Scanner:
        """Build the screen now: for a process about to scan, before its first
        entry is at hand (the scan's helper, while it waits for its first lines)."""
        if self.screen == self._first_screen:
            self._first_screen("")
        return self

    def _first_screen(self, text: str) -> bool | None:
        """Build the screen (`_screen_for`), put it in its place, and ask it."""
        needed = self._needed
        self.screen = (None if needed is None else _screen_for(needed)) or _unsure
        return self.screen(text)

    def may_match(self, text: str) -> bool:
        """False when no pattern of any list can match `text` (the common answer)."""
        if self._any is None:
            self._any = make_matcher(self._needed)  # type: ignore[arg-type]
        return self._any(text)

    def regexes_for(self, text: str) -> list[tuple[str, re.Pattern[str]]]:
        """(check, regex of the patterns whose needles occur in `text`), per list.

        The screen says first whether any needle may occur: it is built anyway
        (the search the scan runs per entry), where `may_match`'s seldom is. Its
        "yes" for a hidden character, or its "cannot tell", only costs the
        groups' searches, which then find nothing.
        """
        if self.screen(text) is False:
            return []
        out = []
        for li, plist in enumerate(self.lists):
            ids = self._fired_in(li, text)
            if ids:
                out.append((plist.check, _combine(plist, ids)))
        return out

    def _fired_in(self, li: int, text: str) -> frozenset[int]:
        hits: list[int] = []
        for group_matcher, members in self.group_matchers[li]:
            if group_matcher(text):
                hits.extend(pi for pi, matcher in members if matcher(text))
        return frozenset(hits)


def _screen_for(needles: Iterable[str]) -> Callable[[str], bool | None] | None:
    """The needles and the hidden characters in one Rust search, once it passed
    a self-test (else None: no screen, the two usual tests).

    `rust_engine_ok` has tested the engine on every character a needle holds;
    this tests the three answers, the class and a few needles (each probe of a
    cold 400-needle search costs ~0.1 ms, and every process builds this).
    """
    needles = sorted(needles)
    if not rust_engine_ok():
        return None
    # (?-i:...): the class as written, whatever case folding would add to it
    screen = rust_screen(f"{needle_regex(needles)}|(?-i:{HIDDEN_CLASS_RUST})")
    probes = {"": False, "plain words": False, "x\u200by": True, "\u2066": True,
              "x\x00": True, "\U000e0041": True, "x\ud800": None,
              **{sample_of(n): True for n in needles[:: max(len(needles) // 8, 1)]}}
    if screen is None or any(screen(t) is not want for t, want in probes.items()):
        return None
    return screen


def _unsure(_: str) -> None:
    return None


class _Later:
    """A `_matcher_for` built on its first search. Only the first search (every
    needle at once) runs on a clean entry, so most of the tree is never needed,
    and each Rust matcher costs ~3-4 ms to build: ~0.1 s of a process's start."""

    __slots__ = ("_matcher", "_needles")

    def __init__(self, needle_sets: list[frozenset[str] | None]) -> None:
        self._needles = needle_sets
        self._matcher: Matcher | None = None

    def __call__(self, text: str) -> bool:
        if self._matcher is None:
            self._matcher = _matcher_for(self._needles)
        return self._matcher(text)


def _matcher_for(needle_sets: list[frozenset[str] | None]) -> Matcher:
    """A matcher for the union of some patterns' needles (always true if one has none)."""
    if any(not n for n in needle_sets):
        return _ALWAYS
    return make_matcher(minimal(set().union(*needle_sets)))  # type: ignore[arg-type]


@lru_cache(maxsize=512)
def _combine(plist: PatternList, pattern_ids: frozenset[int]) -> re.Pattern[str]:
    """One regex for some patterns of a list (cached: few distinct sets occur)."""
    if len(pattern_ids) == len(plist.lines):
        return plist.combined
    if len(pattern_ids) == 1:
        return plist.pattern(next(iter(pattern_ids)))
    return re.compile("|".join(f"(?:{plist.sources[i]})" for i in sorted(pattern_ids)), FLAGS)
