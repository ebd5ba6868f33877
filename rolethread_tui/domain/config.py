"""The user's config file (TOML): flag set, keymap, reviewer, thresholds, theme.

Where it lives (first that applies): the `--config` flag, `$ROLETHREAD_CONFIG`,
`$XDG_CONFIG_HOME/rolethread-tui/config.toml`, `~/.config/rolethread-tui/config.toml`.

A broken config must never stop the app from opening a file: every problem
becomes a one-line warning naming the file and the key, and only the bad part
falls back to its default. Validation is done field by field, so a typo in
`keymap` does not throw away a good `flags` list. Inside `keymap` and the two
pattern lists, a bad entry is dropped on its own and the rest are kept; the
flag list is all-or-nothing, because dropping one name would renumber flags
1-9 behind the user's back.

No Textual import here: the CLI and the session read the same config.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .reviewer import reviewer_name
from .wording import os_reason

if TYPE_CHECKING:
    from pydantic import ValidationError

APP_DIR_NAME = "rolethread-tui"
CONFIG_FILE_NAME = "config.toml"
CONFIG_ENV = "ROLETHREAD_CONFIG"
REVIEWER_ENV = "ROLETHREAD_REVIEWER"

DEFAULT_THEME = "rolethread-dark"
DEFAULT_FLAGS: tuple[str, ...] = (
    "refusal",
    "repetitive",
    "out_of_character",
    "too_short",
    "formatting",
    "factual",
    "unsafe",
    "style",
    "other",
)
MAX_FLAGS = 9  # flags are toggled with the keys 1-9

# Fields whose entries are independent: a bad entry is dropped, the others kept.
_ITEMWISE_FIELDS = frozenset({"keymap", "extra_refusal_patterns", "extra_leak_patterns"})


# --- locations -----------------------------------------------------------------


def xdg_dir(variable: str, fallback: str) -> Path:
    """`$variable` if absolute (the XDG spec says to ignore relative ones), else ~/fallback."""
    value = os.environ.get(variable, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / fallback


def config_dir() -> Path:
    """The default folder for the config file and user themes."""
    return xdg_dir("XDG_CONFIG_HOME", ".config") / APP_DIR_NAME


def config_path(explicit: str | None = None) -> Path:
    """Which config file to read: `--config` > `$ROLETHREAD_CONFIG` > XDG default."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(CONFIG_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    return config_dir() / CONFIG_FILE_NAME


def display_path(path: Path) -> str:
    """The path as a user would type it (home shown as ~), for warnings that must fit a line."""
    home = str(Path.home())
    text = str(path)
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


# --- the settings ------------------------------------------------------------

#: The settings and their defaults, in the order the file documents them.
FIELDS: tuple[str, ...] = ("flags", "keymap", "reviewer", "auto_advance", "short_response",
                           "split_exchanges", "extra_refusal_patterns", "extra_leak_patterns",
                           "theme")


def default_values() -> dict[str, Any]:
    return {"flags": list(DEFAULT_FLAGS), "keymap": {}, "reviewer": None, "auto_advance": True,
            "short_response": 20, "split_exchanges": 8, "extra_refusal_patterns": [],
            "extra_leak_patterns": [], "theme": DEFAULT_THEME}


class Config:
    """Everything the config file may set (the fields of `FIELDS`).

    A plain object, not a pydantic model: the defaults need no validation, so the
    common start — no config file — never imports pydantic (issue #18). Any value
    given, as keywords or through `model_validate`, is checked by
    `config_model.ConfigModel` (strict types, the rules below) and a bad one raises
    pydantic's `ValidationError`, as a model would.
    """

    flags: list[str]
    keymap: dict[str, str]
    reviewer: str | None
    auto_advance: bool
    short_response: int
    split_exchanges: int
    extra_refusal_patterns: list[str]
    extra_leak_patterns: list[str]
    theme: str

    def __init__(self, **data: Any) -> None:
        values = default_values()
        if data:
            values.update(_validated(data))
        self.__dict__.update(values)
        self._source: Path | None = None

    @classmethod
    def model_validate(cls, data: Any) -> Config:
        """Validate a mapping of settings (as pydantic's `BaseModel.model_validate`)."""
        config = cls()
        config.__dict__.update(_validated(data))
        return config

    def model_dump(self) -> dict[str, Any]:
        """The settings as a dict (copies: changing it changes nothing here)."""
        return {name: _copy(getattr(self, name)) for name in FIELDS}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return self.model_dump() == other.model_dump() and self._source == other._source

    __hash__ = None  # type: ignore[assignment]  # mutable, like the model it replaces

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in FIELDS) + ")"

    @property
    def source(self) -> Path | None:
        """The file this config was read from (None: defaults); user themes sit beside it."""
        return self._source

    @property
    def validation(self) -> dict[str, Any]:
        """The validation settings in the shape `validation.make_checker(config)` reads.

        The file keeps them flat (`short_response = 40`, not `[validation]`) because
        they are the settings users touch most; this is the bridge to the checker.
        """
        return {
            "short_response": self.short_response,
            "split_exchanges": self.split_exchanges,
            "extra_refusal_patterns": list(self.extra_refusal_patterns),
            "extra_leak_patterns": list(self.extra_leak_patterns),
        }

    @property
    def default_validation(self) -> bool:
        """True when every validation setting is the default: a session then needs no
        settings model at all (`validation=None`), which keeps pydantic off the first frame."""
        defaults = default_values()
        return all(getattr(self, name) == defaults[name] for name in self.validation)


def _validated(data: Any) -> dict[str, Any]:
    from .config_model import ConfigModel

    model = ConfigModel.model_validate(data)
    return {name: getattr(model, name) for name in FIELDS}


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


# --- error messages ------------------------------------------------------------

_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "missing": "is required",
    "extra_forbidden": "unknown key",
}


def error_location(loc: tuple[Any, ...]) -> str:
    """('keymap', 'accept') -> 'keymap.accept'; ('flags', 2) -> 'flags[2]'."""
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def error_message(error: Mapping[str, Any]) -> str:
    """A pydantic error as words a user can act on, without pydantic's boilerplate."""
    kind = error["type"]
    if kind in _TYPE_MESSAGES:
        message = _TYPE_MESSAGES[kind]
        if kind.endswith("_type"):
            message += f" (got {_short(error.get('input'))})"
        return message
    ctx = error.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')} (got {_short(error.get('input'))})"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')} (got {_short(error.get('input'))})"
    return str(error["msg"]).removeprefix("Value error, ")


def error_warning(error: Mapping[str, Any], where: str) -> str:
    """One pydantic error as the line the user sees: '<file>: <key>: <what is wrong>'."""
    return f"{where}: {error_location(tuple(error['loc']))}: {error_message(error)}"


def validation_warnings(exc: ValidationError, where: str) -> list[str]:
    """One line per error in `exc`."""
    return [error_warning(error, where) for error in exc.errors()]


def did_you_mean(word: str, choices: list[str]) -> str:
    """' (did you mean 'flags'?)' for a typo'd key, or ''."""
    close = difflib.get_close_matches(word.replace("-", "_"), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- loading -------------------------------------------------------------------


def _field_errors(key: str, value: object) -> list[Any]:
    from pydantic import ValidationError

    try:
        Config.model_validate({key: value})
    except ValidationError as exc:
        return list(exc.errors())
    return []


def _drop_entries(value: object, bad: set[Any]) -> object:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in bad}
    if isinstance(value, list):
        return [v for i, v in enumerate(value) if i not in bad]
    return value


def _check_field(key: str, value: object, where: str) -> tuple[object | None, list[str]]:
    """(value to keep or None to use the default, warnings) for one top-level key."""
    errors = _field_errors(key, value)
    if not errors:
        return value, []
    entry_level = all(len(e["loc"]) > 1 for e in errors)
    if key in _ITEMWISE_FIELDS and entry_level:
        kept = _drop_entries(value, {e["loc"][1] for e in errors})
        if not _field_errors(key, kept):
            return kept, [f"{error_warning(e, where)}; entry ignored" for e in errors]
    return None, [f"{error_warning(e, where)}; default used" for e in errors]


def validate_config(data: Mapping[str, Any], where: str) -> tuple[Config, list[str]]:
    """Build a Config from parsed TOML, keeping every valid key and warning about the rest."""
    good: dict[str, object] = {}
    warnings: list[str] = []
    fields = list(FIELDS)
    for key, value in data.items():
        if key not in FIELDS:
            warnings.append(f"{where}: unknown key {key!r}{did_you_mean(key, fields)}; ignored")
            continue
        kept, field_warnings = _check_field(key, value, where)
        warnings.extend(field_warnings)
        if kept is not None:
            good[key] = kept
    return Config.model_validate(good), warnings


def _read_toml(path: Path, where: str) -> tuple[dict[str, Any] | None, list[str]]:
    import tomllib  # only when there is a file to read

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), []
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{where}: TOML syntax error: {exc}; using the default settings"]
    except UnicodeDecodeError:
        return None, [f"{where}: not UTF-8 text; using the default settings"]
    except OSError as exc:
        return None, [f"{where}: cannot read ({os_reason(exc, name=False)}); "
                      "using the default settings"]


def load_config(explicit: str | None = None) -> tuple[Config, list[str]]:
    """The config and its warnings. Never raises: a broken file means defaults plus warnings.

    A missing file at the default location is normal (no warning); a file the
    user named (flag or `$ROLETHREAD_CONFIG`) that does not exist gets a warning,
    because they clearly expected it to be read.
    """
    path = config_path(explicit)
    where = display_path(path)
    named = bool(explicit or os.environ.get(CONFIG_ENV))
    if not path.exists():
        warnings = [f"{where}: config file not found; using the default settings"] if named else []
        return Config(), warnings
    data, warnings = _read_toml(path, where)
    config, field_warnings = (Config(), []) if data is None else validate_config(data, where)
    config._source = path
    return config, warnings + field_warnings


def effective_reviewer(config: Config) -> str:
    """`$ROLETHREAD_REVIEWER` > config `reviewer` > `git config user.name` > `$USER@host`.

    The environment wins so a script or CI job can sign its decisions without
    editing anyone's config file.
    """
    from_env = os.environ.get(REVIEWER_ENV, "").strip()
    if from_env:
        return from_env
    if config.reviewer:
        return config.reviewer
    return reviewer_name()
