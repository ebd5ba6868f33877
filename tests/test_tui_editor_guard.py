"""The editor's text box: nothing typed in it is lost, and a read-only session says so first."""

from __future__ import annotations

import json

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.editor import EditorScreen
from rolethread_tui.tui.screens.prompts import ChoiceScreen

from .conftest import clean_entry
from .tui_helpers import settle


def notes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


async def _typing_in_the_editor(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press("G", "e", "ctrl+a", "ctrl+k", *"Rewritten by hand.")
    await pilot.pause()


async def test_ctrl_q_while_typing_asks_and_can_apply_and_save(write):
    path = write([clean_entry(0), clean_entry(1)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _typing_in_the_editor(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ChoiceScreen)
        await pilot.press("s")
        await settle(app, pilot)
    first = json.loads(path.read_bytes().split(b"\n")[0])
    assert first["messages"][-1]["content"] == "Rewritten by hand."


async def test_ctrl_q_while_typing_can_go_back_to_the_text(write):
    path = write([clean_entry(0)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _typing_in_the_editor(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("escape")  # no: back to the text box, the text still there
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, EditorScreen)
        assert app.screen.unapplied
        await pilot.press("!", "escape")
        await pilot.pause()
        assert app.session.entry(0)["messages"][-1]["content"] == "Rewritten by hand.!"


def _header(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#editor-header").render())


async def test_a_read_only_file_refuses_the_text_box_before_typing(write, monkeypatch):
    from rolethread_tui.tui import undo

    monkeypatch.setattr(undo, "SAID_FOR", 0)  # each refusal said: their words compared
    path = write([clean_entry(0), clean_entry(1)])
    path.chmod(0o444)  # no write bit: read-only, even for root (docs/safety.md)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")  # the list's refusal, to compare wordings
        await pilot.pause()
        refusal = notes(app)[-1]
        assert refusal.startswith("read-only: ")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen)
        assert "read-only" in _header(app)
        for key in ("e", "o", "O"):
            app._notifications.clear()
            await pilot.press(key)
            await pilot.pause()
            assert not app.screen.has_class("-editing") and app.focused is None
            assert notes(app) == [refusal]


async def test_a_second_session_opened_read_only_says_so_in_the_editor(write):
    path = write([clean_entry(0)])
    app = create_app(path, readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "read-only" in _header(app) and "unsaved" not in _header(app)
        await pilot.press("e", *"typed for nothing")
        await pilot.pause()
        assert not app.screen.has_class("-editing")
        assert notes(app)[-1].startswith("read-only: ")


async def test_the_editor_header_says_saved_after_ctrl_s(write):
    path = write([clean_entry(0), clean_entry(1)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "a")
        await settle(app, pilot)
        assert "unsaved changes" in _header(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not app.session.dirty
        assert "unsaved" not in _header(app) and "saved" in _header(app)


async def test_a_read_only_session_refuses_the_note_and_tag_prompts_before_typing(write):
    app = create_app(write([clean_entry(0)]), readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for key in ("n", "t"):  # the list's line prompt
            await pilot.press(key)
            await pilot.pause()
            assert not app.screen.query_one("#line-prompt").visible
            assert notes(app)[-1].startswith("read-only: ")
        await pilot.press("enter")
        await settle(app, pilot)
        for key in ("n", "t"):  # the editor's prompts
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, EditorScreen)
