"""Snapshots of the main screens at 80x24 and 160x50 (see `snapshot_helpers`).

A layout regression — the cursor row hidden under the scrollbar, a panel that
collapses, a modal drawn off-centre — changes the text or the style runs of
some row and fails here, where no behaviour test would notice.

Deterministic by construction: fixed data written here, a fixed reviewer and
theme, fixed review times, a frozen insights stopwatch, a fixed journal time,
host and pid for the recovery question; every screen is captured after the
scan and the workers are done (`settle`), never after a sleep.
Regenerate with `ROLETHREAD_UPDATE_SNAPSHOTS=1` and review the diff.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from rolethread_tui.domain import Config
from rolethread_tui.domain import journal as journal_module
from rolethread_tui.domain.journal import JournalHeader, journal_path
from rolethread_tui.domain.lock import LockInfo, lock_path
from rolethread_tui.domain.opening import open_for_review
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens import insights as insights_module
from rolethread_tui.tui.screens.recovery import RecoveryScreen
from rolethread_tui.tui.widgets.entry_list import EntryList

from .conftest import chat, clean_entry
from .snapshot_helpers import assert_snapshot, screen_cells
from .tui_helpers import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]
THEME = "rolethread-dark"
AT = "2026-03-04T05:06:07Z"
JOURNAL_TIME = 1_767_225_600  # 2026-01-01 00:00:00 UTC


def reviewed(entry: dict, entry_id: str, **review: object) -> dict:
    return {**entry, "_review": {"id": entry_id, "by": "tester", "at": AT, **review}}


PLACES = ("harbour", "salt flats", "bell tower", "orchard", "mine", "ferry", "library",
          "market", "glacier", "vineyard", "quarry", "observatory")
ASKS = ("Who keeps the {} now?", "What did you lose at the {}?", "Why is the {} closed?",
        "How far is the {} from here?")


def filler(n: int) -> dict:
    """Entries unlike each other and unlike the rest, so only entries 5 and 6 pair up."""
    place = PLACES[n % len(PLACES)]
    ask = ASKS[n % len(ASKS)].format(place)
    return chat(("user", f"{ask} ({n})"),
                ("assistant", f"*Entry {n} answers about the {place}.* "
                              f"\"{n * 7} steps, {len(place) + n} lanterns, no more.\""))


def dataset() -> list[dict | str]:
    """Every row kind the list colours: statuses, flags, a tag, a note, a near-duplicate
    pair (entries 5 and 6), entries with check findings and a line that is not JSON."""
    near = clean_entry(5)
    copy = json.loads(json.dumps(near))
    copy["messages"][2]["content"] = copy["messages"][2]["content"].replace("North", "South")
    return [
        reviewed(filler(101), "e1", status="accepted", flags=["repetitive"], tags=["greeting"]),
        reviewed(filler(102), "e2", status="rejected", note="breaks character"),
        reviewed(filler(103), "e3", status="needs_work"),
        chat(("user", "What is the tallest mountain on the moon?"),
             ("assistant", "Mons Huygens rises about 5.5 km above the surrounding mare.")),
        near,
        copy,
        chat(("user", "Say something."), ("assistant", "")),
        *(filler(n) for n in range(24)),
        '{"broken": [1, 2',
    ]


@pytest.fixture
def data(write, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(insights_module, "time", SimpleNamespace(perf_counter=lambda: 0.0))
    return write(dataset())


def app_for(path: Path):  # type: ignore[no-untyped-def]
    return create_app(path, Config(theme=THEME))


async def shoot(path: Path, size: tuple[int, int], name: str, *keys: str) -> None:
    """Open `path`, press `keys` (settling after each), compare the screen to `name`."""
    app = app_for(path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.theme == THEME
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        assert_snapshot(app, f"{name}-{size[0]}x{size[1]}")


@pytest.mark.parametrize("size", SIZES)
async def test_list(data: Path, size: tuple[int, int]) -> None:
    await shoot(data, size, "list", "j")


@pytest.mark.parametrize("size", SIZES)
async def test_list_at_the_last_entry(data: Path, size: tuple[int, int]) -> None:
    """The cursor on the bottom row, where a horizontal scrollbar would hide it."""
    await shoot(data, size, "list-end", "G")


@pytest.mark.parametrize("size", SIZES)
async def test_list_with_flag_sidebar(data: Path, size: tuple[int, int]) -> None:
    await shoot(data, size, "list-sidebar", "f")


@pytest.mark.parametrize("size", SIZES)
async def test_reading_view(data: Path, size: tuple[int, int]) -> None:
    await shoot(data, size, "reading", "z")


@pytest.mark.parametrize("size", SIZES)
async def test_editor(data: Path, size: tuple[int, int]) -> None:
    await shoot(data, size, "editor", "e")


@pytest.mark.parametrize("size", SIZES)
async def test_insights(data: Path, size: tuple[int, int]) -> None:
    await shoot(data, size, "insights", "i")


@pytest.mark.parametrize("size", SIZES)
async def test_help(data: Path, size: tuple[int, int]) -> None:
    await shoot(data, size, "help", "question_mark")


@pytest.mark.parametrize("size", SIZES)
async def test_near_duplicate_pair(data: Path, size: tuple[int, int]) -> None:
    await shoot(data, size, "pair", "D", "colon", "5", "enter", "equals_sign")


# ----------------------------------------------------------------- recovery
@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so the journal time on the question reads the same everywhere."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


def leave_a_journal(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session with two unsaved changes that ended without closing (a crash), its
    journal written by host "snapbox", pid 4242, at JOURNAL_TIME; its lock left by a
    process that is gone."""
    def fixed_header(*args: object, **kwargs: object) -> JournalHeader:
        return JournalHeader(*args, **{**kwargs, "host": "snapbox", "pid": 4242})  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(journal_module, "JournalHeader", fixed_header)
        opened = open_for_review(data, reviewer="carol")
    opened.session.set_status(0, "accepted")
    opened.session.toggle_flag(1, "refusal")
    opened.session.journal.close()
    opened.lock.lock.info = None  # forgotten, as if the process had died
    os.utime(journal_path(data), (JOURNAL_TIME, JOURNAL_TIME))
    gone = LockInfo("carol", LockInfo.mine("x").host, 2**22 + 1, "2026-01-01T00:00:00.000000Z")
    lock_path(data).write_bytes(gone.to_bytes())


@pytest.mark.parametrize("size", SIZES)
async def test_recovery_question(write, utc: None, monkeypatch: pytest.MonkeyPatch,
                                 size: tuple[int, int]) -> None:
    path = write([clean_entry(n) for n in range(8)])
    leave_a_journal(path, monkeypatch)
    app = app_for(path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RecoveryScreen)
        assert_snapshot(app, f"recovery-{size[0]}x{size[1]}")


# ----------------------------------------------------------------- themes
def backgrounds(app) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Background colours on screen: a list row (without its scrollbar), the status bar,
    everything."""
    rows = screen_cells(app)
    return {"list": {cell[1] for cell in rows[1][:-1]}, "status": {cell[1] for cell in rows[-2]},
            "all": {cell[1] for row in rows for cell in row}}


async def test_picking_a_theme_in_the_palette_recolours_the_stylesheet(data: Path) -> None:
    app = app_for(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = backgrounds(app)
        await pilot.press("ctrl+p", *"theme switch", "enter")
        await settle(app, pilot)
        await pilot.press(*"rolethread-light", "enter")
        await settle(app, pilot)
        assert app.theme == "rolethread-light"
        light = app.get_theme("rolethread-light")
        after = backgrounds(app)
        assert light is not None
        assert after["status"] == {light.panel.lower()}          # app.tcss: StatusBar
        assert after["list"] == {light.surface.lower()}         # app.tcss: EntryList
        assert before["all"].isdisjoint(after["all"])           # no colour of the old theme


async def test_cursor_row_is_a_translucent_accent_and_its_marker_shows(data: Path) -> None:
    """`$accent 60%` (40% without focus) over the list, not the full accent: on that
    the `▶` drawn in the accent was invisible and the row's text hard to read."""
    app = app_for(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        theme = app.get_theme(THEME)
        assert theme is not None
        marker, *_ = screen_cells(app)[0]
        assert marker[0] == "▶" and marker[2] == theme.accent.lower()
        focused = marker[1]
        assert focused not in (theme.accent.lower(), theme.surface.lower())
        app.screen.query_one(EntryList).blur()
        await pilot.pause()
        blurred = screen_cells(app)[0][0][1]
        assert blurred not in (focused, theme.accent.lower(), theme.surface.lower())
