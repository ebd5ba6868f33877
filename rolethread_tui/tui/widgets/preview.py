"""The preview pane: the current entry's messages, with role and provenance.

A Line-API view (like the entry list): the entry is rendered to lines once,
and `show` repaints only the lines that differ from what is on screen. Over
SSH every byte counts (docs/architecture.md): a flag toggle changes one line
of the preview, not nine, and a move to the next entry paints the pane once —
a `Static` in a scroll container painted it twice (once for its text, again
after the layout its new height caused).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from ...domain import Session
from ..conversation import render_entry, render_findings, review_head
from .quiet import QuietScrollView

__all__ = ["Preview", "render_entry", "render_findings"]

#: Seconds after the last move before a partly wrapped entry is wrapped whole.
COMPLETE_DELAY = 0.3


class Preview(QuietScrollView, can_focus=False):
    """Scrollable read-only view of one entry."""

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.highlight: list[str] = []
        self._head = Text("")
        self._text = Text("")
        self._lines: list[Strip] = []
        self._width = 0

    _position: int | None = None

    def show(self, position: int | None) -> None:
        """Show entry `position`. The entry already shown (a flag, a note) is wrapped
        whole: its height stays known, so its scrollbar is not drawn twice."""
        same, self._position = position == self._position, position
        if position is None or position >= len(self.session):
            self._set_text(Text(""), Text("(no entry)", style="dim"))
            return
        view = self.session.view(position)
        body = render_findings(self.session.findings(position))
        body.append_text(render_entry(view, self.highlight,
                                      self.session.slop_phrases(position)))
        # status, origin, flags, tags, note: one line where the reviewer looks
        self._set_text(review_head(view), body, whole=same)

    @property
    def text(self) -> str:
        """What the pane shows, as plain text (for tests and the clipboard)."""
        return self._head.plain + "\n" + self._text.plain

    def _set_text(self, head: Text, text: Text, whole: bool = False) -> None:
        self._head = head
        self._text = text
        old = self._lines
        self._render_lines(whole)
        if round(self.scroll_offset.y):
            self.scroll_to(0, 0, animate=False)
            self.refresh()
            return
        self._refresh_changed(old)

    def _refresh_changed(self, old: list[Strip]) -> None:
        """Repaint the lines on screen that differ from `old`, each up to its last change."""
        width = self.size.width
        for y in range(self.size.height):
            before = old[y] if y < len(old) else None
            after = self._lines[y] if y < len(self._lines) else None
            if before != after:
                self.refresh(Region(0, y, _changed_end(before, after) or width, 1))

    def _render_lines(self, whole: bool = True) -> None:
        """Wrap the text to the pane's width (less a scrollbar's when it overflows).

        A move to another entry (`whole` False) wraps only the paragraphs that
        fill the pane: wrapping a whole 2 KB entry twice (without, then with the
        scrollbar) cost ~10 ms of each key's preview, and a held key waited for
        it. The rest is wrapped once the reviewer pauses (`COMPLETE_DELAY`), or
        at once when the pane scrolls; until then the height is estimated.
        """
        self._stop_completion()
        full, height = max(self.size.width, 1), self.size.height
        bar = self.styles.scrollbar_size_vertical
        paragraphs = self._text.plain.split("\n")
        estimate = 1 + sum(len(p) // full + 1 for p in paragraphs)
        if not whole and bar and estimate > 2 * height:  # surely overflows: a scrollbar
            width = max(full - bar, 1)
            cut = _prefix_end(paragraphs, width, height)
            if cut is not None:
                lines = self._wrap(width, self._text[:cut])
                if len(lines) > height:
                    self._lines, self._width, self._partial = lines, width, True
                    self._resize(Size(width, max(estimate, len(lines))))
                    self._completion = self.set_timer(COMPLETE_DELAY, self._complete)
                    return
        width = full
        self._lines = self._wrap(width)
        if len(self._lines) > height and bar:
            width = max(width - bar, 1)
            self._lines = self._wrap(width)
        self._width = width
        self._partial = False
        self._resize(Size(width, len(self._lines)))

    _partial = False
    _completion: Timer | None = None

    def _stop_completion(self) -> None:
        if self._completion is not None:
            self._completion.stop()
            self._completion = None

    def _complete(self) -> None:
        """Wrap the whole text after a partial wrap; only what differs is repainted
        (usually the scrollbar's thumb, now that the height is known)."""
        if self._partial:
            old = self._lines
            self._render_lines()
            self._refresh_changed(old)

    def validate_scroll_y(self, value: float) -> float:
        """A scroll down wraps the rest first: it is bounded by the true height."""
        if self._partial and value > 0:
            self._complete()
        return super().validate_scroll_y(value)

    def _resize(self, size: Size) -> None:
        """A new scrollable size; a layout (and a repaint of the pane) only when the
        scrollbar appears or goes — otherwise its thumb is all that changes."""
        if size == self.virtual_size:
            return
        height = self.size.height
        if (self.virtual_size.height > height) != (size.height > height) or (
                size.width != self.virtual_size.width):
            self.virtual_size = size
            return
        self.set_reactive(ScrollView.virtual_size, size)
        if size.height > height:
            self.vertical_scrollbar.window_virtual_size = size.height

    def _wrap(self, width: int, body: Text | None = None) -> list[Strip]:
        """The head line cut to the width (it must stay one line), then the body
        (the whole text unless given a part of it)."""
        console = self.app.console
        options = console.options.update(width=width, height=None, no_wrap=False,
                                         highlight=False)
        head = console.render_lines(self._head, options.update(no_wrap=True, overflow="ellipsis"),
                                    pad=False, new_lines=False)[:1]
        lines = console.render_lines(self._text if body is None else body, options,
                                     pad=False, new_lines=False)
        return [Strip(line).simplify() for line in (*head, *lines)]

    def on_resize(self) -> None:
        self._render_lines()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if row >= len(self._lines):
            return Strip.blank(width, style)
        return self._lines[row].crop_extend(0, width, style).apply_style(style)


def _prefix_end(paragraphs: list[str], width: int, height: int) -> int | None:
    """Characters of the first paragraphs that likely fill `height` lines at
    `width` (with a margin), ending at a paragraph's end so they wrap as in the
    whole text; None when that is (nearly) all of it. The caller checks the lines
    really fill the pane: an estimate errs on texts of wide or zero-width
    characters, and then the whole text is wrapped."""
    total = sum(map(len, paragraphs)) + len(paragraphs) - 1
    lines = cut = 0
    for paragraph in paragraphs:
        cut += len(paragraph) + 1
        lines += max(1, -(-len(paragraph) // width))
        if lines > height + height // 2 + 2:  # the end of this paragraph, without its "\n"
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
