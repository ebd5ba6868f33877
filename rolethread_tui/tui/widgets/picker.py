"""An option list that moves with j / k like every list-like screen of the app."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import OptionList

VI_KEYS = [
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("g", "first", "First", show=False),
    Binding("G", "last", "Last", show=False),
]


class Picker(OptionList):
    """`OptionList` plus j / k / g / G, so `F` in a summary acts on the row the
    reviewer moved to, not on the first one."""

    BINDINGS = VI_KEYS


class KeyScroll(VerticalScroll):
    """A scrolling panel (help) that j / k scroll like the rest of the app."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]
