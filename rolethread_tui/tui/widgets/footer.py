"""A footer that redraws only when the keys it shows change.

Textual's `Footer` rebuilds all its key widgets every time the screen says its
bindings may have changed: on every focus change and after every action,
whether or not a key came or went. Each rebuild is a layout pass and a repaint
of the whole line, ~0.6 KB over SSH, several times per key (a note saved cost
four of them). This one compares what it would show with what it shows.

It can also be *held* until the list's first rows are drawn (`held`,
`release`): its first build — a widget per key, their styles, a layout — took
~30-45 ms of the UI thread just before the frame that showed the first rows
(issue #18; docs/architecture.md, "Start-up"). The keys follow a frame later.

It can also be *covered*: the line prompt (`line_prompt.py`) is drawn over it
on its own layer, and while it is, the footer is hidden and does not rebuild
for the prompt's own keys; when uncovered it catches up only if its keys
changed meanwhile (docs/architecture.md, "Repaints").
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    """A `Footer` that rebuilds only for a different set of keys."""

    _shown: tuple[Any, ...] | None = None
    _covered = False
    _waiting: Screen[Any] | None = None  # a rebuild asked for while held

    def __init__(self, *, held: bool = False) -> None:
        super().__init__()
        self.held = held

    def release(self) -> None:
        """No longer held: build the keys now if they were asked for meanwhile."""
        self.held = False
        screen, self._waiting = self._waiting, None
        if screen is not None and self.is_attached:
            # in the footer's own context: its rebuild binds data to the footer
            self.call_later(self.bindings_changed, screen)

    @property
    def covered(self) -> bool:
        return self._covered

    @covered.setter
    def covered(self, covered: bool) -> None:
        """Hidden under the line prompt: one layout with the prompt's own, and no
        footer cells under the prompt to split its line into pieces."""
        self._covered = covered
        self.visible = not covered
        if not covered and self.is_attached:
            # in the footer's own context: its rebuild binds data to the footer
            self.call_later(self.bindings_changed, self.screen)

    def _keys(self, screen: Screen[Any]) -> tuple[Any, ...]:
        """What `compose` reads from the active bindings."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.key, binding.key_display, binding.action, binding.description,
             binding.group, binding.tooltip, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self._covered:
            return
        if self.held:
            self._waiting = screen
            return
        if self._shown is not None and self._keys(screen) == self._shown:
            return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        yield from super().compose()
