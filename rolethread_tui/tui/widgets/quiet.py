"""Line-API views that do not repaint their scrollbar when nothing about it changed.

Textual calls `_size_updated` on every widget after any layout (a prompt
opening, a label changing width). A `ScrollView` compares the arranged
virtual size with its own — which never match, the view keeps its own — and
so repaints its scrollbar each time: over SSH ~0.7 KB per pass for the list and
the preview (docs/architecture.md, "Repaints"). When nothing it reads has
changed since the last call, nothing is done.

Textual also repaints a view's scrollbar whenever the view's styles are applied
again — each time focus enters or leaves it (a note prompt opening) — whether
or not a scrollbar colour changed: ~0.4 KB each way for the list's 13 rows. The
scrollbar here repaints only when what it draws would differ.

And a screen under a full, opaque screen (the list under the reading view or
the editor) is still "current" to Textual: it lays out and repaints, and hands
its dirty regions to the screen on top, which repaints them — the whole
reading view, two or three times per key, for the list's rows and status bar
that nobody sees (~5 KB each). `QuietCovered` drops them: the screen is drawn
whole when it is shown again.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Region, Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.visual import Visual


class QuietScrollBar(ScrollBar):
    """A scrollbar whose `refresh` is free when it would draw the same cells."""

    _drawn: tuple[Any, ...] | None = None
    arriving = False  # shown by its view before a layout, which draws it whole

    def show(self) -> None:
        """Displayed from the next layout, which paints it: the refreshes the view
        asks for meanwhile (its sizes set during that layout) would paint it again
        in a frame of its own (~0.9 KB at 80x24)."""
        self.arriving = True
        self.display = True

    def _look(self) -> tuple[Any, ...]:
        """Everything `ScrollBar.render` reads (its colours come from the view)."""
        styles = self.parent.styles if self.parent is not None else None
        colours = () if styles is None else (
            styles.scrollbar_background, styles.scrollbar_color,
            styles.scrollbar_background_hover, styles.scrollbar_color_hover,
            styles.scrollbar_background_active, styles.scrollbar_color_active,
            self.parent.background_colors if self.parent is not None else None,
            self.screen.styles.scrollbar_color,
        )
        return (self.size, self.window_virtual_size, self.window_size, self.position,
                self.thickness, self.mouse_over, self.grabbed, colours)

    def refresh(self, *regions: Region, layout: bool = False, repaint: bool = True,
                recompose: bool = False) -> QuietScrollBar:
        # (a layout asked by its own styles, first applied when focus first leaves
        # the view, is not needed either: the view places its scrollbar)
        if not regions and not recompose and self.is_attached and (
                self.arriving or (self._drawn is not None and self._look() == self._drawn)):
            return self
        if not regions and not recompose and not layout and self.is_attached:
            rows = self._changed_rows()
            if rows == []:
                return self
            regions = tuple(Region(0, y, self.size.width, 1) for y in rows or ())
        super().refresh(*regions, layout=layout, repaint=repaint, recompose=recompose)
        return self

    _strips: tuple[Any, ...] = ()

    def _changed_rows(self) -> list[int] | None:
        """The rows a new look changes (None: all of them). A thumb that moves or
        grows changes a few cells of the column; repainting it whole is ~0.8 KB
        at 80x24, for each move of the reading view between long entries."""
        if len(self._strips) != self.size.height or self.size.height == 0:
            return None
        strips = Visual.to_strips(self, self._render(), self.size.width, self.size.height,
                                  self.visual_style)
        return [y for y, (old, new) in enumerate(zip(self._strips, strips, strict=False))
                if old != new]

    def _render_content(self) -> None:
        super()._render_content()
        self._strips = tuple(self._render_cache.lines)

    def render(self):  # type: ignore[no-untyped-def]
        self._drawn, self.arriving = self._look(), False
        return super().render()


class QuietScrollView(ScrollView):
    """A `ScrollView` whose layout passes and style passes leave an unchanged
    scrollbar alone."""

    _last_sizes: tuple[Any, ...] = ()

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """As Textual's, but a `QuietScrollBar` (the only one these views show)."""
        if self._vertical_scrollbar is None:
            bar = QuietScrollBar(vertical=True, name="vertical",
                                 thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        sizes = (size, virtual_size, container_size, self.virtual_size)
        if sizes == self._last_sizes:
            return False
        self._last_sizes = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)


class QuietCovered(Screen[Any]):
    """A screen that sends no repaints while an opaque screen covers it."""

    @property
    def covered(self) -> bool:
        """Another screen is on top and hides this one whole (not a dialog)."""
        top = self.app.screen
        return top is not self and top.styles.background.a == 1

    def _compositor_refresh(self) -> None:
        if self.covered:  # what changed is drawn when the screen resumes (a full repaint)
            self._compositor._dirty_regions.clear()
            self._dirty_widgets.clear()
            return
        super()._compositor_refresh()
