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

New text may be wrapped only as far as the view shows (`set_text(whole=False)`:
a move to another entry), the rest once the reader pauses (`COMPLETE_DELAY`) or
scrolls (docs/architecture.md, "Keys during the scan").
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from .quiet import QuietScrollBar, QuietScrollView

#: Seconds after the last new text before a partly wrapped one is wrapped whole.
COMPLETE_DELAY = 0.3


class LineView(QuietScrollView, can_focus=False):
    """Head lines and wrapped text, scrolled; repaints only changed cells."""

    _scrolling_quietly = False
    _partial = False  # only the top of the text is wrapped (`_render_lines`)
    _completion: Timer | None = None

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

    def set_text(self, head: list[Text], text: Text, keep_scroll: bool = False,
                 whole: bool = True) -> None:
        """Show this; at the top, or at the same place (a change to the same entry).
        Not `whole`: new text at the top, wrapped only as far as the view shows."""
        self._head, self._text = head, text
        old, top = self._lines, round(self.scroll_offset.y)
        laid_out = self._render_lines(whole or keep_scroll)
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

    def validate_scroll_y(self, value: float) -> float:
        """A scroll down wraps the rest first: it is bounded by the true height."""
        if self._partial and value > 0:
            self._complete()
        return super().validate_scroll_y(value)

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

    def _render_lines(self, whole: bool = True) -> bool:
        """Wrap the text to the view's width (less a scrollbar's when it overflows);
        True if that asked for a layout. Not before the view has a size: its first
        resize wraps it (at width 0 every word would be a line).

        Not `whole`: a text that surely overflows is wrapped only as far as the
        paragraphs that fill the view, at the width the scrollbar leaves. Wrapping
        a whole 2 KB entry twice (without, then with the scrollbar) cost ~10 ms of
        each move, and a held key waited for it. The height is estimated until
        `_complete` wraps the rest.
        """
        self._stop_completion()
        if not self.size.width:
            return False
        full, height = max(self.size.width, 1), self.size.height
        bar = self.styles.scrollbar_size_vertical
        if not whole and bar:
            narrow = max(full - bar, 1)
            paragraphs = self._text.plain.split("\n")
            cells = list(map(cell_len, paragraphs))
            # generous (a wrap leaves line ends empty): a jump to the end then lands
            # past the estimate, on the true end once the rest is wrapped
            estimate = len(self._head) + sum(c * 5 // (4 * narrow) + 1 for c in cells)
            cut = _prefix_end(paragraphs, cells, narrow, height) if estimate > 2 * height else None
            top = self._text[:cut] if cut is not None else None
            # the top alone overflows at the full width: so does the whole text, and
            # its whole wrap takes the scrollbar's width too
            if top is not None and len(self._wrap(full, top)) > height:
                self._lines, self._width, self._partial = self._wrap(narrow, top), narrow, True
                self._completion = self.set_timer(COMPLETE_DELAY, self._complete)
                return self._resize(Size(narrow, max(estimate, len(self._lines))))
        self._partial = False
        width = full
        self._lines = self._wrap(width)
        if len(self._lines) > height and bar:
            width = max(width - bar, 1)
            self._lines = self._wrap(width)
        self._width = width
        return self._resize(Size(width, len(self._lines)))

    def _stop_completion(self) -> None:
        if self._completion is not None:
            self._completion.stop()
            self._completion = None

    def _complete(self) -> None:
        """Wrap the whole text after a partial wrap; only the rows that differ are
        repainted (usually none: the scrollbar's thumb, now that the height is known)."""
        if self._partial:
            old, top = self._lines, round(self.scroll_offset.y)
            if not self._render_lines():
                self._repaint_rows(old, top)

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

    def _wrap(self, width: int, body: Text | None = None) -> list[Strip]:
        """The head lines cut to the width (each must stay one line), then the text
        (all of it unless given a part)."""
        console = self.app.console
        options = console.options.update(width=width, height=None, no_wrap=False,
                                         highlight=False)
        cut = options.update(no_wrap=True, overflow="ellipsis")
        head = [line for text in self._head
                for line in console.render_lines(text, cut, pad=False, new_lines=False)[:1]]
        lines = console.render_lines(self._text if body is None else body, options,
                                     pad=False, new_lines=False)
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


def _prefix_end(paragraphs: list[str], cells: list[int], width: int, height: int) -> int | None:
    """Characters of the first paragraphs that likely fill `height` lines at
    `width` (with a margin), ending at a paragraph's end (without its newline) so
    they wrap as in the whole text; None when that is (nearly) all of it. The
    caller wraps them to see they really overflow the view: otherwise the whole
    text is wrapped."""
    total = sum(map(len, paragraphs)) + len(paragraphs) - 1
    lines = cut = 0
    for paragraph, size in zip(paragraphs, cells, strict=True):
        cut += len(paragraph) + 1
        lines += max(1, -(-size // max(width, 1)))
        if lines > height + height // 2 + 2:
            return cut - 1 if cut < total * 3 // 4 else None
    return None


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
