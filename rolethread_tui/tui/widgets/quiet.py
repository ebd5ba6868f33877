"""Line-API views that do not repaint their scrollbar on every layout pass.

Textual calls `_size_updated` on every widget after any layout (a prompt
opening, a label changing width). A `ScrollView` compares the arranged
virtual size with its own — which never match, the view keeps its own — and
so repaints its scrollbar each time: over SSH ~0.7 KB per pass for the list and
the preview (docs/architecture.md, "Repaints"). When nothing it reads has
changed since the last call, nothing is done.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.scroll_view import ScrollView


class QuietScrollView(ScrollView):
    """A `ScrollView` whose layout passes are free when its geometry is unchanged."""

    _last_sizes: tuple[Any, ...] = ()

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        sizes = (size, virtual_size, container_size, self.virtual_size)
        if sizes == self._last_sizes:
            return False
        self._last_sizes = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)
