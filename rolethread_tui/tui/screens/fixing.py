"""The list's fixes: the validation summary (`v`) and fixing the entry (`F`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...domain import SAFE_FIXES, Finding
from ..wording import count
from .prompts import ConfirmScreen

if TYPE_CHECKING:
    from ..app import RoleThreadApp


class FixesMixin:
    """Mixed into ListScreen (the reading view reaches `F` through it)."""

    app: RoleThreadApp
    _run: Any
    _guard: Any
    apply_query: Any
    notify: Any

    def action_validation_summary(self) -> None:
        """Counts by check; opens the list filtered to a check, or fixes all of it."""
        from .validation import ValidationSummaryScreen

        counts = self.app.session.counts()["issues"]
        self.app.push_screen(ValidationSummaryScreen(counts, len(self.app.session)),
                             self._summary_chosen)

    def _summary_chosen(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        kind, value = choice
        if kind == "filter":
            self.apply_query(value)
            return
        session = self.app.session
        positions = session.search(f"issue:{value}")

        def confirmed(yes: bool | None) -> None:
            if yes and self._run(lambda: self._fix_all(positions, value)):
                self.notify(f"Fixed {value} in {count(self._fixed, 'entry')} · u undoes it",
                            markup=False)

        question = f"Apply the {value} fix to {count(len(positions), 'entry')}? (one undo step)"
        self.app.push_screen(ConfirmScreen(question), confirmed)

    _fixed = 0

    def _fix_all(self, positions: list[int], check: str) -> None:
        self._fixed = self.app.session.apply_fixes(positions, {check}, label=f"fix all {check}")

    def action_fix_entry(self) -> None:
        position = self._guard()
        if position is None:
            return
        from .validation import FixPickerScreen

        fixable = [f for f in self.app.session.findings(position)
                   if f.fixable and f.check in SAFE_FIXES]
        if not fixable:
            self.notify("No safe automatic fix for this entry.")
            return

        def chosen(pick: Finding | str | None) -> None:
            if pick == "all":
                self._run(lambda: self.app.session.apply_fixes([position]))
            elif isinstance(pick, Finding):
                self._run(lambda: self.app.session.fix_finding(position, pick))

        self.app.push_screen(FixPickerScreen(position, fixable), chosen)
