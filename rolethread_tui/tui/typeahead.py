"""Keys that arrive together are handled one after another, each where the one before left focus.

Textual forwards a key to the widget focused when the key is read, without
waiting for the key before it to be handled. The keys of one read from the
terminal (a paste, a burst over a laggy SSH link, typing ahead while the app
is busy) are therefore all queued to the same widget before the first has
done anything: when the first opens a prompt (`n`, `/`, `:`, `o`, `N`), the
rest still reach the list (the `a` of a note "bad" accepts the entry) or a
screen that is not yet ready. Textual issue #1009 ("Add input queue") names
the race. Here the app keeps that input queue: a key is forwarded only once
the one before it has been handled — it has passed the focused widget and each
of its ancestors, the app's bindings have run, and what the key started (a
focus change, a pushed screen showing) has had its turn. Typed-ahead keys then
go, in order, to wherever the focus is by then: into the prompt, never to the
screen below it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

#: Seconds after which a key that never reported back (its widget went away
#: mid-way) lets the next one through anyway: keys are delayed, never lost.
KEY_STUCK_AFTER = 1.0
#: Seconds a hold (`hold_keys`) lasts at most, whatever becomes of what it awaits.
HOLD_AT_MOST = 10.0
#: Keys a hold lets through: they cancel or replace what the held keys wait for.
PASS_HOLD = frozenset({"escape", "slash", "ctrl+c", "ctrl+q"})


class KeyQueue(App[None]):
    """An app whose keys (and pastes) are delivered one at a time (see the module)."""

    _key_serial = 0  # the key in flight; 0: none
    _key_count = 0
    _key_timer: Any = None
    _hold: Any = None  # the hold's time limit (a loop handle) while keys are held

    def hold_keys(self) -> None:
        """Keep typed-ahead keys (but `PASS_HOLD`'s) until `release_keys`: the rows
        are about to change under them. `/word enter j a` accepted a row of the
        list as it was before the search's matches came (QA pass)."""
        if self._hold is not None:
            self._hold.cancel()
        self._hold = asyncio.get_running_loop().call_later(HOLD_AT_MOST, self.release_keys)

    def release_keys(self) -> None:
        """The rows the held keys wait for are on screen: deliver them."""
        if self._hold is None:
            return
        self._hold.cancel()
        self._hold = None
        if not self._key_serial and self._keys_waiting:
            self.call_later(self._deliver, self._keys_waiting.popleft())

    def _held(self, event: events.Event) -> bool:
        return self._hold is not None and getattr(event, "key", None) not in PASS_HOLD

    @property
    def _keys_waiting(self) -> deque[events.Event]:
        waiting = self.__dict__.get("_waiting_keys")
        if waiting is None:
            waiting = self.__dict__["_waiting_keys"] = deque()
        return waiting

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self._key_serial or self._keys_waiting or self._held(event):
                self._keys_waiting.append(event)  # typed ahead: after the key in flight
                return
            await self._deliver(event)
            return
        await super().on_event(event)

    async def _deliver(self, event: events.Event) -> None:
        """Forward one key as Textual does, then follow it until it has been handled.
        Keys still waiting when the app ends go nowhere (there is no screen for them)."""
        if self._closing or not self.screen_stack:
            self._keys_waiting.clear()
            return
        self._key_count += 1
        serial = self._key_serial = self._key_count
        holds = getattr(self.screen, "holds_on_enter", None)
        if holds is not None and getattr(event, "key", None) == "enter" and holds():
            self.hold_keys()  # a search's enter: what follows waits for its matches
        path: list[MessagePump] = list((self.focused or self.screen).ancestors_with_self)
        # a plain event-loop handle, not a Textual timer (a task of its own per key)
        self._key_timer = asyncio.get_running_loop().call_later(
            KEY_STUCK_AFTER, self.call_later, self._next_key, serial)
        await super().on_event(event)
        self._follow(serial, path)

    def _follow(self, serial: int, path: list[MessagePump]) -> None:
        """One hop up the key's way: a callback queued behind the key in each node.

        A node handles the key (and passes it to its parent) before it runs the
        callback queued after it, so when the app runs it the key's bindings have
        run. Then the screen on top now (one the key pushed, say) and the app get
        one more turn each: a prompt's focus is set there.
        """
        while path:
            node = path.pop(0)
            if node.call_later(self._follow, serial, path):
                return
        if serial != self._key_serial:
            return
        if not self.screen.call_later(self.call_later, self._next_key, serial):
            self.call_later(self._next_key, serial)

    async def _next_key(self, serial: int) -> None:
        """The key `serial` is handled: deliver the next one waiting, if any."""
        if serial != self._key_serial:
            return  # already let through (its timer, or its callbacks)
        if self._key_timer is not None:
            self._key_timer.cancel()
            self._key_timer = None
        self._key_serial = 0
        if self._keys_waiting and not self._held(self._keys_waiting[0]):
            await self._deliver(self._keys_waiting.popleft())
