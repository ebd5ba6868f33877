"""Small UI state remembered between sessions: theme picked in the palette, recent files, searches.

Kept apart from the config file on purpose: the config is the user's to edit and
is never written by the app; this file is the app's to write and is disposable.
It lives at `$ROLETHREAD_STATE`, else `$XDG_STATE_HOME/rolethread-tui/state.json`,
else `~/.local/state/rolethread-tui/state.json`.

Nothing here may stop the app: a corrupt or unreadable file reads as an empty
state, and a failed write is reported (a False return, or why in words from
`write_state`) instead of raising.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import APP_DIR_NAME, xdg_dir
from .wording import cannot_write

STATE_ENV = "ROLETHREAD_STATE"
STATE_FILE_NAME = "state.json"
MAX_RECENT_FILES = 20
MAX_SEARCHES = 50


@dataclass
class UiState:
    """Lists are most-recent-first, so a menu or an up-arrow history reads them in order.

    A dataclass, not a pydantic model, so the app's start never imports pydantic
    (issue #18). Values of the exact types (what the app writes) are taken as
    they are; anything else goes through `state_model.UiStateModel`, whose lax
    validation converts or rejects it as before.
    """

    theme: str | None = None
    theme_config: str | None = None  # config `theme` when `theme` was picked (see preferred_theme)
    recent_files: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)  # file → entry the cursor was on

    def __post_init__(self) -> None:
        values = asdict(self)
        if not all(_plain(key, value) for key, value in values.items()):
            from .state_model import UiStateModel  # raises pydantic's ValidationError

            self.__dict__.update(UiStateModel.model_validate(values).model_dump())


_FIELDS = tuple(UiState.__dataclass_fields__)


def _plain(key: str, value: Any) -> bool:
    """True when `value` is of the field's exact type: validation would keep it as is."""
    if key in ("theme", "theme_config"):
        return value is None or type(value) is str
    if key == "positions":
        return type(value) is dict and all(type(k) is str and type(v) is int
                                           for k, v in value.items())
    return type(value) is list and all(type(item) is str for item in value)


def state_path() -> Path:
    """`$ROLETHREAD_STATE` > `$XDG_STATE_HOME/rolethread-tui/state.json` > ~/.local/state/..."""
    from_env = os.environ.get(STATE_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    return xdg_dir("XDG_STATE_HOME", ".local/state") / APP_DIR_NAME / STATE_FILE_NAME


def _salvage(data: dict[str, Any]) -> UiState:
    """Keep the fields that are still valid when one is not (hand-edited or older file)."""
    known = {key: data[key] for key in _FIELDS if key in data}
    if all(_plain(key, value) for key, value in known.items()):
        return UiState(**known)  # what the app wrote: nothing to check
    from pydantic import ValidationError

    from .state_model import UiStateModel

    good: dict[str, Any] = {}
    for key, value in known.items():
        try:
            UiStateModel.model_validate({key: value})
        except ValidationError:
            continue
        good[key] = value
    return UiState(**UiStateModel.model_validate(good).model_dump())


def _trimmed(state: UiState) -> UiState:
    state.recent_files = state.recent_files[:MAX_RECENT_FILES]
    state.searches = state.searches[:MAX_SEARCHES]
    recent = set(state.recent_files)
    state.positions = {k: v for k, v in state.positions.items() if k in recent}
    return state


def load_state(path: Path | None = None) -> UiState:
    """The saved state, or an empty one if the file is missing, unreadable or corrupt."""
    target = path or state_path()
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return UiState()
    if not isinstance(data, dict):
        return UiState()
    return _trimmed(_salvage(data))


def save_state(state: UiState, path: Path | None = None) -> bool:
    """Write atomically (temp file + rename) so a crash mid-write never leaves half a file.

    Returns False instead of raising when the disk says no: losing a recent-files
    list must never block quitting.
    """
    return write_state(state, path) is None


def write_state(state: UiState, path: Path | None = None) -> str | None:
    """As `save_state`, but a failure says why, in words, for the reviewer to be told
    (the app tells once): "cannot write PATH: Is a directory" — the path in full as
    set (`$ROLETHREAD_STATE` may name a folder), the reason by `os_reason`. None when
    written. Never raises for an OS error."""
    target = path or state_path()
    payload = json.dumps(asdict(_trimmed(UiState(**asdict(state)))), indent=2) + "\n"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=target.parent)
    except FileExistsError:  # mkdir's word for "a file is where the folder should be"
        return cannot_write(target, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
    except OSError as exc:
        return cannot_write(target, exc)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return cannot_write(target, exc)
    return None


def _push(items: list[str], item: str, limit: int) -> list[str]:
    return [item, *(x for x in items if x != item)][:limit]


def remember_file(state: UiState, path: str | os.PathLike[str]) -> None:
    """Move `path` (made absolute, so the list works from any directory) to the front."""
    state.recent_files = _push(state.recent_files, os.path.abspath(path), MAX_RECENT_FILES)


def remember_position(state: UiState, path: str | os.PathLike[str], position: int) -> None:
    """Where the reviewer left a file: reopening puts the cursor there."""
    state.positions[os.path.abspath(path)] = max(int(position), 0)


def last_position(state: UiState, path: str | os.PathLike[str]) -> int:
    """The entry the cursor was on when the file was last closed (0: never opened)."""
    return state.positions.get(os.path.abspath(path), 0)


def remember_search(state: UiState, query: str) -> None:
    """Move a non-blank query to the front of the search history."""
    query = query.strip()
    if query:
        state.searches = _push(state.searches, query, MAX_SEARCHES)


def remember_theme(state: UiState, theme: str, config_theme: str) -> None:
    """Record a palette choice together with the config theme it overrode."""
    state.theme = theme
    state.theme_config = config_theme


def preferred_theme(state: UiState, config_theme: str) -> str:
    """The palette choice, unless the user has since changed `theme` in the config file.

    Without the second condition an edit to the config would be silently ignored
    forever after the first palette pick.
    """
    if state.theme and state.theme_config == config_theme:
        return state.theme
    return config_theme
