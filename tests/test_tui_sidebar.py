"""The flag sidebar (`f`) at 80x24: the file's counts stay on screen whatever the entry holds."""

from __future__ import annotations

import re

from rolethread_tui.tui.app import create_app

from .conftest import clean_entry
from .test_tui_wire import Wire
from .tui_helpers import screen_text, settle

LONG_NOTE = ("This [bold]reply[/bold] drifts out of character halfway: Mira forgets the "
             "map, the lighthouse and the salt flats, and starts talking like a "
             "customer-support bot. Rewrite the second half, keep the first. " * 3)
TAGS = ["tone", "out-of-character", "rewrite-later", "batch-7", "mira", "second-half"]


def sidebar_rows(text: str) -> list[str]:
    """The sidebar's column of the screen (right of the list's border), trimmed."""
    return [line.split("│")[-1].strip() for line in text.splitlines()[:-2]]


def count_of(rows: list[str], name: str) -> int:
    """The count on the row of a status, origin or flag (asserting it is there once)."""
    found = [int(m.group(1)) for row in rows
             if (m := re.fullmatch(rf"(?:\S*\s*[●○■□] )?{name}\s+(\d+)", row))]
    assert len(found) == 1, (name, rows)
    return found[0]


async def test_a_long_note_and_tags_leave_the_counts_on_screen_at_80x24(write):
    """QA: a note and tags pushed the dataset's counts off the bottom at 80x24. Every
    status, origin and flag row keeps its count; the note and tags are cut with "…"
    and shown literally; the reviewer is on the last row."""
    entries = [clean_entry(i) for i in range(6)]
    entries[0]["_review"] = {"note": LONG_NOTE, "tags": TAGS}
    entries[1]["_review"] = {"status": "accepted", "flags": ["repetitive"]}
    entries[2]["_review"] = {"status": "rejected", "origin": "human"}
    app = create_app(write(entries))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        text = screen_text(app)
        rows = sidebar_rows(text)
        expected = {"unreviewed": 4, "accepted": 1, "rejected": 1, "needs_work": 0,
                    "generated": 5, "refined": 0, "human": 1, "repetitive": 1,
                    "refusal": 0, "other": 0}
        assert {name: count_of(rows, name) for name in expected} == expected
        assert rows[0].startswith("● unreviewed") and rows[4].startswith("● generated")
        assert rows[-1] == "Reviewer tester"
        note = [row for row in rows if row.startswith("Note ")]
        assert note and "[bold]reply[/bold]" in text  # literal, not markup
        shown = rows[rows.index(note[0]):rows.index(rows[-1])]
        assert "second-half" not in "\n".join(rows) and "Rewrite" not in "\n".join(rows)
        assert sum(row.endswith("…") for row in shown) == 2  # cut and said: note, tags
        assert any(row.startswith("Tags tone,") for row in shown)

        await pilot.press("j")  # the accepted entry: its marks, no note, same rows
        await settle(app, pilot)
        rows = sidebar_rows(screen_text(app))
        assert "● accepted" in " ".join(rows) and "2 ■ repetitive" in " ".join(rows)
        assert not any(row.startswith(("Note", "Tags")) for row in rows)
        assert count_of(rows, "accepted") == 1 and rows[-1] == "Reviewer tester"


async def test_with_the_sidebar_shown_a_flag_repaints_its_row_not_the_sidebar(
        write, monkeypatch):
    """The sidebar repainted whole (~3 KB) on every key, so a flag cost ~3.9 KB over
    SSH with it shown; now only the rows that change: a flag stays within its 1 KB."""
    entries = [clean_entry(i) for i in range(30)]
    entries[3]["_review"] = {"note": LONG_NOTE, "tags": TAGS}
    app = create_app(write(entries))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        wire = Wire(monkeypatch)
        assert await wire.cost(pilot, "1") <= 1024, wire.frames
        await settle(app, pilot)  # (the recount)
        assert await wire.cost(pilot, "j") <= 2 * 1024, wire.frames
        assert await wire.cost(pilot, "j", "j") <= 2 * 2048, wire.frames  # onto the note
        assert await wire.cost(pilot) == 0  # idle
