"""A filtered list follows the entries when they move or come back (QA pass).

After a delete, its undo or redo, a bulk delete or an undo that makes an entry
match again, the rows must name the right entries and the cursor land on the
change's entry or the nearest match: it went to the first match, an insights
figure's rows named the entries next to its own, the duplicates view started
over at its first group, and an accept undone under `status:unreviewed` left
its entry out of the list.
"""

from __future__ import annotations

from textual.widgets import Input

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets.entry_list import EntryList

from .dupgen import KEYS, entry
from .test_entry_keys import lantern_file
from .test_tui_typeahead import burst
from .tui_helpers import search_for, settle


def rows(app) -> tuple[list[int], int | None]:  # type: ignore[no-untyped-def]
    entries = app.screen.query_one(EntryList)
    return list(entries.view or []), entries.current


async def test_an_insights_figure_follows_a_delete_its_undo_and_its_redo(write):
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.screen.show_positions("figure", [1, 3, 5])
        await pilot.pause()
        await pilot.press("j", "d", "y")  # hello 3
        await settle(app, pilot)
        assert rows(app) == ([1, 4], 4)  # hello 1, hello 5
        await pilot.press("u")
        await settle(app, pilot)
        assert rows(app) == ([1, 3, 5], 3)  # hello 3 is back, under the cursor
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert rows(app) == ([1, 4], 4)
        assert "hello 5" in app.session.row(4).preview


async def test_redoing_the_delete_of_the_last_match_lands_on_the_match_before(write):
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(app, pilot, "lantern")
        await pilot.press("G", "d", "y")  # lantern 6, the last match
        await settle(app, pilot)
        assert rows(app) == ([0, 2, 4], 4)
        await pilot.press("u")
        await settle(app, pilot)
        assert rows(app) == ([0, 2, 4, 6], 6)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert rows(app) == ([0, 2, 4], 4)  # it went to the first match


async def test_an_undone_accept_under_unreviewed_brings_its_entry_back(write):
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(app, pilot, "status:unreviewed lantern")
        await pilot.press("j", "a")  # lantern 2 accepted: it stays while the list is read
        await pilot.press("j", "d", "y")  # lantern 6: the search runs again, 2 goes
        await settle(app, pilot)
        assert rows(app)[0] == [0, 4]
        await pilot.press("u", "u")  # the delete, then the accept
        await settle(app, pilot)
        assert rows(app) == ([0, 2, 4, 6], 2)  # matches again: shown, under the cursor


async def test_a_bulk_delete_under_a_filter_keeps_the_filter_and_the_place(write):
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(app, pilot, "lantern")
        await pilot.press("j", "space", "space")  # lantern 2 and 4 marked, cursor on 6
        await pilot.press("B", *["down"] * 8, "enter", "y")
        await settle(app, pilot)
        view, current = rows(app)
        assert view == [0, 4] and current == 4  # lantern 0, lantern 6 (it went to row 0)
        assert "lantern 6" in app.session.row(4).preview


async def test_d_and_its_undo_in_the_duplicates_view_stay_at_the_group(write):
    """`order:group` counts as a ranking, which starts at its best: after `d` and `u`
    the cursor went back to the first group."""
    app = create_app(write([entry(k) for k in KEYS]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        await settle(app, pilot)
        view, _ = rows(app)
        await pilot.press("j", "j", "j", "j")
        victim = rows(app)[1]
        assert victim is not None and view.index(victim) == 4
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert rows(app)[1] != rows(app)[0][0]  # not sent back to the first row
        await pilot.press("u")
        await settle(app, pilot)
        assert rows(app)[1] == victim


async def test_a_new_entry_outside_the_filter_keeps_the_filter_and_says_why(write):
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await search_for(app, pilot, "lantern")
        await pilot.press("j", "O", "o", *"a kite", "escape", "escape")
        await settle(app, pilot)
        bar = app.screen.query_one("StatusBar")
        assert bar.filter == "lantern"  # it was dropped, silently
        assert any("Entry 3 is not in this filter" in n.message
                   for n in app._notifications)


async def test_keys_typed_while_a_search_runs_act_on_its_matches(write, monkeypatch):
    """`/lantern enter j a` accepted a row of the list as it was before the matches
    came (QA: the accept went to an entry without the word); `esc` still passes."""
    import threading

    from rolethread_tui.domain import Session

    go_on, chunks = threading.Event(), Session.search_chunks

    def held(self, query):  # type: ignore[no-untyped-def]
        go_on.wait(10)
        yield from chunks(self, query)

    monkeypatch.setattr(Session, "search_chunks", held)
    app = create_app(lantern_file(write))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            burst(app, "slash", *"lantern", "enter", "j", "a")  # one read, as typed ahead
            for _ in range(50):
                await pilot.pause()
            assert not app.session.dirty  # the rows are not the matches yet
            go_on.set()
            await settle(app, pilot)
            await settle(app, pilot)
            assert app.session.row(2).status == "accepted"  # lantern 2, the second match
            assert app.session.row(1).status == "unreviewed"
            go_on.clear()
            await pilot.press("slash", *"hello", "enter")
            await pilot.pause()
            await pilot.press("slash", *"here")  # `/` passes the hold: typed into its box
            await pilot.pause()
            assert app.screen.query_one(Input).value.endswith("here")  # after the query shown
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("escape")  # passes the hold: the list shows everything again
            await pilot.pause()
            assert app.screen.query_one(EntryList).view is None
    finally:
        go_on.set()
