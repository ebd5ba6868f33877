"""The insights screen, driven headlessly at 80x24 (and 160x50) the way a reviewer uses it.

A tiny host app holds the session (as the real app does) and pushes the screen
with a callback, so each test sees what the screen dismisses with: the query
of the chosen figure, or None.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from rolethread_tui import Session
from rolethread_tui.domain.insights import basic_insights
from rolethread_tui.tui.app import RoleThreadApp
from rolethread_tui.tui.screens.insights import FigureList, InsightsScreen, build_rows
from rolethread_tui.tui.screens.insights_rows import PositionsFilter

from .conftest import chat
from .tui_helpers import screen_text

HOSTILE = "[bold]x[/] [link=https://evil.example]click[/link]"


class Host(App[None]):
    """Pushes the insights screen on mount and keeps what it dismissed with."""

    CSS_PATH = RoleThreadApp.CSS_PATH  # the screen's layout lives in the app's stylesheet

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.result: str | None = "pending"

    def on_mount(self) -> None:
        self.push_screen(InsightsScreen(), self._done)

    def _done(self, result: str | None) -> None:
        self.result = result


def dataset() -> list:
    accepted = {"_review": {"status": "accepted", "by": "ana"}}
    return [
        chat(("system", "You are Mira, a cartographer in a rainy port city."), ("user", "hi"),
             ("assistant", "*Mira smiles warmly at you.* \"Welcome.\""), **accepted),
        chat(("system", "You are Mira, a cartographer in a rainy port city."), ("user", "yo"),
             ("assistant", "Mira smiles warmly at the sea."), ("user", "and?"),
             ("assistant", f"{HOSTILE} is what she writes, twice."),
             _review={"status": "rejected", "by": HOSTILE}),
        chat(("system", f"{HOSTILE} You are a hostile system prompt for testing."),
             ("user", "hey"), ("assistant", f"{HOSTILE} is what she writes, twice.")),
        chat(("user", "q"), ("assistant", "As an AI language model, I cannot do that.")),
    ]


async def settle(app: App, pilot) -> None:  # type: ignore[no-untyped-def]
    """Until every phase has posted its figures (the duplicate phase starts late)."""
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        if isinstance(screen, InsightsScreen) and screen._phase is None:
            return


def open_session(path: Path) -> Session:
    session = Session.open(path)
    session.wait()
    return session


def presses_to(screen: InsightsScreen, query: str) -> list[str]:
    """Keys that move the cursor to the figure with `query` (from the nearer end)."""
    figures = [row for row in screen.rows if row.figure]
    index = next(i for i, row in enumerate(figures) if row.query == query)
    from_end = len(figures) - 1 - index
    return ["j"] * index if index <= from_end else ["G", *["k"] * from_end]


async def test_enter_dismisses_with_the_figures_query(write):
    session = open_session(write(dataset()))
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        await pilot.press(*presses_to(screen, "status:accepted"), "enter")
        await pilot.pause()
    assert app.result == "status:accepted"
    assert session.search(app.result) == [0]


async def test_opening_figure_links_to_the_entries_that_open_that_way(write):
    """Not to its phrase query, which also finds the phrase inside replies (QA: a figure
    of 26 replies opened a list of 146 entries)."""
    session = open_session(write(dataset()))
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        query = 'in:assistant "Mira smiles warmly at"'
        await pilot.press(*presses_to(app.screen, query), "enter")
        await pilot.pause()
    assert isinstance(app.result, PositionsFilter)
    assert app.result.label == 'opening "mira smiles warmly at"'
    assert app.result.positions == [0, 1]


async def test_escape_i_and_q_close_with_none(write):
    path = write(dataset())
    for key in ("escape", "i", "q"):
        app = Host(open_session(path))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press(key)
            await pilot.pause()
        assert app.result is None, key


async def test_a_figure_without_a_filter_stays_open(write):
    app = Host(open_session(write(dataset())))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        rows = [row for row in app.screen.rows if row.figure]
        index = next(i for i, row in enumerate(rows) if row.query is None)
        await pilot.press(*["j"] * index, "enter")
        await pilot.pause()
        assert isinstance(app.screen, InsightsScreen)
    assert app.result == "pending"


async def test_screen_shows_the_figures_at_80x24_without_cutting(write):
    app = Host(open_session(write(dataset())))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "Review progress" in text and "2 of 4 reviewed" in text
        assert "accepted" in text and "Show in list" in text
        figures = app.screen.query_one(FigureList)
        # One line per row: nothing wraps, so nothing is cut at 80 columns.
        assert figures.virtual_size.height == figures.option_count
        await pilot.press("end")
        await pilot.pause()
        bottom = screen_text(app)
        assert "System prompts" in bottom and "Duplicates" in bottom
        await pilot.press("home")
        await pilot.pause()
        assert "Review progress" in screen_text(app)


async def test_wide_terminal_layout(write):
    app = Host(open_session(write(dataset())))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        figures = app.screen.query_one(FigureList)
        assert figures.virtual_size.height == figures.option_count
        assert "Turns per entry" in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert "Top openings" in screen_text(app)


async def test_hostile_text_is_shown_literally(write):
    app = Host(open_session(write(dataset())))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        await pilot.pause()
        text = screen_text(app)
        labels = [row.text.plain for row in app.screen.rows]
    # An opening is normalised to words ("[bold]x[/]" -> "bold x"), and a system
    # prompt or reviewer name keeps its brackets: shown as typed, never as markup.
    assert any('"bold x link https' in label for label in labels)
    assert any(f"by {HOSTILE}"[:30] in label for label in labels)
    assert HOSTILE in text  # the system prompt row, as typed


def test_rows_before_and_while_computing(write):
    session = open_session(write(dataset()))
    try:
        waiting = build_rows(None, 76, content_note="computing… 0%", duplicates_note="-")
        assert [row.figure for row in waiting] == [False]
        rows = build_rows(basic_insights(session), 76, content_note="computing… 40%",
                          duplicates_note="waiting")
    finally:
        session.close()
    plain = [row.text.plain for row in rows]
    assert "Status" in plain
    assert sum("computing… 40%" in p for p in plain) == 5  # reviewers + 4 text sections
    assert all(len(p) <= 76 for p in plain if p.startswith("  "))


async def test_progress_row_hides_when_everything_is_in(write):
    app = Host(open_session(write(dataset())))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("#insights-progress").has_class("-done")
        assert "ready in" in screen_text(app)


def test_one_duplicate_scan_per_session_until_it_changes():
    from rolethread_tui.domain.session import SessionEvent
    from rolethread_tui.tui.jobs import DuplicateJobs

    class FakeSession:
        def __init__(self) -> None:
            self.calls = 0
            self.listeners: list = []

        def subscribe(self, listener):  # type: ignore[no-untyped-def]
            self.listeners.append(listener)

        def find_duplicates(self) -> list:
            self.calls += 1
            return ["group"]

    jobs, session = DuplicateJobs(), FakeSession()
    assert jobs.future(session).result(timeout=5) == ["group"]
    assert jobs.future(session).result(timeout=5) == ["group"]
    assert session.calls == 1  # reopening the screen reuses the finished scan
    for listener in session.listeners:
        listener(SessionEvent("change", "status accepted"))
    jobs.future(session).result(timeout=5)
    assert session.calls == 2
