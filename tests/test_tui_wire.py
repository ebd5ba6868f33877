"""Over SSH every byte counts (docs/architecture.md, "Repaints"): a key repaints what changed.

Textual writes every dirty region to the terminal; it does not diff against the
previous frame. So the bytes a key costs are the regions it marks dirty: a move
must repaint two list rows (not the list), a flag toggle the flag's line of the
preview (not the pane). Measured in a real terminal by `benchmarks/bench_wire.py`;
here the regions are asserted, and the bytes counted as the app hands them to
the terminal driver (a 256-colour terminal, tmux's default).
"""

from __future__ import annotations

from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from textual._compositor import CompositorUpdate
from textual.app import App
from textual.strip import Strip
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


_ATTRIBUTES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "blink": "5",
               "reverse": "7", "conceal": "8", "strike": "9", "overline": "53"}


def _sgr(text: str, style: Style | None) -> str:
    """A segment as a 256-colour terminal gets it: its codes, the text, a reset."""
    if style is None or not style:
        return text
    codes = [code for name, code in _ATTRIBUTES.items() if getattr(style, name)]
    for color, foreground in ((style.color, True), (style.bgcolor, False)):
        if color is not None and not color.is_default:
            codes += color.downgrade(ColorSystem.EIGHT_BIT).get_ansi_codes(foreground)
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text


class Wire:
    """The bytes of every frame the app writes (what `App._display` gives the driver;
    the headless driver writes nothing, so the frames are rendered here)."""

    def __init__(self, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        self.sent = 0
        self.frames: list[str] = []  # (shown when a budget is missed)
        console = Console(color_system="256", force_terminal=True, legacy_windows=False)
        original = App._display

        def render(strip: Strip, console: Console) -> str:
            # Rendered here, not by Rich: a strip keeps the text of its first render
            # and a style its first escape codes, whatever the colour system, and
            # both are shared (`Strip.blank`, parsed styles): another test's
            # true-colour renders would be counted.
            return "".join(_sgr(text, style) for text, style, _ in strip._segments)

        monkeypatch.setattr(Strip, "render", render)

        def spy(app, screen, renderable):  # type: ignore[no-untyped-def]
            if isinstance(renderable, CompositorUpdate):
                frame = renderable.render_segments(console)
                self.frames.append(frame)
                self.sent += len(frame.encode())
            return original(app, screen, renderable)

        monkeypatch.setattr(App, "_display", spy)

    async def cost(self, pilot, *keys: str) -> int:  # type: ignore[no-untyped-def]
        """Bytes written for these keys, each given time to draw (and the preview's frame)."""
        before = self.sent
        self.frames.clear()
        for key in keys:
            await pilot.press(key)
            await pilot.pause(PREVIEW_DELAY * 4)
            await pilot.pause()
        return self.sent - before


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
        # the cursor row keeps its focused look while the prompt acts on it: not repainted
        assert repaints.of("EntryList") == []
        assert repaints.of("Preview") == []
        await pilot.press(*"too polite")
        await _press(app, pilot, repaints, "enter")
        assert app.session.note(0) == "too polite"
        assert app.focused is app.screen.query_one(EntryList)
        assert "a Accept" in screen_text(app).splitlines()[-1]  # the footer is back
        # the note is not on the row: the row drawn again is the same, not repainted
        assert repaints.of("EntryList") == []
        assert repaints.of("Preview") == [1]


async def test_a_note_costs_at_most_a_kilobyte_and_a_move_or_a_flag_their_budgets(
        write, monkeypatch):
    """DESIGN §8: `j` / `a` ≤ 5 KB, a flag or a note ≤ 1 KB (the note: open the
    prompt, type a letter, save). In a real terminal `benchmarks/bench_wire.py`
    measures within a few bytes of these (the cursor's place after each frame)."""
    path = write([clean_entry(i) for i in range(50)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        wire = Wire(monkeypatch)
        await wire.cost(pilot, "n", "x", "enter")  # the first edit marks the file unsaved
        cost = await wire.cost(pilot, "n", "y", "enter")
        assert cost <= 1024, wire.frames
        assert app.session.note(0) == "xy"
        assert await wire.cost(pilot, "n", "z", "escape") <= 1024
        assert app.session.note(0) == "xy"
        assert await wire.cost(pilot, "1") <= 1024
        assert await wire.cost(pilot, "j") <= 5 * 1024
        assert await wire.cost(pilot, "a") <= 5 * 1024
        assert await wire.cost(pilot) == 0  # idle


async def test_the_note_prompt_shows_a_note_literally_and_escape_keeps_it(write):
    """Markup in a note is text, never style; a cancelled edit changes nothing."""
    path = write([clean_entry(i) for i in range(5)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("n", *"[bold]x[/]", "enter")
        await pilot.pause()
        assert app.session.note(0) == "[bold]x[/]"
        await pilot.press("n")
        await pilot.pause()
        assert "[bold]x[/]" in screen_text(app).splitlines()[-1]
        await pilot.press("backspace", "escape")
        await pilot.pause()
        assert app.session.note(0) == "[bold]x[/]"
        assert "a Accept" in screen_text(app).splitlines()[-1]


async def test_the_counter_moves_in_the_same_frame_as_the_cursor(write, monkeypatch):
    """`j` draws its row and the status bar's `N/total` together: a counter drawn a
    frame later lagged the cursor by ~30 ms and cost a frame of its own."""
    app = create_app(write([clean_entry(i) for i in range(30)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        wire = Wire(monkeypatch)
        for position in (2, 3, 4):
            await wire.cost(pilot, "j")
            first = next(f for f in wire.frames if "▶" in f)   # the cursor's row
            assert f"{position}/30" in first
