"""The virtual entry list: one row per entry, drawn with the Line API.

Only the visible rows are ever rendered, from the session's summary columns
(no parsing), with an LRU cache of strips; so the list costs the same at 100
entries or a million. It shows a *view*: every entry, or the positions a
filter matched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from ...domain import Session
from ..safe_text import one_line
from .quiet import QuietScrollView

if TYPE_CHECKING:  # the query language loads with the first query, not with the list
    from ...domain import GroupAt, GroupedView

STATUS_MARK = {"unreviewed": "·", "accepted": "✓", "rejected": "✗", "needs_work": "~"}
ORIGIN_MARK = {"generated": "G", "refined": "R", "human": "H"}


class EntryList(QuietScrollView, can_focus=True):
    """Rows: mark, number, status, origin, flags, issues, turns, tags, preview."""

    COMPONENT_CLASSES = {
        "entry-list--cursor", "entry-list--cursor-focus", "entry-list--accepted",
        "entry-list--rejected", "entry-list--needs_work", "entry-list--error",
        "entry-list--warning", "entry-list--dim", "entry-list--marked",
    }
    BINDINGS = [
        Binding("j,down", "cursor_down", "Next", show=False, id="cursor_down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="cursor_up"),
        Binding("g,home", "first", "First", show=False, id="first"),
        Binding("G,end", "last", "Last", show=False, id="last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
    ]

    # No repaint of the whole list: `watch_cursor` redraws the two rows that change
    # (over SSH a full repaint is ~10 KB per key, docs/architecture.md).
    cursor: reactive[int] = reactive(0, init=False, always_update=False, repaint=False)

    class Moved(Message):
        """The cursor is on a new entry (position in the session, or None); a move not
        yet handled is superseded by the next one (a held `j` renders one preview)."""

        def __init__(self, position: int | None) -> None:
            self.position = position
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, EntryList.Moved)

    def __init__(self, session: Session, flags: Sequence[str] = (), **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.flag_names = list(flags)  # the flag set: a row shows which of 1–9 are on
        self.view: Sequence[int] | None = None  # None: every entry in order
        #: `order:group`: which adjacent rows of the view form one duplicate group
        self.groups: GroupedView | None = None
        self.marked: set[int] = set()  # record ids marked for bulk
        self._cache: LRUCache[tuple[int, int, int], Strip] = LRUCache(1024)

    # ------------------------------------------------------------------ data
    @property
    def count(self) -> int:
        return len(self.view) if self.view is not None else len(self.session)

    def position_at(self, row: int) -> int | None:
        """The session position shown on a row."""
        if not 0 <= row < self.count:
            return None
        return self.view[row] if self.view is not None else row

    @property
    def current(self) -> int | None:
        return self.position_at(self.cursor)

    def group_at(self, row: int) -> GroupAt | None:
        """The duplicate group a row of an `order:group` view is in, if any."""
        return None if self.groups is None else self.groups.at(row)

    def _group_mark(self, row: int) -> str:
        """One cell after the number tying a group's rows together: ┌ │ └ (blank: none)."""
        at = self.group_at(row)
        if at is None:
            return " "
        return "┌" if row == at.start else "└" if row == at.end - 1 else "│"

    def set_view(self, view: Sequence[int] | None, keep: int | None = None,
                 groups: GroupedView | None = None) -> None:
        """Show a filtered list (or everything); keep the cursor on `keep` if present.
        `groups`: the view is `order:group`'s, these rows form groups."""
        self.view = view
        self.groups = groups if view is not None else None
        self._follow_end = False
        row = 0
        if keep is not None:
            row = _row_of(view, keep)
        self.reload()
        # The scrollbar and scroll range of the new row count now, not at the next
        # layout: from a view that fit on screen (no scrollbar), the scroll to the
        # cursor below was refused and the list showed rows 1-13 around a cursor
        # on row 274 (`Widget._scroll_update`, as in `grow`).
        self._scroll_update(self.virtual_size)
        if self.virtual_size.width != self.scrollable_content_region.width:
            self.reload()  # the scrollbar came or went: the width inside it changed
        self.cursor = min(row, max(self.count - 1, 0))
        self._scroll_to_cursor()  # the cursor may keep its row number, unwatched
        self._post_moved()

    def reload(self) -> None:
        """Rows changed (ops, scan progress): forget rendered strips, resize.

        The virtual width is the width inside the scrollbar: one column wider
        and a horizontal scrollbar would take a row, hiding the cursor at the
        bottom (`G` showed 293–304 of 305).
        """
        self._cache.clear()
        self._digits = len(str(len(self.session)))  # the number column's width
        self.virtual_size = Size(self.scrollable_content_region.width, self.count)
        self.refresh()

    _digits = 0

    def grow(self) -> None:
        """Entries were appended (the scan published more) and none on screen changed:
        only the scrollbar and the scroll range change (`Widget._scroll_update`, what
        Textual runs for a size set without a layout). A `reload`
        lays the screen out again and renders every row: ~30 ms of the UI thread per
        scan chunk, taken from the scan (docs/architecture.md, "The scan and the UI").
        A filtered view, a scrollbar not shown yet (rows below may come into view) or
        a wider number column (999 → 1,000) reload."""
        if (self.view is not None or not self.show_vertical_scrollbar
                or len(str(len(self.session))) != self._digits):
            self.reload()
        else:
            size = Size(self.scrollable_content_region.width, self.count)
            if size != self.virtual_size:
                self.set_reactive(EntryList.virtual_size, size)  # no watcher: no layout
                self._scroll_update(size)  # the scrollbar's sizes, the scroll range
        if self._follow_end:
            self.cursor = self.count - 1

    @property
    def rows_shown(self) -> int:
        """How many rows are on screen (inside any scrollbar)."""
        return max(self.scrollable_content_region.height, 1)

    def refresh_rows(self, positions: Sequence[int] | None) -> None:
        """Redraw the rows showing these positions only (None: every row).

        An accept repaints one row, not the screen: re-rendering every visible
        row cost ~4 ms of each decision key.
        """
        if positions is None:
            self._cache.clear()
            self.refresh()
            return
        changed = set(positions)
        keys = list(self._cache.keys())  # an LRUCache: not iterable itself
        stale = {key: self._cache.get(key) for key in keys
                 if self.position_at(key[0]) in changed}
        for key in stale:
            self._cache.discard(key)
        top = round(self.scroll_offset.y)
        for row in range(top, top + self.rows_shown):
            if self.position_at(row) not in changed and not any(k[0] == row for k in stale):
                continue
            key = (row, self.size.width, int(row == self.cursor))
            # a note is not on the row: the row drawn again is the same, not repainted
            if stale.get(key) is not None and self.render_line(row - top) == stale[key]:
                continue
            self._refresh_row(row)

    # ------------------------------------------------------------------ cursor
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.count - 1)) if self.count else 0

    #: Told the new position at once, in the move's own frame (the status bar's
    #: counter); the `Moved` message reaches the screen a frame or two later.
    on_position: Callable[[int | None], None] | None = None
    #: Told when the reviewer moves the cursor (a key, a click), not the program.
    on_reviewer_move: Callable[[], None] | None = None

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_cursor()
        if self.on_position is not None:
            self.on_position(self.current)
        self._post_moved()

    def _post_moved(self) -> None:
        self.post_message(self.Moved(self.current))

    def _refresh_row(self, row: int) -> None:
        """The row inside the scrollbar: the scrollbar's cell is not repainted with it."""
        y = row - round(self.scroll_offset.y)
        if 0 <= y < self.rows_shown:
            self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        height = self.rows_shown
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self._reviewer_moves()
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self._reviewer_moves()
        self.cursor -= 1

    def action_first(self) -> None:
        self._reviewer_moves()
        self.cursor = 0

    def action_last(self) -> None:
        self._reviewer_moves()
        self.cursor = self.count - 1
        self._follow_end = self.view is None  # during a scan, `G` means the file's end

    #: `G` pressed while the scan still reads the file: the cursor follows its end as
    #: the rows come in, until the reviewer moves elsewhere.
    _follow_end = False

    def action_page_down(self) -> None:
        self._reviewer_moves()
        self.cursor += max(self.rows_shown - 1, 1)

    def action_page_up(self) -> None:
        self._reviewer_moves()
        self.cursor -= max(self.rows_shown - 1, 1)

    def _reviewer_moves(self) -> None:
        self._follow_end = False
        if self.on_reviewer_move is not None:
            self.on_reviewer_move()

    def on_mount(self) -> None:
        # rows are cached as styled strips: a theme picked in the palette redraws them
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.reload())

    # Textual's own focus handlers repaint the whole widget; only the cursor row
    # changes with focus (a note prompt opening must not cost the list ~8 KB over
    # SSH). They are replaced, doing what they do otherwise.
    def _on_focus(self, event: events.Focus) -> None:
        event.prevent_default()
        self.has_focus = True
        lent, self.focus_lent = self.focus_lent, False
        if not lent:  # (lent: the row kept its focused look meanwhile)
            self._refresh_cursor_row()
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def _on_blur(self, event: events.Blur) -> None:
        event.prevent_default()
        self.has_focus = False
        if not self.focus_lent:
            self._refresh_cursor_row()
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))

    #: Set while the line prompt acting on the cursor row has the focus (a note,
    #: tags): the row keeps its focused look, so neither the prompt opening nor
    #: closing repaints it (~0.2 KB each way over SSH). Cleared when focus is back.
    focus_lent = False

    def _refresh_cursor_row(self) -> None:
        """The cursor row is brighter while the list has focus: that row alone changes.

        (Its own component class, not a ``:focus`` rule: a style that changes with
        focus makes Textual repaint the whole list on every focus change.)
        """
        self._cache.discard((self.cursor, self.size.width, 1))
        self._refresh_row(self.cursor)

    def on_resize(self) -> None:
        self.reload()
        self._scroll_to_cursor()

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if y is not None:
            self._reviewer_moves()
            self.cursor = round(self.scroll_offset.y) + int(y)

    # ------------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_offset.y) + y
        width = self.size.width
        key = (row, width, int(row == self.cursor))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        strip = self._render_row(row, width)
        self._cache[key] = strip
        return strip

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"entry-list--{name}", partial=True)

    def _cursor_style(self) -> Style:
        """The cursor row's style, its translucent background ($accent 40%, 60% with
        focus) laid over the list's: a Rich style has no alpha, so the component
        style alone would paint the full accent, hiding the `▶` drawn in it."""
        name = "cursor-focus" if self.has_focus or self.focus_lent else "cursor"
        translucent = self.get_component_styles(f"entry-list--{name}").background
        background = self.background_colors[1] + translucent
        return self._style(name) + Style(bgcolor=background.rich_color)

    def _render_row(self, row: int, width: int) -> Strip:
        base = self.rich_style
        position = self.position_at(row)
        if position is None:
            return Strip.blank(width, base)
        session = self.session
        rid = session.rid(position)
        r = session.row(position)
        status = r.status != "unreviewed"
        at_cursor = row == self.cursor
        # a mark a reader sees without colour too (NO_COLOR, 16-colour terminals)
        mark = ("◉" if at_cursor else "●") if rid in self.marked else ("▶" if at_cursor else " ")
        flags = flag_marks(r.flags, self.flag_names)
        issues = f"!{min(r.issue_count, 99)}" if r.issue_count else ""
        tags = one_line("#" + r.tags[0])[:9] if r.tags else ""
        number = f"{position + 1:>{max(len(str(len(session))), 3)}}"
        segments = [
            Segment(mark, self._style("marked")),
            Segment(number + self._group_mark(row), self._style("dim")),
            Segment(STATUS_MARK[r.status] + " ", self._style(r.status) if status else
                    self._style("dim")),
            Segment(ORIGIN_MARK[r.origin], None),
            Segment(slop_mark(session.slop_score(position)) + " ", self._style("warning")),
            Segment(f"{flags:<5}", self._style("warning") if r.flags else None),
            Segment(f"{issues:<4}", self._style(r.severity) if r.severity in (
                "error", "warning") else self._style("dim")),
            Segment(f"{r.turns:>2}t ", self._style("dim")),
            Segment(f"{tags:<10}" if tags else "", self._style("dim")),
            Segment(one_line(r.preview) if r.valid else "⚠ " + one_line(r.preview),
                    None if r.valid else self._style("error")),
        ]
        strip = Strip(segments).crop_extend(0, width, None).apply_style(base)
        if at_cursor:  # over the row's own colours: the background must win
            strip = Strip(Segment.apply_style(strip, post_style=self._cursor_style()),
                          strip.cell_length)
        # Runs of one style as one segment: each segment costs a colour code and a
        # reset on the wire (a row went from ~400 to ~200 bytes over SSH).
        return strip.simplify()


_LEVELS = " ▁▂▃▄▅▆▇█"


def slop_mark(score: float | None) -> str:
    """The slop lens's score as a bar of 0–8 eighths (blank: clean, or not computed)."""
    if not score:
        return " "
    return _LEVELS[max(1, min(8, round(score * 8)))]


def flag_marks(flags: Sequence[str], names: Sequence[str]) -> str:
    """Which flags of the set are on, by their keys ("⚑13": flags 1 and 3; "+": others)."""
    if not flags:
        return ""
    on = "".join(str(k + 1) for k, name in enumerate(names[:9]) if name in flags)
    other = "+" if any(f not in names[:9] for f in flags) else ""
    return ("⚑" + on + other)[:5]


def _row_of(view: Sequence[int] | None, position: int) -> int:
    """The row showing `position`, else the nearest row after it (views are sorted)."""
    if view is None:
        return position
    if not view:
        return 0
    if position in view:
        return list(view).index(position)
    later = (i for i, p in enumerate(view) if p > position)
    return next(later, len(view) - 1)
