"""Whole-entry keys of the list: `O` writes a new entry before the current one (so a
hand-written entry can go first in the file, which `N` never could) and `d`
deletes the current entry after a y/n question, as one undo step (QA pass)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolethread_tui.domain import OpError, Session
from rolethread_tui.domain.journal import Journal
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.commands import screen_commands
from rolethread_tui.tui.screens.editor import EditorScreen
from rolethread_tui.tui.screens.prompts import ConfirmScreen
from rolethread_tui.tui.screens.reading import ReadingScreen
from rolethread_tui.tui.widgets.entry_list import EntryList

from .conftest import chat, clean_entry
from .tui_helpers import scan_held_midway, screen_text, search_for, settle


def notes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def current(app) -> int | None:  # type: ignore[no-untyped-def]
    return app.screen_stack[1].query_one(EntryList).current  # the list, under any view


# ----------------------------------------------------------------- domain
def test_add_entry_before_zero_puts_the_entry_first_and_leaves_every_line(write):
    path = write([clean_entry(i) for i in range(3)])
    before = lines_of(path)
    s = Session.open(path)
    s.wait()
    assert s.add_entry([{"role": "user", "content": "first"}], before=0) == 0
    assert s.undo_label == "new entry 1"
    s.save()
    s.close()
    after = lines_of(path)
    assert json.loads(after[0])["messages"] == [{"role": "user", "content": "first"}]
    assert after[1:] == before


def test_add_entry_refuses_both_anchors_and_a_place_outside_the_file(write):
    s = Session.open(write([clean_entry(0)]))
    s.wait()
    with pytest.raises(ValueError):
        s.add_entry([], after=0, before=0)
    with pytest.raises(OpError):
        s.add_entry([], before=5)  # a list insert would have put it last, silently
    assert len(s) == 1 and not s.dirty
    s.close()


# ----------------------------------------------------------------- new entry before
async def test_O_on_the_first_entry_writes_one_first_in_the_file(write):
    path = write([clean_entry(i) for i in range(3)])
    before = lines_of(path)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("O")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen) and app.screen.index == 0
        await pilot.press("o", *"Written first", "ctrl+s", "escape")
        await settle(app, pilot)
        assert current(app) == 0
        await pilot.press("s")
        await settle(app, pilot)
    after = lines_of(path)
    first = json.loads(after[0])
    assert [m["content"] for m in first["messages"]] == ["Written first"]
    assert first["_review"]["origin"] == "human"
    assert after[1:] == before  # every other line byte for byte


async def test_O_then_escape_drops_the_empty_entry_and_keeps_the_cursor(write):
    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "O")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen) and app.screen.index == 1
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(app.session) == 3 and not app.session.dirty
        assert "Empty new entry dropped." in notes(app)
        assert app.screen.query_one(EntryList).current == 1


# ----------------------------------------------------------------- delete entry
async def test_d_asks_then_deletes_one_undo_step_journaled_and_saved(write):
    path = write([clean_entry(i) for i in range(4)])
    before = lines_of(path)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Delete entry 2?" in screen_text(app)
        await pilot.press("n")  # keep
        await settle(app, pilot)
        assert len(app.session) == 4 and not app.session.dirty
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert len(app.session) == 3
        assert app.screen.query_one(EntryList).current == 1  # the entry that took its place
        assert "(2)" in app.session.row(1).preview
        steps = Journal.pending(path).steps  # type: ignore[union-attr]
        assert [s.change.label for s in steps if s.change] == ["delete entry 2"]
        await pilot.press("u")
        await settle(app, pilot)
        assert "Undid: delete entry 2" in notes(app) and len(app.session) == 4
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert "Redid: delete entry 2" in notes(app) and len(app.session) == 3
        await pilot.press("s")
        await settle(app, pilot)
    assert lines_of(path) == before[:1] + before[2:]


async def test_deleting_the_last_entry_lands_on_the_new_last(write):
    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("G", "d", "y")
        await settle(app, pilot)
        assert len(app.session) == 2
        assert app.screen.query_one(EntryList).current == 1


async def test_undoing_the_delete_of_the_last_entry_shows_it_again(write):
    """The undo's focus was the delete's (the new last entry): the cursor stayed on
    the entry before the one brought back."""
    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("G", "d", "y")
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        assert len(app.session) == 3
        assert app.screen.query_one(EntryList).current == 2


def lantern_file(write) -> Path:  # type: ignore[no-untyped-def]
    """Eight entries; the even ones mention a lantern (numbered, to tell them apart)."""
    return write([chat(("user", f"where is lantern {i}" if i % 2 == 0 else f"hello {i}"),
                       ("assistant", "here")) for i in range(8)])


async def test_d_in_a_filtered_list_lands_on_the_next_match(write):
    """The cursor went back to the first match: its stale row named the entry after
    the deleted one (no match), so the search that ran again could not keep it."""
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(app, pilot, "lantern")
        await pilot.press("j", "j", "d", "y")  # the third match: lantern 4
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        assert list(entries.view) == [0, 2, 5]
        assert entries.cursor == 2 and "lantern 6" in app.session.row(entries.current).preview


async def test_undoing_a_delete_in_a_filtered_list_lands_on_the_entry_brought_back(write):
    """The search run again after the undo kept the cursor's row, which named another
    entry by then (one entry more before it): the cursor went to the first match."""
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(app, pilot, "lantern")
        await pilot.press("j", "j", "d", "y")  # the third match: lantern 4
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        assert list(entries.view) == [0, 2, 4, 6]
        assert entries.current == 4 and "lantern 4" in app.session.row(4).preview


async def test_d_under_a_filter_no_query_names_keeps_its_rows_right(write):
    """An insights figure's filter is not searched again: its rows must follow the delete."""
    app = create_app(lantern_file(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.screen.show_positions("figure", [1, 4, 6])
        await pilot.pause()
        await pilot.press("d", "y")  # hello 1
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        previews = [app.session.row(p).preview for p in entries.view]
        assert previews == ["where is lantern 4", "where is lantern 6"]
        assert entries.cursor == 0


async def test_d_in_the_reading_view_shows_the_next_entry(write):
    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("z", "d", "y")
        await settle(app, pilot)
        assert isinstance(app.screen, ReadingScreen)
        assert len(app.session) == 2
        text = screen_text(app)
        assert "Entry 1/2" in text and "(1)" in text


async def test_d_on_a_read_only_session_says_so_and_asks_nothing(write):
    path = write([clean_entry(0), clean_entry(1)])
    app = create_app(path, readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        said = len(notes(app))
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("read-only" in n.lower() for n in notes(app)[said:])  # at once, in words
        assert len(app.session) == 2


async def test_a_read_only_session_says_its_refusal_once_not_a_toast_per_key(write):
    """Every refused key stacked another five-line toast over the list (QA pass)."""
    app = create_app(write([clean_entry(i) for i in range(4)]), readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        said = len(notes(app))
        await pilot.press("a", "x", "d", "w", "1")
        await pilot.pause()
        refusals = [n for n in notes(app)[said:] if "read-only" in n.lower()]
        assert len(refusals) == 1 and not app.session.dirty


async def test_both_keys_are_rebindable_and_in_the_palette_and_help(write):
    app = create_app(write([clean_entry(0), clean_entry(1)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.set_keymap({"delete_entry": "ctrl+d", "new_entry_before": "P"})
        by_id = {c.binding_id: c for c in screen_commands(app.screen)}
        assert by_id["delete_entry"].keys == ("^d",)
        assert by_id["new_entry_before"].title == "New entry before this one"
        assert by_id["new_entry_before"].keys == ("P",)
        help_ids = {row[2]: row[0] for row in app.key_table()}
        assert help_ids["delete_entry"] == "^d" and help_ids["new_entry_before"] == "P"
        await pilot.press("d")  # its default key no longer deletes
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


async def test_whole_entry_keys_during_the_scan_say_so_instead_of_freezing(write, monkeypatch):
    """`d`, `N` and `O` need every position known (the domain waits for the scan): during
    the scan they said nothing and froze the screen until it ended (~20 s at 1M)."""
    go_on, published = scan_held_midway(monkeypatch)
    app = create_app(write([clean_entry(i) for i in range(600)]))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            while len(published) < 3:  # bounded: the scan's third landing
                await pilot.pause()
            for key, what in (("d", "Deleting an entry"), ("N", "A new entry"),
                              ("O", "A new entry")):
                await pilot.press(key)
                await pilot.pause()
                assert not isinstance(app.screen, (ConfirmScreen, EditorScreen)), key
                assert any(n.startswith(f"{what} waits until the file is loaded")
                           for n in notes(app)), (key, notes(app))
            assert app.session.scanning and not app.session.dirty
            go_on.set()
            await settle(app, pilot)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)  # loaded: asked as usual
    finally:
        go_on.set()


async def test_an_undo_in_the_editor_keeps_it_on_its_own_conversation(write):
    """Undoing a delete made on the list, from the editor, left the editor on the row
    number it had: another conversation, which the next key then changed (QA pass)."""
    app = create_app(write([chat(("user", f"question {i}"), ("assistant", f"answer {i}"))
                            for i in range(12)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "d", "y")  # entry 3 goes
        await settle(app, pilot)
        await pilot.press("colon", "9", "enter", "enter")  # the editor on "question 9"
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen) and editor.index == 8
        await pilot.press("u")  # entry 3 comes back: "question 9" is entry 10 again
        await settle(app, pilot)
        assert editor.index == 9
        assert editor.view.messages[0].text == "question 9"
