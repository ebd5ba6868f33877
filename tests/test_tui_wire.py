"""Over SSH every byte counts (docs/architecture.md, "Repaints"): a key repaints what changed.

Textual writes every dirty region to the terminal; it does not diff against the
previous frame. So the bytes a key costs are the regions it marks dirty: a move
must repaint two list rows (not the list), a flag toggle the flag's line of the
preview (not the pane). Measured in a real terminal by `benchmarks/bench.py
--only wire`; here the regions are asserted.
"""

from __future__ import annotations

from textual.widget import Widget

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.list_screen import PREVIEW_DELAY
from rolethread_tui.tui.widgets.entry_list import EntryList
from rolethread_tui.tui.widgets.preview import Preview

from .conftest import clean_entry
from .tui_helpers import screen_text, settle


class Repaints:
    """Every `refresh` of the list and the preview: None for "the whole widget"."""

    def __init__(self, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        self.calls: list[tuple[str, int | None]] = []
        original = Widget.refresh

        def spy(widget, *regions, **kwargs):  # type: ignore[no-untyped-def]
            if isinstance(widget, (EntryList, Preview)) and kwargs.get("repaint", True):
                name = type(widget).__name__
                self.calls.extend([(name, r.height) for r in regions] or [(name, None)])
            return original(widget, *regions, **kwargs)

        monkeypatch.setattr(Widget, "refresh", spy)

    def of(self, name: str) -> list[int | None]:
        return [height for widget, height in self.calls if widget == name]


async def _press(app, pilot, repaints: Repaints, key: str) -> None:  # type: ignore[no-untyped-def]
    repaints.calls.clear()
    await pilot.press(key)
    await pilot.pause(PREVIEW_DELAY * 4)  # the preview follows a move one frame later
    await pilot.pause()


async def test_a_move_repaints_two_rows_and_a_flag_one_preview_line(write, monkeypatch):
    path = write([clean_entry(i) for i in range(50)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j")  # the first preview at full width
        await settle(app, pilot)
        repaints = Repaints(monkeypatch)

        await _press(app, pilot, repaints, "j")
        assert repaints.of("EntryList") == [1, 1]  # the old cursor row and the new one
        assert None not in repaints.of("Preview")

        await _press(app, pilot, repaints, "1")
        assert app.session.row(2).flags  # the flag is on
        assert repaints.of("EntryList") == [1]
        assert repaints.of("Preview") == [1]  # the review line: nothing under it moves
        assert app.session.row(2).flags[0] in app.screen.query_one(Preview).text.splitlines()[0]


async def test_the_note_prompt_takes_the_footer_line_and_leaves_the_list_alone(write, monkeypatch):
    path = write([clean_entry(i) for i in range(50)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        repaints = Repaints(monkeypatch)
        await _press(app, pilot, repaints, "n")
        assert app.screen.query_one("LinePrompt").asking
        assert "Note for entry 1" in screen_text(app).splitlines()[-1]
        assert repaints.of("EntryList") == [1]  # the cursor row dims: the list lost focus
        assert repaints.of("Preview") == []
        await pilot.press(*"too polite")
        await _press(app, pilot, repaints, "enter")
        assert app.session.note(0) == "too polite"
        assert app.focused is app.screen.query_one(EntryList)
        # the cursor row (focus back, the note's op): one line, maybe twice; no full list
        assert set(repaints.of("EntryList")) == {1} and len(repaints.of("EntryList")) <= 2
        assert repaints.of("Preview") == [1]
