"""Persisted UI state: location, corrupt files, atomic writes, recent files and searches."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rolethread_tui.domain.state import (
    MAX_RECENT_FILES,
    MAX_SEARCHES,
    UiState,
    load_state,
    preferred_theme,
    remember_file,
    remember_search,
    remember_theme,
    save_state,
    state_path,
)

pytestmark = pytest.mark.usefixtures("isolated_home")  # never the real home


def test_path_uses_xdg_state_home(tmp_path: Path) -> None:
    assert state_path() == tmp_path / "xdg-state" / "rolethread-tui" / "state.json"


def test_path_without_xdg_is_local_state(monkeypatch: pytest.MonkeyPatch,
                                         isolated_home: Path) -> None:
    monkeypatch.delenv("XDG_STATE_HOME")
    expected = isolated_home / ".local" / "state" / "rolethread-tui" / "state.json"
    assert state_path() == expected


def test_env_var_overrides_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLETHREAD_STATE", str(tmp_path / "custom.json"))
    assert state_path() == tmp_path / "custom.json"
    state = UiState(searches=["x"])
    assert save_state(state)
    assert (tmp_path / "custom.json").exists()
    assert load_state() == state


def test_missing_file_gives_defaults() -> None:
    assert load_state() == UiState()


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b"null", b"\xff\xfe garbage", b""],
)
def test_corrupt_file_gives_defaults(content: bytes) -> None:
    path = state_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert load_state() == UiState()


def test_bad_field_is_dropped_the_rest_kept() -> None:
    path = state_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"theme": 7, "searches": ["a"], "from_the_future": True}))
    assert load_state() == UiState(searches=["a"])


def test_round_trip_and_atomic_write(tmp_path: Path) -> None:
    state = UiState(theme="ansi-16", theme_config="rolethread-dark",
                    recent_files=["/a.jsonl"], searches=["issue:refusal"])
    assert save_state(state) is True
    assert load_state() == state
    state.searches.insert(0, "flag:unsafe")
    assert save_state(state) is True
    assert load_state().searches == ["flag:unsafe", "issue:refusal"]
    leftovers = [p.name for p in state_path().parent.iterdir()]
    assert leftovers == ["state.json"]  # no temp files left behind


def test_save_failure_returns_false(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    assert save_state(UiState(), blocker / "state.json") is False


def test_failed_replace_leaves_old_file_and_no_temp(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert save_state(UiState(searches=["old"]))

    def refuse(*_args: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", refuse)
        assert save_state(UiState(searches=["new"])) is False
    assert load_state().searches == ["old"]
    assert [p.name for p in state_path().parent.iterdir()] == ["state.json"]


def test_remember_file_is_absolute_deduplicated_and_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    state = UiState()
    remember_file(state, "a.jsonl")
    remember_file(state, tmp_path / "b.jsonl")
    remember_file(state, "a.jsonl")
    assert state.recent_files == [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    for n in range(MAX_RECENT_FILES + 5):
        remember_file(state, f"f{n}.jsonl")
    assert len(state.recent_files) == MAX_RECENT_FILES
    assert state.recent_files[0] == str(tmp_path / f"f{MAX_RECENT_FILES + 4}.jsonl")


def test_remember_search_keeps_last_fifty_most_recent_first() -> None:
    state = UiState()
    for n in range(60):
        remember_search(state, f"q{n}")
    remember_search(state, "   ")
    remember_search(state, " q55 ")
    assert len(state.searches) == MAX_SEARCHES == 50
    assert state.searches[:2] == ["q55", "q59"]
    assert state.searches.count("q55") == 1


def test_oversized_lists_in_file_are_trimmed_on_load() -> None:
    path = state_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"searches": [f"q{n}" for n in range(80)]}))
    assert len(load_state().searches) == MAX_SEARCHES


def test_palette_pick_wins_until_the_config_theme_changes() -> None:
    state = UiState()
    assert preferred_theme(state, "rolethread-dark") == "rolethread-dark"
    remember_theme(state, "high-contrast", "rolethread-dark")
    assert preferred_theme(state, "rolethread-dark") == "high-contrast"
    assert preferred_theme(state, "rolethread-light") == "rolethread-light"


@pytest.mark.parametrize("where", ["folder", "under a file"])
async def test_a_state_that_cannot_be_written_is_said_once_and_the_review_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """`ROLETHREAD_STATE` naming a folder (or a path under a file) lost the cursor
    position and theme without a word (review): now one toast says so, the path as set."""
    import errno

    from rolethread_tui.tui.app import create_app

    from .conftest import clean_entry
    from .tui_helpers import settle

    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(clean_entry(i)) + "\n" for i in range(3)))
    if where == "folder":
        state = tmp_path / "[b]state"
        state.mkdir()
        reason = os.strerror(errno.EISDIR)
    else:
        (tmp_path / "[b]file").write_text("x")
        state = tmp_path / "[b]file" / "state.json"
        reason = os.strerror(errno.ENOTDIR)
    monkeypatch.setenv("ROLETHREAD_STATE", str(state))
    app = create_app(data)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)  # the first save: the file opened joins the recent ones
        app.save_state_soon()  # another failed save: not said again
        await pilot.press("a", "s")  # the review itself works on
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications]
        assert not app.session.dirty
    told = [m for m in said if "will not be remembered" in m]
    assert told == ["Cursor position, theme, recent files and searches will not be "
                    f"remembered: cannot write {state}: {reason}"], said
    assert app.return_code in (0, None) and "_review" in data.read_text()
