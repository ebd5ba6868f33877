"""`D` at 80x24: each duplicate group's rows side by side, tied by a mark, and the
status bar naming the cursor's group (docs/keys.md, docs/query.md `order:group`)."""

from __future__ import annotations

import re

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets.entry_list import EntryList
from rolethread_tui.tui.widgets.status_bar import StatusBar, fit

from .dupgen import GROUPED, interleaved
from .tui_helpers import screen_text, settle

#: A list row: cursor or bulk mark, the entry's number, then the group's mark.
ROW = re.compile(r"^[ ▶●◉]\s*(\d+)([┌│└ ])[·✓✗~] ")


def rows_on_screen(app) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """(entry number, group mark) of each list row the terminal shows, top to bottom."""
    return [(int(m[1]), m[2]) for line in screen_text(app).splitlines()
            if (m := ROW.match(line))]


def status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(StatusBar).render_text())


async def test_d_shows_each_group_together_and_says_which_group(write):
    app = create_app(write(interleaved()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        await settle(app, pilot)
        assert rows_on_screen(app) == [
            (1, "┌"), (4, "│"), (7, "└"),   # a: two exact copies and a near one
            (2, "┌"), (5, "└"),             # b
            (3, "┌"), (8, "└"),             # c
        ]
        assert [p + 1 for p in GROUPED] == [n for n, _ in rows_on_screen(app)]
        assert "group 1/3, 3 members" in status(app)  # the short form at 80
        await pilot.press("j", "j", "j")                   # the first row of group b
        assert app.screen.query_one(EntryList).current == 1
        assert "group 2/3, 2 members" in status(app)
        await pilot.press("escape")                        # every entry, no marks
        await settle(app, pilot)
        assert [mark for _, mark in rows_on_screen(app)] == [" "] * 9
        assert "group" not in status(app)


async def test_a_move_in_the_duplicates_view_repaints_two_rows(write, monkeypatch):
    """The group marks are part of each row, drawn once: a move costs what it costs
    in any list (docs/architecture.md, "Repaints")."""
    from .test_tui_wire import Repaints, _press

    app = create_app(write(interleaved()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        await settle(app, pilot)
        repaints = Repaints(monkeypatch)
        await _press(app, pilot, repaints, "j")
        assert repaints.of("EntryList") == [1, 1]
        assert rows_on_screen(app)[:2] == [(1, "┌"), (4, "│")]


async def test_a_long_status_line_keeps_the_position_and_the_match_count(write):
    """At 80 columns the duplicates view's group and filter used to push the match
    count off the bar, cut at a space with nothing saying so. The filter's own text
    is cut instead, with "…", and the counts left off end the line in "…"; the file's
    name stays literal (docs/keys.md, "The status bar")."""
    app = create_app(write(interleaved(), name="[red]dupes.jsonl"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        await settle(app, pilot)
        bar = screen_text(app).splitlines()[-2][1:-1]                 # inside its padding
        assert bar.startswith("  [red]dupes.jsonl  1/9  group 1/3, 3 members  /issue:")
        assert "… (7) …" in bar and "order:group" not in bar and "✓" not in bar
        await pilot.resize_terminal(160, 24)                          # room again: whole
        await pilot.pause()
        bar = screen_text(app).splitlines()[-2]
        assert "/issue:duplicate,near-duplicate order:group (7)  ✓0 ✗0 ~0 ·9  G9 R0 H0" in bar


def test_the_file_name_gives_way_in_its_middle_after_the_filter():
    """A long name and a long filter at 80 columns: both cut, the position, the marks
    and the match count whole."""
    from collections import Counter

    bar = StatusBar()
    bar.file = "conversations_2026_batch_07_refined_by_the_night_shift.jsonl"
    bar.total, bar.position, bar.marked = 100_000, 41_234, 12
    bar.filter, bar.matched = '"smiles warmly" -flag:repetitive tag:greeting', 1_234
    bar.counts = {"status": Counter(unreviewed=100_000), "origin": Counter(generated=100_000)}
    line = fit(bar.parts(), 78).plain
    assert len(line) == 78
    assert line == ('  conversations…_shift.jsonl  41235/100000  ●12 marked  /"smiles war…'
                    ' (1234) …')
    assert fit(bar.parts(), 400).plain.endswith("(1234)  ✓0 ✗0 ~0 ·100000  G100000 R0 H0")


def test_before_the_counts_come_the_match_count_still_shows():
    """With no review counts yet (the scan's first moments), the line fitted to its
    width kept its filter's ` (N)` off for a " …" (review)."""
    bar = StatusBar()
    bar.file = "some_long_dataset_name.jsonl"
    bar.total, bar.position, bar.progress = 100_000, 11, 0.4
    bar.filter, bar.matched = "status:accepted tag:greeting -flag:refusal", 1_234
    line = fit(bar.parts(), 80).plain
    assert line.endswith(" (1234)") and len(line) <= 80 and "…" in line
