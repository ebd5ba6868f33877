"""The insights screen (`i`, docs/keys.md): dataset figures, each one key away from its entries.

Figures are rows of one `OptionList`, so j/k/arrows move between them at any
terminal size and the list scrolls; `enter` dismisses the screen with the
figure's query (the app applies it to the list), `escape`/`i`/`q` with None.

Computing is staged so the screen fills as each part finishes, all in a thread
worker that hands results back by message (never touching widgets itself):
the summary-column figures (instant), then one pass over every entry's text
(with a progress bar), then duplicate groups when the session can find them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, TypeVar

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
    Insights,
    add_content,
    add_duplicates,
    basic_insights,
    os_reason,
)
from ..jobs import DUPLICATE_JOBS, wait_for
from ..keymap import KeymapOrder
from ..undo import HistoryActions, history_bindings, run_op
from ..wording import count
from .insights_rows import PositionsFilter, Row, build_rows, phrase_index

if TYPE_CHECKING:
    from ...domain import SlopReport
    from ..app import RoleThreadApp

T = TypeVar("T")


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


class InsightsScreen(KeymapOrder, HistoryActions, Screen["str | PositionsFilter | None"]):
    """Figures of the whole dataset; dismisses with the chosen figure's query."""

    BINDINGS = [
        Binding("enter", "open_figure", "Show in list", id="insights_open"),
        Binding("R", "flag_phrase", "Flag repetitive", id="insights_flag_phrase"),
        Binding("escape,i,q", "close", "Back", id="insights_close"),
        *history_bindings(),
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
        return f"Insights · {session.path.name} · {count(len(session), 'entry')}{tail}"

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
            self.post_message(
                self.Computed(self.insights, None, f"cannot compute: {os_reason(exc)}"))
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
            self.post_message(self.SlopComputed(None, f"not computed: {os_reason(exc)}"))
            return
        self.post_message(self.SlopComputed(report))

    @on(SlopComputed)
    def _slop_computed(self, message: SlopComputed) -> None:
        self.slop = message.report
        self._slop_note = message.error or "computing…"
        self._render_rows()

    @work(thread=True, exclusive=True, group="insights-duplicates")
    def _find_duplicates(self, insights: Insights) -> None:
        """Duplicate groups: slow and not interruptible, so shared (`jobs.DuplicateJobs`)."""
        worker = get_current_worker()
        session = self.app.session
        try:
            groups = wait_for(DUPLICATE_JOBS.future(session), lambda: worker.is_cancelled)
        except Exception as exc:  # a failed optional figure must not take the screen down
            self.post_message(
                self.Computed(insights, None, f"could not find duplicates: {os_reason(exc)}"))
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
            self.notify(message.error, severity="error", timeout=8, markup=False)
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
        if row.exact is not None:  # a phrase query would also find it elsewhere
            self.dismiss(row.exact)
            return
        if row.query is None:
            self.notify("No list filter can show this figure's entries.", timeout=3)
            return
        self.dismiss(row.query)

    def action_close(self) -> None:
        self.dismiss(None)

    def after_history(self) -> None:
        """The figures are counted again from the session."""
        self._started = time.perf_counter()
        self._compute()
        self._compute_slop()

    def action_flag_phrase(self) -> None:
        """`R` on a repeated phrase: flag every entry holding it `repetitive` (one undo step)."""
        index = self.query_one(FigureList).highlighted
        row = self._rows[index] if index is not None and index < len(self._rows) else None
        phrase = phrase_index(row) if row is not None else None
        if phrase is None or self.slop is None:
            self.notify("R flags the entries of a repeated phrase: pick one first.", timeout=3)
            return
        positions = self.slop.phrase_entries(phrase)
        ok, changed = run_op(
            self, lambda: self.app.session.toggle_flag(positions, "repetitive", on=True))
        if not ok:
            return
        already = len(positions) - changed  # the undo step names every entry of the phrase
        were = f" ({already:,} already {'was' if already == 1 else 'were'})" if already else ""
        self.notify(f"Flagged {count(changed, 'entry')} repetitive{were} · u undoes it")

    @property
    def rows(self) -> list[Row]:
        """The rows shown (tests and the help screen read them)."""
        return list(self._rows)
