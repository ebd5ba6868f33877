"""The list screen at 80x24 and 160x50: nothing cut off, space used where there is some."""

from __future__ import annotations

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets.preview import Preview

from .conftest import clean_entry
from .tui_helpers import screen_text, settle


async def shots(path, size):
    app = create_app(path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        plain = screen_text(app)
        await pilot.press("f")
        await pilot.pause()
        sidebar = screen_text(app)
        preview = app.screen.query_one(Preview)
        return plain, sidebar, preview.region


async def test_80x24_and_160x50(write):
    path = write([clean_entry(i) for i in range(40)])
    small, small_side, small_preview = await shots(path, (80, 24))
    big, big_side, big_preview = await shots(path, (160, 50))
    for text, width, height in ((small, 80, 24), (big, 160, 50)):
        lines = text.splitlines()
        assert len(lines) == height and all(len(line) <= width for line in lines)
        assert "data.jsonl" in lines[-2]            # status bar, whole
        assert "Accept" in lines[-1]                # footer
    assert "·40" in small.splitlines()[-2]         # counts fit at 80 columns
    assert "9 □ other" in small_side and "9 □ other" in big_side   # every flag visible
    assert small_preview.y > 10                    # 80x24: preview below the list
    assert big_preview.x > 60 and big_preview.height > 30   # 160x50: beside the list


async def test_tiny_terminal_hides_panels_instead_of_cutting(write):
    path = write([clean_entry(i) for i in range(5)])
    app = create_app(path)
    async with app.run_test(size=(60, 14)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        text = screen_text(app)
        assert "□ refusal" not in text             # sidebar collapsed at 60 columns
        assert "Where does the old road" in text   # rows still readable
