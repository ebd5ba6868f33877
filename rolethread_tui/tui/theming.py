"""Turn theme files into Textual themes, register them, pick one, and honour NO_COLOR.

Everything a theme file can get wrong is caught here, before registration: a
bad colour name or theme variable that reached Textual's stylesheet would make
the app crash the moment the theme is applied (a `StylesheetParseError`).

NO_COLOR (https://no-color.org) and what Textual already does about it:
`App.__init__` looks for `NO_COLOR` in the environment (present at all, even
empty) and adds a line filter to every frame: `NoColor` (all colours -> the
terminal default, text styles kept) when the app uses native ANSI colour, else
`Monochrome` (truecolour greys). The choice is made once, in `__init__`, from the
theme active at that moment (Textual's default, not ours) or the `ansi_color`
argument. `Monochrome` turns ANSI colours into black (they carry no RGB), so an
ANSI theme under it is unreadable. Hence, when NO_COLOR is set:

* pass `ansi_color=ansi_color_override()` (True) to `App.__init__`, so the filter
  is `NoColor` and the output truly has no colour codes, and
* start on the `ansi-16` theme, whose cursor and focus are drawn with reverse /
  bold / underline, which survive the filter; any other theme would lose its
  cursor highlight with its colours.

We follow Textual's "present, even if empty" test rather than the spec's
"non-empty", because Textual's filter is what actually decides the output.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.css.stylesheet import Stylesheet, StylesheetParseError
from textual.theme import Theme

from ..domain import (
    DEFAULT_THEME,
    Config,
    ThemeSpec,
    UiState,
    bundled_themes_dir,
    discover_themes,
    display_path,
    preferred_theme,
    user_themes_dir,
)

ANSI_THEME = "ansi-16"
TEXTUAL_FALLBACK = "textual-dark"  # built into Textual: always registered
TEXTUAL_ANSI_FALLBACK = "ansi-dark"  # Textual's own ANSI theme, if ansi-16.toml is missing

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)


# Variables Textual's own CSS (Screen, Button, Tree ...) or ours may reference that
# Textual 8 does not generate for `ansi=True` themes; its built-in ANSI themes
# set the first two by hand. Without them the stylesheet fails to parse and the
# app crashes, so an ANSI theme file that omits them gets these values.
_ANSI_VARIABLE_DEFAULTS = {
    True: {  # dark
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "foreground-disabled": "ansi_default 50%",
        "surface-active": "transparent",
    },
    False: {  # light
        "ansi-background": "ansi_white",
        "ansi-foreground": "ansi_black",
        "foreground-disabled": "ansi_default 50%",
        "surface-active": "transparent",
    },
}


class ThemeError(ValueError):
    """A theme Textual would reject; `str()` names the field and the bad value."""


# --- NO_COLOR --------------------------------------------------------------------


def no_color_requested(environ: Mapping[str, str] | None = None) -> bool:
    """True when `NO_COLOR` is present (Textual's own test; see the module docstring)."""
    return "NO_COLOR" in (os.environ if environ is None else environ)


def ansi_color_override(environ: Mapping[str, str] | None = None) -> bool | None:
    """`ansi_color` for `App.__init__`: True under NO_COLOR, else None (the theme decides)."""
    return True if no_color_requested(environ) else None


# --- conversion ------------------------------------------------------------------


def _check_colours(spec: ThemeSpec) -> None:
    for field in _COLOUR_FIELDS:
        value = getattr(spec, field)
        if value is None:
            continue
        try:
            Color.parse(value)
        except ColorParseError as exc:
            raise ThemeError(f"{field}: {exc}") from None


def _css_property_for(variable: str) -> str:
    """The CSS property a theme variable is substituted into, judged by its name."""
    if "style" in variable.split("-"):  # text-style, link-style-hover, ...
        return "text-style"
    if "background" in variable:
        return "background"
    return "color"


def _check_variable(name: str, value: str) -> None:
    """Parse `prop: value` with Textual's CSS parser: the very check that would crash later."""
    sheet = Stylesheet()
    sheet.add_source(f"Screen {{ {_css_property_for(name)}: {value}; }}", read_from=("theme", ""))
    try:
        sheet.parse()
    except StylesheetParseError:
        raise ThemeError(f"variables.{name}: invalid value {value!r}") from None


def _variables(spec: ThemeSpec) -> dict[str, str]:
    if not spec.ansi:
        return dict(spec.variables)
    return {**_ANSI_VARIABLE_DEFAULTS[spec.dark], **spec.variables}


def to_textual_theme(spec: ThemeSpec) -> Theme:
    """A Textual `Theme` for `spec`, or ThemeError if Textual could not render it."""
    _check_colours(spec)
    for name, value in spec.variables.items():
        _check_variable(name, value)
    return Theme(
        name=spec.name,
        primary=spec.primary,
        secondary=spec.secondary,
        accent=spec.accent,
        foreground=spec.foreground,
        background=spec.background,
        surface=spec.surface,
        panel=spec.panel,
        boost=spec.boost,
        success=spec.success,
        warning=spec.warning,
        error=spec.error,
        dark=spec.dark,
        ansi=spec.ansi,
        luminosity_spread=spec.luminosity_spread,
        text_alpha=spec.text_alpha,
        variables=_variables(spec),
    )


# --- registration and choice -----------------------------------------------------


def theme_dirs(config: Config) -> list[Path]:
    """Bundled first, then the user's, so a user theme replaces a bundled one of that name."""
    return [bundled_themes_dir(), user_themes_dir(config.source)]


def register_themes(app: App[Any], config: Config) -> list[str]:
    """Register every valid bundled and user theme with `app`; one warning per rejected file."""
    specs, warnings = discover_themes(theme_dirs(config))
    return warnings + register_specs(app, specs.values())


def register_specs(app: App[Any], specs: Iterable[ThemeSpec]) -> list[str]:
    """Register these themes; one warning per theme Textual could not render."""
    warnings = []
    for spec in specs:
        try:
            app.register_theme(to_textual_theme(spec))
        except ThemeError as exc:
            warnings.append(f"theme {spec.name!r}: {exc}; theme skipped")
    return warnings


def register_first_theme(app: App[Any], config: Config,
                         wanted: str) -> tuple[list[str], list[ThemeSpec]]:
    """Register only the theme the app starts with: (warnings, the other themes).

    Checking a theme's variables parses CSS (~10 ms a theme), so the first frame
    waits for one theme, not all (issue #18); the caller registers the rest after
    it. If `wanted` is missing or broken, all are registered now, as
    `register_themes` does, so the fallback `apply_theme` picks is there.
    """
    specs, warnings = discover_themes(theme_dirs(config))
    spec = specs.get(wanted)
    if spec is not None:
        try:
            app.register_theme(to_textual_theme(spec))
        except ThemeError:
            pass
        else:
            return warnings, [s for name, s in specs.items() if name != wanted]
    return warnings + register_specs(app, specs.values()), []


def initial_theme(
    config: Config,
    state: UiState | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The theme to start with: NO_COLOR > last palette pick (see `preferred_theme`) > config."""
    if no_color_requested(environ):
        return ANSI_THEME
    if state is not None:
        return preferred_theme(state, config.theme)
    return config.theme


def _fallback(app: App[Any], wanted: str) -> str:
    ansi = wanted == ANSI_THEME
    for name in (ANSI_THEME, TEXTUAL_ANSI_FALLBACK) if ansi else (DEFAULT_THEME, TEXTUAL_FALLBACK):
        if name in app.available_themes:
            return name
    return TEXTUAL_FALLBACK


def apply_theme(app: App[Any], name: str) -> list[str]:
    """Set `app.theme`; an unknown name falls back to the default with a warning, never an error."""
    if name in app.available_themes:
        app.theme = name
        return []
    chosen = _fallback(app, name)
    app.theme = chosen
    return [f"theme {name!r} not found; using {chosen!r}"]


def preset_theme(app: App[Any], name: str) -> bool:
    """Before the app runs: make `name` the theme its stylesheet is first parsed with.

    Setting `app.theme` once the app runs makes Textual parse every style sheet
    again with the new variables (~40 ms of the first frame, issue #18). Here,
    before anything is parsed, the theme is set without its watcher, and what the
    watcher would do is done by hand: the stylesheet's variables and the
    `-theme-NAME` class. Its one other effect, the ANSI colour filter, depends
    only on the theme being dark or light, so this is done only when `name` is
    as dark as the theme Textual started with. False: not done (unknown theme,
    or the other brightness); the caller then sets `app.theme` the usual way.
    """
    theme = app.get_theme(name)
    if theme is None or theme.dark != app.current_theme.dark:
        return False
    app.set_reactive(App.theme, name)
    app.stylesheet.set_variables(app.get_css_variables())
    app.set_class(True, f"-theme-{name}", update=False)
    return True


def describe_theme_dirs(config: Config) -> str:
    """Where themes are looked for, for the help screen and error messages."""
    return ", ".join(display_path(folder) for folder in theme_dirs(config))
