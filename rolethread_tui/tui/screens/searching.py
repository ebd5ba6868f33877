"""Search and filter on the list screen: the query line, a cancellable worker, matches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from ...domain import remember_search
from ..widgets.entry_list import EntryList
from ..widgets.preview import Preview
from ..widgets.status_bar import StatusBar
from .prompts import PromptScreen

if TYPE_CHECKING:
    from ...domain import GroupedView, Query
    from ..app import RoleThreadApp

QUERY_HINT = ("words  \"phrase\"  -word  status:  origin:  flag:  tag:  issue:  "
              "turns:>5  len:<200  in:system  ~fuzzy · ↑↓ history · esc cancel")


class SearchMixin:
    """Mixed into ListScreen: `/`, esc, and `apply_query` for other screens' links."""

    app: RoleThreadApp
    query_text: str = ""
    highlight_terms: list[str] = []
    #: The entry the cursor goes to when the next matches come (the entry an op or an
    #: undo shows, or the nearest match to it): the row under the cursor names
    #: another entry once entries moved, and a ranking would start at its best.
    focus_after_search: int | None = None
    #: A filter no query names (an insights figure) by record id: its rows follow
    #: the entries as they move (a delete, its undo, a new entry), as no search can.
    figure_rids: list[int] | None = None

    def action_search(self, text: str | None = None, error: str = "") -> None:
        self.app.release_keys()  # `/` passed a search's hold: what is typed is the new query
        history = list(reversed(self.app.state.searches))
        prompt = PromptScreen("Search / filter" + (f" — {error}" if error else ""),
                              self.query_text if text is None else text,
                              hint=QUERY_HINT, history=history, holds_keys=True)
        self.app.push_screen(prompt, self._searched)

    def _searched(self, text: str | None) -> None:
        if text is not None:
            self.apply_query(text)

    def apply_query(self, text: str) -> None:
        """Filter the list by a query (empty: show everything)."""
        from ...domain import QueryError  # the query language loads with the first query
        from ...domain import parse_query as parse

        text = text.strip()
        if not text:
            self.action_clear_search()
            return
        try:
            query = parse(text)
        except QueryError as exc:
            self.app.release_keys()  # no search: keys typed after it go to the prompt again
            self.notify(exc.message, severity="error")  # it says the column
            self.action_search(text, error=exc.message)
            return
        remember_search(self.app.state, text)
        self.app.save_state_soon()
        self.query_text, self.figure_rids = text, None
        self.highlight_terms = query.highlight_terms()
        self.query_one(Preview).highlight = self.highlight_terms
        bar = self.query_one(StatusBar)
        bar.filter, bar.matched, bar.searching = text, None, "searching…"
        bar.redraw()
        self.app.hold_keys()  # keys typed meanwhile are for the matches, not these rows
        self._search_worker(query)

    def show_positions(self, label: str, positions: list[int]) -> None:
        """A filter no query names (an insights figure): these entries, labelled."""
        self.workers.cancel_group(self, "search")  # type: ignore[attr-defined]
        self.app.release_keys()
        self.query_text = ""
        session = self.app.session
        self.figure_rids = [session.rid(p) for p in sorted(positions)]
        bar = self.query_one(StatusBar)
        bar.filter, bar.matched, bar.searching = label, len(positions), None
        bar.redraw()
        self.query_one(EntryList).set_view(sorted(positions))

    def refigure(self, focus: int | None) -> None:
        """A figure's rows after entries moved: where its entries are now, the cursor
        on `focus` or the nearest of them."""
        session = self.app.session
        rows = sorted(p for rid in self.figure_rids or ()
                      if (p := session.position(rid)) is not None)
        entries = self.query_one(EntryList)
        keep = nearest(rows, entries.current if focus is None else focus)
        entries.set_view(rows, keep=keep)
        bar = self.query_one(StatusBar)
        bar.matched = len(rows)
        bar.redraw()

    def action_clear_search(self) -> None:
        entries = self.query_one(EntryList)
        if entries.view is None and not self.query_text:
            return
        self.query_one(StatusBar).filter = ""
        self.workers.cancel_group(self, "search")  # type: ignore[attr-defined]
        self.app.release_keys()
        keep = entries.current
        self.query_text, self.figure_rids = "", None
        self.highlight_terms = []
        self.query_one(Preview).highlight = []
        bar = self.query_one(StatusBar)
        bar.filter, bar.matched, bar.searching = "", None, None
        bar.redraw()
        entries.set_view(None, keep=keep)

    @work(thread=True, exclusive=True, group="search")
    def _search_worker(self, query: Query) -> None:
        """Runs chunk by chunk so a newer query cancels this one promptly."""
        from ...domain import GroupedView, apply_groups, apply_slop

        worker = get_current_worker()
        session = self.app.session
        hits: list[tuple[int, float]] = []
        for done, found in session.search_chunks(query):
            if worker.is_cancelled:
                return
            hits.extend(found)
            self.app.call_from_thread(self._progress, len(hits), done, len(session))
        if query.fuzzy is not None:
            hits.sort(key=lambda hit: (-hit[1], hit[0]))
        positions = [p for p, _ in hits]
        if query.needs_slop and not worker.is_cancelled:  # slop: / order:slop, last stage
            self.app.call_from_thread(self._slop_pending)
            positions = apply_slop(query, positions, session.slop().marks())
        grouped = None
        if query.needs_groups:  # order:group: the groups as last found (D), side by side
            marks = session.duplicate_group_marks()
            positions = apply_groups(query, positions, marks)
            grouped = GroupedView(positions, marks)
        if not worker.is_cancelled:
            ranked = query.fuzzy is not None or query.order is not None
            self.app.call_from_thread(self._show_matches, positions, ranked, grouped)

    def _slop_pending(self) -> None:
        if not self.app.session.slop_ready():
            self.notify("Measuring what the batch repeats (the slop lens)…", timeout=4)
            bar = self.query_one(StatusBar)
            bar.searching = "measuring repeats…"
            bar.redraw()

    def _progress(self, matched: int, done: int, total: int) -> None:
        """A query's own progress, beside its filter (the scan's "loading" is the file's)."""
        bar = self.query_one(StatusBar)
        bar.matched = matched
        bar.searching = f"searching {done / max(total, 1):.0%}" if done < total else None
        bar.redraw()

    def _show_matches(self, positions: list[int], ranked: bool = False,
                      grouped: GroupedView | None = None) -> None:
        """The matches; a ranking (`~fuzzy`, `order:slop`) starts at its best, an
        `order:group` at its first group, its groups marked (`grouped`)."""
        entries = self.query_one(EntryList)
        keep = None if ranked else entries.current
        wanted, self.focus_after_search = self.focus_after_search, None
        if wanted is not None:  # the matches again after a change: near where it was
            keep = nearest(positions, wanted)
        entries.set_view(positions, keep=keep if keep in positions else None, groups=grouped)
        bar = self.query_one(StatusBar)
        bar.matched, bar.searching = len(positions), None
        bar.redraw()
        self.app.release_keys()  # the keys typed while it searched: on these rows
        if not positions:
            self.notify("No entry matches. esc shows everything again.")


def nearest(positions: Sequence[int], wanted: int | None) -> int | None:
    """`wanted` if it is among `positions`, else the first after it (the entry that
    took a deleted one's place), else the last before it; None for no positions."""
    if wanted is None or not positions or wanted in positions:
        return wanted if positions else None
    after = [p for p in positions if p > wanted]
    return min(after) if after else max(positions)
