"""What the app does when a save must not go ahead: the file changed on disk.

docs/safety.md "Changes made behind our back": before writing, detect that the file changed since it
was loaded and refuse to overwrite it silently. `Session.save` raises
`FileChangedError`; the app then calls `offer_file_changed`, which asks:

* ``r`` reload and re-apply: this session's changes written onto the file as it
  is now, by entry id (`Session.reload_and_reapply`); the report names what
  did not land and the conflict file holding our versions of those.
* ``a`` save a copy as… — a path prompt (relative paths are taken beside the
  data file); an existing file is overwritten only after a yes/no question.
* ``c`` save a copy to ``<stem>.rolethread-conflict<suffix>`` beside the
  file — a name that does not exist yet, so nothing is ever overwritten.
* ``esc`` — nothing is written.

A file deleted or moved away while open is said to be gone, and ``w`` saves it
back instead of ``r``: the entries as loaded (read through the descriptor the
session still holds) with its changes, at the same path (`Session.write_back`);
nothing on disk can be lost by that. When the refused save was "save and quit",
a re-apply or save-back that lands quits too (a re-apply prints its report).

The copy does not become the session's target: the changes stay unsaved
here (the journal keeps them, and quitting still asks), because marking
them saved would make the journal point recovery at the changed file.

A copy is only written while the bytes the session loaded are still there.
The session reads unchanged entries lazily from the file it opened; a tool
that replaced the file (a rename, as our own save does) left that file
intact under the old name's inode, but a tool that rewrote it *in place*
changed the very bytes the session reads, so a copy would splice their
bytes into our entries. Then nothing is written and the user is told so;
the journal keeps the decisions.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..domain import conflict_path, os_reason
from .screens.prompts import ChoiceScreen, ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from ..domain import Session
    from .app import RoleThreadApp

_REWRITTEN = ("{name} was rewritten in place by another program since it was loaded: the "
              "entries this session did not change are no longer readable as they were, so "
              "no copy was written (it would mix both versions). Your changes are kept in the "
              "journal in .rolethread/ beside the file.")


class _Rewritten(Exception):
    """The loaded bytes changed under the session (see `loaded_bytes_intact`)."""


def loaded_bytes_intact(session: Session) -> bool:
    """False when the file the session reads from was rewritten in place (the domain's
    rule: `Session.loaded_bytes_intact`)."""
    return session.loaded_bytes_intact()


def offer_file_changed(app: RoleThreadApp, then_quit: bool = False) -> None:
    """The save was refused because the file changed on disk: ask where the work goes.
    `then_quit`: the save was "save and quit", so a save that lands here quits too."""
    app.saving = False
    data = app.data_path
    if app.session.file_gone():
        _offer_file_gone(app, data, then_quit)
        return
    if not loaded_bytes_intact(app.session):
        app.notify(_REWRITTEN.format(name=data.name), severity="error", timeout=30,
                   markup=False)
        return
    conflict = conflict_path(data)
    question = (f"{data.name} changed on disk since it was loaded.\n"
                "It was not overwritten: that would destroy those changes.\n"
                "Your changes are safe in the journal. Re-apply them to the file as it "
                "is now (by entry id), or save a copy?")
    choices = {"r": "reload and re-apply my changes", "a": "save as…",
               "c": f"save to {conflict.name}"}
    app.push_screen(ChoiceScreen(question, choices),
                    partial(_chosen, app, data, conflict, then_quit))


def _offer_file_gone(app: RoleThreadApp, data: Path, then_quit: bool) -> None:
    """The file was deleted or moved away while open: nothing on disk can be lost by
    writing it again, so saving it back (the loaded entries with our changes) is offered
    first; a copy elsewhere as before."""
    conflict = conflict_path(data)
    question = (f"{data.name} is gone from disk: it was deleted or moved since it was "
                "loaded.\nYour changes are safe in the journal. Save it back (the entries "
                "as loaded, with your changes, to the same path), or save a copy?")
    choices = {"w": f"save it back as {data.name}", "a": "save as…",
               "c": f"save to {conflict.name}"}
    app.push_screen(ChoiceScreen(question, choices),
                    partial(_chosen, app, data, conflict, then_quit))


def _chosen(app: RoleThreadApp, data: Path, conflict: Path, then_quit: bool,
            key: str | None) -> None:
    if key == "r":
        app.saving = True
        app.run_worker(partial(_reapply_in_thread, app, then_quit), thread=True,
                       group="save", exclusive=True, name="reapply")
    elif key == "w":
        app.saving = True
        app.run_worker(partial(_write_back_in_thread, app, then_quit), thread=True,
                       group="save", exclusive=True, name="write-back")
    elif key == "c":
        save_copy(app, conflict)
    elif key == "a":
        app.push_screen(PromptScreen("Save a copy as (relative: beside the file)", str(conflict)),
                        partial(_path_given, app, data))
    else:
        app.notify(f"Not saved. {data.name} on disk was left as it is; your changes remain "
                   "unsaved here.", severity="warning", markup=False)


def _reapply_in_thread(app: RoleThreadApp, then_quit: bool) -> None:
    try:
        with app.save_lock:
            report = app.session.reload_and_reapply()
    except Exception as exc:  # refused (rewritten in place, gone) or I/O: say why, lose nothing
        app.call_from_thread(_failed, app, "Not re-applied", exc)
    else:
        app.call_from_thread(_reapplied, app, report, then_quit)


def _write_back_in_thread(app: RoleThreadApp, then_quit: bool) -> None:
    try:
        with app.save_lock:
            dest = app.session.write_back()
    except Exception as exc:  # back again meanwhile, or I/O: say why, lose nothing
        app.call_from_thread(_failed, app, "Not saved back", exc)
    else:
        app.call_from_thread(app._saved, dest, then_quit)


def _failed(app: RoleThreadApp, what: str, exc: BaseException) -> None:
    app.saving = False
    app.notify(f"{what}: {os_reason(exc)}", severity="error", timeout=20, markup=False)


async def _reapplied(app: RoleThreadApp, report: Any, then_quit: bool) -> None:
    app.saving = False
    message = f"Re-applied and saved: {report.summary()}."
    if then_quit:  # "save and quit": the save landed, so quit, and say what it did
        app.exit(message=Text(message))
        return
    severity = "warning" if report.conflicts else "information"
    app.notify(message, severity=severity, timeout=30, markup=False)
    await app.reopen()


def resolve_target(data: Path, text: str) -> Path:
    """The path typed at the prompt: `~` expanded, relative paths beside the data file."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else data.parent / path


def _path_given(app: RoleThreadApp, data: Path, text: str | None) -> None:
    if not text or not text.strip():
        app.notify("Not saved: no path given.", severity="warning")
        return
    dest = resolve_target(data, text)
    problem = _refuse(data, dest)
    if problem:
        app.notify(problem, severity="error", markup=False)
        return
    if dest.exists():
        app.push_screen(ConfirmScreen(f"{dest} exists. Overwrite it? (a backup is kept)"),
                        partial(_overwrite_answered, app, dest))
        return
    save_copy(app, dest)


def _refuse(data: Path, dest: Path) -> str | None:
    """Why dest cannot take the copy, or None."""
    if dest.is_dir():
        return f"{dest} is a folder: give a file name."
    if not dest.parent.is_dir():
        return f"{dest.parent} does not exist."
    if dest.exists() and dest.resolve() == data.resolve():
        return f"{dest.name} is the file that changed on disk: choose another name."
    return None


def _overwrite_answered(app: RoleThreadApp, dest: Path, yes: bool | None) -> None:
    if yes:
        save_copy(app, dest)
    else:
        app.notify("Not saved.", severity="warning")


def save_copy(app: RoleThreadApp, dest: Path) -> None:
    """Write the session's current state to dest in a thread; the data file is not touched."""
    if app.saving:
        return
    app.saving = True
    app.run_worker(partial(_copy_in_thread, app, dest), thread=True, group="save",
                   exclusive=True, name="save-copy")


def _copy_in_thread(app: RoleThreadApp, dest: Path) -> None:
    session = app.session
    try:
        with app.save_lock:
            if not loaded_bytes_intact(session):
                raise _Rewritten
            existed = dest.exists()
            session.save(dest)
            if not loaded_bytes_intact(session):  # rewritten while we copied
                if not existed:
                    dest.unlink(missing_ok=True)
                raise _Rewritten
    except _Rewritten:
        app.call_from_thread(_copy_done, app, dest, "rewritten")
    except Exception as exc:  # OSError (disk full, permissions) or anything else: say why
        app.call_from_thread(_copy_done, app, dest, os_reason(exc))
    else:
        app.call_from_thread(_copy_done, app, dest, None)


def _copy_done(app: RoleThreadApp, dest: Path, failure: str | None) -> None:
    app.saving = False
    data = app.data_path
    if failure == "rewritten":
        app.notify(_REWRITTEN.format(name=data.name), severity="error", timeout=30,
                   markup=False)
        return
    if failure:
        app.notify(f"Could not save the copy to {dest}: {failure}. Nothing was lost: the "
                   "changes are still in the journal.", severity="error", timeout=15,
                   markup=False)
        return
    if app.session.file_gone():  # nothing there to merge with
        app.notify(f"Saved a copy to {dest}. {data.name} is gone from disk; your changes "
                   "stay unsaved here (save again to write it back).", timeout=20,
                   markup=False)
        return
    app.notify(f"Saved a copy to {dest}. {data.name} was not overwritten; your changes stay "
               f"unsaved here. To combine both: rolethread-tui merge {data.name} {dest.name} "
               "-o OUT", timeout=20, markup=False)
