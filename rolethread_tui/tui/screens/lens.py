"""The slop lens on the list screen: filled in after the scan, again after edits.

docs/slop.md: up to `SLOP_ON_OPEN` entries the lens is computed once the scan is
done (larger files on demand: `order:slop`, insights), or read back at once when
the scan cache keeps the lens of the unchanged file. Its bars and phrases show
in the rows, the preview and the reading view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from ...domain import os_reason

if TYPE_CHECKING:
    from ..app import RoleThreadApp

#: The lens fills in after the scan (~2 s) up to this size; larger files on demand,
#: or at once when the scan cache keeps the lens of the unchanged file.
SLOP_ON_OPEN = 20_000
#: Seconds after the last text change before the lens is computed again.
SLOP_AGAIN_AFTER = 2.0


class SlopLensMixin:
    """Mixed into ListScreen: when the lens is computed, and what shows it."""

    app: RoleThreadApp

    def _after_scan(self) -> None:
        session = self.app.session
        if (len(session) <= SLOP_ON_OPEN or session.slop_kept()) and not self._slop_started:
            self._slop_started = True
            self._slop_worker()

    _slop_started = False

    @work(thread=True, exclusive=True, group="slop")
    def _slop_worker(self) -> None:
        """The slop lens, after the scan: rows, preview and reading view then show it."""
        try:
            self.app.session.slop()
        except Exception as exc:  # an optional figure: say so, keep the app
            self.app.call_from_thread(self.notify, f"Slop lens not computed: {os_reason(exc)}",
                                      severity="warning", markup=False)
            return
        self.app.call_from_thread(self._slop_ready)

    _slop_timer: Any = None

    def _slop_again_soon(self) -> None:
        """A text changed: the lens the list shows was computed before it, so it is
        computed again once the edits pause (its bars came back only with
        `order:slop`). Until then the rows show no bars rather than stale ones."""
        if self._slop_timer is not None:
            self._slop_timer.stop()
        self._slop_timer = self.set_timer(  # type: ignore[attr-defined]
            SLOP_AGAIN_AFTER, self._slop_when_idle)

    def _slop_when_idle(self) -> None:
        """One count at a time: a worker cannot be stopped mid-count, so while one
        runs the next waits (its end looks again: `_slop_ready`)."""
        if any(w.group == "slop" and not w.is_finished
               for w in self.app.workers):
            self._slop_again_soon()
            return
        self._slop_worker()

    def texts_may_have_changed(self) -> None:
        """After any change: a lens that was on and is stale now is computed again —
        on files the lens fills in by itself (a full count: ~1 s of CPU at 5k
        entries, several at 20k); a larger file's comes back on demand."""
        session = self.app.session
        if (self._slop_started and len(session) <= SLOP_ON_OPEN
                and not session.slop_ready()):
            self._slop_again_soon()

    def _slop_ready(self) -> None:
        self.entries.refresh_rows(None)  # type: ignore[attr-defined]
        self._show_current(redraw=True)  # type: ignore[attr-defined]
