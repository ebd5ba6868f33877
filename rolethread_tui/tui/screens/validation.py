"""Validation in the TUI: the summary of checks, and picking fixes for an entry."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...domain import CHECKS, FIXABLE_CHECKS, SAFE_FIXES, Finding, file_notes
from ..safe_text import clean
from ..widgets.picker import Picker
from ..wording import count

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
_ORDER = {"error": 0, "warning": 1, "info": 2}


class ValidationSummaryScreen(ModalScreen[tuple[str, str] | None]):
    """Entries per check and severity. enter: filter the list · F: fix all of a check.

    Returns ("filter", "issue:CHECK") or ("fix", CHECK), or None.
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="summary_close"),
        Binding("F", "fix_all", "Fix all of this check", id="summary_fix_all"),
    ]

    def __init__(self, issues: Counter, total: int) -> None:
        super().__init__()
        self.issues = issues
        self.total = total
        # a check on most entries is a property of the file: said once, marked here
        self.file_wide = {note.check for note in file_notes(issues, total)}

    def compose(self) -> ComposeResult:
        rows = sorted(self.issues.items(),
                      key=lambda kv: (_ORDER.get(CHECKS.get(kv[0], "info"), 3), -kv[1]))
        with Vertical():
            yield Label(f"Validation: {count(sum(self.issues.values()), 'finding')} by entry, "
                        f"{count(self.total, 'entry')}", markup=False)
            options = [Option(self._row(check, n), id=check) for check, n in rows]
            yield Picker(*options) if options else Label("No findings.", markup=False)
            yield Label("enter: show these entries · F: fix all (safe fixes) · esc: close",
                        classes="hint", markup=False)

    def _row(self, check: str, n: int) -> Text:
        severity = CHECKS.get(check, "warning")
        out = Text()
        out.append(f"{severity:<8}", style=SEVERITY_STYLE.get(severity, ""))
        out.append(f"{check:<20}")
        out.append(f"{n:>9,} {'entry' if n == 1 else 'entries'}")
        if check in self.file_wide:
            out.append("  file-wide", style="bold")
        if check in SAFE_FIXES:
            out.append("  fixable", style="green")
        elif check in FIXABLE_CHECKS:
            out.append("  fixable (opt-in)", style="dim green")
        return out

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(("filter", f"issue:{event.option.id}"))

    def action_fix_all(self) -> None:
        options = self.query(OptionList)
        if not options:
            return
        option = options.first().highlighted_option
        if option is None or option.id not in FIXABLE_CHECKS:
            self.notify("No automatic fix for this check.", severity="warning")
            return
        self.dismiss(("fix", str(option.id)))

    def action_close(self) -> None:
        self.dismiss(None)


class FixPickerScreen(ModalScreen[Finding | str | None]):
    """The fixable findings of one entry: pick one, or "all" safe fixes at once.

    Shown before anything is applied, so a fix is never silent.
    """

    BINDINGS = [Binding("escape", "close", "Close", id="fix_close")]

    def __init__(self, position: int, findings: list[Finding]) -> None:
        super().__init__()
        self.position = position
        self.findings = findings

    def compose(self) -> ComposeResult:
        options = [Option(Text(f"All safe fixes ({len(self.findings)})", style="bold"),
                          id="all")]
        for n, f in enumerate(self.findings):
            label = Text()
            label.append(f"{f.check:<18}", style=SEVERITY_STYLE.get(f.severity, ""))
            label.append(clean(f.text))  # whole, wrapped: a cut named half a character
            options.append(Option(label, id=str(n)))
        with Vertical():
            yield Label(f"Fix entry {self.position + 1} — one undoable step", markup=False)
            yield Picker(*options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        self.dismiss("all" if key == "all" else self.findings[int(str(key))])

    def action_close(self) -> None:
        self.dismiss(None)
