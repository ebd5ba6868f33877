"""The `?` help screen: every key of the screen it was opened from."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.picker import KeyScroll


class HelpScreen(ModalScreen[None]):
    """A table of key, action and binding id (the id is what the keymap re-binds)."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help_close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(title="Keys", expand=True, box=None, pad_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("binding id", style="dim", no_wrap=True)
        for keys, description, binding_id in self.rows:  # flag names come from the config:
            table.add_row(Text(keys), Text(description), Text(binding_id))  # never markup
        with KeyScroll():
            yield Static(table)
            yield Static(
                "Re-bind any key in config.toml under [keymap], e.g. accept = \"y\". "
                "The command palette (ctrl+p) lists every action.", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
