"""The insights screen (`i`, DESIGN §4): dataset figures, each one key away from its entries.

Figures are rows of one `OptionList`, so j/k/arrows move between them at any
terminal size and the list scrolls; `enter` dismisses the screen with the
figure's query (the app applies it to the list), `escape`/`i`/`q` with None.

Computing is staged so the screen fills as each part finishes, all in a thread
worker that hands results back by message (never touching widgets itself):
the summary-column figures (instant), then one pass over every entry's text
(with a progress bar), then duplicate groups when the session can find them.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Region
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ...domain import (
    DomainError,
    Figure,
    Insights,
    add_content,
    add_duplicates,
    bar,
    basic_insights,
    share,
    sparkline,
)
from ..keymap import KeymapOrder
from ..safe_text import one_line
from ..wording import count

if TYPE_CHECKING:
    from ...domain import SlopReport
    from ..app import RoleThreadApp

T = TypeVar("T")

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


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the figure list: a header/note (not selectable) or a figure."""

    key: str
    text: Text
    query: str | None = None
    figure: bool = False


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
        link = "→" if figure.query else " "
        text = Text.assemble(
            "  ", name, " ", (bar(figure.share, self.bar), "bold"),
            f" {figure.count:>{COUNT_CELLS},} {figure.share:>{SHARE_CELLS}.1%} ", (link, "dim"),
        )
        if not figure.query:
            text.stylize("dim", 2, 2 + self.label)
        self.rows.append(Row(f"f:{section}:{figure.label}", text, figure.query, True))

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
    rows.header("Assistant reply length", f"chars, {ins.replies:,} replies",
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
    rows.header("Repeated phrases", "assistant turns, far above their rate · enter: show · "
                "R: flag repetitive")
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
    rows.figure("dup", Figure(f"entries in {dup.groups:,} groups ({dup.exact_groups:,} exact)",
                              dup.entries, share(dup.entries, total), dup.query))
    rows.figure("dup", Figure("redundant copies", dup.redundant, share(dup.redundant, total)))


# ---------------------------------------------------------------- widgets
class FigureList(OptionList, inherit_bindings=False):
    """The figure rows: arrows and vi keys move; `enter` is left to the screen.

    OptionList's own `enter` binding is not inherited so the screen's
    `insights_open` binding shows in the footer and can be re-bound.
    """

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="insights_down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="insights_up"),
        Binding("home,g", "first", "First", show=False, id="insights_first"),
        Binding("end,G", "last", "Last", show=False, id="insights_last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="insights_page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="insights_page_up"),
    ]

    def scroll_to_highlight(self, top: bool = False) -> None:
        """Also bring the section header above into view, and the notes after the last figure.

        The cursor only lands on figures, so without this a header scrolled
        just off the top, or a note under the last figure, could never be seen.
        """
        super().scroll_to_highlight(top)
        index = self.highlighted
        if index is None or not self.is_mounted:
            return
        options = self.options
        first = index
        while first > 0 and options[first - 1].disabled:
            first -= 1
        last = index
        if all(option.disabled for option in options[index + 1:]):
            last = len(options) - 1
        lines = self._option_lines(first, last)
        if lines is not None and lines[1] - lines[0] <= self.scrollable_content_region.height:
            self.scroll_to_region(Region(0, lines[0], 1, lines[1] - lines[0]), animate=False,
                                  force=True, immediate=True)

    def _option_lines(self, first: int, last: int) -> tuple[int, int] | None:
        """The [start, end) lines options first..last take (OptionList's line map)."""
        try:
            start = self._index_to_line[first]
            end = self._index_to_line[last] + self._heights[last]
        except (AttributeError, KeyError, IndexError):
            return None
        return start, end


class InsightsScreen(KeymapOrder, Screen["str | PositionsFilter | None"]):
    """Figures of the whole dataset; dismisses with the chosen figure's query."""

    DEFAULT_CSS = """
    InsightsScreen #insights-title { height: 1; padding: 0 1; background: $panel; }
    InsightsScreen #insights-progress { height: 1; padding: 0 1; }
    InsightsScreen #insights-progress.-done { display: none; }
    InsightsScreen #insights-phase { width: auto; margin-right: 1; }
    InsightsScreen FigureList { height: 1fr; border: none; padding: 0 1;
        scrollbar-gutter: stable; }
    InsightsScreen FigureList:focus { border: none; }
    InsightsScreen FigureList > .option-list--option-disabled { color: $foreground; }
    """
    BINDINGS = [
        Binding("enter", "open_figure", "Show in list", id="insights_open"),
        Binding("R", "flag_phrase", "Flag repetitive", id="insights_flag_phrase"),
        Binding("escape,i,q", "close", "Back", id="insights_close"),
    ]

    class Computed(Message):
        """New figures from the worker; ``phase`` is what runs next (None: all done)."""

        def __init__(self, insights: Insights | None, phase: str | None,
                     error: str | None = None) -> None:
            self.insights = insights
            self.phase = phase
            self.error = error
            super().__init__()

    class Progressed(Message):
        """How far the current phase is (fraction None: cannot tell)."""

        def __init__(self, phase: str, fraction: float | None) -> None:
            self.phase = phase
            self.fraction = fraction
            super().__init__()

    app: RoleThreadApp

    def __init__(self, *, duplicates: bool = True) -> None:
        super().__init__()
        self.insights: Insights | None = None
        self.find_duplicates = duplicates
        self._phase: str | None = "Waiting for the scan"
        self._fraction: float | None = None
        self._duplicates_note = "waiting for the other figures…"
        self._rows: list[Row] = []
        self._error: str | None = None
        self._started = time.perf_counter()
        self.slop: SlopReport | None = None
        self._slop_note = "waiting for the scan…"

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="insights-title", markup=False)
        with Horizontal(id="insights-progress"):
            yield Label(f"{self._phase}…", id="insights-phase", markup=False)
            yield ProgressBar(total=100, show_eta=False, id="insights-bar")
        yield FigureList(id="figures")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FigureList).focus()
        self._render_rows()
        self._compute()
        self._compute_slop()

    def _title(self, done: float | None = None) -> str:
        session = self.app.session
        tail = f" · ready in {done:.1f} s" if done is not None else ""
        return f"Insights · {session.path.name} · {len(session):,} entries{tail}"

    # ------------------------------------------------------------ workers
    @work(thread=True, exclusive=True, group="insights")
    def _compute(self) -> None:
        """Columns, then the text pass; each part is posted as soon as it is known."""
        worker = get_current_worker()
        session = self.app.session
        try:
            while not session.wait(0.1):
                if worker.is_cancelled:
                    return
                self.post_message(self.Progressed("Waiting for the scan", session.progress))
            basic = basic_insights(session)
            self.post_message(self.Computed(basic, "Reading entries"))
            full = add_content(
                basic, session,
                progress=lambda f: self.post_message(self.Progressed("Reading entries", f)),
                cancelled=lambda: worker.is_cancelled,
            )
        except Exception as exc:  # e.g. the file became unreadable: say so, keep the app
            self.post_message(self.Computed(self.insights, None, f"cannot compute: {exc}"))
            return
        if not worker.is_cancelled:
            finding = self.find_duplicates and hasattr(session, "find_duplicates")
            self.post_message(self.Computed(full, "Finding duplicates" if finding else None))

    class SlopComputed(Message):
        """The slop lens is ready (or could not be computed: `error`)."""

        def __init__(self, report: SlopReport | None, error: str = "") -> None:
            self.report = report
            self.error = error
            super().__init__()

    @work(thread=True, exclusive=True, group="insights-slop")
    def _compute_slop(self) -> None:
        """The lens: computed once per document version by the engine, shared with
        the list's rows and `order:slop`."""
        session = self.app.session
        try:
            report = session.slop()
        except Exception as exc:  # an optional figure must not take the screen down
            self.post_message(self.SlopComputed(None, f"not computed: {exc}"))
            return
        self.post_message(self.SlopComputed(report))

    @on(SlopComputed)
    def _slop_computed(self, message: SlopComputed) -> None:
        self.slop = message.report
        self._slop_note = message.error or "computing…"
        self._render_rows()

    @work(thread=True, exclusive=True, group="insights-duplicates")
    def _find_duplicates(self, insights: Insights) -> None:
        """Duplicate groups: slow and not interruptible, so shared (see `_DuplicateJobs`)."""
        worker = get_current_worker()
        session = self.app.session
        try:
            groups = _wait(DUPLICATE_JOBS.future(session), lambda: worker.is_cancelled)
        except Exception as exc:  # a failed optional figure must not take the screen down
            self.post_message(self.Computed(insights, None, f"could not find duplicates: {exc}"))
            return
        if groups is not None:
            self.post_message(self.Computed(add_duplicates(insights, session, groups), None))

    # ------------------------------------------------------------ results
    @on(Computed)
    def _computed(self, message: Computed) -> None:
        self.insights = message.insights
        self._phase = message.phase
        self._fraction = 0.0
        if message.phase == "Finding duplicates" and message.insights is not None:
            self._duplicates_note = "finding duplicate groups…"
            self._fraction = None
            self._find_duplicates(message.insights)
        elif message.phase is None and message.insights is not None \
                and message.insights.duplicates is None:
            self._duplicates_note = message.error or self._no_duplicates_reason()
        if message.error:
            self._error = message.error
            self.notify(message.error, severity="error", timeout=8)
        self._show_progress()
        self._render_rows()

    def _no_duplicates_reason(self) -> str:
        if not self.find_duplicates or not hasattr(self.app.session, "find_duplicates"):
            return "not computed here (run `rolethread-tui dedupe FILE`)"
        return "not computed"

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        self._phase = message.phase
        self._fraction = message.fraction
        self._show_progress()

    def _show_progress(self) -> None:
        row = self.query_one("#insights-progress")
        title = self.query_one("#insights-title", Static)
        if self._phase is None:
            row.add_class("-done")
            title.update(self._title(time.perf_counter() - self._started))
            return
        title.update(self._title())
        row.remove_class("-done")
        self.query_one("#insights-phase", Label).update(f"{self._phase}…")
        progress = self.query_one(ProgressBar)
        if self._fraction is None:
            progress.update(total=None)
        else:
            progress.update(total=100, progress=round(self._fraction * 100))

    def _content_note(self) -> str:
        if self._error:
            return self._error
        return "not computed" if self._phase in (None, "Finding duplicates") else "computing…"

    # ------------------------------------------------------------ rows
    def on_resize(self) -> None:
        self._render_rows()

    def _render_rows(self) -> None:
        """(Re)build the rows for the current width, keeping the highlighted figure."""
        figures = self.query_one(FigureList)
        width = figures.scrollable_content_region.width or self.size.width - 4
        keep = self._highlighted_key()
        self._rows = build_rows(self.insights, max(width, 40),
                                content_note=self._content_note(),
                                duplicates_note=self._duplicates_note,
                                slop=self.slop, slop_note=self._slop_note)
        figures.set_options(Option(row.text, disabled=not row.figure) for row in self._rows)
        keys = [row.key for row in self._rows]
        first = next((i for i, row in enumerate(self._rows) if row.figure), None)
        figures.highlighted = keys.index(keep) if keep in keys else first

    def _highlighted_key(self) -> str | None:
        index = self.query_one(FigureList).highlighted
        if index is None or index >= len(self._rows):
            return None
        return self._rows[index].key

    # ------------------------------------------------------------ actions
    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open(event.option_index)

    def action_open_figure(self) -> None:
        index = self.query_one(FigureList).highlighted
        if index is not None:
            self._open(index)

    def _open(self, index: int) -> None:
        row = self._rows[index] if index < len(self._rows) else None
        if row is None or not row.figure:
            return
        phrase = phrase_index(row)
        if phrase is not None and self.slop is not None:
            text = self.slop.phrases[phrase].text
            self.dismiss(PositionsFilter(f'phrase "{text}"', self.slop.phrase_entries(phrase)))
            return
        if row.query is None:
            self.notify("No list filter can show this figure's entries.", timeout=3)
            return
        self.dismiss(row.query)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_flag_phrase(self) -> None:
        """`R` on a repeated phrase: flag every entry holding it `repetitive` (one undo step)."""
        index = self.query_one(FigureList).highlighted
        row = self._rows[index] if index is not None and index < len(self._rows) else None
        phrase = phrase_index(row) if row is not None else None
        if phrase is None or self.slop is None:
            self.notify("R flags the entries of a repeated phrase: pick one first.", timeout=3)
            return
        positions = self.slop.phrase_entries(phrase)
        try:
            changed = self.app.session.toggle_flag(positions, "repetitive", on=True)
        except (DomainError, OSError) as exc:
            self.notify(f"Not flagged: {exc}", severity="error")
            return
        self.notify(f"Flagged {count(changed, 'entry')} repetitive · u in the list undoes it")

    @property
    def rows(self) -> list[Row]:
        """The rows shown (tests and the help screen read them)."""
        return list(self._rows)


class _DuplicateJobs:
    """One duplicate scan per session at a time, its result reused until the session changes.

    The scan is slow (seconds to tens of seconds) and cannot be interrupted, so
    it runs in a daemon thread: a Textual thread worker is joined when the app
    exits, and closing the screen must not start a second scan when it opens
    again. Workers only wait on the shared future, and stop waiting when cancelled.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: weakref.WeakKeyDictionary[Any, _DuplicateJob] = weakref.WeakKeyDictionary()

    def future(self, session: Any) -> Future[Any]:
        with self._lock:
            job = self._jobs.get(session)
            if job is None:
                job = self._jobs[session] = _DuplicateJob()
                session.subscribe(job.changed)
            if job.current is None or job.stale:
                job.start(session.find_duplicates)
            assert job.current is not None
            return job.current


class _DuplicateJob:
    def __init__(self) -> None:
        self.current: Future[Any] | None = None
        self.stale = False

    def changed(self, event: Any) -> None:
        if event.kind == "change":
            self.stale = True

    def start(self, find: Callable[[], Any]) -> None:
        future: Future[Any] = Future()
        self.current, self.stale = future, False

        def run() -> None:
            try:
                future.set_result(find())
            except BaseException as exc:  # handed to whoever waits
                future.set_exception(exc)

        threading.Thread(target=run, name="rolethread-duplicates", daemon=True).start()


DUPLICATE_JOBS = _DuplicateJobs()


def _wait(future: Future[T], cancelled: Callable[[], bool], poll: float = 0.1) -> T | None:
    """The future's result, or None as soon as ``cancelled()`` (the work goes on)."""
    while True:
        try:
            return future.result(timeout=poll)
        except FutureTimeout:
            if cancelled():
                return None
