"""Config file: location, defaults, per-key fallback with clear warnings, reviewer, keymap."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widgets import Label

from rolethread_tui.domain import config as config_module
from rolethread_tui.domain.config import (
    DEFAULT_FLAGS,
    Config,
    config_path,
    effective_reviewer,
    load_config,
)
from rolethread_tui.tui.keymap import apply_keymap, default_keys, is_valid_key

pytestmark = pytest.mark.usefixtures("isolated_home")  # never the real home


@pytest.fixture
def write_config(tmp_path: Path):
    """write_config(text) -> path of a config.toml at the default XDG location."""

    def _write(text: str) -> Path:
        path = tmp_path / "xdg-config" / "rolethread-tui" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


# --- location ----------------------------------------------------------------


def test_default_path_uses_xdg_config_home(tmp_path: Path) -> None:
    assert config_path() == tmp_path / "xdg-config" / "rolethread-tui" / "config.toml"


def test_default_path_without_xdg_is_dot_config(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_path() == isolated_home / ".config" / "rolethread-tui" / "config.toml"


def test_relative_xdg_config_home_is_ignored(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert config_path() == isolated_home / ".config" / "rolethread-tui" / "config.toml"


def test_flag_beats_env_beats_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLETHREAD_CONFIG", str(tmp_path / "from-env.toml"))
    assert config_path() == tmp_path / "from-env.toml"
    assert config_path(str(tmp_path / "from-flag.toml")) == tmp_path / "from-flag.toml"


def test_explicit_file_is_the_one_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       write_config) -> None:
    write_config('reviewer = "xdg"\n')
    env_file = tmp_path / "env.toml"
    env_file.write_text('reviewer = "env"\n')
    flag_file = tmp_path / "flag.toml"
    flag_file.write_text('reviewer = "flag"\n')
    assert load_config()[0].reviewer == "xdg"
    monkeypatch.setenv("ROLETHREAD_CONFIG", str(env_file))
    assert load_config()[0].reviewer == "env"
    config, warnings = load_config(str(flag_file))
    assert (config.reviewer, warnings, config.source) == ("flag", [], flag_file)


# --- defaults and a full valid file -------------------------------------------


def test_missing_default_file_gives_defaults_silently() -> None:
    config, warnings = load_config()
    assert warnings == []
    assert config == Config()
    assert config.flags == list(DEFAULT_FLAGS)
    assert (config.auto_advance, config.short_response, config.split_exchanges) == (True, 20, 8)
    assert (config.theme, config.reviewer, config.keymap) == ("rolethread-dark", None, {})
    assert config.source is None


@pytest.mark.parametrize("how", ["flag", "env"])
def test_missing_named_file_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  how: str) -> None:
    missing = tmp_path / "nope.toml"
    if how == "env":
        monkeypatch.setenv("ROLETHREAD_CONFIG", str(missing))
    config, warnings = load_config(str(missing) if how == "flag" else None)
    assert config == Config()
    assert len(warnings) == 1 and "nope.toml" in warnings[0] and "not found" in warnings[0]


FULL = """
flags = ["refusal", "ooc", "short"]
reviewer = "Ada"
auto_advance = false
short_response = 40
split_exchanges = 12
extra_refusal_patterns = ["(?i)as a language model", "I cannot comply"]
extra_leak_patterns = ["<\\\\|im_start\\\\|>"]
theme = "high-contrast"

[keymap]
accept = "y"
reject = "n, ctrl+n"
"""


def test_full_valid_file(write_config) -> None:
    path = write_config(FULL)
    config, warnings = load_config()
    assert warnings == []
    assert config.flags == ["refusal", "ooc", "short"]
    assert config.keymap == {"accept": "y", "reject": "n,ctrl+n"}
    assert config.reviewer == "Ada"
    assert config.auto_advance is False
    assert (config.short_response, config.split_exchanges) == (40, 12)
    assert config.extra_refusal_patterns == ["(?i)as a language model", "I cannot comply"]
    assert config.extra_leak_patterns == ["<\\|im_start\\|>"]
    assert config.theme == "high-contrast"
    assert config.source == path


# --- invalid values: warning naming file and key, default for that key only -----

INVALID = [
    ("flags", 'flags = "refusal"', "must be a list"),
    ("flags", "flags = []", "1 to 9"),
    ("flags", 'flags = ["a","b","c","d","e","f","g","h","i","j"]', "1 to 9"),
    ("flags", 'flags = ["refusal", "Refusal"]', "listed twice"),
    ("flags", 'flags = ["refusal", " "]', "flag 2 is empty"),
    ("flags", 'flags = ["out of character"]', "contains a space"),
    ("flags[1]", 'flags = ["refusal", 3]', "must be a string"),
    ("keymap", 'keymap = "y"', "must be a table"),
    ("reviewer", "reviewer = 42", "must be a string"),
    ("auto_advance", 'auto_advance = "no"', "must be true or false"),
    ("short_response", "short_response = -1", "at least 0"),
    ("short_response", 'short_response = "20"', "whole number"),
    ("short_response", "short_response = true", "whole number"),
    ("split_exchanges", "split_exchanges = 0", "at least 1"),
    ("extra_refusal_patterns", 'extra_refusal_patterns = "x"', "must be a list"),
    ("theme", 'theme = ""', "must name a theme"),
    ("theme", "theme = 1", "must be a string"),
]


@pytest.mark.parametrize(("key", "line", "fragment"), INVALID)
def test_invalid_value_warns_and_falls_back(write_config, key: str, line: str,
                                            fragment: str) -> None:
    neighbour = "" if key.startswith("theme") else 'theme = "high-contrast"\n'
    write_config(f"{line}\n{neighbour}")
    config, warnings = load_config()
    assert len(warnings) == 1, warnings
    assert "config.toml: " in warnings[0]
    assert f": {key}: " in warnings[0]
    assert fragment in warnings[0]
    field = key.split("[")[0]
    assert getattr(config, field) == getattr(Config(), field)
    if not key.startswith("theme"):
        assert config.theme == "high-contrast"  # the valid key next to it is kept


def test_keymap_bad_entry_dropped_others_kept(write_config) -> None:
    write_config('[keymap]\naccept = "y"\nreject = 5\nsave = ""\nundo = ","\n')
    config, warnings = load_config()
    assert config.keymap == {"accept": "y"}
    assert any("keymap.reject: must be a string" in w for w in warnings)
    assert any("keymap.save: must name at least one key" in w for w in warnings)
    assert any("keymap.undo: " in w and "'comma'" in w for w in warnings)
    assert len(warnings) == 3


def test_bad_regex_names_the_pattern_and_keeps_the_others(write_config) -> None:
    write_config('extra_leak_patterns = ["ok+", "(unclosed", "fine"]\n')
    config, warnings = load_config()
    assert config.extra_leak_patterns == ["ok+", "fine"]
    assert len(warnings) == 1
    assert "extra_leak_patterns[1]" in warnings[0] and "'(unclosed'" in warnings[0]
    assert "invalid regex" in warnings[0]


def test_unknown_key_is_reported_with_a_suggestion(write_config) -> None:
    write_config('flgs = ["a"]\nauto-advance = false\nshort_response = 5\n')
    config, warnings = load_config()
    assert config.short_response == 5
    assert config.flags == list(DEFAULT_FLAGS)
    assert any("unknown key 'flgs'" in w and "did you mean 'flags'" in w for w in warnings)
    assert any("'auto-advance'" in w and "'auto_advance'" in w for w in warnings)


def test_toml_syntax_error_gives_defaults_and_the_line(write_config) -> None:
    write_config('reviewer = "Ada"\nflags = [refusal\n')
    config, warnings = load_config()
    assert config.model_dump() == Config().model_dump()  # (== would also compare .source)
    assert len(warnings) == 1
    assert "config.toml: TOML syntax error" in warnings[0] and "line 2" in warnings[0]


def test_unreadable_file_warns(tmp_path: Path) -> None:
    folder = tmp_path / "a-directory.toml"
    folder.mkdir()
    config, warnings = load_config(str(folder))
    assert config.model_dump() == Config().model_dump()
    assert len(warnings) == 1 and "a-directory.toml" in warnings[0]


def test_warning_shows_home_as_tilde(isolated_home: Path) -> None:
    path = isolated_home / "cfg.toml"
    path.write_text("short_response = -3\n")
    _, warnings = load_config(str(path))
    assert warnings[0].startswith("~/cfg.toml: short_response: ")


def test_fewer_than_nine_flags_and_whitespace_trimmed(write_config) -> None:
    write_config('flags = [" refusal ", "ooc"]\n')
    config, warnings = load_config()
    assert (config.flags, warnings) == (["refusal", "ooc"], [])


def test_validation_settings_reach_the_checker_config() -> None:
    from rolethread_tui.domain.validation import ValidationConfig

    config = Config(short_response=3, split_exchanges=4, extra_leak_patterns=["<\\|im_end\\|>"])
    assert ValidationConfig(**config.validation) == ValidationConfig(
        short_response=3, split_exchanges=4, extra_leak_patterns=["<\\|im_end\\|>"]
    )


def test_validation_is_not_a_config_file_key(write_config) -> None:
    write_config("[validation]\nshort_response = 3\n")
    config, warnings = load_config()
    assert config.short_response == 20
    assert len(warnings) == 1 and "unknown key 'validation'" in warnings[0]


# --- reviewer ----------------------------------------------------------------


def test_reviewer_env_beats_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLETHREAD_REVIEWER", "from-env")
    assert effective_reviewer(Config(reviewer="from-config")) == "from-env"


def test_reviewer_config_beats_git(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLETHREAD_REVIEWER", raising=False)
    monkeypatch.setattr(config_module, "reviewer_name", lambda: "from-git")
    assert effective_reviewer(Config(reviewer="from-config")) == "from-config"


def test_reviewer_falls_back_to_reviewer_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLETHREAD_REVIEWER", "  ")
    monkeypatch.setattr(config_module, "reviewer_name", lambda: "from-git")
    assert effective_reviewer(Config()) == "from-git"
    assert effective_reviewer(Config(reviewer="   ")) == "from-git"


# --- keymap applied to a real Textual app ---------------------------------------


class KeyApp(App[None]):
    BINDINGS = [  # noqa: RUF012 - Textual's own convention
        Binding("a", "record('accept')", "Accept", id="accept"),
        Binding("x", "record('reject')", "Reject", id="reject"),
        Binding("j,down", "record('next')", "Next", id="next"),
        Binding("question_mark", "record('help')", "Help", id="help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []

    def compose(self):
        yield Label("keys")

    def action_record(self, what: str) -> None:
        self.done.append(what)


def test_default_keys_reads_binding_ids() -> None:
    assert default_keys([KeyApp]) == {
        "accept": "a",
        "reject": "x",
        "next": "j,down",
        "help": "question_mark",
    }


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("y", True), ("G", True), ("ctrl+s", True), ("pagedown", True), ("f5", True),
        ("question_mark", True), ("?", True), ("ctrl+shift+up", True), ("space", True),
        ("slash", True), ("comma", True), ("ctrl-s", False), ("pgdn", False),
        ("Ctrl+S", False), ("ctrl+", False), ("", False),
    ],
)
def test_is_valid_key(key: str, ok: bool) -> None:
    assert is_valid_key(key) is ok


async def test_apply_keymap_rebinds_and_warns() -> None:
    app = KeyApp()
    async with app.run_test(size=(80, 24)) as pilot:
        warnings = apply_keymap(
            app,
            {"accept": "y", "acept": "z", "reject": "ctrl-s", "help": "?"},
            known_ids=set(default_keys([KeyApp])),
        )
        await pilot.press("y", "a", "x", "question_mark")
        assert app.done == ["accept", "reject", "help"]  # "a" no longer accepts
    assert len(warnings) == 2
    assert any("keymap.acept: no such action" in w and "'accept'" in w for w in warnings)
    assert any("keymap.reject: unknown key 'ctrl-s'" in w for w in warnings)


async def test_apply_keymap_reports_clashes() -> None:
    app = KeyApp()
    defaults = default_keys([KeyApp])
    async with app.run_test(size=(80, 24)):
        warnings = apply_keymap(app, {"accept": "x"}, set(defaults), defaults)
    assert warnings == ["keymap.accept: 'x' is also the key of 'reject'"]
    swapped = apply_keymap(KeyApp(), {"accept": "x", "reject": "a"}, set(defaults), defaults)
    assert swapped == []
