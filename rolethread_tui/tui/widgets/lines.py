"""A read-only text view that repaints only the cells that change.

Textual writes every dirty region to the terminal and never diffs against the
previous frame (docs/architecture.md, "Repaints"). This view renders its text
to lines once and, whenever what it shows changes — new text, the same text
scrolled — compares the rows on screen before and after and marks dirty only
the rows that differ, each up to its last changed cell. The preview and the
reading view are built on it: a flag toggle repaints one line, a move to the
next entry paints the text once (a `Static` in a scroll container painted it
twice: once for its text, again after the layout its new height caused), and
a page scroll sends each row's text without the blank rest of the line.

`head` lines are cut to the width with an ellipsis (each stays one line, so
nothing under it moves when it grows); the text under them wraps.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .quiet import QuietScrollBar, QuietScrollView


class LineView(QuietScrollView, can_focus=False):
    """Head lines and wrapped text, scrolled; repaints only changed cells."""

    _scrolling_quietly = False

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._head: list[Text] = []
        self._text = Text("")
        self._lines: list[Strip] = []
        self._width = 0

    @property
    def content(self) -> Text:
        """The wrapped text (not the head lines), as given: for tests and searches."""
        return self._text

    @property
    def text(self) -> str:
        """What the view shows, as plain text (for tests and the clipboard)."""
        return "".join(line.plain + "\n" for line in self._head) + self._text.plain

    @property
    def wrap_width(self) -> int:
        """The width the text is wrapped to (less a scrollbar's when it overflows)."""
        return self._width

    def set_text(self, head: list[Text], text: Text, keep_scroll: bool = False) -> None:
        """Show this; at the top, or at the same place (a change to the same entry)."""
        self._head, self._text = head, text
        old, top = self._lines, round(self.scroll_offset.y)
        laid_out = self._render_lines()
        target = min(top, self._max_top()) if keep_scroll else 0
        if target != top:
            self._scrolling_quietly = True  # the rows are compared here, once
            try:
                self.scroll_to(0, target, animate=False, force=True)
            finally:
                self._scrolling_quietly = False
        if not laid_out:  # (a layout repaints the whole view, in its own frame)
            self._repaint_rows(old, top)

    def _max_top(self) -> int:
        return max(len(self._lines) - self.size.height, 0)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """A scroll repaints the rows that differ, not the whole view."""
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new_value
        if round(old_value) != round(new_value) and not self._scrolling_quietly:
            self._repaint_rows(self._lines, round(old_value))

    def _repaint_rows(self, old: list[Strip], old_top: int) -> None:
        """Mark dirty each row whose line differs from the one drawn there before."""
        top, width = round(self.scroll_offset.y), self.size.width
        for y in range(self.size.height):
            before = old[old_top + y] if old_top + y < len(old) else None
            after = self._lines[top + y] if top + y < len(self._lines) else None
            if before != after:
                self.refresh(Region(0, y, _changed_end(before, after) or width, 1))

    def _render_lines(self) -> bool:
        """Wrap the text to the view's width (less a scrollbar's when it overflows);
        True if that asked for a layout. Not before the view has a size: its first
        resize wraps it (at width 0 every word would be a line)."""
        if not self.size.width:
            return False
        width = max(self.size.width, 1)
        self._lines = self._wrap(width)
        if len(self._lines) > self.size.height and self.styles.scrollbar_size_vertical:
            width = max(width - self.styles.scrollbar_size_vertical, 1)
            self._lines = self._wrap(width)
        self._width = width
        return self._resize(Size(width, len(self._lines)))

    def _resize(self, size: Size) -> bool:
        """A new scrollable size; a layout (and a repaint of the view) only when the
        scrollbar appears or goes — otherwise its thumb is all that changes."""
        if size == self.virtual_size:
            return False
        height = self.size.height
        if (self.virtual_size.height > height) != (size.height > height) or (
                size.width != self.virtual_size.width):
            # the scrollbar shown or hidden now, not found by the layout: that would
            # ask for a second layout, and a second repaint of the whole view
            if self.styles.overflow_y == "auto":
                self.show_vertical_scrollbar = size.height > height
                bar = self.vertical_scrollbar
                if isinstance(bar, QuietScrollBar) and size.height > height and not bar.display:
                    bar.show()
                else:
                    bar.display = size.height > height
            self.virtual_size = size
            return True
        self.set_reactive(ScrollView.virtual_size, size)
        if size.height > height:
            self.vertical_scrollbar.window_virtual_size = size.height
        return False

    def _wrap(self, width: int) -> list[Strip]:
        """The head lines cut to the width (each must stay one line), then the text."""
        console = self.app.console
        options = console.options.update(width=width, height=None, no_wrap=False,
                                         highlight=False)
        cut = options.update(no_wrap=True, overflow="ellipsis")
        head = [line for text in self._head
                for line in console.render_lines(text, cut, pad=False, new_lines=False)[:1]]
        lines = console.render_lines(self._text, options, pad=False, new_lines=False)
        return [Strip(line).simplify() for line in (*head, *lines)]

    def on_resize(self) -> None:
        """Wrapped again; repainted whole only if the width changed. (The scrollbar
        coming or going resizes the view after the layout that already repainted
        it: a second full repaint, ~4 KB, for the same lines.)"""
        old, top, width = self._lines, round(self.scroll_offset.y), self._width
        if self._render_lines():
            return
        if self._width != width:
            self.refresh()
        else:
            self._repaint_rows(old, top)

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if row >= len(self._lines):
            return Strip.blank(width, style)
        return self._lines[row].crop_extend(0, width, style).apply_style(style)


def _cells(strip: Strip | None) -> list[tuple[str, object]]:
    """A line as cells (text, style); a wide character's second cell is ("", style)."""
    cells: list[tuple[str, object]] = []
    for segment in strip or ():
        for char in segment.text:
            cells.append((char, segment.style))
            cells.extend([("", segment.style)] * (cell_len(char) - 1))
    return cells


def _changed_end(before: Strip | None, after: Strip | None) -> int:
    """The column just after the last cell that differs (0: none found). A line is
    repainted only up to there: the screen writes a line from its left edge to
    the end of the region, so a note added at the end does not repaint the blank
    rest of the line and the scrollbar beside it (~0.1 KB over SSH)."""
    old, new = _cells(before), _cells(after)
    size = max(len(old), len(new))
    old += [(" ", None)] * (size - len(old))
    new += [(" ", None)] * (size - len(new))
    for x in range(size - 1, -1, -1):
        if old[x] != new[x]:
            return x + 1
    return 0
