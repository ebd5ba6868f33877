"""The Textual app: one shared `Session`, the list screen as home.

`create_app` is the one factory used by the CLI and the tests, so what is
tested is what runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from ..domain.config import Config, effective_reviewer
from ..domain.session import FileChangedError, Session, SessionEvent
from ..domain.state import load_state, remember_file, remember_theme, save_state
from .commands import ActionsProvider, current_bindings
from .keymap import apply_keymap, default_keys
from .messages import SessionChanged
from .screens.editor import EditorScreen
from .screens.export_flow import start_export
from .screens.insights import FigureList, InsightsScreen
from .screens.list_screen import ListScreen
from .screens.prompts import ChoiceScreen
from .theming import ansi_color_override, apply_theme, initial_theme, register_themes
from .widgets.entry_list import EntryList


class RoleThreadApp(App[None]):
    """Review a JSONL dataset: list → editor → back, all through one session."""

    TITLE = "RoleThread"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, id="force_quit")]

    def __init__(self, session: Session, config: Config | None = None, *,
                 readonly: bool = False) -> None:
        super().__init__(ansi_color=ansi_color_override())
        self.session = session
        self.config = config or Config()
        self.readonly = readonly
        self.saving = False
        self.state = load_state()
        self._unsubscribe = session.subscribe(self._forward)

    def _forward(self, event: SessionEvent) -> None:
        """Session events may come from the scan thread: post, never touch widgets."""
        for screen in self.screen_stack:
            if isinstance(screen, ListScreen):
                screen.post_message(SessionChanged(event))

    def on_mount(self) -> None:
        self.sub_title = str(self.session.path)
        warnings = register_themes(self, self.config)
        warnings += apply_theme(self, initial_theme(self.config, self.state))
        defaults = default_keys(KEYMAP_SCREENS)
        warnings += apply_keymap(self, self.config.keymap, set(defaults), defaults)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        remember_file(self.state, self.session.path)
        save_state(self.state)
        self.push_screen(ListScreen())
        for warning in warnings:
            self.notify(warning, severity="warning", timeout=8)

    def _theme_changed(self, theme: Any) -> None:
        remember_theme(self.state, theme.name, self.config.theme)
        save_state(self.state)

    # ------------------------------------------------------------ editor
    def open_editor(self, position: int) -> None:
        self.push_screen(EditorScreen(self.session, position))

    # ------------------------------------------------------------ palette actions
    def action_export_prompt(self, query: str | None) -> None:
        """Export the entries of a query (None: the list's current filter, or all)."""
        screen = next((s for s in self.screen_stack if isinstance(s, ListScreen)), None)
        if query is None and screen is not None and screen.entries.view is not None:
            start_export(self, list(screen.entries.view), "the current filter")
            return
        if query is None:
            start_export(self, None, "all entries")
            return
        start_export(self, self.session.search(query), f"'{query}'")

    # ------------------------------------------------------------ saving
    def save(self, path: Path | None = None, then_quit: bool = False) -> None:
        if self.saving:
            return
        self.saving = True
        self._save_worker(path, then_quit)

    def _save_worker(self, path: Path | None, then_quit: bool) -> None:
        self.run_worker(lambda: self._save_in_thread(path, then_quit), thread=True,
                        group="save", exclusive=True)

    def _save_in_thread(self, path: Path | None, then_quit: bool) -> None:
        try:
            dest = self.session.save(path)
        except FileChangedError as exc:
            self.call_from_thread(self._save_failed, str(exc))
        except OSError as exc:
            self.call_from_thread(self._save_failed,
                                  f"Save failed, nothing was lost: {exc.strerror or exc}")
        else:
            self.call_from_thread(self._saved, dest, then_quit)

    def _saved(self, dest: Path, then_quit: bool) -> None:
        self.saving = False
        self.notify(f"Saved {len(self.session)} entries to {dest.name}")
        for screen in self.screen_stack:
            if isinstance(screen, ListScreen):
                screen.post_message(SessionChanged(SessionEvent("saved", str(dest))))
        if then_quit:
            self.exit()

    def _save_failed(self, why: str) -> None:
        self.saving = False
        self.notify(why, severity="error", timeout=10)

    # ------------------------------------------------------------ quitting
    async def action_quit(self) -> None:
        if not self.session.dirty or self.readonly:
            self.exit()
            return

        def choose(key: str | None) -> None:
            if key == "s":
                self.save(then_quit=True)
            elif key == "d":
                self.exit()

        self.push_screen(
            ChoiceScreen("There are unsaved changes.",
                         {"s": "save and quit", "d": "discard and quit"}),
            choose,
        )

    def on_unmount(self) -> None:
        self._unsubscribe()

    # ------------------------------------------------------------ help
    def key_table(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for the current screen, keymap applied.

        Walks the screen and its focusable widgets (the nodes keys reach),
        skipping disabled ones such as the editor's idle TextArea.
        """
        rows: dict[str, tuple[str, str, str]] = {}
        nodes = [self.screen, *(n for n in self.screen.walk_children()
                                if not getattr(n, "disabled", False)
                                and (n.can_focus or n is self.focused))]
        for node in nodes:
            bindings = current_bindings(node, self._keymap)
            for binding_list in bindings.key_to_bindings.values():
                for binding in binding_list:
                    if binding.system:
                        continue
                    bid = binding.id or binding.action
                    keys = self.get_key_display(binding)
                    old = rows.get(bid)
                    if old is None:
                        rows[bid] = (keys, binding.description or binding.action, bid)
                    elif keys not in old[0].split(" / "):
                        rows[bid] = (f"{old[0]} / {keys}", old[1], old[2])
        return list(rows.values())


KEYMAP_SCREENS = (RoleThreadApp, ListScreen, EntryList, EditorScreen, InsightsScreen, FigureList)


def create_app(path: str | Path, config: Config | None = None, *,
               output: str | Path | None = None, readonly: bool = False,
               **session_options: Any) -> RoleThreadApp:
    """Open `path` (the scan starts at once) and build the app around it."""
    config = config or Config()
    session = Session.open(path, validation=config.validation, target=output,
                           reviewer=effective_reviewer(config), **session_options)
    return RoleThreadApp(session, config, readonly=readonly)
