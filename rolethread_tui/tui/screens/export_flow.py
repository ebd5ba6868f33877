"""Export from the TUI: what to write, where, never overwriting without asking."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ...domain import cannot_write, export_refusal, os_reason
from ...domain import export_entries as export
from .prompts import ChoiceScreen, ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from ..app import RoleThreadApp

FORMATS = {"w": ("whole records", None, False), "c": ("clean ChatML", "chatml", True),
           "g": ("clean ShareGPT", "sharegpt", True)}


def start_export(app: RoleThreadApp, positions: list[int] | None, what: str) -> None:
    """Ask the format, then the path, then write in a thread worker."""
    choices = {k: v[0] for k, v in FORMATS.items()}
    app.push_screen(ChoiceScreen(f"Export {what} as:", choices),
                    lambda key: key and _ask_path(app, positions, key))


def _ask_path(app: RoleThreadApp, positions: list[int] | None, key: str) -> None:
    source = app.session.target
    suffix = ".clean.jsonl" if FORMATS[key][2] else ".export.jsonl"
    default = str(source.with_name(source.stem + suffix))
    app.push_screen(PromptScreen("Export to (path):", default),
                    lambda path: path and _check_path(app, positions, key, Path(path)))


def _check_path(app: RoleThreadApp, positions: list[int] | None, key: str, out: Path) -> None:
    refused = export_refusal(app.session, out)
    if refused:  # before "overwrite it?", whose yes would only meet this refusal
        app.notify(f"Export failed: {refused}", severity="error")
        return
    if out.exists():
        app.push_screen(ConfirmScreen(f"{out} exists. Overwrite it?"),
                        lambda yes: yes and _write(app, positions, key, out))
    else:
        _write(app, positions, key, out)


def _write(app: RoleThreadApp, positions: list[int] | None, key: str, out: Path) -> None:
    _label, fmt, clean = FORMATS[key]

    def work() -> None:
        try:
            summary = export(app.session, out, fmt=fmt, positions=positions, clean=clean)
        except (OSError, ValueError) as exc:
            app.call_from_thread(app.notify, f"Export failed: {_why(exc, out)}", severity="error")
        else:
            app.call_from_thread(app.notify, summary.render(), timeout=10)

    app.run_worker(work, thread=True, group="export")


def _why(exc: BaseException, out: Path) -> str:
    """One plain line: "cannot write OUT: Read-only file system", not "[Errno 30] …"
    (the wording of `os_reason`, with OUT in full as typed). An error about another
    file (not the one being written) is worded with that file's name instead."""
    if not isinstance(exc, OSError):
        return os_reason(exc)  # its first line: a toast is no place for several
    if exc.filename not in (None, str(out)):
        return os_reason(exc)
    return cannot_write(out, exc)
