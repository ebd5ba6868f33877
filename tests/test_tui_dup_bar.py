"""After `D` at 80x24 the toast and the status bar's group text crowded the bar
(review): the toast ran on over two lines above it, and "group 1 of 3, 3 members"
left the filter a few cells. The toast is one line now, and on a narrow bar the
group takes its short form, "group 1/3, 3 members" (docs/keys.md, "The status bar")."""

from __future__ import annotations

from collections import Counter

from rich.cells import cell_len

from rolethread_tui.domain import GroupAt
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets.status_bar import StatusBar, fit

from .dupgen import interleaved
from .tui_helpers import screen_text, settle


async def test_after_d_at_80x24_the_bar_fits_and_says_the_group(write) -> None:
    app = create_app(write(interleaved()))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        await settle(app, pilot)
        lines = screen_text(app).splitlines()
        bar = str(app.screen.query_one(StatusBar).render_text())
        assert bar in lines[-2]  # what the terminal shows
        assert cell_len(bar) <= 78 and bar.startswith("  data.jsonl  1/9  group 1/3, 3 members  /")
        assert bar.endswith(" (7) …")  # the match count still on it
        assert any(line.rstrip().endswith("3 duplicate groups (esc for all)")
                   for line in lines), "the toast is one line"


def test_the_group_says_it_whole_where_there_is_room() -> None:
    bar = StatusBar()
    bar.file, bar.total, bar.position = "data.jsonl", 9, 0
    bar.group = GroupAt(number=1, total=3, start=0, end=3)  # 3 members
    bar.filter, bar.matched = "issue:duplicate,near-duplicate order:group", 7
    bar.counts = {"status": Counter(unreviewed=9), "origin": Counter(generated=9)}
    assert "  1/9  group 1 of 3, 3 members  /issue:" in fit(bar.parts(), 160).plain
    assert "  1/9  group 1/3, 3 members  /issue:" in fit(bar.parts(), 78).plain


async def test_while_d_looks_the_bar_says_so_for_as_long_as_it_takes(write, monkeypatch) -> None:
    """A toast said "Looking for duplicates…" and went after a few seconds, where the
    search takes ~5 s at 100k and longer at 1M: the bar says it until the groups come."""
    import threading

    from rolethread_tui.domain import Session

    go_on, find = threading.Event(), Session.find_duplicates

    def held(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        go_on.wait(10)
        return find(self, *args, **kwargs)

    monkeypatch.setattr(Session, "find_duplicates", held)
    app = create_app(write(interleaved()))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("D")
            await pilot.pause()
            bar = app.screen.query_one(StatusBar)
            assert "finding duplicates…" in str(bar.render_text())
            go_on.set()
            await settle(app, pilot)
            await settle(app, pilot)
            assert "finding duplicates" not in str(bar.render_text())
            assert "group 1/3" in str(bar.render_text())
    finally:
        go_on.set()
