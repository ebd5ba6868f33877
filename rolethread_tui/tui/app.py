"""The Textual app: one shared `Session`, the list screen as home.

`create_app` is the one factory used by the CLI and the tests, so what is
tested is what runs.
"""

from __future__ import annotations

import asyncio
import copy
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from ..domain import (
    Config,
    FileChangedError,
    Opened,
    Opening,
    Session,
    SessionEvent,
    begin,
    close,
    effective_reviewer,
    load_state,
    os_reason,
    remember_file,
    remember_theme,
    save_state,
    why_unreadable,
    write_state,
)
from .keymap import apply_keymap, binding_order, default_keys
from .messages import SessionChanged, SessionListener
from .safe_text import clean
from .screens.list_screen import ListScreen
from .screens.recovery import ExitSignals, announce, offer_recovery
from .start import Begun, FirstRows, begin_review
from .theming import (
    ansi_color_override,
    apply_theme,
    initial_theme,
    preset_theme,
    register_first_theme,
    register_specs,
)
from .typeahead import KeyQueue
from .wording import count

# Screens the first frame does not draw (editor, insights, export, the palette's
# provider ...) are imported where they are first used: the list shows sooner
# (issue #18; docs/architecture.md, "Start-up").


def _actions_provider() -> type[Any]:
    """The palette's provider, loaded when the palette first opens (Textual accepts a
    callable in `COMMANDS`)."""
    from .commands import ActionsProvider

    return ActionsProvider


class RoleThreadApp(KeyQueue):
    """Review a JSONL dataset: list → editor → back, all through one session.

    Built from an `Opened` session, or from an `Opening` whose recovery
    question is asked once the app runs (`self.session` exists from
    `install_session` on). The app owns the lock and the journal through
    `opened` and ends them in `shutdown_session`, whatever way it exits.
    """

    TITLE = "RoleThread"
    # Every screen's and widget's style, in one file a themer can read; colours are
    # theme variables, so switching theme recolours all of it. An absolute path, so
    # a test app that hosts one screen can load the same sheet (`CSS_PATH = ...`).
    CSS_PATH = Path(__file__).with_name("app.tcss")
    COMMANDS = App.COMMANDS | {_actions_provider}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, id="force_quit")]

    session: Session

    def __init__(self, start: Opened | Opening, config: Config | None = None, *,
                 first_rows: FirstRows | None = None,
                 release: Callable[[], None] | None = None) -> None:
        """`first_rows` / `release`: the scan's hold the file was opened with
        (`start.begin_review`), kept by the app, its listener released."""
        super().__init__(ansi_color=ansi_color_override())
        self.config = config or Config()
        self.opened: Opened | None = None
        self.opening = start if isinstance(start, Opening) else None
        self.readonly = True  # until a session is installed
        self.saving = False
        self.save_lock = threading.Lock()  # held while a save writes; shutdown waits for it
        self.discard_unsaved = False
        self.state = load_state()
        self._state_lock = threading.Lock()  # one state write at a time, newest last
        self._state_version = self._state_written = 0
        self._state_failure_said = False  # a failed state write is told once
        self._unsubscribe: Any = release or (lambda: None)
        self._first_rows = first_rows or FirstRows()
        self._exit_signals = ExitSignals(self, self._forced_exit)
        # The starting theme, registered and set before the stylesheet is first parsed
        # (see `preset_theme`); the palette's other themes come after the first frame.
        self._start_theme = initial_theme(self.config, self.state)
        self._theme_warnings, self._later_themes = register_first_theme(
            self, self.config, self._start_theme)
        self._theme_preset = preset_theme(self, self._start_theme)
        if isinstance(start, Opened):
            self._adopt(start, self._first_rows)

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification shows its text literally: messages carry file names,
        ids, notes and error texts from the data, so never markup, never escapes."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout,
                       markup=False)

    def _adopt(self, opened: Opened, first_rows: FirstRows | None = None) -> None:
        self._unsubscribe()  # the previous session's listener, or the opening's hold
        self.opened = opened
        self.session = opened.session
        self.readonly = opened.readonly
        if opened.readonly:  # the domain refuses every change from now on, for every caller
            opened.session.set_read_only(opened.readonly_reason)
        self._first_rows = first_rows or FirstRows()  # set once the first rows are drawn
        self._unsubscribe = opened.session.subscribe(self._forward)

    @property
    def data_path(self) -> Path:
        """The file under review (not the journal's base a recovered session may read)."""
        if self.opened is not None:
            return self.opened.path
        assert self.opening is not None
        return self.opening.path

    def _forward(self, event: SessionEvent) -> None:
        """Session events may come from the scan thread: post, never touch widgets.

        First rows first (issue #18): a "scan" event is the scan thread telling
        us rows are published. Until the first frame has drawn them, the scan
        waits here (`FirstRows.hold`), so it does not take the interpreter from
        the UI thread while Textual builds that frame.
        """
        for screen in self.screen_stack:  # the list; the editor's header ("saved")
            if isinstance(screen, SessionListener):
                screen.post_message(SessionChanged(event))
        self._first_rows.hold(event)

    def first_rows_drawn(self) -> None:
        """The list has drawn its first rows: the scan may go on (see `_forward`)."""
        self._first_rows.drawn()

    def on_mount(self) -> None:
        self.sub_title = clean(str(self.data_path))
        warnings = list(self._theme_warnings)
        if not self._theme_preset:
            warnings += apply_theme(self, self._start_theme)
        if self._later_themes:  # the palette's other themes: after the first frame (#18)
            self.call_after_refresh(self._register_later, self._later_themes)
        warnings += self._apply_keymap()
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._theme_preset:  # what setting the theme now would have told subscribers
            self.call_next(self.theme_changed_signal.publish, self.current_theme)
        self._exit_signals.install()
        if self.opening is not None and self.opening.question is not None:
            offer_recovery(self, self.opening)  # install_session follows the answer
        else:
            self._show_session()
        for warning in warnings:
            self.notify(warning, severity="warning", timeout=8)

    def _register_later(self, specs: list[Any]) -> None:
        for warning in register_specs(self, specs):
            self.notify(warning, severity="warning", timeout=8)

    def save_state_soon(self) -> None:
        """Write the UI state from a worker thread: its fsync never holds up a frame
        (the first one least of all). An older snapshot never overwrites a newer one."""
        snapshot = copy.deepcopy(self.state)
        self._state_version += 1
        version = self._state_version

        def write() -> None:
            with self._state_lock:
                if version > self._state_written:
                    why = write_state(snapshot)
                    self._state_written = version
                    if why is not None and not self._state_failure_said:
                        self._state_failure_said = True
                        self.call_from_thread(self._state_not_saved, why)

        self.run_worker(write, thread=True, group="state")

    def _state_not_saved(self, why: str) -> None:
        """Said once per run (every cursor rest would say it again): the review itself
        is unaffected; only what `state` remembers between runs is lost."""
        self.notify("Cursor position, theme, recent files and searches will not be "
                    f"remembered: {why}", severity="warning", timeout=12)

    def _apply_keymap(self) -> list[str]:
        """The config's keymap, with its warnings. Without one there is nothing to check,
        so the screens whose bindings the check reads are not imported for it."""
        if not self.config.keymap:
            return apply_keymap(self, {}, set())
        defaults = default_keys(keymap_screens())
        return apply_keymap(self, self.config.keymap, set(defaults), defaults)

    def _show_session(self) -> None:
        assert self.opened is not None
        remember_file(self.state, self.opened.path)
        self.save_state_soon()
        self.push_screen(ListScreen())
        announce(self, self.opened)

    async def install_session(self, opened: Opened) -> None:
        """Make `opened` the app's session (after the recovery answer) and show it.

        Any screen showing a previous session goes first; that session is
        closed (journal kept if unsaved, lock released) only once nothing
        draws from it any more.
        """
        previous = self.opened
        self.opening = None
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self._adopt(opened)
        if previous is not None and previous is not opened:
            close(previous)
        self._show_session()

    open_args: dict[str, Any] | None = None  # how create_app opened the file (reopen)

    async def reopen(self) -> None:
        """Open the file again as it is on disk (after reload-and-re-apply saved it)."""
        assert self.opened is not None and self.open_args is not None
        close(self.opened)  # nothing unsaved is left; the lock is released first
        opening = begin(self.data_path, **self.open_args)
        await self.install_session(opening.finish(None))

    async def action_reload(self) -> None:
        """Palette "Reload file from disk": read it again as it is now."""
        if self.session.dirty:
            self.notify("There are unsaved changes: save them first (if the file changed "
                        "on disk, the save offers to re-apply them to it).", severity="warning")
            return
        # a thread: the check opens the file as a review would (a `.json` array is indexed)
        why = await asyncio.to_thread(why_unreadable, self.data_path)
        if why is not None:
            self.notify(f"Not reloaded: {why}", severity="error", timeout=20)
            return
        await self.reopen()
        self.notify(f"Reloaded {self.data_path.name}: {count(len(self.session), 'entry')}.")

    async def action_open_file(self, path: str) -> None:
        """Palette "Open recent": review another file in place of this one."""
        if self.session.dirty:
            self.notify("There are unsaved changes: save or undo them before opening "
                        "another file.", severity="warning")
            return
        why = await asyncio.to_thread(why_unreadable, path)  # a missing file says so too
        if why is not None:  # the file open now stays open
            self.notify(f"Not opened: {why}", severity="error", timeout=20)
            return
        assert self.opened is not None and self.open_args is not None
        close(self.opened)
        opening = begin(path, **self.open_args)
        if opening.question is not None:
            self.opening = opening
            offer_recovery(self, opening)  # install_session follows the answer
        else:
            await self.install_session(opening.finish(None))
        self.sub_title = clean(path)

    def _theme_changed(self, theme: Any) -> None:
        remember_theme(self.state, theme.name, self.config.theme)
        self.save_state_soon()

    # ------------------------------------------------------------ editor
    def open_editor(self, position: int, message: int = 0,
                    closed: Callable[[], None] | None = None) -> None:
        """The editor on `position`; back in the list, the cursor is on the entry the
        editor showed last (`>` / `<` move through the file there), then `closed` runs."""

        def back(result: Any) -> None:
            try:
                _go_back(result)
            finally:
                if closed is not None:
                    closed()

        def _go_back(result: Any) -> None:
            index = getattr(result, "index", None)
            home = next((s for s in self.screen_stack if isinstance(s, ListScreen)), None)
            if home is not None and index is not None and index < len(self.session):
                home.return_to(index)

        from .screens.editor import EditorScreen

        self.push_screen(EditorScreen(self.session, position, message), back)

    # ------------------------------------------------------------ palette actions
    def action_export_prompt(self, query: str | None) -> None:
        """Export the entries of a query (None: the list's current filter, or all)."""
        from .screens.export_flow import start_export

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
            with self.save_lock:
                dest = self.session.save(path)
        except FileChangedError:
            from .save_flow import offer_file_changed

            self.call_from_thread(offer_file_changed, self, then_quit)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            self.call_from_thread(
                self._save_failed,
                f"Save failed: {os_reason(exc, name=False)}{where}. The file and the journal are "
                "intact; nothing was lost.")
        except Exception as exc:  # a worker error would end the app: report it instead
            self.call_from_thread(self._save_failed,
                                  f"Save failed, nothing was lost: {os_reason(exc)}")
        else:
            self.call_from_thread(self._saved, dest, then_quit)

    def _saved(self, dest: Path, then_quit: bool) -> None:
        self.saving = False
        self.notify(f"Saved {count(len(self.session), 'entry')} to {dest.name}")
        if then_quit:
            self.exit()

    def _save_failed(self, why: str) -> None:
        self.saving = False
        self.notify(why, severity="error", timeout=10, markup=False)

    # ------------------------------------------------------------ quitting
    async def action_quit(self) -> None:
        """Quit; first ask when something would be lost: unsaved changes, or text typed
        in the editor's text box and not yet applied (`ctrl+q` works from anywhere)."""
        typed = self._unapplied_text()
        if self.opened is None or self.readonly or not (self.session.dirty or typed):
            self.exit()
            return

        def choose(key: str | None) -> None:
            if key == "s":
                if typed is not None:
                    typed.action_finish_edit()  # applied (journaled) now, then saved
                    if typed.unapplied:  # it could not be applied: say why, stay
                        return
                self.save(then_quit=True)
            elif key == "d":
                self.discard_unsaved = True  # the journal is set aside (a copy is kept)
                self.exit()

        from .screens.prompts import ChoiceScreen

        question = "There are unsaved changes."
        save = "save and quit"
        if typed is not None:
            question = "The text box holds an edit not applied yet."
            save = "apply it, save and quit"
        self.push_screen(ChoiceScreen(question, {"s": save, "d": "discard and quit"}), choose)

    def _unapplied_text(self) -> Any:
        """The editor whose text box holds text not yet applied, or None."""
        for screen in self.screen_stack:
            if getattr(screen, "unapplied", False):
                return screen
        return None

    def on_unmount(self) -> None:
        with self._state_lock:  # where the cursor was, for the next start on this file
            self._state_version += 1
            save_state(self.state)
            self._state_written = self._state_version
        self._unsubscribe()
        self.first_rows_drawn()  # never leave the scan waiting for a frame
        self.shutdown_session()
        self._exit_signals.remove()

    def shutdown_session(self) -> None:
        """End the session however the app ends (quit, signal, error); safe to call twice.

        Waits for a save in flight, closes the session — the journal stays
        when there is unsaved work, unless the user discarded it — and
        releases the lock. An unanswered recovery question leaves the
        journal untouched.
        """
        if self.opening is not None:
            self.opening.abandon()
        if self.opened is None:
            return
        self.first_rows_drawn()
        with self.save_lock:
            close(self.opened, discard_unsaved=self.discard_unsaved)

    def finished(self) -> None:
        """`run()` has returned, its driver closed: the exit watchdog stands down."""
        self._exit_signals.stand_down()

    def _forced_exit(self, signum: int) -> None:
        """The app did not end within the grace time after SIGHUP/SIGTERM: end it here."""
        try:
            if self.save_lock.acquire(timeout=30) and self.opened is not None:
                close(self.opened)
        finally:
            os._exit(128 + signum)

    # ------------------------------------------------------------ help
    def key_table(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for the current screen, keymap applied.

        Walks the screen and its focusable widgets (the nodes keys reach),
        skipping disabled ones such as the editor's idle TextArea, and hidden
        ones such as the list's closed note prompt.
        """
        from .commands import current_bindings

        rows: dict[str, tuple[str, str, str]] = {}
        nodes = [self.screen, *(n for n in self.screen.walk_children()
                                if not getattr(n, "disabled", False)
                                and (n.can_focus or n is self.focused)
                                and all(getattr(a, "visible", True)
                                        for a in n.ancestors_with_self))]
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
                        rows[bid] = (keys, self._described(binding), bid)
                    elif keys not in old[0].split(" / "):
                        rows[bid] = (f"{old[0]} / {keys}", old[1], old[2])
        order = binding_order(self.screen)  # a re-bound key keeps its place
        return sorted(rows.values(), key=lambda row: order.get(row[2], len(order)))

    def _described(self, binding: Any) -> str:
        """A binding's help text; a flag key names its flag ("Flag 3: out_of_character")."""
        text = binding.description or binding.action
        number = (binding.id or "").removeprefix("toggle_flag_")
        if number.isdigit() and 1 <= int(number) <= len(self.config.flags):
            text = f"{text}: {self.config.flags[int(number) - 1]}"
        return text


def keymap_screens() -> tuple[type[Any], ...]:
    """Every class with re-bindable keys: the ids a `[keymap]` may name."""
    from .screens.editor import EditorScreen
    from .screens.insights import FigureList, InsightsScreen
    from .screens.pair import PairScreen
    from .screens.reading import ReadingScreen
    from .widgets.entry_list import EntryList

    return (RoleThreadApp, ListScreen, EntryList, EditorScreen, ReadingScreen, InsightsScreen,
            FigureList, PairScreen)


def create_app(path: str | Path, config: Config | None = None, *,
               output: str | Path | None = None, readonly: bool = False,
               begun: Begun | None = None, **session_options: Any) -> RoleThreadApp:
    """Open `path` (the scan starts at once) and build the app around it.

    Takes the lock (read-only when a live session holds it). A leftover
    journal with unsaved changes is not decided here: the app asks on start
    (`RecoveryScreen`). `readonly`: no lock, no journal, nothing changes.
    `begun`: the file already opened by `start.begin_review` (the CLI opens it
    before it imports this module).
    """
    config = config or Config()
    if readonly:
        options = {"validation": None if config.default_validation else config.validation,
                   **session_options}
        session = Session.open(path, target=output, reviewer=effective_reviewer(config),
                               claim_lock=False, **options)
        return RoleThreadApp(Opened(Path(path), session, None, "opened read-only"), config)
    begun = begun or begin_review(path, config, output, **session_options)
    app = RoleThreadApp(begun.start, config, first_rows=begun.first_rows,
                        release=begun.release)
    app.open_args = begun.open_args
    return app


def __getattr__(name: str) -> Any:
    """`KEYMAP_SCREENS`, built on first use (PEP 562) so importing the app imports no
    screen the first frame does not draw."""
    if name == "KEYMAP_SCREENS":
        return keymap_screens()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
