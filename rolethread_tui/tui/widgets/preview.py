"""The preview pane: the current entry's messages, with role and provenance."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...domain import Session
from ..conversation import render_entry, render_findings, review_line

__all__ = ["Preview", "render_entry", "render_findings"]


class Preview(VerticalScroll, can_focus=False):
    """Scrollable read-only view of one entry."""

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.highlight: list[str] = []
        self._body = Static("", markup=False)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, position: int | None) -> None:
        if position is None or position >= len(self.session):
            self._body.update(Text("(no entry)", style="dim"))
            return
        view = self.session.view(position)
        body = Text()
        line = review_line(view)  # flags by name, tags, note: where the reviewer looks
        if line:
            body.append_text(line)
            body.append("\n")
        body.append_text(render_findings(self.session.findings(position)))
        body.append_text(render_entry(view, self.highlight,
                                      self.session.slop_phrases(position)))
        self._body.update(body)
        self.scroll_home(animate=False)
