"""The side-by-side view (`=`) at 80x24: a toast never hides the panes' text."""

from __future__ import annotations

import json

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.pair import PairScreen

from .conftest import clean_entry
from .tui_helpers import screen_text, settle


def pair_file(write):  # type: ignore[no-untyped-def]
    """An entry and its near copy (one word differs), entries 1 and 2."""
    base = clean_entry(1)
    copy = json.loads(json.dumps(base))
    copy["messages"][2]["content"] = copy["messages"][2]["content"].replace("North", "South")
    return write([base, copy])


async def test_toasts_on_the_pair_view_leave_both_panes_readable(write):
    """QA: toasts sat over the right pane (bottom right, 40 columns wide: the whole
    pane at 80x24), hiding its text for their 3-5 s. On this view a toast is one
    line over the title row: every row of both panes reads as without it, and the
    newest message is shown whole."""
    app = create_app(pair_file(write))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.press("equals_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, PairScreen)
        quiet = screen_text(app).splitlines()
        app.notify("Looking for duplicates…")  # two at once: the newest is shown
        app.notify("Undid: reject entry 1", timeout=3)
        await settle(app, pilot)
        shown = screen_text(app).splitlines()
        assert "Undid: reject entry 1" in shown[0] and "Looking" not in "\n".join(shown)
        assert shown[1:] == quiet[1:]  # both panes and the footer as they were
