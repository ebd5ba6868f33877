"""`u` says what it undid wherever it is pressed: insights and the side-by-side view too."""

from __future__ import annotations

import json

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.insights import InsightsScreen
from rolethread_tui.tui.screens.pair import PairScreen

from .conftest import clean_entry
from .tui_helpers import settle


def notes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


async def test_u_and_ctrl_r_on_insights_undo_and_redo_and_say_which(write):
    app = create_app(write([clean_entry(i) for i in range(4)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "i")
        await settle(app, pilot)
        assert isinstance(app.screen, InsightsScreen)
        await pilot.press("u")
        await settle(app, pilot)
        assert isinstance(app.screen, InsightsScreen)
        assert app.session.row(0).status == "unreviewed"
        assert notes(app)[-1] == "Undid: accept entry 1"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert app.session.row(0).status == "accepted"
        assert notes(app)[-1] == "Redid: accept entry 1"


async def test_u_on_the_side_by_side_view_undoes_and_says_which(write):
    base = clean_entry(1)
    copy = json.loads(json.dumps(base))
    copy["messages"][2]["content"] = copy["messages"][2]["content"].replace("North", "South")
    app = create_app(write([base, copy]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        await pilot.press("x", "g", "equals_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, PairScreen)
        assert app.session.row(0).status == "rejected"
        await pilot.press("u")
        await settle(app, pilot)
        assert isinstance(app.screen, PairScreen)
        assert app.session.row(0).status == "unreviewed"
        assert notes(app)[-1] == "Undid: reject entry 1"
