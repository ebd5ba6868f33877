"""The preview pane shows exactly the whole entry's wrap, though a move wraps only its top.

A move to another entry wraps just the paragraphs that fill the pane (a held
key no longer waits for a whole conversation's layout); the rest follows once
the reviewer pauses or scrolls. What is on screen must be the same lines, at
the same width, as wrapping the whole entry at once.
"""

from __future__ import annotations

import pytest
from rich.text import Text

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets import lines as preview_module
from rolethread_tui.tui.widgets.lines import LineView
from rolethread_tui.tui.widgets.preview import Preview

from .conftest import chat, clean_entry
from .test_tui_wire import Wire
from .test_tui_wire_reading import drawn_afresh
from .test_tui_wire_reading import long_entry as reading_entry
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


#: A look at the screen right after a key: far shorter than `COMPLETE_DELAY`.
GLANCE = 0.05


@pytest.fixture
def no_pause_completes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rest of a partly wrapped entry is not wrapped by the reader's pause (its
    timer is a minute away), only by what the test does: a loaded host running the
    suite can take longer than `COMPLETE_DELAY` between a key and the next look."""
    monkeypatch.setattr(preview_module, "COMPLETE_DELAY", 60.0)


async def moved_in_part(app, pilot) -> Preview:  # type: ignore[no-untyped-def]
    """The preview just after `j` onto a long entry: wrapped in part, the rest to come
    (use with `no_pause_completes`)."""
    await settle(app, pilot)
    pane = app.screen.query_one(Preview)
    await pilot.press("j")
    await pilot.pause(GLANCE)
    assert pane._partial
    return pane


@pytest.mark.parametrize("size", [(160, 50)])  # 80x24: the tests below
async def test_a_move_shows_the_top_of_the_whole_wrap_and_completes_it(write, size):
    app = create_app(write([long_entry(i) for i in range(8)]))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        pane = app.screen.query_one(Preview)
        partial_moves = 0
        for _ in range(4):
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
        assert partial_moves >= 3                        # most moves wrapped only the top
        assert "[bold]not markup[/bold]" in pane.text


async def test_scrolling_a_partly_wrapped_entry_wraps_the_rest_first(write, no_pause_completes):
    app = create_app(write([long_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await moved_in_part(app, pilot)
        lines, _ = whole_wrap(pane)
        pane.scroll_to(y=len(lines), animate=False)      # to the very end
        await pilot.pause()
        assert not pane._partial and pane._lines == lines
        assert pane.scroll_offset.y == len(lines) - pane.size.height   # the last line shows


async def test_a_flag_on_the_entry_shown_keeps_its_scrollbar_still(write):
    """A flag changes the review line; the entry is wrapped whole again at once, so
    its height (the scrollbar's thumb) never passes through an estimate."""
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


async def test_what_the_terminal_shows_is_the_whole_wrap_through_moves_scrolls_and_pauses(
        write, monkeypatch):
    """Every frame played on a model terminal: after partial wraps, their completion,
    scrolls of a partly wrapped entry and a flag, the screen is the one drawn afresh
    and its rows are the whole wrap's."""
    app = create_app(write([long_entry(n) if n % 3 != 2 else clean_entry(n) for n in range(10)]))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        wire = Wire(monkeypatch)
        terminal, _ = drawn_afresh(app)
        pane = app.screen.query_one(Preview)
        for step in ["j", "scroll", "pause", "j", "j", "scroll", "j", "j", "pause", "scroll",
                     "k", "1", "pause", "j", "j"]:
            wire.frames.clear()
            if step == "pause":
                await pilot.pause(preview_module.COMPLETE_DELAY * 2)
            elif step == "scroll":
                pane.scroll_to(y=7, animate=False)
                await pilot.pause(0.05)
            else:
                await wire.cost(pilot, step)
            terminal.play(wire.frames)
            lines, _ = whole_wrap(pane)
            top = round(pane.scroll_offset.y)
            rows = slice(top, top + pane.size.height)
            assert terminal.seen() == drawn_afresh(app)[0].seen(), step
            assert pane._lines[rows] == lines[rows], step


async def test_text_of_zero_width_characters_is_never_shown_at_the_wrong_width(write):
    """Combining marks make characters outnumber cells: a text that fits the full
    width must not be shown, even for a moment, narrowed for a scrollbar."""
    app = create_app(write([clean_entry(n) for n in range(3)]))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        pane = app.screen.query_one(Preview)
        width, height = pane.size.width, pane.size.height
        for marks in range(width, 3 * width, 7):
            for paragraphs in range(height // 2, height + 2):
                cells, extra = width - 1, marks - (width - 1)   # fits at the full width only
                line = "".join("e" + "\u0301" * (extra // cells + (i < extra % cells))
                               for i in range(cells))
                text = Text("\n".join([line] * paragraphs))
                pane.set_text([Text("head")], text, whole=False)
                shown, shown_width = list(pane._lines), pane._width
                pane.set_text([Text("head")], text, whole=True)
                assert shown == pane._lines[:len(shown)] and shown_width == pane._width


async def test_a_jump_to_the_end_of_a_partly_wrapped_entry_reaches_its_end(write,
                                                                           no_pause_completes):
    """The height is estimated until the rest is wrapped; the estimate errs high, so
    a jump to the end lands on the true last line."""
    reply = "\n".join("漢字のテキスト" * 12 for _ in range(60))   # two cells a character
    app = create_app(write([chat(("user", "x"), ("assistant", reply)) for _ in range(3)]))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await moved_in_part(app, pilot)
        pane.scroll_end(animate=False)
        await pilot.pause()
        lines, _ = whole_wrap(pane)
        assert pane.scroll_offset.y == len(lines) - pane.size.height


async def test_a_move_in_the_reading_view_wraps_the_next_entry_once_and_in_part(
        write, monkeypatch, no_pause_completes):
    """`j` draws the next entry; the list's cursor then following it must not draw
    the same entry again, whole (that wrap is what the partial one saves)."""
    app = create_app(write([long_entry(n) for n in range(6)]))
    wraps = []
    real = LineView._render_lines

    def spy(self, whole=True):
        if self.id == "reading-body":
            wraps.append(whole)
        return real(self, whole)

    monkeypatch.setattr(LineView, "_render_lines", spy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("z")
        await settle(app, pilot)
        wraps.clear()
        await pilot.press("j")
        await pilot.pause(GLANCE)
        assert wraps == [False]
        assert app.screen.query_one("#reading-body", LineView)._partial


async def test_back_on_the_list_after_reading_no_cell_is_stale(write, monkeypatch):
    app = create_app(write([reading_entry(n) if n % 2 == 0 else clean_entry(n)
                            for n in range(12)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        wire = Wire(monkeypatch)
        terminal, _ = drawn_afresh(app)
        for key in ["z", "j", "j", "space", "j", "1", "z", "j", "k", "z", "space", "k",
                    "escape", "j"]:
            await wire.cost(pilot, key)
            terminal.play(wire.frames)
            assert terminal.seen() == drawn_afresh(app)[0].seen(), key


async def test_the_reading_view_marks_the_slop_lens_when_it_arrives(write, monkeypatch):
    """The lens may finish while the reviewer reads: the entry is drawn again with its
    repeated phrases marked, though neither it nor the session changed."""
    from .slopgen import make_batch

    batch = make_batch(200, planted_share=0.15, seed=3)
    app = create_app(write(batch.entries))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        session = app.session
        worst = session.slop().ranked()[0]
        ready = type(session).slop_phrases
        monkeypatch.setattr(type(session), "slop_phrases", lambda self, i: [])  # not yet
        await pilot.press("slash", *"order:slop", "enter")
        await settle(app, pilot)
        await pilot.press("z")
        await settle(app, pilot)
        home = app.screen.home
        assert home.entries.current == worst

        def marked() -> set[str]:
            body = app.screen.query_one("#reading-body", LineView).content
            return {body.plain[s.start:s.end] for s in body.spans if "underline" in str(s.style)}

        assert not marked()
        monkeypatch.setattr(type(session), "slop_phrases", ready)
        home._slop_ready()                                   # the lens has come
        await pilot.pause()
        assert marked()
