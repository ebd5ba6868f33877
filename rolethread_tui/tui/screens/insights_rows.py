"""The insights screen's rows: figures laid out for a width, one per line, no widgets.

Pure, so the layout is tested and rebuilt on resize without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from ...domain import Figure, Insights, bar, share, sparkline
from ..safe_text import one_line
from ..wording import count

if TYPE_CHECKING:
    from ...domain import SlopReport

COUNT_CELLS = 9  # "1,000,000"
SHARE_CELLS = 6  # "100.0%"
MIN_BAR, MAX_BAR, MAX_WIDE_BAR = 8, 40, 60  # a wide terminal gives the bars the room
MAX_LABEL = 56
PHRASES_SHOWN = 15


@dataclass(frozen=True, slots=True)
class PositionsFilter:
    """A figure whose entries no query names (a repeated phrase): the list shows
    these positions, labelled."""

    label: str
    positions: list[int]


#: How the list's filter names a figure's exact entries, by section.
_EXACT_NAMES = {"openings": "opening", "prompts": "system prompt"}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the figure list: a header/note (not selectable) or a figure."""

    key: str
    text: Text
    query: str | None = None
    figure: bool = False
    #: The exact entries, when the figure knows them (`Figure.positions`), and how the
    #: list names them: the link shows these rather than the query's superset.
    exact: PositionsFilter | None = None


# ---------------------------------------------------------------- row building
def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class RowBuilder:
    """Lays figures out for a given width: label, bar, count, share, link mark.

    Pure (no widgets), so the layout can be tested and rebuilt on resize.
    """

    def __init__(self, width: int) -> None:
        fixed = 2 + 1 + COUNT_CELLS + 1 + SHARE_CELLS + 3  # indent, gaps, link mark
        preferred = _clamp((width - fixed) // 3, MIN_BAR, MAX_BAR)
        self.label = _clamp(width - fixed - preferred, 8, MAX_LABEL)
        self.bar = _clamp(width - fixed - self.label, MIN_BAR, MAX_WIDE_BAR)
        self.rows: list[Row] = []

    def header(self, title: str, detail: str = "", spark: list[int] | None = None) -> None:
        text = Text(title, style="bold")
        if detail:
            text.append(f"  {detail}", style="dim")
        if spark:
            text.append(f"  {sparkline(spark)}")
        self.rows.append(Row(f"h:{title}", text))

    def note(self, key: str, message: str) -> None:
        self.rows.append(Row(f"n:{key}", Text(f"  {message}", style="dim italic")))

    def figure(self, section: str, figure: Figure, label: str | None = None) -> None:
        """A figure row; its label is dataset text, so it is cleaned, never markup."""
        name = Text(one_line(label if label is not None else figure.label))
        name.truncate(self.label, overflow="ellipsis", pad=True)
        exact = (PositionsFilter(f'{_EXACT_NAMES.get(section, section)} "{figure.label}"',
                                 list(figure.positions)) if figure.positions else None)
        link = "→" if figure.query or exact else " "
        text = Text.assemble(
            "  ", name, " ", (bar(figure.share, self.bar), "bold"),
            f" {figure.count:>{COUNT_CELLS},} {figure.share:>{SHARE_CELLS}.1%} ", (link, "dim"),
        )
        if not (figure.query or exact):
            text.stylize("dim", 2, 2 + self.label)
        self.rows.append(Row(f"f:{section}:{figure.label}", text, figure.query, True, exact))

    def figures(self, section: str, figures: list[Figure], empty: str) -> None:
        for figure in figures:
            self.figure(section, figure)
        if not figures:
            self.note(section, empty)


def build_rows(ins: Insights | None, width: int, *, content_note: str,
               duplicates_note: str, slop: SlopReport | None = None,
               slop_note: str = "computing…") -> list[Row]:
    """Every row of the screen for what is known so far (placeholders for the rest)."""
    rows = RowBuilder(width)
    if ins is None:
        rows.note("wait", content_note)
        return rows.rows
    _phrase_rows(rows, slop, slop_note)
    _review_rows(rows, ins, content_note)
    _count_rows(rows, ins)
    _histogram_rows(rows, ins)
    _content_rows(rows, ins, content_note)
    _duplicate_rows(rows, ins, duplicates_note)
    return rows.rows


def _review_rows(rows: RowBuilder, ins: Insights, content_note: str) -> None:
    review = ins.review_progress
    rows.header("Review progress",
                f"{review.reviewed:,} of {review.total:,} reviewed "
                f"({share(review.reviewed, review.total):.1%})")
    rows.figure("review", Figure("reviewed", review.reviewed,
                                 share(review.reviewed, review.total), review.reviewed_query))
    unreviewed = review.total - review.reviewed
    rows.figure("review", Figure("unreviewed", unreviewed, share(unreviewed, review.total),
                                 review.unreviewed_query))
    if review.by_reviewer is None:
        rows.note("reviewers", f"per reviewer: {content_note}")
    for figure in review.by_reviewer or ():
        rows.figure("reviewer", figure, f"by {figure.label}")


def _count_rows(rows: RowBuilder, ins: Insights) -> None:
    rows.header("Status")
    rows.figures("status", ins.status, "no entries")
    rows.header("Origin")
    rows.figures("origin", ins.origin, "no entries")
    rows.header("Flags")
    rows.figures("flags", ins.flags, "no flags set")
    rows.header("Validation checks")
    rows.figures("issues", ins.issues, "no findings")
    rows.header("Refusals", "entries where the refusal check fired")
    rows.figure("refusal", ins.refusal_share, "refusal share")


def _histogram_rows(rows: RowBuilder, ins: Insights) -> None:
    rows.header("Turns per entry", spark=[f.count for f in ins.turns_histogram])
    rows.figures("turns", ins.turns_histogram, "no entries")
    rows.header("Entry length", "user + assistant chars",
                spark=[f.count for f in ins.length_histogram])
    rows.figures("length", ins.length_histogram, "no entries")


def _content_rows(rows: RowBuilder, ins: Insights, content_note: str) -> None:
    if ins.reply_length_histogram is None:
        for title in ("Assistant reply length", "Top openings", "Dialogue vs narration",
                      "System prompts"):
            rows.header(title)
            rows.note(title, content_note)
        return
    rows.header("Assistant reply length", f"chars, {count(ins.replies, 'reply')}",
                spark=[f.count for f in ins.reply_length_histogram])
    rows.figures("replies", ins.reply_length_histogram, "no replies")
    approx = ", approximate" if ins.openings_approximate else ""
    rows.header("Top openings", f"first words of replies{approx}")
    for figure in ins.top_openings or ():
        rows.figure("openings", figure, f'"{figure.label}"')
    if not ins.top_openings:
        rows.note("openings", "no opening repeats")
    _dialogue_rows(rows, ins)
    _prompt_rows(rows, ins)
    if not ins.complete:
        rows.note("partial", "interrupted: these figures cover part of the file")


def _dialogue_rows(rows: RowBuilder, ins: Insights) -> None:
    balance = ins.dialogue_balance
    if balance is None:
        return
    rows.header("Dialogue vs narration", f"quoted share of replies, mean {balance.mean:.0%}",
                spark=[f.count for f in balance.buckets])
    rows.figures("dialogue", balance.buckets, "no replies")


def _prompt_rows(rows: RowBuilder, ins: Insights) -> None:
    prompts = ins.system_prompts
    if prompts is None:
        return
    rows.header("System prompts",
                f"{prompts.distinct:,} distinct; top {len(prompts.top)} = "
                f"{prompts.concentration:.0%} of {prompts.with_system:,}")
    rows.figures("prompts", prompts.top, "no system prompts")


def _phrase_rows(rows: RowBuilder, slop: SlopReport | None, note: str) -> None:
    """The slop lens first: what the batch repeats, each phrase a filter (enter) and a
    bulk flag (R)."""
    rows.header("Repeated phrases", "×N its usual rate · enter: show · R: flag repetitive")
    if slop is None:
        rows.note("phrases", note)
        return
    total = max(slop.total, 1)
    for index, phrase in enumerate(slop.phrases[:PHRASES_SHOWN]):
        rows.figure("phrase", Figure(f"{index}", phrase.entries, phrase.entries / total),
                    f'"{phrase.text}" ×{phrase.over:.0f}')
    if not slop.phrases:
        rows.note("phrases", "no phrase repeats far above its rate")


def phrase_index(row: Row) -> int | None:
    """The phrase-table row a figure row shows, or None for other figures."""
    prefix = "f:phrase:"
    return int(row.key[len(prefix):]) if row.key.startswith(prefix) else None


def _duplicate_rows(rows: RowBuilder, ins: Insights, note: str) -> None:
    rows.header("Duplicates")
    dup = ins.duplicates
    if dup is None:
        rows.note("duplicates", note)
        return
    if not dup.groups:
        rows.note("duplicates", "no duplicate groups found")
        return
    total = ins.entries
    groups = f"{count(dup.groups, 'group')} ({dup.exact_groups:,} exact)"
    rows.figure("dup", Figure(f"entries in {groups}", dup.entries, share(dup.entries, total),
                              dup.query))
    rows.figure("dup", Figure("redundant copies", dup.redundant, share(dup.redundant, total)))


# ---------------------------------------------------------------- widgets
