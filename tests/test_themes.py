"""Theme files: bundled ones load and render, broken ones are skipped with a warning, NO_COLOR."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color
from textual.theme import Theme
from textual.widgets import Button, Footer, Input, Label, OptionList, Switch, TextArea, Tree

from rolethread_tui.domain.config import Config, load_config
from rolethread_tui.domain.state import UiState
from rolethread_tui.domain.themes import (
    ThemeFileError,
    ThemeSpec,
    bundled_themes_dir,
    discover_themes,
    load_theme_file,
    user_themes_dir,
)
from rolethread_tui.tui.theming import (
    ANSI_THEME,
    ThemeError,
    ansi_color_override,
    apply_theme,
    initial_theme,
    no_color_requested,
    register_themes,
    to_textual_theme,
)

BUNDLED = ["ansi-16", "high-contrast", "rolethread-dark", "rolethread-light"]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """User themes come from tmp_path, never from the real ~/.config."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("ROLETHREAD_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "xdg-config" / "rolethread-tui" / "themes"
    folder.mkdir(parents=True)
    return folder


def _bundled() -> dict[str, ThemeSpec]:
    specs, warnings = discover_themes([bundled_themes_dir()])
    assert warnings == []
    return specs


# --- bundled themes ------------------------------------------------------------


def test_every_bundled_theme_loads_and_converts() -> None:
    specs = _bundled()
    assert sorted(specs) == BUNDLED
    for spec in specs.values():
        theme = to_textual_theme(spec)
        assert isinstance(theme, Theme) and theme.name == spec.name
        assert theme.to_color_system().generate()  # Textual can build every variable


def test_ansi_theme_uses_only_terminal_colours() -> None:
    spec = _bundled()[ANSI_THEME]
    assert spec.ansi is True
    colours = [v for k, v in spec.model_dump().items() if isinstance(v, str) and k != "name"]
    colours += [v for k, v in spec.variables.items() if "style" not in k.split("-")]
    for value in colours:
        assert value.startswith("ansi_"), value


def _contrast(a: str, b: str) -> float:
    def luminance(colour: Color) -> float:
        def channel(v: int) -> float:
            c = v / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)

    high, low = sorted((luminance(Color.parse(a)), luminance(Color.parse(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", ["rolethread-dark", "rolethread-light", "high-contrast"])
def test_status_colours_are_readable_and_distinct(name: str) -> None:
    spec = _bundled()[name]
    statuses = [spec.success, spec.warning, spec.error]
    assert all(colour is not None for colour in statuses)
    for colour in [spec.foreground, *statuses]:
        assert _contrast(colour, spec.background) >= 4.5, (name, colour)  # WCAG AA
    for a, b in combinations(statuses, 2):
        ca, cb = Color.parse(a), Color.parse(b)
        assert abs(ca.hsl.h - cb.hsl.h) > 0.05, (name, a, b)  # different hues, not shades


def test_ansi_status_colours_are_distinct() -> None:
    spec = _bundled()[ANSI_THEME]
    assert len({spec.success, spec.warning, spec.error}) == 3


class Showcase(App[None]):
    """Widgets whose CSS uses the theme variables most likely to be missing or wrong."""

    def compose(self):
        yield Label("[b]label[/]")
        yield Button("ok")
        yield Input("text")
        yield OptionList("one", "two")
        yield Switch()
        yield Tree("root")
        yield TextArea("text")
        yield Footer()


async def test_every_bundled_theme_renders_in_a_real_app() -> None:
    app = Showcase()
    assert register_themes(app, Config()) == []
    async with app.run_test(size=(80, 24)) as pilot:
        for name in BUNDLED:
            assert apply_theme(app, name) == []
            await pilot.pause()
            assert app.theme == name
            assert app.export_screenshot()  # the stylesheet parsed and the frame rendered


# --- broken and user themes -------------------------------------------------------


def test_name_defaults_to_file_name(user_dir: Path) -> None:
    (user_dir / "mine.toml").write_text('primary = "#112233"\n')
    assert load_theme_file(user_dir / "mine.toml").name == "mine"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('primary = "#12345"\n', "primary: not a colour: '#12345'"),
        ('primary = "ansi_purple"\n', "unknown ANSI colour 'ansi_purple'"),
        ('secondary = "#fff"\n', "primary: is required"),
        ('primary = "#fff"\nprimry = "#000"\n', "primry: unknown key"),
        ('primary = "#fff"\ndark = "yes"\n', "dark: must be true or false"),
        ('primary = "#fff"\nname = "has space"\n', "may use only letters"),
        ('primary = "#fff"\n[variables]\n"border" = "red; color: blue"\n', "single value"),
        ('primary = "#fff\n', "TOML syntax error"),
    ],
)
def test_broken_theme_file_is_explained(user_dir: Path, text: str, fragment: str) -> None:
    path = user_dir / "broken.toml"
    path.write_text(text)
    with pytest.raises(ThemeFileError) as caught:
        load_theme_file(path)
    assert "broken.toml" in str(caught.value) and fragment in str(caught.value)


def test_broken_file_warns_and_the_others_still_load(user_dir: Path) -> None:
    (user_dir / "broken.toml").write_text('primary = "not a colour!"\n')
    (user_dir / "good.toml").write_text('primary = "#336699"\ndark = false\n')
    specs, warnings = discover_themes([bundled_themes_dir(), user_dir])
    assert sorted(specs) == sorted([*BUNDLED, "good"])
    assert len(warnings) == 1
    assert "broken.toml: primary: not a colour" in warnings[0] and "skipped" in warnings[0]


def test_user_theme_replaces_bundled_one_of_the_same_name(user_dir: Path) -> None:
    (user_dir / "dark.toml").write_text('name = "rolethread-dark"\nprimary = "#ff0000"\n')
    specs, _ = discover_themes([bundled_themes_dir(), user_dir])
    assert specs["rolethread-dark"].primary == "#ff0000"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('primary = "bleu"\n', "did you mean 'blue'"),  # syntax fine, not a colour Textual knows
        ('primary = "#fff"\n[variables]\n"block-cursor-background" = "bleu"\n',
         "variables.block-cursor-background: invalid value 'bleu'"),
        ('primary = "#fff"\n[variables]\n"block-cursor-text-style" = "bolt"\n',
         "variables.block-cursor-text-style"),
    ],
)
def test_theme_textual_would_crash_on_is_rejected_before_registration(
    user_dir: Path, text: str, fragment: str
) -> None:
    (user_dir / "odd.toml").write_text(text)
    spec = load_theme_file(user_dir / "odd.toml")
    with pytest.raises(ThemeError):
        to_textual_theme(spec)
    app = Showcase()
    warnings = register_themes(app, Config())
    assert len(warnings) == 1 and fragment in warnings[0] and "'odd'" in warnings[0]
    assert "odd" not in app.available_themes
    assert set(BUNDLED) <= set(app.available_themes)


def test_user_themes_sit_beside_the_config_file_in_use(tmp_path: Path) -> None:
    elsewhere = tmp_path / "dotfiles"
    (elsewhere / "themes").mkdir(parents=True)
    (elsewhere / "config.toml").write_text('theme = "solar"\n')
    (elsewhere / "themes" / "solar.toml").write_text('primary = "#b58900"\n')
    config, warnings = load_config(str(elsewhere / "config.toml"))
    assert warnings == []
    assert user_themes_dir(config.source) == elsewhere / "themes"
    app = Showcase()
    assert register_themes(app, config) == []
    assert "solar" in app.available_themes


def test_ansi_theme_without_textual_ansi_variables_still_renders(user_dir: Path) -> None:
    (user_dir / "bare-ansi.toml").write_text('ansi = true\nprimary = "ansi_green"\n')
    theme = to_textual_theme(load_theme_file(user_dir / "bare-ansi.toml"))
    assert {"ansi-background", "ansi-foreground"} <= set(theme.variables)


async def test_unknown_theme_falls_back_to_default_with_a_warning() -> None:
    app = Showcase()
    register_themes(app, Config())
    async with app.run_test(size=(80, 24)):
        warnings = apply_theme(app, "no-such-theme")
        assert app.theme == "rolethread-dark"
        assert warnings == ["theme 'no-such-theme' not found; using 'rolethread-dark'"]


async def test_fallback_when_bundled_themes_are_missing() -> None:
    app = Showcase()  # nothing registered: as if themes/ were not shipped
    async with app.run_test(size=(80, 24)):
        assert apply_theme(app, "rolethread-dark") != []
        assert app.theme == "textual-dark"
        apply_theme(app, ANSI_THEME)
        assert app.theme == "ansi-dark"


# --- choosing the start theme and NO_COLOR -------------------------------------------


def test_initial_theme_prefers_palette_pick_until_config_changes() -> None:
    state = UiState(theme="high-contrast", theme_config="rolethread-dark")
    assert initial_theme(Config(), state, environ={}) == "high-contrast"
    assert initial_theme(Config(theme="rolethread-light"), state, environ={}) == "rolethread-light"
    assert initial_theme(Config(theme="rolethread-light"), None, environ={}) == "rolethread-light"


@pytest.mark.parametrize("value", ["1", "", "true"])
def test_no_color_present_means_ansi_theme(value: str) -> None:
    env = {"NO_COLOR": value}
    assert no_color_requested(env) is True
    assert ansi_color_override(env) is True
    state = UiState(theme="high-contrast", theme_config="rolethread-dark")
    assert initial_theme(Config(theme="rolethread-light"), state, environ=env) == ANSI_THEME


def test_without_no_color_the_theme_decides() -> None:
    assert no_color_requested({}) is False
    assert ansi_color_override({}) is None


async def test_no_color_app_strips_colour_but_keeps_the_cursor_visible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = Showcase(ansi_color=ansi_color_override())
    register_themes(app, Config())
    async with app.run_test(size=(80, 24)) as pilot:
        apply_theme(app, initial_theme(Config()))
        await pilot.pause()
        assert app.theme == ANSI_THEME
        assert app.no_color and app.native_ansi_color  # Textual picks its NoColor filter
        styles = app.theme_variables
        assert "reverse" in styles["block-cursor-text-style"]  # visible without colour
        assert app.export_screenshot()
