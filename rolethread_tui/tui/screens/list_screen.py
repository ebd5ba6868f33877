"""The list screen (home): triage thousands of entries with single keys."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import Reactive
from textual.widget import Widget
from textual.worker import get_current_worker

from ...domain import (
    last_position,
    os_reason,
    remember_position,
    sample_label,
)
from ..jobs import DUPLICATE_JOBS, wait_for
from ..keymap import FLAG_BINDINGS, KeymapOrder, decision_bindings
from ..messages import SessionChanged, SessionListener
from ..safe_text import clean
from ..undo import HistoryActions, run_op, writable
from ..widgets.entry_list import EntryList
from ..widgets.footer import QuietFooter
from ..widgets.line_prompt import LinePrompt
from ..widgets.preview import Preview
from ..widgets.quiet import QuietCovered
from ..widgets.sidebar import FlagSidebar
from ..widgets.status_bar import StatusBar
from ..wording import count
from .bulk import BulkMixin
from .entry_ops import EntryOpsMixin
from .fixing import FixesMixin
from .lens import SlopLensMixin
from .prompts import PromptScreen
from .reading import ReadingScreen
from .searching import SearchMixin

# help, insights, pair and the validation dialogs are imported when first opened:
# the first frame draws none of them (issue #18).

if TYPE_CHECKING:
    from ..app import RoleThreadApp

WIDE, NARROW, SHORT = 140, 64, 16  # layout thresholds (columns, columns, rows)
DUPLICATES_IN_INSIGHTS = 200_000  # beyond this the near-duplicate pass is on demand (palette)



#: Seconds the footer's keys wait for the first rows before they are built anyway.
FOOTER_HELD = 0.3

#: Seconds between a cursor move and its preview: just over one 60 fps frame.
PREVIEW_DELAY = 0.02

#: Seconds the cursor stays on an entry before its position is written to the UI
#: state: a session that ends in a crash (kill -9, a lost terminal) reopens there
#: too, not where the app last ended cleanly. Held keys write nothing.
POSITION_KEPT_AFTER = 2.0
#: Seconds between recounts while the scan adds rows: the status bar's and the
#: sidebar's counts follow it (a count of 1M rows is ~50 ms of the UI's CPU).
SCAN_RECOUNT = 1.0


class ListScreen(KeymapOrder, SessionListener, HistoryActions, SearchMixin, BulkMixin,
                 FixesMixin, EntryOpsMixin,
                 SlopLensMixin, QuietCovered):
    """Entry list + preview, flag sidebar, status bar and footer."""

    BINDINGS = [
        *decision_bindings(show=True),
        Binding("enter,e", "open_editor", "Edit", id="open_editor"),
        Binding("z", "read", "Read", id="read"),
        Binding("N", "new_entry", "New entry", show=False, id="new_entry"),
        Binding("O", "new_entry_before", "New entry before this one", show=False,
                id="new_entry_before"),
        Binding("d", "delete_entry", "Delete entry", show=False, id="delete_entry"),
        Binding("colon", "goto_prompt", "Go to", show=False, id="goto_prompt"),
        Binding("D", "find_duplicates", "Duplicates", show=False, id="find_duplicates"),
        Binding("equals_sign", "compare", "Compare copy", show=False, id="compare"),
        Binding("h", "mark_refined", "Refined", show=False, id="mark_refined"),
        Binding("n", "edit_note", "Note", show=False, id="edit_note"),
        Binding("t", "tag", "Tag", show=False, id="tag"),
        Binding("u,ctrl+z", "undo", "Undo", id="undo"),
        Binding("ctrl+r,ctrl+y", "redo", "Redo", show=False, id="redo"),
        Binding("slash", "search", "Search", id="search"),
        Binding("escape", "clear_search", "Clear filter", show=False, id="clear_search"),
        Binding("right_square_bracket", "next_match", "Next match/issue", show=False,
                id="next_match"),
        Binding("left_square_bracket", "previous_match", "Prev match/issue", show=False,
                id="previous_match"),
        Binding("v", "validation_summary", "Checks", show=False, id="validation_summary"),
        Binding("F", "fix_entry", "Fix", show=False, id="fix_entry"),
        Binding("space", "toggle_mark", "Mark", show=False, id="toggle_mark"),
        Binding("V", "mark_range", "Mark range", show=False, id="mark_range"),
        Binding("B", "bulk", "Bulk", show=False, id="bulk"),
        Binding("s,ctrl+s", "save", "Save", id="save"),
        Binding("f", "toggle_sidebar", "Flags", id="toggle_sidebar"),
        Binding("i", "insights", "Insights", show=False, id="insights"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        *FLAG_BINDINGS,
    ]

    app: RoleThreadApp
    # A focus change (the note prompt opening) repaints the widgets whose look
    # depends on focus, not the whole screen (~17 KB over SSH, docs/architecture.md).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def compose(self) -> ComposeResult:
        session = self.app.session
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield EntryList(session, self.app.config.flags, id="entries")
                yield Preview(session, id="preview")
            yield FlagSidebar(self.app.config.flags, session.reviewer, id="sidebar")
        yield StatusBar(id="status")
        yield QuietFooter(held=True)  # until the first rows are drawn (`_first_rows_drawn`)
        yield LinePrompt(id="line-prompt")

    # ------------------------------------------------------------ lifecycle
    @property
    def entries(self) -> EntryList:
        return self.query_one(EntryList)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        path = self.app.data_path  # (a recovered session may read the journal's base)
        self.status_bar.file = sample_label(path) or path.name
        target = self.app.session.target
        if target.resolve() != path.resolve():  # --output: say where a save goes
            self.status_bar.file += f" → {target.name}"
        self.status_bar.readonly = self.app.readonly
        self.entries.on_position = self._position_now
        self.entries.on_reviewer_move = self._forget_resume
        self.entries.focus()
        self._resume: int | None = last_position(self.app.state, self.app.data_path) or None
        self._sync_rows()
        if not self._rows_drawn:  # no rows yet (an empty file, a cold start): keys soon
            self.set_timer(FOOTER_HELD, self.query_one(QuietFooter).release)
        self._count_worker()
        if not self.app.session.scanning:  # a small file may be scanned before we listen
            self._after_scan()

    def on_resize(self) -> None:
        """Wide: preview beside the list. Short: no preview. Narrow: no sidebar."""
        width, height = self.size
        self.set_class(width >= WIDE, "-wide")
        self.set_class(height < SHORT, "-short")
        self.set_class(width < NARROW, "-narrow")

    def _sync_rows(self, grown: bool = False) -> None:
        """The list and status bar after the session's rows changed (`grown`: the scan
        appended some, and those on screen are as they were)."""
        session = self.app.session
        if grown:
            self.entries.grow()
        else:
            self.entries.reload()
        if len(session) and not self._rows_drawn:
            self._rows_drawn = True  # once they are on screen, the scan may go on
            self.call_after_refresh(self._first_rows_drawn)
        bar = self.status_bar
        bar.total = len(session)
        bar.progress = session.progress if session.scanning else None
        bar.dirty = session.dirty
        bar.redraw()
        if self._resume is not None and (self._resume < len(session) or not session.scanning):
            resume, self._resume = self._resume, None  # where the reviewer left this file
            if resume < len(session):
                self._focus_position(resume)
        if self.entries.current is not None and self._shown is None:
            self._show_current()

    _shown: int | None = None
    _rows_drawn = False

    def _first_rows_drawn(self) -> None:
        """The first rows are on screen: the scan goes on, the footer's keys are built."""
        self.app.first_rows_drawn()
        self.query_one(QuietFooter).release()

    def _position_now(self, position: int | None) -> None:
        """The counter follows the cursor in the key's own frame: a frame of its own
        came ~30 ms after the row (the screen's next 60 fps slot, then the preview's)."""
        self.status_bar.position = position
        self.status_bar.group = self.entries.group_at(self.entries.cursor)
        self.status_bar.redraw()

    @on(SessionChanged)
    def _session_changed(self, message: SessionChanged) -> None:
        event = message.event
        if event.kind in ("scan", "scanned"):
            self._sync_rows(grown=event.kind == "scan")
            if event.kind == "scanned":
                self._count_worker()
                self._after_scan()
            elif self._scan_recount is None:  # the counts follow the scan, once a second
                self._scan_recount = self.set_timer(SCAN_RECOUNT, self._recount_scanned)
            return
        if event.kind == "change":
            self.texts_may_have_changed()
            history = event.label.startswith(("undo", "redo"))
            follows = event.positions is None or history
            if self.query_text and (event.positions is None
                                    or (history and self._not_shown(event.focus))):
                # positions moved, or an undo brought an entry back into the filter:
                # match again, the cursor on the change's entry (or the nearest match)
                self.focus_after_search = event.focus
                self.apply_query(self.query_text)
            elif event.positions is None and self.figure_rids is not None:
                self.refigure(event.focus)
            elif event.positions is None:
                self.entries.reload()
            else:
                self.entries.refresh_rows(event.positions)
            if follows and event.focus is not None and event.focus < len(self.app.session):
                self._focus_position(event.focus)
            # the entry on screen changed in place (a flag, a note): its line of the
            # preview in this frame, not one more frame (~8 bytes over SSH) later
            self._show_current(now=self.entries.current == self._shown)
            self.refresh_counts()
        self.status_bar.dirty = self.app.session.dirty
        self.status_bar.total = len(self.app.session)
        self.status_bar.marked = len(self.entries.marked)
        self.status_bar.redraw()

    def _not_shown(self, position: int | None) -> bool:
        """An entry the filtered list does not show: undone or redone, it may match
        again (an accept undone under `status:unreviewed`), so the query runs again.
        Other changes leave rows in place under the reviewer's cursor."""
        view = self.entries.view
        return view is not None and position is not None and position not in view

    def _forget_resume(self) -> None:
        """The reviewer has moved: where they left the file last time is no longer
        where to go (a big file's scan may reach that entry seconds later)."""
        self._resume = None

    def _focus_position(self, position: int) -> None:
        self._forget_resume()  # a go-to, an undo's entry: the reviewer's choice wins
        entries = self.entries
        if entries.view is None:
            entries.cursor = position
        elif position in entries.view:
            entries.cursor = list(entries.view).index(position)

    @on(EntryList.Moved)
    def _moved(self, message: EntryList.Moved) -> None:
        if message.position is not None:  # saved with the UI state when the app ends
            remember_position(self.app.state, self.app.data_path, message.position)
            self._keep_position_later()
        self._show_current()

    _position_due = False
    _moved_at = 0.0

    def _keep_position_later(self) -> None:
        """Write the UI state once the cursor has rested `POSITION_KEPT_AFTER` s. A move
        only notes its time (this runs on every key of a held `j`); one timer at a
        time checks, and waits again while the cursor still moves."""
        self._moved_at = time.monotonic()
        if not self._position_due:
            self._position_due = True
            self.set_timer(POSITION_KEPT_AFTER, self._keep_position)

    def _keep_position(self) -> None:
        rest = self._moved_at + POSITION_KEPT_AFTER - time.monotonic()
        if rest > 0:
            self.set_timer(rest, self._keep_position)
            return
        self._position_due = False
        self.app.save_state_soon()

    _preview_due = False

    _preview_stale = False

    def on_screen_resume(self) -> None:
        if self._preview_stale:
            self._preview_stale = False
            self._show_current()

    def _show_current(self, now: bool = False, redraw: bool = False) -> None:
        if isinstance(self.app.screen, ReadingScreen) and self.app.screen.home is self:
            self.app.screen.follow(redraw)  # an undo moved the cursor, or changed this entry
        position = self.entries.current
        self._shown = position
        self._position_now(position)
        if now:
            self._show_preview()
        elif not self._preview_due:
            self._preview_due = True
            self.set_timer(PREVIEW_DELAY, self._show_preview)

    def _show_preview(self) -> None:
        """The preview and sidebar of the entry under the cursor, a frame later:
        laying out a whole conversation costs ~10 ms, so the cursor moves in the
        key's own frame and a burst of moves renders one preview. (Deferring only
        to the next idle moment was not enough: it often came before the frame.)"""
        self._preview_due = False
        if not self.is_current or self.covered:  # under the reading view, the editor…
            self._preview_stale = True
            return
        position = self.entries.current
        self.query_one(Preview).show(position)
        sidebar = self.query_one(FlagSidebar)
        if sidebar.has_class("-shown"):
            sidebar.show_entry(None if position is None else self.app.session.view(position))

    # ------------------------------------------------------------ counts
    _count_timer: Any = None

    def refresh_counts(self) -> None:
        """Recount soon: a burst of decisions costs one count, not one per key."""
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = self.set_timer(0.25, self._count_worker)

    _scan_recount: Any = None

    def _recount_scanned(self) -> None:
        self._scan_recount = None
        if self.app.session.scanning:  # at its end "scanned" counts anyway
            self._count_worker()

    @work(thread=True, exclusive=True, group="counts")
    def _count_worker(self) -> None:
        """Counting a million rows takes a moment: off the UI thread, latest wins."""
        counts = self.app.session.counts()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_counts, counts)

    def _show_counts(self, counts: dict[str, Any]) -> None:
        try:
            bar, sidebar = self.status_bar, self.query_one(FlagSidebar)
        except NoMatches:  # counted while the app was quitting: the screen is gone
            return
        bar.counts = counts
        bar.redraw()
        sidebar.show_counts(counts)

    # ------------------------------------------------------------ actions
    def _guard(self) -> int | None:
        """The current position, or None (said) when there is no entry to act on.

        Whether the session may change (read-only, a save running) is the
        domain's to decide: every op raises a `DomainError` that `_run` shows.
        """
        return self.entries.current

    def _run(self, action: Any) -> bool:
        """Run one session op; a refusal or a journal failure is shown, never a crash."""
        return run_op(self, action)[0]

    def action_decide(self, status: str) -> None:
        position = self._guard()
        if position is None:
            return
        # already decided the same way: nothing to record, just move on
        done = self.app.session.row(position).status == status or self._run(
            lambda: self.app.session.set_status(position, status))
        if done and self.app.config.auto_advance:
            self.entries.action_cursor_down()

    def action_toggle_flag(self, n: int) -> None:
        position = self._guard()
        flags = self.app.config.flags
        if position is None or n > len(flags):
            return
        self._run(lambda: self.app.session.toggle_flag(position, flags[n - 1]))

    def action_mark_refined(self) -> None:
        """Vouch for the entry (`h`); again, take the vouch back (the domain's rule)."""
        position = self._guard()
        if position is None:
            return
        self._run(lambda: self.app.session.toggle_refined(position))

    def action_edit_note(self) -> None:
        position = self._guard()
        if position is None:
            return
        note = self.app.session.note(position)

        def done(text: str | None) -> None:
            self._back_to_list()
            if text is not None:
                self._run(lambda: self.app.session.set_note(position, text))

        self._ask(f"Note for entry {position + 1}", note, done)

    def _ask(self, title: str, value: str, done: Any) -> None:
        """The line prompt, acting on the cursor row: the row keeps its focused look.
        Asked from the reading view, that view's own prompt (this one is hidden).
        A read-only session says so before anything is typed, not after."""
        if not writable(self, self.app.session):
            return
        screen = self.app.screen
        if screen is self:
            self.entries.focus_lent = True
        screen.query_one(LinePrompt).ask(title, value, done)

    def _back_to_list(self) -> None:
        """Focus back on the list from the line prompt. `Widget.focus` would repaint
        the whole list; only its cursor row changes (`EntryList._on_focus`). The
        reading view focuses nothing: its keys are the screen's."""
        self.set_focus(self.entries, scroll_visible=False)
        if self.app.screen is not self:
            self.app.screen.set_focus(None)

    def action_tag(self) -> None:
        position = self._guard()
        if position is None:
            return
        current = ", ".join(self.app.session.row(position).tags)

        def done(text: str | None) -> None:
            self._back_to_list()
            if text is not None:
                tags = [t.strip() for t in text.split(",")]
                self._run(lambda: self.app.session.set_tags(position, tags))

        self._ask(f"Tags for entry {position + 1} (comma separated)", current, done)

    def action_next_match(self) -> None:
        self._jump(1)

    def action_previous_match(self) -> None:
        self._jump(-1)

    def _jump(self, step: int) -> None:
        """Next/previous match when filtered, else next/previous entry with findings."""
        entries = self.entries
        if entries.view is not None:
            if not 0 <= entries.cursor + step < entries.count:
                self.notify("No more matches in this direction.")
            entries.cursor += step
            return
        row = entries.cursor + step
        while 0 <= row < entries.count:
            position = entries.position_at(row)
            if position is not None and self.app.session.row(position).issue_count:
                entries.cursor = row
                return
            row += step
        self.notify("No more entries with issues in this direction.")

    def action_insights(self) -> None:
        """The insights screen; a figure chosen there filters this list."""
        from .insights import InsightsScreen, PositionsFilter

        session = self.app.session

        def done(query: str | PositionsFilter | None) -> None:
            if isinstance(query, PositionsFilter):
                self.show_positions(query.label, query.positions)
            elif query:
                self.apply_query(query)

        self.app.push_screen(InsightsScreen(duplicates=len(session) <= DUPLICATES_IN_INSIGHTS),
                             done)

    def action_goto(self, number: int) -> None:
        """Go to entry N (1-based, as the list shows); clears a filter hiding it."""
        position = int(number) - 1
        if not 0 <= position < len(self.app.session):
            self.notify(f"No entry {number}.", severity="warning")
            return
        if self.entries.view is not None and position not in self.entries.view:
            self.action_clear_search()
        self._focus_position(position)

    def return_to(self, position: int) -> None:
        """Back from the editor on entry `position`: there in the list; when the filter
        does not show it (a new entry, `>` past the matches), the reviewer's filter
        stays and the toast says why the cursor did not follow."""
        view = self.entries.view
        if view is not None and position not in view:
            self.notify(f"Entry {position + 1} is not in this filter: esc shows everything.",
                        timeout=4)
            return
        self._focus_position(position)

    def action_find_duplicates(self) -> None:
        """Exact and near-duplicate groups (a thread worker), then the duplicates view:
        `issue:` filters, each group's members side by side (`order:group`)."""
        self._set_busy("finding duplicates…")  # ~5 s at 100k: longer than a toast stays
        self._duplicates_worker()

    def _set_busy(self, what: str | None) -> None:
        self.status_bar.busy = what
        self.status_bar.redraw()

    @work(thread=True, exclusive=True, group="dedupe")
    def _duplicates_worker(self) -> None:
        """Waits on the one shared search (insights may have started it already)."""
        worker = get_current_worker()
        try:
            groups = wait_for(DUPLICATE_JOBS.future(self.app.session),
                              lambda: worker.is_cancelled)
        except Exception as exc:  # e.g. the file became unreadable: say so, keep the app
            self.app.call_from_thread(self._set_busy, None)
            self.app.call_from_thread(self.notify, f"Could not find duplicates: {os_reason(exc)}",
                                      severity="error", markup=False)
            return
        if groups is not None:  # cancelled: by a `D` again, whose worker says when it is done
            self.app.call_from_thread(self._duplicates_found, len(groups))

    def _duplicates_found(self, groups: int) -> None:
        from ...domain import DUPLICATES_QUERY  # loaded with the first duplicate search

        self._set_busy(None)
        self.refresh_counts()
        if not groups:
            self.notify("No duplicate groups.")
            return
        self.notify(f"{count(groups, 'duplicate group')} (esc for all)")
        self.apply_query(DUPLICATES_QUERY)  # each group's members side by side

    def action_open_editor(self) -> None:
        position = self._guard()
        if position is not None:
            self.app.open_editor(position)

    def action_read(self) -> None:
        """The reading view: the current entry whole, decided with one key."""
        if self.entries.current is not None:
            self.app.push_screen(ReadingScreen(self))

    def action_compare(self) -> None:
        """`=`: the entry beside the one it duplicates (exact or near), differences marked."""
        position = self.entries.current
        partners = [] if position is None else self.app.session.duplicate_partners(position)
        if not partners:
            self.notify("This entry has no duplicate found (D finds near-duplicates).",
                        timeout=3)
            return
        from .pair import PairScreen

        self.app.push_screen(PairScreen(position, partners))

    def action_goto_prompt(self) -> None:
        """`:` then a number and enter: go to that entry (digits alone toggle flags)."""

        def done(text: str | None) -> None:
            text = (text or "").strip()
            if text.isdigit():
                self.action_goto(int(text))
            elif text:
                self.notify(f"Not an entry number: {clean(text)}", severity="warning",
                            markup=False)

        self.app.push_screen(PromptScreen(f"Go to entry (1–{len(self.app.session):,})", ""),
                             done)

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(FlagSidebar)
        sidebar.toggle_class("-shown")
        if sidebar.has_class("-shown"):
            position = self.entries.current
            sidebar.show_entry(None if position is None else self.app.session.view(position))

    def action_save(self) -> None:
        session = self.app.session
        if session.read_only:
            self.notify(f"Read-only: {session.readonly_reason}. For a copy: ctrl+p, "
                        "'Export: current filter…'.", severity="warning", markup=False)
            return
        self.app.save()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self.app.key_table()))

    async def action_quit(self) -> None:
        await self.app.action_quit()
