"""Screen snapshots: what the terminal shows, cell by cell, compared to a stored file.

A snapshot is the plain text of every row plus a style signature: for each row,
the runs of cells sharing a background, a foreground and text attributes
(bold, reverse, ...). The text catches a panel that collapsed or a row cut off;
the runs catch what text cannot, such as a lost cursor-row highlight or a
border drawn in the wrong place. Colours are written out (#rrggbb), so a diff
points at the rows that changed and nothing else.

The stored files live in `tests/snapshots/`. To accept a deliberate change, run
the snapshot tests with `ROLETHREAD_UPDATE_SNAPSHOTS=1` and review the diff of
the files with git before committing.

Hand-rolled rather than pytest-textual-snapshot: that plugin pins an old syrupy
which needs pytest < 9, and this project runs pytest 9.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from rich.color import Color
from rich.style import Style
from textual.app import App

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE_VARIABLE = "ROLETHREAD_UPDATE_SNAPSHOTS"

Cell = tuple[str, str, str, str]  # character, background, foreground, attributes
_ATTRIBUTES = (("bold", "b"), ("dim", "d"), ("italic", "i"), ("underline", "u"),
               ("reverse", "r"), ("strike", "s"))


def _colour(color: Color | None) -> str:
    return "-" if color is None else color.name


def _attributes(style: Style) -> str:
    return "".join(code for name, code in _ATTRIBUTES if getattr(style, name))


def screen_cells(app: App) -> list[list[Cell]]:
    """Every cell of the current screen as drawn, screens behind a modal included."""
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens)
    rows: list[list[Cell]] = []
    for line in update.strips:  # type: ignore[union-attr]
        row: list[Cell] = []
        for strip in line:
            for segment in strip:
                style = segment.style or Style()
                bg, fg, attrs = _colour(style.bgcolor), _colour(style.color), _attributes(style)
                row.extend((char, bg, fg, attrs) for char in segment.text)
        rows.append(row)
    return rows


def _runs(row: list[Cell]) -> str:
    """'start-end bg/fg attrs' runs of one row.

    A blank cell shows only its background: it takes the foreground and the
    attributes of the cell before it (so a line of words is one run), unless an
    attribute that draws on blanks (underline, reverse, strike) is set.
    """
    keys: list[tuple[str, str, str]] = []
    for char, bg, fg, attrs in row:
        if not char.strip() and not set(attrs) & {"u", "r", "s"}:
            fg, attrs = (keys[-1][1], keys[-1][2]) if keys else ("-", "")
        keys.append((bg, fg, attrs))
    runs: list[str] = []
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] != keys[start]:
            bg, fg, attrs = keys[start]
            runs.append(f"{start}-{end} {bg}/{fg}{' ' + attrs if attrs else ''}")
            start = end
    return " | ".join(runs)


def render_snapshot(app: App) -> str:
    """The snapshot text of the current screen: its rows, then their style runs."""
    cells = screen_cells(app)
    width, height = app.size
    text = ["".join(cell[0] for cell in row).rstrip() for row in cells]
    styles = [f"{y:>2}: {_runs(row)}" for y, row in enumerate(cells)]
    return "\n".join([f"# screen {width}x{height}", *text, "# styles", *styles]) + "\n"


def assert_snapshot(app: App, name: str) -> None:
    """The current screen equals `tests/snapshots/<name>.txt` (written when updating)."""
    actual = render_snapshot(app)
    stored = SNAPSHOTS / f"{name}.txt"
    if os.environ.get(UPDATE_VARIABLE) == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        stored.write_text(actual, encoding="utf-8")
        return
    assert stored.exists(), (
        f"no snapshot {stored.name}: run with {UPDATE_VARIABLE}=1 to create it")
    expected = stored.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            f"stored/{stored.name}", "screen now", n=1))
        raise AssertionError(
            f"screen differs from {stored.name} (run with {UPDATE_VARIABLE}=1 to accept "
            f"a deliberate change):\n{diff}")
