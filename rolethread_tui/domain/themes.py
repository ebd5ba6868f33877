"""Theme files: TOML descriptions of a colour theme, validated before the UI sees them.

A theme file mirrors the fields of Textual's `Theme` (the TUI layer converts it)::

    name = "my-theme"          # defaults to the file name without .toml
    dark = true
    primary = "#5fa8d3"        # required; the others are optional
    success = "#73c991"        # accepted
    warning = "#e5c07b"        # needs work
    error = "#e06c75"          # rejected
    [variables]                # optional overrides of Textual's theme variables
    "block-cursor-text-style" = "bold"

Colours may be `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb(...)`/`hsl(...)`,
`ansi_<name>` (the terminal's own 16 colours, e.g. `ansi_bright_blue`, plus
`ansi_default`) or a colour name. This module checks the syntax only (it must not
import Textual); the TUI layer checks names and variables against Textual before
registering a theme, so a typo never reaches the stylesheet, where it would crash.

Bundled themes live in the repository's `themes/` folder (inside the package once
installed from a wheel: `resources.bundled_dir`); users add theirs in a
`themes/` folder beside their config file. A user theme with the same name as a
bundled one replaces it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import config_dir, display_path, validation_warnings
from .resources import bundled_dir
from .wording import os_reason

ANSI_COLOUR_NAMES = frozenset(
    {
        "default",
        "black",
        "red",
        "green",
        "yellow",
        "blue",
        "magenta",
        "cyan",
        "white",
        "bright_black",
        "bright_red",
        "bright_green",
        "bright_yellow",
        "bright_blue",
        "bright_magenta",
        "bright_cyan",
        "bright_white",
    }
)

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_FUNCTION = re.compile(r"(?:rgba?|hsla?)\([0-9.,%\s]+\)")
_NAME = re.compile(r"[a-z]+")  # checked against Textual's named colours by the TUI layer
_THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9-]*")


class ThemeFileError(ValueError):
    """A theme file that cannot be used; `str()` is one or more user-facing lines."""


def check_colour(value: str) -> str:
    """Syntax check of one colour string (see the module docstring for the forms)."""
    text = value.strip()
    if text.startswith("ansi_"):
        if text[5:] not in ANSI_COLOUR_NAMES:
            raise ValueError(
                f"unknown ANSI colour {text!r} (use ansi_black ... ansi_bright_white, ansi_default)"
            )
        return text
    if _HEX.fullmatch(text) or _FUNCTION.fullmatch(text) or _NAME.fullmatch(text):
        return text
    raise ValueError(f"not a colour: {value!r} (use #rrggbb, ansi_<name> or a colour name)")


def _theme_name(value: str) -> str:
    if not _THEME_NAME.fullmatch(value):
        raise ValueError(f"theme name {value!r} may use only letters, digits, '-' and '_'")
    return value


def _variable_name(value: str) -> str:
    if not _VARIABLE_NAME.fullmatch(value):
        raise ValueError(f"variable name {value!r} must be lower-case-with-dashes")
    return value


def _variable_value(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if any(c in value for c in ";{}$"):
        raise ValueError(f"{value!r} must be a single value (no ';', braces or '$')")
    return value.strip()


_COLOURS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
            "boost", "success", "warning", "error")


@dataclass(frozen=True)
class ThemeSpec:
    """One theme, as read from a file. Field meanings are Textual's (`textual.theme.Theme`).

    A frozen dataclass: `from_data` checks a file's table (the bundled themes on
    every start) without pydantic, and hands anything unusual to
    `themes_model.ThemeModel` for the exact error (issue #18).
    """

    name: str
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None
    dark: bool = True
    ansi: bool = False  # True: let the terminal's palette show through (ansi_* colours)
    luminosity_spread: float = 0.15
    text_alpha: float = 0.95
    variables: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ThemeSpec:
        """The theme a file's table describes; pydantic's `ValidationError` if it is wrong."""
        quick = _quick(data)
        if quick is not None:
            return cls(**quick)
        from .themes_model import ThemeModel

        return cls(**ThemeModel.model_validate(data).model_dump())

    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict (as pydantic's `model_dump`)."""
        return asdict(self)


_FIELDS = frozenset(ThemeSpec.__dataclass_fields__)


def _quick(data: object) -> dict[str, Any] | None:
    """The checked values when every value has its field's exact type and passes the
    same checks the model runs — then the model would return exactly these — else None."""
    if not isinstance(data, dict) or not data.keys() <= _FIELDS or "primary" not in data:
        return None
    out: dict[str, Any] = {}
    try:
        for key, value in data.items():
            if key in _COLOURS:
                if value is None and key != "primary":
                    out[key] = None
                    continue
                if type(value) is not str:
                    return None
                out[key] = check_colour(value)
            elif key == "name":
                if type(value) is not str:
                    return None
                out[key] = _theme_name(value)
            elif key in ("dark", "ansi"):
                if type(value) is not bool:
                    return None
                out[key] = value
            elif key in ("luminosity_spread", "text_alpha"):
                if type(value) is not float or not 0.0 <= value <= 1.0:
                    return None
                out[key] = value
            else:  # variables
                if type(value) is not dict or not all(
                        type(k) is str and type(v) is str for k, v in value.items()):
                    return None
                out[key] = {_variable_name(k): _variable_value(v) for k, v in value.items()}
    except ValueError:
        return None
    return out if "name" in out else None


def bundled_themes_dir() -> Path:
    """The bundled `themes/` folder: inside an installed wheel, or the checkout's top level."""
    return bundled_dir("themes")


def user_themes_dir(config_file: Path | None = None) -> Path:
    """`themes/` beside the config file in use, so a `--config` elsewhere brings its themes."""
    base = config_file.parent if config_file is not None else config_dir()
    return base / "themes"


def load_theme_file(path: Path) -> ThemeSpec:
    """Read and validate one theme file; raise ThemeFileError with one line per problem."""
    import tomllib

    where = display_path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{where}: TOML syntax error: {exc}") from None
    except UnicodeDecodeError:
        raise ThemeFileError(f"{where}: not UTF-8 text") from None
    except OSError as exc:
        raise ThemeFileError(f"{where}: cannot read ({os_reason(exc, name=False)})") from None
    data.setdefault("name", path.stem)
    quick = _quick(data)
    if quick is not None:
        return ThemeSpec(**quick)
    from pydantic import ValidationError  # a file that is not plainly right: the model says why

    from .themes_model import ThemeModel

    try:
        return ThemeSpec(**ThemeModel.model_validate(data).model_dump())
    except ValidationError as exc:
        raise ThemeFileError("\n".join(validation_warnings(exc, where))) from None


def discover_themes(dirs: list[Path]) -> tuple[dict[str, ThemeSpec], list[str]]:
    """All valid themes in `dirs` (later folders win on equal names) and a warning per bad file.

    Missing folders are normal (most users have no user themes) and are skipped silently.
    """
    themes: dict[str, ThemeSpec] = {}
    warnings: list[str] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                spec = load_theme_file(path)
            except ThemeFileError as exc:
                warnings.extend(f"{line}; theme skipped" for line in str(exc).splitlines())
                continue
            themes[spec.name] = spec
    return themes, warnings
