"""Search, bulk actions over matches, undo — through the real app at 80x24."""

from __future__ import annotations

import json
import re

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets.entry_list import EntryList

from .conftest import chat, clean_entry
from .tui_helpers import screen_text, settle


def dataset() -> list[dict]:
    out = [clean_entry(i) for i in range(10)]
    for i in (2, 5, 7):
        out[i]["messages"][2]["content"] = "I'm sorry, but as an AI language model I cannot."
    return out


async def test_search_bulk_reject_undo_and_file(write):
    path = write(dataset())
    original = path.read_bytes()
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"issue:refusal origin:generated", "enter")
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        assert list(entries.view) == [2, 5, 7]
        assert "(3)" in screen_text(app)
        await pilot.press("B")
        await pilot.pause()
        await pilot.press("down", "enter")    # Reject
        await pilot.pause()
        assert "3 entries" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.session.counts()["status"]["rejected"] == 3
        assert len(app.session.history.labels()) == 1   # one undo step
        await pilot.press("s")
        await settle(app, pilot)
        saved = path.read_bytes().split(b"\n")
        assert [json.loads(saved[i])["_review"]["status"] for i in (2, 5, 7)] == ["rejected"] * 3
        await pilot.press("u", "s")
        await settle(app, pilot)
    assert path.read_bytes() == original


async def test_bad_query_points_at_the_token_and_keeps_the_text(write):
    app = create_app(write(dataset()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"stauts:accepted", "enter")
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        assert "unknown field 'stauts' at column 1" in text  # the prompt comes back, explained
        assert "stauts:accepted" in text                   # with the text kept for fixing
        assert "(at column" not in text                    # the position is said once
        await pilot.press("escape")


async def test_marks_and_range_then_bulk_flag(write):
    app = create_app(write(dataset()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space")            # mark 0, cursor → 1
        await pilot.press("j", "j", "V")      # range 0..3
        await pilot.press("B")
        await pilot.pause()
        assert "4 marked entries: one undoable step" in screen_text(app)
        await pilot.press("down", "down", "down", "down", "enter")   # Flag…
        await pilot.pause()
        await pilot.press(*["j"] * 7, "enter")  # picked from the flag set: "style" (8)
        await pilot.pause()
        assert "Add flag style — 4 entries?" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        flagged = [i for i in range(10) if "style" in app.session.row(i).flags]
        assert flagged == [0, 1, 2, 3]
        await pilot.press("g", "space", "j", "j", "V")  # marks were used: mark 0..3 again
        await pilot.press("B", "down", "down", "down", "down", "enter")
        await pilot.pause()
        await pilot.press(*["j"] * 9, "enter")  # "new flag…": typed, and said so
        await pilot.pause()
        await pilot.press(*"tone", "enter")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert [i for i in range(10) if "tone" in app.session.row(i).flags] == [0, 1, 2, 3]


async def test_the_bulk_dialog_counts_in_words(write):
    """It said "1 marked entries" and "92240" where the rest of the app says 92,240."""
    app = create_app(write(dataset()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "B")
        await pilot.pause()
        assert "1 marked entry: one undoable step" in screen_text(app)


async def test_escape_clears_filter_and_matches_are_highlighted(write):
    data = dataset()
    data[4] = chat(("user", "tell me about the dragon"), ("assistant", "The dragon sleeps."))
    app = create_app(write(data))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"dragon", "enter")
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        assert list(entries.view) == [4] and entries.current == 4
        await pilot.press("escape")
        await settle(app, pilot)
        assert entries.view is None and entries.current == 4


async def test_undo_works_while_a_filter_shows_nothing(write):
    app = create_app(write(dataset()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.press("slash", *"zzzznomatch", "enter")
        await settle(app, pilot)
        assert app.screen.query_one(EntryList).count == 0
        await pilot.press("u")
        await settle(app, pilot)
        assert app.session.row(0).status == "unreviewed"


def _few_refusals() -> list[dict]:
    out = [clean_entry(i) for i in range(200)]
    for i in range(3, 200, 25):  # 8 matches: the filtered list fits on screen
        out[i]["messages"][2]["content"] = "I'm sorry, but as an AI language model I cannot."
    return out


def _cursor_row_on_screen(entries: EntryList) -> bool:
    top = round(entries.scroll_offset.y)
    return top <= entries.cursor < top + entries.rows_shown


async def test_leaving_a_filter_that_fit_on_screen_keeps_the_cursor_row_on_screen(write):
    """DESIGN §4: the cursor row is always on screen. From a filter short enough to
    need no scrollbar, `esc` (or a go-to, which clears the filter) showed rows 1-13
    around a cursor on entry 179, so `a` acted on an entry the list did not show."""
    app = create_app(write(_few_refusals()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        for leave in (["escape"], ["colon", *"120", "enter"]):
            await pilot.press("slash", *"issue:refusal", "enter")
            await settle(app, pilot)
            await pilot.press("G")
            await settle(app, pilot)
            assert entries.view is not None and not entries.show_vertical_scrollbar
            await pilot.press(*leave)
            await settle(app, pilot)
            assert entries.view is None and entries.current in (178, 119)
            assert _cursor_row_on_screen(entries), leave
            # no horizontal scrollbar: the rows are as wide as the space inside the bar
            assert entries.virtual_size.width == entries.scrollable_content_region.width
            assert re.search(rf"^▶ *{entries.current + 1} ", screen_text(app), re.M)


async def test_a_range_starts_at_the_entry_last_marked_whatever_the_filter_was(write):
    """`V` ranged from a row number: a `space` on match 3 of a search, then `esc`
    and a go-to, marked rows 3-10 of the whole list — entries never picked. The
    status bar's count follows each mark at once."""
    app = create_app(write(_few_refusals()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        await pilot.press("slash", *"issue:refusal", "enter")
        await settle(app, pilot)
        await pilot.press("j", "j", "space")       # marks entry 53, the third match
        await pilot.pause()
        assert "●1 marked" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("colon", *"50", "enter", "V")  # entry 49 .. entry 53
        await pilot.pause()
        marked = sorted(app.session.position(r) for r in entries.marked)
        assert marked == [49, 50, 51, 52, 53]
        assert "●5 marked" in screen_text(app)
        await pilot.press("slash", *"issue:refusal", "enter")
        await settle(app, pilot)
        await pilot.press("G", "V")                # the anchor (entry 49) is not a match:
        await pilot.pause()                        # only the entry under the cursor joins
        assert sorted(app.session.position(r) for r in entries.marked) == [*marked, 178]
        await pilot.press("space")                 # unmark 178
        await pilot.pause()
        assert "●5 marked" in screen_text(app)


async def test_the_status_bar_says_a_query_is_still_running(write, monkeypatch):
    """`order:slop` on 100k kept the last ranking on screen for ~5 s under the new
    label, with nothing saying it was not done (QA). The bar says so beside the
    filter until the matches are shown."""
    import threading

    from rolethread_tui.domain import Session
    from rolethread_tui.tui.screens import lens
    from rolethread_tui.tui.widgets.status_bar import StatusBar

    monkeypatch.setattr(lens, "SLOP_ON_OPEN", 0)  # the lens waits to be asked
    go = threading.Event()
    real_slop = Session.slop
    monkeypatch.setattr(Session, "slop", lambda self: go.wait(10) and real_slop(self))
    path = write([clean_entry(i) for i in range(30)])
    app = create_app(path)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(StatusBar)
        app.screen.apply_query("order:slop")
        assert "/order:slop (…) searching…" in str(bar.render_text())
        for _ in range(200):
            if "measuring repeats…" in str(bar.render_text()):
                break
            await pilot.pause(0.02)
        assert "/order:slop" in str(bar.render_text())
        assert "measuring repeats…" in str(bar.render_text())
        go.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = str(bar.render_text())
        assert "/order:slop (30)" in text and "measuring" not in text and "searching" not in text


async def test_the_editor_marks_the_search_matches_too(write):
    """DESIGN §4: matches are highlighted in the reading view, the preview and the
    editor; the editor showed them unmarked (QA)."""
    from rolethread_tui.tui.conversation import MATCH_STYLE
    from rolethread_tui.tui.screens.editor import EditorScreen, MessageView

    data = dataset()
    data[4] = chat(("user", "tell me about the dragon"), ("assistant", "The Dragon sleeps."))
    app = create_app(write(data))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"dragon", "enter")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen)
        texts = [view.content for view in app.screen.query(MessageView)]
        marked = [t.plain[span.start:span.end] for t in texts for span in t.spans
                  if span.style == MATCH_STYLE]
        assert marked == ["dragon", "Dragon"]
