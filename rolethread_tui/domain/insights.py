"""Dataset insights (docs/keys.md insights, docs/cli.md `stats`): figures that link to the list.

A reviewer wants to know, before reading entry by entry, what the batch looks
like: how much is reviewed and by whom, which checks fire, how long replies are,
whether replies all start the same way, whether a few system prompts dominate.
Every figure carries the query (docs/query.md) that shows its entries in the list, so
a number is always one keystroke away from the entries behind it; a figure the
query language cannot express (reply length, quoted-speech share, reviewer)
carries ``query=None`` rather than a query that would show the wrong entries.

Two costs, kept apart so a screen can fill in as they finish:

* :func:`basic_insights` reads only the summary columns (counts, turns and length
  histograms, review progress): tens of milliseconds at 100k entries.
* :func:`add_content` parses every entry once (orjson) for what only the text
  says: reply lengths, openings, quoted speech, system prompts, reviewers. It
  reports progress and stops early when asked.

:func:`compute_insights` does both (and adds duplicate groups when given them).
No Textual import: the TUI screen and the CLI both build on this.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any, Protocol

from . import formats
from .dup_links import DUPLICATES_QUERY
from .insights_text import (  # the text side; the public names are read here too
    _LOOK,
    _OPENING,
    _prompt_label,
    _system_phrase,
)
from .insights_text import OPENING_WORDS as OPENING_WORDS
from .insights_text import opening_phrase as opening_phrase
from .insights_text import opening_words as opening_words
from .insights_text import quoted_share as quoted_share
from .records import parse_line
from .review import ORIGINS, REVIEW_KEY, STATUSES, status_of

Progress = Callable[[float], None]
Cancelled = Callable[[], bool]

PROGRESS_EVERY = 2000  # entries between progress calls / cancellation checks
TOP_OPENINGS = 10
TOP_PROMPTS = 5
OPENING_CAP = 200_000  # distinct openings kept before rare ones are pruned (memory bound)

# Histogram buckets as (low, high) inclusive bounds; None = open end.
TURN_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 0), (1, 1), (2, 2), (3, 4), (5, 6), (7, 8), (9, 12), (13, 20), (21, None),
)
# Lower bounds, roughly doubling: lengths spread over orders of magnitude.
LENGTH_BOUNDS = (0, 200, 500, 1000, 2000, 4000, 8000, 16000)
REPLY_BOUNDS = (0, 50, 100, 200, 400, 800, 1600, 3200)
DIALOGUE_LABELS = (  # share of the reply's characters inside quotes
    "narration 0–20%", "mostly narration 20–40%", "balanced 40–60%",
    "mostly dialogue 60–80%", "dialogue 80–100%",
)

_BARS = " ▏▎▍▌▋▊▉█"
_SPARKS = "▁▂▃▄▅▆▇█"


class SessionLike(Protocol):
    """What insights read from a `Session` (a Protocol so tests may pass a stand-in)."""

    columns: Any

    def __len__(self) -> int: ...
    def rids(self) -> Sequence[int]: ...
    def rid(self, i: int) -> int: ...
    def line_bytes(self, i: int) -> bytes: ...
    def wait(self, timeout: float | None = None) -> bool: ...


# ---------------------------------------------------------------- data
@dataclass(frozen=True, slots=True)
class Figure:
    """One number: ``count`` things, ``share`` of the section's whole, and its list query."""

    label: str
    count: int
    share: float
    query: str | None = None
    #: The positions of the entries counted, when the query only approximates them
    #: (top openings and system prompts: a phrase query also finds the phrase
    #: elsewhere): the app's link shows exactly these. Not in `Insights.as_dict`.
    positions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DialogueBalance:
    """Assistant replies bucketed by the share of their characters inside quotes."""

    buckets: list[Figure]
    mean: float
    replies: int


@dataclass(frozen=True, slots=True)
class SystemPrompts:
    """How concentrated the batch is on a few system prompts (shares of ``with_system``)."""

    with_system: int
    distinct: int
    top: list[Figure]
    concentration: float


@dataclass(frozen=True, slots=True)
class ReviewProgress:
    """Reviewed (status set) out of total; ``by_reviewer`` counts reviewed entries per `by`."""

    reviewed: int
    total: int
    reviewed_query: str
    unreviewed_query: str
    by_reviewer: list[Figure] | None = None


@dataclass(frozen=True, slots=True)
class Duplicates:
    """Duplicate groups: ``redundant`` entries are the copies beyond one per group."""

    groups: int
    exact_groups: int
    entries: int
    redundant: int
    query: str | None


@dataclass(frozen=True, slots=True)
class Insights:
    """All figures; the content ones are None until `add_content` has run.

    ``complete`` is False when the content pass was cancelled part way.
    """

    entries: int
    status: list[Figure]
    origin: list[Figure]
    flags: list[Figure]
    issues: list[Figure]
    turns_histogram: list[Figure]
    length_histogram: list[Figure]
    refusal_share: Figure
    review_progress: ReviewProgress
    replies: int | None = None
    reply_length_histogram: list[Figure] | None = None
    top_openings: list[Figure] | None = None
    openings_approximate: bool = False
    dialogue_balance: DialogueBalance | None = None
    system_prompts: SystemPrompts | None = None
    duplicates: Duplicates | None = None
    complete: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Plain dicts and lists, ready for `orjson.dumps` (`stats --json`); without the
        figures' entry positions (the app's links, up to one per entry)."""
        return _without_positions(asdict(self))


def _without_positions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_positions(v) for k, v in value.items() if k != "positions"}
    if isinstance(value, list):
        return [_without_positions(v) for v in value]
    return value


# ---------------------------------------------------------------- small helpers
def share(count: int, whole: int) -> float:
    return count / whole if whole else 0.0


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of ``width`` cells filled to ``fraction``, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_BARS[part] if part else "")).ljust(width)


def sparkline(values: Sequence[int]) -> str:
    """One character per value, ▁ to █, scaled to the largest (a histogram at a glance)."""
    top = max(values, default=0)
    if not top:
        return _SPARKS[0] * len(values)
    return "".join(_SPARKS[(v * 8 - 1) // top] if v > 0 else " " for v in values)


def checked_query(text: str) -> str | None:
    """``text`` if it parses as a query, else None (a dead link is worse than none).
    The query language is imported here, on use: plain `stats` loads it for this
    alone (~20 ms of CPU at import)."""
    from .search import QueryError, parse

    try:
        parse(text)
    except QueryError:
        return None
    return text


def _value(name: str) -> str:
    """A field value as the parser reads it back (quoted when it holds a separator)."""
    if not name or any(c.isspace() or c in ',"\\' for c in name):
        from .search import quote

        return quote(name)
    return name


def _quoted(phrase: str) -> str:
    from .search import quote

    return quote(phrase)


def _range_label(low: int, high: int | None, unit: str) -> str:
    if low == high == 1:
        unit = unit.removesuffix("s")
    if high is None:
        return f"{low:,}+ {unit}"
    return f"{low:,} {unit}" if low == high else f"{low:,}–{high:,} {unit}"


def _range_query(name: str, low: int, high: int | None) -> str:
    if high is None:
        return f"{name}:>={low}"
    return f"{name}:{low}" if low == high else f"{name}:{low}..{high}"


def _bounds_to_ranges(bounds: Sequence[int]) -> list[tuple[int, int | None]]:
    return [(low, bounds[k + 1] - 1 if k + 1 < len(bounds) else None)
            for k, low in enumerate(bounds)]


# ---------------------------------------------------------------- column figures
def basic_insights(session: SessionLike, positions: Sequence[int] | None = None,
                   counts: dict[str, Counter] | None = None) -> Insights:
    """The figures the summary columns give, without parsing any entry (fast).

    ``positions`` restricts them to some entries (``stats --where``); ``counts``:
    `Columns.counts` of those entries when the caller has them already (`stats`
    prints both, and counting 100k rows again was ~20 ms).
    """
    session.wait()
    rids = session.rids() if positions is None else [session.rid(p) for p in positions]
    total = len(rids)
    counts = session.columns.counts(rids) if counts is None else counts
    status, issues = counts["status"], counts["issues"]
    reviewed = total - status.get("unreviewed", 0)
    return Insights(
        entries=total,
        status=[Figure(s, status.get(s, 0), share(status.get(s, 0), total), f"status:{s}")
                for s in STATUSES],
        origin=[Figure(o, counts["origin"].get(o, 0), share(counts["origin"].get(o, 0), total),
                       f"origin:{o}") for o in ORIGINS],
        flags=_flag_figures(counts["flags"], total),
        issues=[Figure(name, n, share(n, total), checked_query(f"issue:{name}"))
                for name, n in issues.most_common()],
        turns_histogram=_turns_histogram(session.columns.turns, rids, total),
        length_histogram=_length_histogram(session.columns.length, rids, total),
        refusal_share=Figure("refusal", issues.get("refusal", 0),
                             share(issues.get("refusal", 0), total), "issue:refusal"),
        review_progress=ReviewProgress(reviewed, total, "-status:unreviewed",
                                       "status:unreviewed"),
    )


def _flag_figures(flags: Counter, total: int) -> list[Figure]:
    """Flag counts merged the way `flag:` matches (trimmed, case-insensitive).

    Counting "Refusal" and "refusal" apart would give figures whose query
    shows more entries than the number says.
    """
    merged: Counter = Counter()
    shown: dict[str, str] = {}
    for name, n in flags.most_common():
        key = name.strip().casefold()
        merged[key] += n
        shown.setdefault(key, name)  # the most common spelling labels the figure
    out = []
    for key, n in merged.most_common():
        query = None if key in ("", "any") else checked_query(f"flag:{_value(key)}")
        out.append(Figure(shown[key], n, share(n, total), query))
    return out


def _cells(column: Sequence[int], rids: Sequence[int]) -> Iterable[int]:
    """The cells of ``rids``: the column itself when they are all of it, in order
    (the usual file, no entry added or removed), with no lookup per row."""
    if isinstance(rids, range) and rids == range(len(column)):
        return column
    return map(column.__getitem__, rids)


def _turns_histogram(column: Sequence[int], rids: Sequence[int], total: int) -> list[Figure]:
    tally = Counter(_cells(column, rids))
    out = []
    for low, high in TURN_BUCKETS:
        n = sum(v for k, v in tally.items() if k >= low and (high is None or k <= high))
        out.append(Figure(_range_label(low, high, "turns"), n, share(n, total),
                          _range_query("turns", low, high)))
    return out


def _length_histogram(column: Sequence[int], rids: Sequence[int], total: int) -> list[Figure]:
    """Entry text length (user + assistant characters, the `len:` filter's measure)."""
    tally = Counter(map(partial(bisect_right, LENGTH_BOUNDS), _cells(column, rids)))
    out = []
    for k, (low, high) in enumerate(_bounds_to_ranges(LENGTH_BOUNDS), start=1):
        n = tally.get(k, 0)
        out.append(Figure(_range_label(low, high, "chars"), n, share(n, total),
                          _range_query("len", low, high)))
    return out


# ---------------------------------------------------------------- the content pass
@dataclass(slots=True)
class _Tally:
    """What one pass over the entries accumulates (plain counters, no entries kept)."""

    replies: int = 0
    reply_lengths: list[int] = field(default_factory=lambda: [0] * len(REPLY_BOUNDS))
    openings: Counter = field(default_factory=Counter)
    opening_at: dict[str, int] = field(default_factory=dict)
    pruned: bool = False
    dialogue: list[int] = field(default_factory=lambda: [0] * len(DIALOGUE_LABELS))
    dialogue_sum: float = 0.0
    dialogue_replies: int = 0
    prompts: Counter = field(default_factory=Counter)
    prompt_at: dict[int, int] = field(default_factory=dict)
    with_system: int = 0
    reviewers: Counter = field(default_factory=Counter)
    #: The entries of each opening / prompt seen twice or more (`_also`): what a top
    #: figure links to. Once-only keys keep just their `*_at` position.
    opening_entries: dict[str, array] = field(default_factory=dict)
    prompt_entries: dict[int, array] = field(default_factory=dict)

    def add_system(self, text: str, position: int) -> None:
        key = hash(text)  # never the text: a million distinct prompts must stay small
        self.with_system += 1
        self.prompts[key] += 1
        first = self.prompt_at.setdefault(key, position)
        if first != position:
            _also(self.prompt_entries, key, first, position)

    def prune(self) -> None:
        """Forget openings seen once, so a batch of all-distinct replies stays bounded.

        A pruned opening that recurs later restarts from zero: its count can be
        short by the number of prunes, which is why the result says approximate.
        """
        for key in [k for k, n in self.openings.items() if n == 1]:
            del self.openings[key]
            self.opening_at.pop(key, None)
            self.opening_entries.pop(key, None)
        self.pruned = True


def _also(entries: dict[Any, array], key: Any, first: int, position: int) -> None:
    """Note `position` among `key`'s entries (its first one is `first`): each entry once,
    though two of its replies open alike (an entry's replies are counted together)."""
    found = entries.get(key)
    if found is None:
        entries[key] = array("I", (first, position))
    elif found[-1] != position:
        found.append(position)


def _entries_of(entries: dict[Any, array], key: Any, first: int) -> tuple[int, ...]:
    found = entries.get(key)
    return (first,) if found is None else tuple(found)


def _scan_entries(session: SessionLike, positions: Iterable[int], total: int,
                  progress: Progress | None, cancelled: Cancelled | None) -> tuple[_Tally, bool]:
    """One pass over the entries; (tally, finished) — finished False when cancelled."""
    tally = _Tally()
    line_of = session.line_bytes
    for done, position in enumerate(positions, start=1):
        _add_entry(tally, parse_line(line_of(position)), position)
        if done % PROGRESS_EVERY == 0:
            if cancelled is not None and cancelled():
                return tally, False
            if progress is not None:
                progress(done / max(total, 1))
            if len(tally.openings) > OPENING_CAP:
                tally.prune()
    return tally, True


def _add_entry(tally: _Tally, value: object, position: int) -> None:
    """Count one parsed entry; the per-reply work is inlined (it runs ~5 times an entry)."""
    if type(value) is not dict:
        return  # an unparseable line (RawLine) or a JSON value that is not an object
    review = value.get(REVIEW_KEY)
    if type(review) is dict and status_of(review) != "unreviewed":
        by = review.get("by")
        tally.reviewers[by.strip() if isinstance(by, str) else ""] += 1
    system_seen = False
    lengths, dialogue, openings = tally.reply_lengths, tally.dialogue, tally.openings
    for role, text in formats.turns(value):
        if role == "assistant":
            tally.replies += 1
            lengths[bisect_right(REPLY_BOUNDS, len(text)) - 1] += 1
            match = _OPENING.match(text, 0, _LOOK)
            if match is None:
                continue  # nothing but spaces and punctuation
            key = " ".join(filter(None, match.groups())).casefold()
            openings[key] += 1
            first = tally.opening_at.setdefault(key, position)
            if first != position:
                _also(tally.opening_entries, key, first, position)
            quoted = quoted_share(text) if '"' in text or "“" in text else 0.0
            dialogue[int(quoted * 5) if quoted < 1.0 else 4] += 1
            tally.dialogue_sum += quoted
            tally.dialogue_replies += 1
        elif role == "system" and not system_seen:
            system_seen = True
            if text.strip():
                tally.add_system(text, position)


def add_content(insights: Insights, session: SessionLike,
                positions: Sequence[int] | None = None, progress: Progress | None = None,
                cancelled: Cancelled | None = None) -> Insights:
    """Insights with the figures that need the text of every entry (one parse each)."""
    session.wait()
    positions = range(len(session)) if positions is None else positions
    tally, finished = _scan_entries(session, positions, len(positions), progress, cancelled)
    if progress is not None and finished:
        progress(1.0)
    reviewed = insights.review_progress.reviewed
    return replace(
        insights,
        replies=tally.replies,
        reply_length_histogram=_reply_histogram(tally),
        top_openings=_top_openings(tally, session),
        openings_approximate=tally.pruned,
        dialogue_balance=_dialogue(tally),
        system_prompts=_system_prompts(tally, session),
        review_progress=replace(insights.review_progress,
                                by_reviewer=_reviewer_figures(tally.reviewers, reviewed)),
        complete=finished,
    )


def _reply_histogram(tally: _Tally) -> list[Figure]:
    """Assistant reply lengths; no `len:`-style filter reads one reply, so no query."""
    return [Figure(_range_label(low, high, "chars"), n, share(n, tally.replies))
            for (low, high), n in zip(_bounds_to_ranges(REPLY_BOUNDS), tally.reply_lengths,
                                      strict=True)]


def _dialogue(tally: _Tally) -> DialogueBalance:
    n = tally.dialogue_replies
    return DialogueBalance(
        buckets=[Figure(label, c, share(c, n)) for label, c in
                 zip(DIALOGUE_LABELS, tally.dialogue, strict=True)],
        mean=tally.dialogue_sum / n if n else 0.0,
        replies=n,
    )


def _reviewer_figures(reviewers: Counter, reviewed: int) -> list[Figure]:
    """Reviewed entries per `_review.by` ("" = no name); no `by:` filter exists yet."""
    return [Figure(name or "(no name)", n, share(n, reviewed))
            for name, n in reviewers.most_common()]


def _top_openings(tally: _Tally, session: SessionLike) -> list[Figure]:
    """The most repeated openings, each linked to a phrase query on assistant turns.

    The phrase is the raw text of one reply that opens this way (the first one
    seen), so the query finds that spelling anywhere in assistant turns (`stats
    --json` prints it); the figure's ``positions`` are the entries counted, each
    once, which the app's link shows instead.
    """
    out = []
    for key, n in tally.openings.most_common(TOP_OPENINGS):
        if n < 2:
            break  # an opening used once is not repeated
        first = tally.opening_at[key]
        phrase = _example_opening(session, first, key)
        query = checked_query(f"in:assistant {_quoted(phrase)}") if phrase else None
        out.append(Figure(key, n, share(n, tally.replies), query,
                          _entries_of(tally.opening_entries, key, first)))
    return out


def _example_opening(session: SessionLike, position: int, key: str) -> str:
    value = parse_line(session.line_bytes(position))
    for role, text in formats.turns(value):
        if role == "assistant" and " ".join(opening_words(text)) == key:
            return opening_phrase(text)
    return ""


def _system_prompts(tally: _Tally, session: SessionLike) -> SystemPrompts:
    top = []
    for key, n in tally.prompts.most_common(TOP_PROMPTS):
        first = tally.prompt_at[key]
        text = _example_system(session, first)
        phrase = _system_phrase(text)
        query = checked_query(f"in:system {_quoted(phrase)}") if phrase else None
        top.append(Figure(_prompt_label(text), n, share(n, tally.with_system), query,
                          _entries_of(tally.prompt_entries, key, first)))
    concentration = share(sum(f.count for f in top), tally.with_system)
    return SystemPrompts(tally.with_system, len(tally.prompts), top, concentration)


def _example_system(session: SessionLike, position: int) -> str:
    value = parse_line(session.line_bytes(position))
    return next((text for role, text in formats.turns(value) if role == "system"), "")


# ---------------------------------------------------------------- duplicates
def duplicate_figure(session: SessionLike, groups: Sequence[Any]) -> Duplicates:
    """Duplicate groups (`DupGroup`s: ``entries``, ``exact``) as one figure.

    The link is the `issue:` filter dedupe leaves in the columns; when no
    entry carries those issues (groups computed but not recorded) there is no
    query that shows them, so there is no link.
    """
    entries = sum(len(g.entries) for g in groups)
    issues = session.columns.issues
    marked = any("duplicate" in issues[r] or "near-duplicate" in issues[r]
                 for r in session.rids())
    return Duplicates(
        groups=len(groups),
        exact_groups=sum(1 for g in groups if g.exact),
        entries=entries,
        redundant=entries - len(groups),
        query=DUPLICATES_QUERY if marked else None,
    )


def add_duplicates(insights: Insights, session: SessionLike, groups: Sequence[Any]) -> Insights:
    return replace(insights, duplicates=duplicate_figure(session, groups))


# ---------------------------------------------------------------- all at once
def compute_insights(session: SessionLike, progress: Progress | None = None,
                     cancelled: Cancelled | None = None, *,
                     positions: Sequence[int] | None = None, content: bool = True,
                     duplicate_groups: Sequence[Any] | None = None,
                     counts: dict[str, Counter] | None = None) -> Insights:
    """Every figure: columns, then (``content``) one pass over the text, then duplicates.

    ``duplicate_groups`` (from `Session.duplicate_groups`) adds the duplicate
    figure; finding them is a separate, slower job, so it is only done by callers
    that want it. ``counts``: as `basic_insights` takes them.
    """
    insights = basic_insights(session, positions, counts)
    if content:
        insights = add_content(insights, session, positions, progress, cancelled)
    if duplicate_groups is not None:
        insights = add_duplicates(insights, session, duplicate_groups)
    return insights
