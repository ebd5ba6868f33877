"""The reading view (`z`) over SSH: a key repaints what changed (docs/architecture.md, "Repaints").

Bytes are counted as in `test_tui_wire.py`. Every frame is also played on a
model terminal and compared with the whole screen drawn afresh: repainting only
the cells that changed must never leave a stale one. Before the reading view
was built on line views, each of its keys repainted the whole screen two to six
times (~25 KB); `benchmarks/bench_wire.py --reading` measures it in tmux.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console
from textual.app import App

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.reading import ReadingScreen

from .conftest import chat, clean_entry
from .test_tui_wire import Wire
from .tui_helpers import open_screen

_TOKEN = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[([\d;]*)m|\x1b\[[^a-zA-Z]*[a-zA-Z]|[\r\n]|.")
_CONSOLE = Console(color_system="256", force_terminal=True, legacy_windows=False)


class Terminal:
    """The cells a terminal shows after the frames it was sent (text and SGR codes)."""

    def __init__(self, app: App) -> None:
        width, height = app.size
        self.cells = [[(" ", "")] * width for _ in range(height)]

    def play(self, frames: list[str]) -> None:
        for frame in frames:
            x = y = 0
            sgr = ""
            for token in _TOKEN.finditer(frame):
                text = token.group(0)
                if token.group(1):
                    y, x = int(token.group(1)) - 1, int(token.group(2)) - 1
                elif token.group(3) is not None:
                    sgr = "" if token.group(3) in ("", "0") else token.group(3)
                elif not (text.startswith("\x1b") or text in "\r\n"):
                    row = self.cells[y]
                    for k in range(cell_len(text)):  # a wide character: its second cell ""
                        if x + k < len(row):
                            row[x + k] = (text if k == 0 else "", sgr)
                    x += cell_len(text)

    def seen(self) -> list[list[tuple[str, str]]]:
        """A blank cell's foreground cannot be seen (unless reversed)."""
        return [[(c, s if c.strip() or "7" in s.split(";") else re.sub(r"38;5;\d+;?", "", s))
                 for c, s in row] for row in self.cells]


def drawn_afresh(app: App) -> tuple[Terminal, int]:
    """The whole screen rendered from scratch on a blank terminal, and its bytes."""
    for widget in app.screen.walk_children(with_self=True):
        widget._styles_cache.clear()
    update = app.screen._compositor.render_update(full=True,
                                                  screen_stack=app._background_screens)
    frame = update.render_segments(_CONSOLE)
    terminal = Terminal(app)
    terminal.play([frame])
    return terminal, len(frame.encode())


def long_entry(n: int) -> dict:
    """Longer than one 80x24 screen, in wrapped prose."""
    reply = "\n\n".join(f"Paragraph {k} of reply {n}: the ferry leaves at dawn, the tide "
                        "turns at noon and the lighthouse keeper counts the gulls."
                        for k in range(12))
    return chat(("user", f"Tell me about the harbour ({n})"), ("assistant", reply))


async def test_each_reading_view_key_repaints_only_what_it_changes(write, monkeypatch):
    """DESIGN §8 at 80x24: a move repaints the text once (at most one screen), a
    page scroll less than a screen, a flag or a note ≤ 1 KB, idle 0 — and the
    terminal always shows what the screen would draw afresh. Entries alternate
    long and short, so the scrollbar comes and goes."""
    path = write([long_entry(n) if n % 2 == 0 else clean_entry(n) for n in range(12)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, "z", ReadingScreen)
        wire = Wire(monkeypatch)
        terminal, full = drawn_afresh(app)  # (a whole screen: ~4.5 KB)
        costs: dict[str, list[int]] = {}
        keys = ["j", "j", "space", "space", "b", "b", "k", "1", "1", "a", "x", "j",
                "n", "y", "enter", "h", "t", "w", "enter", "u", "n", "y", "enter",
                "space", "j", "k", "j"]
        for key in keys:
            costs.setdefault(key, []).append(await wire.cost(pilot, key))
            terminal.play(wire.frames)
            assert terminal.seen() == drawn_afresh(app)[0].seen(), (key, wire.frames)
        assert max(costs["j"] + costs["k"]) <= full, costs  # the text once, never twice
        assert max(costs["a"] + costs["x"]) <= full, costs
        assert max(costs["space"] + costs["b"]) <= 3 * 1024, costs
        assert max(costs["1"] + costs["h"] + costs["u"]) <= 512, costs
        # a note: open the prompt, type a letter, save (the first prompt also lays
        # out its title once, +0.16 KB; the second is what each note costs)
        assert costs["n"][1] + costs["y"][1] + costs["enter"][2] <= 1024, costs
        assert await wire.cost(pilot) == 0  # idle
        notes = [app.session.note(p) for p in range(len(app.session))]
        assert "yy" in notes  # (the tag was undone)
