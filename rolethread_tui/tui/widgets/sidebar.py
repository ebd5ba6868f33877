"""The flag sidebar: the current entry's review state and dataset-wide counts."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.widgets import Static

from ...domain.review import ORIGINS, STATUSES, flags_of, origin_of, review_of, status_of
from ..safe_text import clean


class FlagSidebar(Static):
    """Status, flags 1–9 (on/off), note, origin of the current entry; counts below."""

    DEFAULT_CSS = """
    FlagSidebar { width: 30; dock: right; border-left: solid $primary 50%; padding: 0 1;
                  display: none; height: 1fr; overflow-y: auto; }
    FlagSidebar.-shown { display: block; }
    """

    def __init__(self, flags: list[str], **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.flag_names = flags
        self._entry: object = None
        self._counts: dict[str, Counter] = {}

    def show_entry(self, value: object) -> None:
        self._entry = value
        self._redraw()

    def show_counts(self, counts: dict[str, Counter]) -> None:
        self._counts = counts
        self._redraw()

    def _redraw(self) -> None:
        if not self.has_class("-shown"):
            return
        self.update(self._render_text())

    def on_show(self) -> None:
        self.update(self._render_text())

    def _render_text(self) -> Text:
        review = review_of(self._entry) if isinstance(self._entry, dict) else {}
        out = Text()
        out.append("Status  ", style="bold")
        out.append(f"{status_of(review)}\n")
        out.append("Origin  ", style="bold")
        out.append(f"{origin_of(review)}\n\n")
        on = set(flags_of(review))  # a hand-edited file may hold anything in the list
        flag_counts = self._counts.get("flags", Counter())
        for n, name in enumerate(self.flag_names, start=1):
            mark = "■" if name in on else "□"
            out.append(f"{n} {mark} ", style="bold yellow" if name in on else "dim")
            out.append(f"{name[:16]:<16}")
            out.append(f"{flag_counts.get(name, 0):>6}\n", style="dim")
        note = review.get("note")
        if isinstance(note, str) and note:
            out.append("\nNote\n", style="bold")
            out.append(clean(note[:500]) + "\n")
        out.append("\nDataset\n", style="bold")
        for key, names in (("status", STATUSES), ("origin", ORIGINS)):
            counts = self._counts.get(key, Counter())
            for name in names:
                out.append(f"{name:<12}{counts.get(name, 0):>10}\n", style="dim")
        return out
