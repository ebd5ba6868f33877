"""Keys that reach the app in one read (a paste, a burst over laggy SSH, typing ahead).

`pilot.press` waits for the app to go idle after every key, so it never shows
the race: `burst` hands the keys to the driver at once, as one terminal read does.
"""

from __future__ import annotations

import json

from textual import events

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.editor import EditorScreen
from rolethread_tui.tui.screens.list_screen import ListScreen

from .conftest import clean_entry
from .tui_helpers import settle


def burst(app, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """All `keys` at once, without a pause: what the driver posts for one read."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


def sample(write):  # type: ignore[no-untyped-def]
    return write([json.dumps(clean_entry(i)) for i in range(60)])


async def test_a_note_typed_ahead_goes_into_the_note(write):
    app = create_app(sample(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "n", "b", "a", "d", "enter")
        await settle(app, pilot)
        assert app.session.note(0) == "bad"
        assert app.session.row(0).status == "unreviewed"  # the `a` was typed, not pressed
        assert isinstance(app.screen, ListScreen)  # the enter saved the note, opened nothing
        assert app.session.undo_label == "note on entry 1"


async def test_a_search_typed_ahead_is_searched(write):
    app = create_app(sample(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "slash", *"salt", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)  # the search box closed on enter
        assert app.screen.query_text == "salt"


async def test_go_to_typed_ahead_goes_there(write):
    app = create_app(sample(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "colon", "5", "0", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.entries.current == 49
        assert app.session.undo_label is None  # the digits toggled no flag


async def test_a_message_typed_ahead_in_the_editor_is_the_message(write):
    app = create_app(sample(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen)
        burst(app, "G", "o", *"hi there", "escape")
        await settle(app, pilot)
        messages = app.session.entry(0)["messages"]
        assert messages[-1]["content"] == "hi there"
        assert app.session.row(0).status == "unreviewed"


async def test_a_new_entry_typed_ahead_is_written(write):
    app = create_app(sample(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "N", "o", *"hello from a human", "escape", "escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        assert len(app.session) == 61
        entry = app.session.entry(1)
        assert [m["content"] for m in entry["messages"]] == ["hello from a human"]
        assert entry["_review"]["origin"] == "human"


async def test_keys_typed_after_quit_are_dropped_without_an_error(write):
    app = create_app(sample(write))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "q", *"jjjjjjjj")
        await pilot.pause()
    assert app.return_code == 0
