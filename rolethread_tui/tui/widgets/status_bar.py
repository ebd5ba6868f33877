"""The one-line status bar: file, counts, filter, unsaved state, scan progress."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from ..safe_text import clean

if TYPE_CHECKING:
    from ...domain import GroupAt


class StatusBar(Static):
    """One line (its style is in `tui/app.tcss`, like every widget's)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.file = ""
        self.total = 0
        self.counts: dict[str, Counter] = {}
        self.filter = ""
        self.matched: int | None = None
        self.dirty = False
        self.readonly = False
        self.progress: float | None = None
        #: What a query still does ("searching 40%", "measuring repeats…"): the list
        #: shows the last results under the new filter until it is done.
        self.searching: str | None = None
        self.position: int | None = None
        #: The cursor row's duplicate group in an `order:group` view (None: none)
        self.group: GroupAt | None = None
        self.marked = 0

    _drawn: Text | None = None

    def redraw(self) -> None:
        # One line of fixed size: no layout pass (it cost ~3 ms of every key press).
        # The same text again is not repainted: a key often redraws the bar twice
        # (the op, then the recount) and each costs ~0.23 KB over SSH.
        text = self.render_text()
        if text == self._drawn:
            return
        self._drawn = text
        self.update(text, layout=False)

    def render_text(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("● " if self.dirty else "  ", style="bold yellow")
        out.append(clean(self.file), style="bold")
        if self.readonly:
            out.append(" [read-only]", style="bold red")
        pos = "-" if self.position is None else str(self.position + 1)
        out.append(f"  {pos}/{self.total}")
        if self.group is not None:
            g = self.group
            out.append(f"  group {g.number} of {g.total}, {g.members} members", style="bold")
        if self.progress is not None and self.progress < 1:
            out.append(f"  loading {self.progress:.0%}", style="italic")
        if self.marked:
            out.append(f"  ●{self.marked} marked", style="bold")
        if self.filter:
            matched = "…" if self.matched is None else str(self.matched)
            out.append(f"  /{clean(self.filter)} ({matched})", style="bold cyan")
            if self.searching:
                out.append(f" {self.searching}", style="italic")
        status = self.counts.get("status", Counter())
        origin = self.counts.get("origin", Counter())
        if status:
            out.append(
                f"  ✓{status.get('accepted', 0)} ✗{status.get('rejected', 0)}"
                f" ~{status.get('needs_work', 0)} ·{status.get('unreviewed', 0)}"
            )
            out.append(
                f"  G{origin.get('generated', 0)} R{origin.get('refined', 0)}"
                f" H{origin.get('human', 0)}", style="dim")
        return out
