"""The flag sidebar: the current entry's review state and dataset-wide counts."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.widgets import Static

from ...domain import ORIGINS, STATUSES, EntryView
from ..safe_text import clean, clipped


class FlagSidebar(Static):
    """Status, flags 1–9 (on/off), note, origin of the current entry; counts below."""

    def __init__(self, flags: list[str], reviewer: str = "", **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
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
        if not self.has_class("-shown"):
            return
        self.update(self._render_text())

    def on_show(self) -> None:
        self.update(self._render_text())

    def _render_text(self) -> Text:
        view = self._entry
        out = Text()
        out.append("Status  ", style="bold")
        out.append(f"{view.status if view else ''}\n")
        out.append("Origin  ", style="bold")
        out.append(f"{view.origin if view else ''}\n\n")
        on = set(view.flags if view else ())
        flag_counts = self._counts.get("flags", Counter())
        for n, name in enumerate(self.flag_names, start=1):
            mark = "■" if name in on else "□"
            out.append(f"{n} {mark} ", style="bold yellow" if name in on else "dim")
            out.append(f"{clipped(name, 16):<16}")
            out.append(f"{flag_counts.get(name, 0):>6}\n", style="dim")
        if view and view.note:
            out.append("\nNote\n", style="bold")
            out.append(clean(view.note[:500]) + "\n")
        if view and view.tags:
            out.append("\nTags\n", style="bold")
            out.append(clean(", ".join(view.tags)[:300]) + "\n")
        if view and view.foreign:
            out.append("\nOther tool (_rolethread)\n", style="bold")
            out.append(clean(view.foreign[:300]) + "\n", style="dim")
        out.append("\nReviewer ", style="bold")
        out.append(clipped(self.reviewer, 17) + "\n")  # as wide as a flag's row (26)
        out.append("\nDataset\n", style="bold")
        for key, names in (("status", STATUSES), ("origin", ORIGINS)):
            counts = self._counts.get(key, Counter())
            for name in names:
                out.append(f"{name:<12}{counts.get(name, 0):>10}\n", style="dim")
        return out
