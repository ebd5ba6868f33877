"""Crash safety inside the running app: the recovery question, what to tell, clean exits.

docs/safety.md "The journal: nothing acknowledged is lost", issue #8. The domain
side (`domain/opening.py`) takes the lock and finds a leftover journal; the
question whether to replay
it is asked here, in the app, because only the reviewer may decide:

* `RecoveryScreen` — "N unsaved changes from … can be restored — r: restore
  · d: discard (a copy is kept) · q: quit, decide later". There is no
  escape-to-dismiss: every way out is an explicit answer.
* `offer_recovery` — pushes it; the answer finishes the opening in a thread
  (a replay of a big journal takes a moment) and hands the session to
  `app.install_session`.
* `announce` — the notices after opening (read-only and why, changes
  restored, journals set aside).
* `ExitSignals` — SIGHUP (the SSH link dropped) and SIGTERM end the app
  cleanly: nothing is saved into the data file, the journal (already
  durable) stays for the next open, and the lock is released.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from ...domain import Opened, Opening, PendingJournal, close, describe_pending, os_reason
from ..safe_text import clean

if TYPE_CHECKING:
    from textual.app import App

    from ..app import RoleThreadApp

Answer = Literal["restore", "discard", "later"]


class RecoveryScreen(ModalScreen[str]):
    """Ask once: restore the crashed session's unsaved changes, or discard them."""

    BINDINGS = [
        Binding("r", "answer('restore')", "Restore", id="recovery_restore"),
        Binding("d", "answer('discard')", "Discard", id="recovery_discard"),
        Binding("q", "answer('later')", "Quit, decide later", id="recovery_later"),
    ]

    def __init__(self, pending: PendingJournal, file_name: str) -> None:
        super().__init__()
        self.pending = pending
        self.file_name = file_name
        self._palette = True

    def on_mount(self) -> None:
        """No command palette while asking: its commands expect a session, none exists yet."""
        self._palette = self.app.use_command_palette
        self.app.use_command_palette = False

    def on_unmount(self) -> None:
        self.app.use_command_palette = self._palette

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(f"Unsaved work found for {self.file_name}"), classes="title",
                        markup=False)
            yield Label(clean(describe_pending(self.pending) + " can be restored."),
                        markup=False)
            yield Label("r: restore · d: discard (a copy is kept) · q: quit, decide later",
                        classes="hint", markup=False)

    def action_answer(self, answer: Answer) -> None:
        self.dismiss(answer)


def offer_recovery(app: RoleThreadApp, opening: Opening) -> None:
    """Ask the question of `opening`, then open and install the session as answered.

    The answer's session goes to `app.install_session`. "Later"
    quits: the journal stays untouched and the lock is released by the
    app's shutdown (`Opening.abandon`).
    """
    assert opening.question is not None

    def answered(answer: str | None) -> None:
        if answer not in ("restore", "discard"):
            app.exit()
            return
        app.run_worker(partial(_finish, app, opening, answer == "restore"), thread=True,
                       group="recovery", exclusive=True, name="recovery")

    app.push_screen(RecoveryScreen(opening.question, opening.path.name), answered)


def _finish(app: RoleThreadApp, opening: Opening, restore: bool) -> None:
    """In a thread: replay or discard, then install; never leave a session nobody closes."""
    try:
        opened = opening.finish(restore)
    except Exception as exc:
        with contextlib.suppress(RuntimeError):
            app.call_from_thread(app.exit, None, 2, _cannot_open(opening, exc))
        return
    try:
        app.call_from_thread(app.install_session, opened)
    except RuntimeError:  # the app ended meanwhile (quit, signal): end the session here
        close(opened)


def _cannot_open(opening: Opening, exc: BaseException) -> Text:
    """The line printed as the app ends: the error in words, one line (`os_reason`),
    as a `Text` so that it is literal whatever console prints it."""
    return Text(clean(f"Cannot open {opening.path}: {os_reason(exc)}"))


def announce(app: App[Any], opened: Opened) -> None:
    """Tell what the opening decided: read-only and why, changes restored, journals set aside."""
    reason = opened.readonly_reason
    if reason:
        text = reason if "read-only" in reason else f"Read-only: {reason}"
        app.notify(text, severity="warning", timeout=20, markup=False)
    if opened.recovered_changes:
        n = opened.recovered_changes
        app.notify(f"Restored {n} unsaved change{'' if n == 1 else 's'} from the journal; "
                   "save (s) to write them to the file.", timeout=10, markup=False)
    for note in opened.notes:
        app.notify(note, severity="warning", timeout=20, markup=False)


class ExitSignals:
    """SIGHUP and SIGTERM end the app like a quit, without the unsaved-changes question.

    Nothing needs saving then: every acknowledged step is already durable in
    the journal, and writing the data file unasked could overwrite it with
    work the reviewer never chose to save. What matters is ending cleanly:
    the app's shutdown closes the session (the journal stays while there is
    unsaved work) and releases the lock, so the next open offers recovery
    at once instead of finding a lock.

    The handlers are registered with asyncio's `loop.add_signal_handler`, so
    they run as ordinary callbacks on the event loop; a bare `signal.signal`
    handler would interrupt the UI thread between any two bytecodes, where
    touching Textual is not safe. If the app has not shut down `grace`
    seconds later (a dead terminal can stall the exit), `force` runs from a
    timer thread to end the session anyway.
    """

    SIGNALS = (signal.SIGHUP, signal.SIGTERM)

    def __init__(self, app: App[Any], force: Callable[[int], None], grace: float = 5.0) -> None:
        self.app = app
        self.force = force
        self.grace = grace
        self.installed: list[int] = []
        self.received: int | None = None
        self._timer: threading.Timer | None = None

    def install(self) -> bool:
        """Register the handlers (call on the running loop); False where not possible."""
        try:
            loop = asyncio.get_running_loop()
            for sig in self.SIGNALS:
                loop.add_signal_handler(sig, self._received, sig)
                self.installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            return False  # not the main thread, or no signal support on this platform
        return True

    def remove(self) -> None:
        """Back to the default handlers (the app is unmounting).

        After a signal the watchdog stays: the unmount comes before Textual
        closes its driver, and closing it on a terminal that hung up can stall
        for good (its writer thread died on the dead terminal with frames still
        queued). The session is closed by then; `force` ends the process.
        """
        if self._timer is not None and self.received is None:
            self._timer.cancel()
        self._remove_handlers()

    def stand_down(self) -> None:
        """The app has fully ended (its driver closed): no watchdog is needed any more."""
        if self._timer is not None:
            self._timer.cancel()

    def _remove_handlers(self) -> None:
        with contextlib.suppress(RuntimeError):
            loop = asyncio.get_running_loop()
            for sig in self.installed:
                loop.remove_signal_handler(sig)
        self.installed.clear()

    def _received(self, signum: int) -> None:
        if self.received is not None:
            return
        self.received = signum
        self._timer = threading.Timer(self.grace, self.force, (signum,))
        self._timer.daemon = True
        self._timer.start()
        self.app.exit(return_code=128 + signum)
