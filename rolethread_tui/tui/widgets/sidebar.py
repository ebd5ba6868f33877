"""The flag sidebar: the current entry's review state beside the dataset's counts.

Every status, origin and flag is one row: a mark for the current entry (● / ■
when it has it) and, on the right, how many entries of the file have it. The
rows never move, so the counts are always on screen — at 80x24 too, where the
note and tags used to push them off the bottom (QA). The note, tags and another
tool's review get the rows left over, shared between them, each cut with "…"
(the whole note: the `n` prompt, or the sidebar of a taller terminal).

A `LineView` (widgets/lines.py): only the rows that differ are repainted, so a
move or a flag repaints a mark and a note, not the whole sidebar (~3 KB).
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.text import Text

from ...domain import ORIGINS, STATUSES, EntryView
from ..safe_text import clean, clipped
from .lines import LineView

NAME_WIDTH, COUNT_WIDTH = 16, 6  # a row: 4 cells of key and mark, name, count (26)
MARKED = "bold yellow"
ELLIPSIS = "…"


class FlagSidebar(LineView, can_focus=False):
    """Statuses, origins, flags 1–9 (this entry's marked, the file's counts), then
    this entry's note, tags and other tool's review; the reviewer on the last row."""

    def __init__(self, flags: list[str], reviewer: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.flag_names = flags
        self.reviewer = reviewer  # who the changes are stamped with (config: reviewer)
        self._entry: EntryView | None = None
        self._counts: dict[str, Counter] = {}

    def show_entry(self, value: EntryView | None) -> None:
        self._entry = value
        self._redraw()

    def show_counts(self, counts: dict[str, Counter]) -> None:
        self._counts = counts
        self._redraw()

    def _redraw(self) -> None:
        if self.has_class("-shown") and self.size.width:
            *rows, last = self._rows(self.size.width, self.size.height)
            # the last row as the view's text: a text always wraps to a line at
            # least, so an empty one would be one row too many (and a scrollbar)
            self.set_text(rows, last, keep_scroll=True)

    def on_show(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
        """The rows the note gets depend on the height: built again, then compared."""
        if self.size.width:
            *self._head, self._text = self._rows(self.size.width, self.size.height)
        super().on_resize()

    def _rows(self, width: int, height: int) -> list[Text]:
        """One `Text` per row: the fixed rows, the entry's texts in what is left,
        the reviewer last (at the bottom when there is room)."""
        view = self._entry
        fixed = [*self._choice_rows(view), Text(""), *self._flag_rows(view)]
        reviewer = Text.assemble(("Reviewer ", "bold"), clipped(self.reviewer, 17))
        room = height - len(fixed) - 1
        wrapped = _wrapped(_entry_texts(view), width, room, self.app.console)
        # a blank row before and after the texts when they fit with them (or have 4 each)
        spaced = room - 2 >= min(sum(map(len, wrapped)), len(wrapped) * 4)
        middle = _share(wrapped, room - 2 if spaced else room, width)
        if spaced and middle:
            middle = [Text(""), *middle, Text("")]
        rows = [*fixed, *middle]
        rows += [Text("")] * (height - len(rows) - 1)  # the reviewer stays on the last row
        return [*rows, reviewer]

    def _choice_rows(self, view: EntryView | None) -> list[Text]:
        """A row per status and per origin: ● for this entry's."""
        rows = []
        for key, names in (("status", STATUSES), ("origin", ORIGINS)):
            current = getattr(view, key, None) if view else None
            counts = self._counts.get(key, Counter())
            for name in names:
                on = name == current
                rows.append(_row("  " + ("●" if on else "○") + " ", on, name,
                                 counts.get(name, 0)))
        return rows

    def _flag_rows(self, view: EntryView | None) -> list[Text]:
        on = set(view.flags if view else ())
        counts = self._counts.get("flags", Counter())
        return [_row(f"{n} {'■' if name in on else '□'} ", name in on, name,
                     counts.get(name, 0))
                for n, name in enumerate(self.flag_names, start=1)]


def _row(mark: str, on: bool, name: str, count: int) -> Text:
    """Mark, name (cut with "…" if long) and the file's count, as one row."""
    return Text.assemble((mark, MARKED if on else "dim"),
                         f"{clipped(name, NAME_WIDTH):<{NAME_WIDTH}}",
                         (f"{count:>{COUNT_WIDTH}}", "dim"))


def _entry_texts(view: EntryView | None) -> list[tuple[str, str]]:
    """(label, text) for what the entry has of a note, tags, another tool's review."""
    if view is None:
        return []
    texts = [("Note", view.note), ("Tags", ", ".join(view.tags)),
             ("Other tool", view.foreign or "")]
    return [(label, text) for label, text in texts if text]


def _wrapped(texts: list[tuple[str, str]], width: int, room: int,
             console: Console) -> list[list[Text]]:
    """Each text wrapped to `width` after its label; no more of it than `room` rows
    could show (a cut there is said with "…")."""
    limit = max(room, len(texts)) * width + 1
    return [_wrap(label, text[:limit], width, console, cut=len(text) > limit)
            for label, text in texts]


def _share(wrapped: list[list[Text]], room: int, width: int) -> list[Text]:
    """The `room` rows shared in turn between the wrapped texts (one row each at
    least); a text cut short ends in "…"."""
    given = [1] * len(wrapped)
    left = room - len(wrapped)
    while left > 0 and any(g < len(w) for g, w in zip(given, wrapped, strict=True)):
        for i, lines in enumerate(wrapped):
            if left > 0 and given[i] < len(lines):
                given[i] += 1
                left -= 1
    rows: list[Text] = []
    for lines, count in zip(wrapped, given, strict=True):
        shown = lines[:count]
        if count < len(lines):
            shown[-1] = _ellipsis(shown[-1], width)
        rows += shown
    return rows


def _wrap(label: str, text: str, width: int, console: Console, cut: bool) -> list[Text]:
    """The bold label, then the text (literal, never markup), wrapped to `width`."""
    body = Text.assemble((label + " ", "bold"), clean(text) + (ELLIPSIS if cut else ""))
    lines = body.wrap(console, width, overflow="fold")
    return [line.copy() for line in lines] or [Text(label, style="bold")]


def _ellipsis(line: Text, width: int) -> Text:
    """The line ending in "…" within `width` (its last cell given up if need be)."""
    line = line.copy()
    line.rstrip()
    if line.plain.endswith(ELLIPSIS):
        return line
    if line.cell_len >= width:
        line.truncate(width - 1)
    line.append(ELLIPSIS, style="dim")
    return line

