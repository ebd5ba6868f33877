"""An error said to the user is one plain line, shown literally (review): a failed
journal replay, a save's or an export's unexpected error, the exit after a failed
recovery and a file the app will not open showed the exception's whole text —
several lines, and (on the exit line) markup read as markup. Each now says its
first line (`os_reason`, the wording of every error), markup and all as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolethread_tui.domain import Opening, Session
from rolethread_tui.domain import opening as opening_module
from rolethread_tui.domain.errors import NotAnArrayError
from rolethread_tui.domain.journal import journal_path
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens import export_flow
from rolethread_tui.tui.screens.recovery import RecoveryScreen

from .conftest import clean_entry
from .test_crash_recovery import _crash, _dead_lock
from .tui_helpers import settle

#: An error whose text looks like markup and runs on: only its first line is said.
RAW = "[bold]x[/]\nTraceback (most recent call last):\n  File 'journal.py', line 3"
SAID = "[bold]x[/]"


def fail(*args: object, **kwargs: object) -> None:
    raise RuntimeError(RAW)


def toasts(app) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    return [(str(n.message), n.markup) for n in app._notifications]


@pytest.fixture
def crashed(write) -> Path:  # type: ignore[no-untyped-def]
    """A file whose last session died with two unsaved changes in its journal."""
    data = write([clean_entry(i) for i in range(4)])
    _crash(data)
    _dead_lock(data)
    return data


async def test_a_journal_that_cannot_be_replayed_says_why_in_one_line(
        crashed, monkeypatch) -> None:
    monkeypatch.setattr(Session, "recover", fail)
    app = create_app(crashed)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RecoveryScreen)
        await pilot.press("r")
        await settle(app, pilot)
        said = toasts(app)
    [kept] = journal_path(crashed).parent.glob("*.discarded")
    assert (f"Could not replay the journal ({SAID}); it was set aside at {kept} and the "
            "file was opened as it is on disk", False) in said, said


async def test_a_recovery_that_fails_ends_the_app_with_one_literal_line(
        crashed, monkeypatch, capsys) -> None:
    monkeypatch.setattr(Opening, "finish", fail)
    monkeypatch.setenv("COLUMNS", "1000")  # the line unwrapped, however long the path
    app = create_app(crashed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await settle(app, pilot)
    assert app.return_code == 2
    printed = capsys.readouterr().err  # as the app printed it on the way out
    assert printed == f"Cannot open {crashed}: {SAID}\n", printed


async def test_a_save_that_fails_unexpectedly_says_why_in_one_line(write, monkeypatch) -> None:
    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        monkeypatch.setattr(Session, "save", fail)
        await pilot.press("s")
        await settle(app, pilot)
        said = toasts(app)
        assert app.session.dirty and not app.saving
    assert (f"Save failed, nothing was lost: {SAID}", False) in said, said


async def test_an_export_that_fails_unexpectedly_says_why_in_one_line(
        write, tmp_path, monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ValueError(RAW)

    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(export_flow, "export", refuse)
        export_flow._write(app, None, "w", tmp_path / "out.jsonl")
        await settle(app, pilot)
        said = toasts(app)
    assert (f"Export failed: {SAID}", False) in said, said


async def test_a_file_that_will_not_open_says_why_in_one_line(write, monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise NotAnArrayError(RAW)

    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(opening_module, "LineStore", refuse)  # the check's reading
        await app.run_action("reload")
        await settle(app, pilot)
        said = toasts(app)
    assert (f"Not reloaded: {SAID}", False) in said, said
