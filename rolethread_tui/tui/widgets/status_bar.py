"""The one-line status bar: file, counts, filter, unsaved state, scan progress.

At 80 columns the line is often longer than the bar. It is fitted, not clipped:
a part with a shorter form takes it first (the duplicate group: "group 3/7, 2
members"), then the filter's text (then the file's name) is cut with "…", so the
position and the filter's match count stay on screen; what is still left off the
end is said by a closing "…" (docs/keys.md, "The status bar").
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from ..safe_text import clipped, one_line

if TYPE_CHECKING:
    from textual.events import Resize

    from ...domain import GroupAt

#: The fewest cells a long filter / file name is cut to before anything else gives way.
FILTER_FLOOR = 12
FILE_FLOOR = 16


class Part(NamedTuple):
    """One piece of the line, shown literally."""

    text: str
    style: str = ""
    #: Cut with "…" to make room, lowest first (0: shown whole or left off).
    give: int = 0
    #: The cut is in the middle (a file name keeps its extension).
    middle: bool = False
    #: Shown only if there is room: never makes another part shorter.
    tail: bool = False
    #: The same said in fewer cells, taken before any part is cut ("" : none).
    short: str = ""


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
        #: Work the screen waits on that is no query ("finding duplicates…"): said
        #: here for as long as it lasts, where a toast would go after a few seconds.
        self.busy: str | None = None
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

    def on_resize(self, _event: Resize) -> None:
        """A new width fits the line anew."""
        self.redraw()

    def render_text(self) -> Text:
        """The line fitted to the bar's width (whole before the bar has one)."""
        return fit(self.parts(), self.content_size.width or None)

    def parts(self) -> list[Part]:
        out = [Part("● " if self.dirty else "  ", "bold yellow"),
               Part(one_line(self.file), "bold", give=2, middle=True)]
        if self.readonly:
            out.append(Part(" [read-only]", "bold red"))
        pos = "-" if self.position is None else str(self.position + 1)
        out.append(Part(f"  {pos}/{self.total}"))
        if self.group is not None:
            g = self.group
            out.append(Part(f"  group {g.number} of {g.total}, {g.members} members", "bold",
                            short=f"  group {g.number}/{g.total}, {g.members} members"))
        if self.progress is not None and self.progress < 1:
            out.append(Part(f"  loading {self.progress:.0%}", "italic"))
        if self.busy:
            out.append(Part(f"  {self.busy}", "italic"))
        if self.marked:
            out.append(Part(f"  ●{self.marked} marked", "bold"))
        if self.filter:
            matched = "…" if self.matched is None else str(self.matched)
            out += [Part("  /", "bold cyan"), Part(one_line(self.filter), "bold cyan", give=1),
                    Part(f" ({matched})", "bold cyan")]
            if self.searching:
                out.append(Part(f" {self.searching}", "italic"))
        return out + self._count_parts()

    def _count_parts(self) -> list[Part]:
        """The review counts, each left off on its own when the line is full."""
        status = self.counts.get("status", Counter())
        origin = self.counts.get("origin", Counter())
        if not status:
            return []
        review = [f"✓{status.get('accepted', 0)}", f"✗{status.get('rejected', 0)}",
                  f"~{status.get('needs_work', 0)}", f"·{status.get('unreviewed', 0)}"]
        kinds = [f"G{origin.get('generated', 0)}", f"R{origin.get('refined', 0)}",
                 f"H{origin.get('human', 0)}"]
        return ([Part(("  " if i == 0 else " ") + t, tail=True) for i, t in enumerate(review)]
                + [Part(("  " if i == 0 else " ") + t, "dim", tail=True)
                   for i, t in enumerate(kinds)])


def fit(parts: list[Part], width: int | None) -> Text:
    """`parts` in one line of at most `width` cells.

    What must stay (every part but the tail) is made to fit by taking the
    shorter forms, then cutting the parts that give, in their order: first each
    to its floor, then to a bare "…". Whatever still does not fit is left off,
    the line ending in "…"."""
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    if width is None or sum(cell_len(p.text) for p in parts) <= width:
        for part in parts:
            out.append(part.text, style=part.style)
        return out
    shrunk = _shrink(parts, width)
    whole = sum(cell_len(p.text) for p in shrunk) <= width  # no tail: cut to fit it all
    for part in shrunk:
        if not whole and out.cell_len + cell_len(part.text) > width - 2:  # room for " …"
            break
        out.append(part.text, style=part.style)
    if whole:
        return out
    out.append(" …")
    out.truncate(width, overflow="ellipsis")  # a bar of one or two cells
    return out


def _shrink(parts: list[Part], width: int) -> list[Part]:
    parts = list(parts)
    room = width - 2 if any(p.tail for p in parts) else width  # the tail left off: " …"
    over = sum(cell_len(p.text) for p in parts if not p.tail) - room
    for i, part in enumerate(parts):  # the shorter forms first: they lose no words
        if over > 0 and part.short and not part.tail:
            parts[i] = part._replace(text=part.short)
            over -= cell_len(part.text) - cell_len(part.short)
    givers = sorted((i for i, p in enumerate(parts) if p.give), key=lambda i: parts[i].give)
    for floors in (True, False):
        for i in givers:
            if over <= 0:
                return parts
            part = parts[i]
            have = cell_len(part.text)
            floor = (FILTER_FLOOR if part.give == 1 else FILE_FLOOR) if floors else 1
            cells = max(floor, have - over)
            if cells < have:
                parts[i] = part._replace(text=clipped(part.text, cells, middle=part.middle))
                over -= have - cell_len(parts[i].text)
    return parts
