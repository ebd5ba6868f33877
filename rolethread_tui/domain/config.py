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
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from .reviewer import reviewer_name

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


# --- field types ---------------------------------------------------------------


def _binding_id(value: str) -> str:
    if not value.strip() or value != value.strip() or any(c.isspace() for c in value):
        raise ValueError("binding id must be a non-empty name without spaces")
    return value


def _key_list(value: str) -> str:
    """Normalise 'y, ctrl+y' to 'y,ctrl+y'; an empty key (a stray or literal comma) is an error."""
    parts = [part.strip() for part in value.split(",")]
    if not value.strip():
        raise ValueError("must name at least one key")
    if any(not part for part in parts):
        raise ValueError(f"empty key in {value!r} (keys are separated by commas; write 'comma')")
    return ",".join(parts)


def _regex(value: str) -> str:
    """Fail now, at load time, rather than when the validator first runs over a dataset."""
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regex {value!r}: {exc}") from None
    return value


BindingId = Annotated[str, AfterValidator(_binding_id)]
KeyList = Annotated[str, AfterValidator(_key_list)]
RegexPattern = Annotated[str, AfterValidator(_regex)]


class Config(BaseModel):
    """Everything the config file may set. Strict types: TOML already has them."""

    model_config = ConfigDict(extra="forbid", strict=True)

    flags: list[str] = Field(default_factory=lambda: list(DEFAULT_FLAGS))
    keymap: dict[BindingId, KeyList] = Field(default_factory=dict)
    reviewer: str | None = None
    auto_advance: bool = True
    short_response: int = Field(20, ge=0)
    split_exchanges: int = Field(8, ge=1)
    extra_refusal_patterns: list[RegexPattern] = Field(default_factory=list)
    extra_leak_patterns: list[RegexPattern] = Field(default_factory=list)
    theme: str = DEFAULT_THEME

    _source: Path | None = PrivateAttr(default=None)

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

    @field_validator("flags")
    @classmethod
    def _check_flags(cls, flags: list[str]) -> list[str]:
        """Flag names are typed in searches (`flag:NAME`), so no spaces and no look-alike twins."""
        names = [name.strip() for name in flags]
        if not 1 <= len(names) <= MAX_FLAGS:
            raise ValueError(f"must list 1 to {MAX_FLAGS} flag names (got {len(names)})")
        seen: set[str] = set()
        for number, name in enumerate(names, 1):
            if not name:
                raise ValueError(f"flag {number} is empty")
            if any(c.isspace() for c in name):
                raise ValueError(f"flag {number} {name!r} contains a space")
            if name.casefold() in seen:
                raise ValueError(f"flag {name!r} is listed twice")
            seen.add(name.casefold())
        return names

    @field_validator("reviewer")
    @classmethod
    def _check_reviewer(cls, reviewer: str | None) -> str | None:
        """An empty name means 'not set', so the usual fallbacks still apply."""
        if reviewer is None:
            return None
        return reviewer.strip() or None

    @field_validator("theme")
    @classmethod
    def _check_theme(cls, theme: str) -> str:
        if not theme.strip():
            raise ValueError("must name a theme")
        return theme.strip()


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
    fields = list(Config.model_fields)
    for key, value in data.items():
        if key not in Config.model_fields:
            warnings.append(f"{where}: unknown key {key!r}{did_you_mean(key, fields)}; ignored")
            continue
        kept, field_warnings = _check_field(key, value, where)
        warnings.extend(field_warnings)
        if kept is not None:
            good[key] = kept
    return Config.model_validate(good), warnings


def _read_toml(path: Path, where: str) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), []
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{where}: TOML syntax error: {exc}; using the default settings"]
    except UnicodeDecodeError:
        return None, [f"{where}: not UTF-8 text; using the default settings"]
    except OSError as exc:
        return None, [f"{where}: cannot read ({exc.strerror or exc}); using the default settings"]


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
