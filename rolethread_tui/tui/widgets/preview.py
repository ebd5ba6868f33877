"""The preview pane: the current entry's messages, with role and provenance.

A `LineView` (widgets/lines.py): the entry is rendered to lines once, and
`show` repaints only the lines that differ from what is on screen. Over SSH
every byte counts (docs/architecture.md): a flag toggle changes one line of
the preview, not nine, and a move to the next entry paints the pane once.
Its first line is always the review state, so nothing under it moves.
"""

from __future__ import annotations

from rich.text import Text

from ...domain import Session
from ..conversation import render_entry, render_findings, review_head
from .lines import LineView

__all__ = ["Preview", "render_entry", "render_findings"]


class Preview(LineView, can_focus=False):
    """Scrollable read-only view of one entry."""

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.highlight: list[str] = []

    _position: int | None = None

    def show(self, position: int | None) -> None:
        """Show entry `position`: another entry wrapped as far as the pane shows
        (`LineView.set_text`), the one already shown (a flag, a note) whole, so its
        height stays known and its scrollbar is not drawn twice."""
        same, self._position = position == self._position, position
        if position is None or position >= len(self.session):
            self.set_text([Text("")], Text("(no entry)", style="dim"))
            return
        view = self.session.view(position)
        body = render_findings(self.session.findings(position))
        body.append_text(render_entry(view, self.highlight,
                                      self.session.slop_phrases(position)))
        # status, origin, flags, tags, note: one line where the reviewer looks
        self.set_text([review_head(view)], body, whole=same)
