"""The command palette lists every action of the calling screen, with its real keys.

The real app (`create_app`) runs at 80x24 with `ActionsProvider` added to its
COMMANDS; some tests drive the palette with keys, others call the provider's
`discover` / `search` directly inside the running app, the way Textual's own
tests exercise command providers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.actions import parse
from textual.command import CommandPalette, DiscoveryHit, Hit
from textual.content import Content

from rolethread_tui.tui.app import RoleThreadApp, create_app
from rolethread_tui.tui.commands import (
    ActionsProvider,
    PaletteCommand,
    prompt,
    recent_file_action,
    screen_commands,
)
from rolethread_tui.tui.screens.editor import EditorScreen
from rolethread_tui.tui.screens.help import HelpScreen
from rolethread_tui.tui.screens.list_screen import ListScreen

from .conftest import clean_entry
from .tui_helpers import open_screen, settle

_ID = re.compile(r"\bid (\S+)")


@pytest.fixture(autouse=True)
def _wired(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Provider installed as the lead wires it; state and config never in the real home."""
    monkeypatch.setattr(RoleThreadApp, "COMMANDS", RoleThreadApp.COMMANDS | {ActionsProvider})
    monkeypatch.setenv("ROLETHREAD_STATE", str(tmp_path / "state" / "state.json"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def dataset(write) -> Path:  # type: ignore[no-untyped-def]
    return write([clean_entry(n) for n in range(3)])


async def discover(app: RoleThreadApp) -> list[DiscoveryHit | Hit]:
    return [hit async for hit in ActionsProvider(app.screen).discover()]


async def search(app: RoleThreadApp, query: str) -> list[DiscoveryHit | Hit]:
    hits = [hit async for hit in ActionsProvider(app.screen).search(query)]
    return sorted(hits, key=lambda hit: hit.score, reverse=True)


def plain(hit: DiscoveryHit | Hit) -> str:
    """The title line as drawn (title and keys)."""
    assert isinstance(hit.prompt, Content)
    return hit.prompt.plain


def titled(hits: list[DiscoveryHit | Hit], title: str) -> DiscoveryHit | Hit:
    matches = [hit for hit in hits if hit.text == title]
    assert len(matches) == 1, [hit.text for hit in hits]
    return matches[0]


async def palette(app: RoleThreadApp, pilot: Any, *keys: str) -> None:
    """Open the palette, press keys (typing and enter), let everything settle."""
    await pilot.press("ctrl+p")
    await settle(app, pilot)
    assert CommandPalette.is_open(app)
    await pilot.press(*keys)
    await settle(app, pilot)
    await pilot.pause(0.1)
    await settle(app, pilot)


# ---------------------------------------------------------------- running from the palette
async def test_typing_accept_and_enter_accepts_the_current_entry(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await palette(app, pilot, *"accept", "enter")
        assert not CommandPalette.is_open(app)
        assert isinstance(app.screen, ListScreen)
        assert app.session.row(0).status == "accepted"
        assert app.session.row(1).status is None or app.session.row(1).status == "unreviewed"


async def test_a_binding_with_arguments_runs_with_them(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await palette(app, pilot, *"needs work", "enter")
        assert app.session.row(0).status == "needs_work"


# ---------------------------------------------------------------- every action listed
async def test_every_binding_id_of_the_list_screen_is_listed(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        expected = {
            binding.id
            for node in [screen, *screen.walk_children()]
            for _key, binding in node._bindings
            if binding.id
        }
        assert {"accept", "reject", "toggle_flag_9", "cursor_down", "page_up"} <= expected
        hits = await discover(app)
        listed = {m.group(1) for hit in hits if hit.help and (m := _ID.search(hit.help))}
        assert expected <= listed
        assert all(isinstance(hit, DiscoveryHit) for hit in hits)
        assert "palette" not in {str(hit.text).lower() for hit in hits}


async def test_keys_are_shown_and_a_keymap_override_shows_the_real_key(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        accept = titled(await discover(app), "Accept")
        assert plain(accept).endswith("  a")
        assert accept.help == "id accept"
        save = titled(await discover(app), "Save")
        assert plain(save).endswith("  s ^s")

        app.set_keymap({"accept": "y"})
        accept = titled(await discover(app), "Accept")
        assert plain(accept).endswith("  y")
        await pilot.press("y")  # what the palette says is what works
        await settle(app, pilot)
        assert app.session.row(0).status == "accepted"


async def test_search_matches_the_binding_id_too(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        hits = await search(app, "needs_work")  # "_" is not in the title "Needs work"
        assert hits and hits[0].text == "Needs work"
        assert hits[0].help == "id needs_work"


async def test_editor_screen_lists_its_own_actions(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, "e", EditorScreen)
        ids = {command.binding_id for command in screen_commands(app.screen)}
        assert {"editor_cycle_role", "editor_leave", "help", "tag"} <= ids
        assert "undo" not in ids  # check_action says False: nothing to undo yet
        assert "accept" in ids  # decisions work in the editor too
        assert "search" not in ids  # the list's own actions do not


async def test_a_modal_screen_offers_only_its_own_actions(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        ids = {command.binding_id for command in screen_commands(app.screen)}
        assert "help_close" in ids
        assert "accept" not in ids
        assert not [c for c in screen_commands(app.screen) if c.title.startswith("Theme")]


async def test_an_action_without_a_key_is_listed(dataset: Path, monkeypatch: pytest.MonkeyPatch):
    calls: list[str] = []

    def action_shuffle_view(self: ListScreen) -> None:
        """Show the entries in a random order."""
        calls.append("shuffle")

    def action_needs_an_argument(self: ListScreen, value: int) -> None:
        calls.append("never")

    monkeypatch.setattr(ListScreen, "action_shuffle_view", action_shuffle_view, raising=False)
    monkeypatch.setattr(ListScreen, "action_needs_an_argument", action_needs_an_argument,
                        raising=False)
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        hits = await discover(app)
        shuffle = titled(hits, "Shuffle view")
        assert shuffle.help == "no key · Show the entries in a random order."
        assert not [hit for hit in hits if "argument" in str(hit.text).lower()]
        await palette(app, pilot, *"shuffle", "enter")
        assert calls == ["shuffle"]


# ---------------------------------------------------------------- extra commands
async def test_extra_commands_appear_only_once_implemented(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        titles = {hit.text for hit in await discover(app)}
        assert "Theme: switch…" in titles  # Textual's own App.action_change_theme
        assert "Export: accepted entries…" in titles and "Validate: summary" in titles
        # offered exactly when the target implements it
        assert ("Reload file from disk" in titles) == hasattr(RoleThreadApp, "action_reload")

    calls: list[object] = []
    monkeypatch.setattr(ListScreen, "action_validation_summary",
                        lambda self: calls.append("summary"))
    monkeypatch.setattr(RoleThreadApp, "action_export_prompt",
                        lambda self, query: calls.append(query))
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        hits = await discover(app)
        titled(hits, "Validate: summary")  # once: the keyless listing merged into it
        assert "Export: accepted entries…" in {hit.text for hit in hits}
        assert "Reload file from disk" in {hit.text for hit in hits}
        await palette(app, pilot, *"validate summary", "enter")
        await palette(app, pilot, *"export accepted", "enter")
        await palette(app, pilot, *"export current filter", "enter")
        assert calls == ["summary", "status:accepted", None]


async def test_theme_command_opens_textual_theme_picker(dataset: Path):
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await palette(app, pilot, *"theme switch", "enter")
        assert CommandPalette.is_open(app)  # Textual's theme list, a palette of its own
        assert app.screen.query_one("CommandInput").placeholder == "Search for themes…"


async def test_recent_files_open_with_safely_quoted_paths(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    opened: list[str] = []
    monkeypatch.setattr(RoleThreadApp, "action_open_file",
                        lambda self, path: opened.append(path))
    weird = str(tmp_path / "it's \"v2\" (final) [b]bold[/b].jsonl")
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.state.recent_files = [str(dataset.resolve()), weird]
        hits = await discover(app)
        recent = [hit for hit in hits if str(hit.text).startswith("Open recent: ")]
        assert [hit.text for hit in recent] == [f"Open recent: {weird}"]  # not the open file
        assert plain(recent[0]) == f"Open recent: {weird}"  # brackets are not markup
        await recent[0].command()
        assert opened == [weird]


@pytest.mark.parametrize("path", [
    "/data/plain.jsonl",
    "/d/it's.jsonl",
    '/d/"quoted".jsonl',
    "/d/both ' and \".jsonl",
    "/d/paren) (x).jsonl",
    "C:\\Users\\me\\x.jsonl",
    "/d/ünïcode ✓.jsonl",
])
def test_recent_file_action_parses_back_to_the_same_path(path: str):
    namespace, name, params = parse(recent_file_action(path))
    assert (namespace, name, params) == ("app", "open_file", (path,))


# ---------------------------------------------------------------- go to entry N
async def test_goto_only_when_the_screen_can_go(dataset: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delattr(ListScreen, "action_goto")
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not [h for h in await search(app, "2") if str(h.text).startswith("Go to")]

    went: list[int] = []
    monkeypatch.setattr(ListScreen, "action_goto", lambda self, n: went.append(n),
                        raising=False)  # deleted above: put back
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert (await search(app, "#3"))[0].text == "Go to entry 3"
        assert not [h for h in await search(app, "99") if str(h.text).startswith("Go to")]
        assert not [h for h in await search(app, "0") if str(h.text).startswith("Go to")]
        await palette(app, pilot, "2", "enter")
        assert went == [2]


# ---------------------------------------------------------------- display
def test_prompt_is_plain_text_with_keys():
    command = PaletteCommand(title="Open recent: /x/[red]y[/red]", help="", action="noop",
                             namespace=None, keys=("a", "^s"))  # type: ignore[arg-type]
    assert prompt(command).plain == "Open recent: /x/[red]y[/red]  a ^s"


async def test_open_recent_and_reload_really_open(dataset: Path, tmp_path: Path):
    other = tmp_path / "other.jsonl"
    other.write_text(dataset.read_text().splitlines()[0] + "\n")
    app = create_app(dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await app.run_action(recent_file_action(str(other)))
        await settle(app, pilot)
        assert app.session.path == other and len(app.session) == 1
        with other.open("a") as f:  # another program adds an entry; nothing unsaved here
            f.write(dataset.read_text().splitlines()[1] + "\n")
        await app.run_action("app.reload")
        await settle(app, pilot)
        assert len(app.session) == 2 and not app.session.dirty
        await pilot.press("a")
        await app.run_action("app.reload")  # unsaved work: refused, said, kept
        assert app.session.dirty
