"""The preview pane shows exactly the whole entry's wrap, though a move wraps only its top.

A move to another entry wraps just the paragraphs that fill the pane (a held
key no longer waits for a whole conversation's layout); the rest follows once
the reviewer pauses or scrolls. What is on screen must be the same lines, at
the same width, as wrapping the whole entry at once.
"""

from __future__ import annotations

import pytest

from rolethread_tui.tui.widgets import lines as preview_module
from rolethread_tui.tui.widgets.preview import Preview

from .tui_helpers import settle

PARAGRAPH = ("She set the lantern down on the harbor wall and watched the tide come in, "
             "counting the boats that came home before the storm. ")


def long_entry(i: int) -> dict:
    """A reply of many paragraphs: wide characters, combining marks and markup-like
    text among them, so estimates of where lines break are sometimes wrong."""
    paragraphs = [PARAGRAPH * (1 + (i + k) % 3) for k in range(30)]
    paragraphs[3] = "漢字のテキスト" * (5 + i % 4)           # two cells per character
    paragraphs[5] = "e\u0301" * (90 + 7 * i)                # half the characters take no cell
    paragraphs[7] = "[bold]not markup[/bold] " * 6
    return {"messages": [
        {"role": "system", "content": "You are Mira, a lighthouse keeper."},
        {"role": "user", "content": f"Tell me about night {i}."},
        {"role": "assistant", "content": "\n".join(paragraphs)},
    ]}


def whole_wrap(pane: Preview) -> tuple[list, int]:
    """The lines and width of the whole entry wrapped at once: at the pane's width,
    less the scrollbar's when that overflows the pane."""
    width = pane.size.width
    lines = pane._wrap(width)
    if len(lines) > pane.size.height:
        width -= pane.styles.scrollbar_size_vertical
        lines = pane._wrap(width)
    return lines, width


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_a_move_shows_the_top_of_the_whole_wrap_and_completes_it(write, size):
    from rolethread_tui.tui.app import create_app

    app = create_app(write([long_entry(i) for i in range(8)]))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        pane = app.screen.query_one(Preview)
        partial_moves = 0
        for _ in range(7):
            await pilot.press("j")
            await pilot.pause(preview_module.COMPLETE_DELAY / 6)  # the preview, not the rest
            lines, width = whole_wrap(pane)
            assert pane._width == width
            assert pane._lines == lines[:len(pane._lines)]
            assert len(pane._lines) > pane.size.height   # the pane is full
            partial_moves += pane._partial
            await pilot.pause(preview_module.COMPLETE_DELAY * 2)
            assert not pane._partial                     # the reviewer paused: all wrapped
            assert (pane._lines, pane._width) == (lines, width)
            assert pane.virtual_size.height == len(lines)   # the scrollbar's true length
        assert partial_moves >= 4                        # most moves wrapped only the top
        assert "[bold]not markup[/bold]" in pane.text


async def test_scrolling_a_partly_wrapped_entry_wraps_the_rest_first(write):
    from rolethread_tui.tui.app import create_app

    app = create_app(write([long_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        pane = app.screen.query_one(Preview)
        await pilot.press("j")
        await pilot.pause(preview_module.COMPLETE_DELAY / 6)
        assert pane._partial
        lines, _ = whole_wrap(pane)
        pane.scroll_to(y=len(lines), animate=False)      # to the very end
        await pilot.pause()
        assert not pane._partial and pane._lines == lines
        assert pane.scroll_offset.y == len(lines) - pane.size.height   # the last line shows


async def test_a_flag_on_the_entry_shown_keeps_its_scrollbar_still(write):
    """A flag changes the review line; the entry is wrapped whole again at once, so
    its height (the scrollbar's thumb) never passes through an estimate."""
    from rolethread_tui.tui.app import create_app

    app = create_app(write([long_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        pane = app.screen.query_one(Preview)
        await pilot.press("j")
        await pilot.pause(preview_module.COMPLETE_DELAY * 2)
        height = pane.virtual_size.height
        await pilot.press("1")
        await pilot.pause(preview_module.COMPLETE_DELAY / 6)
        assert not pane._partial and pane.virtual_size.height == height
        assert app.session.row(1).flags and app.session.row(1).flags[0] in pane.text
