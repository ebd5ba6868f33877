"""The way to the first frame stays lean (issue #18), and the light stand-ins for the
pydantic models give exactly what the models give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from rolethread_tui.domain.config import FIELDS, Config
from rolethread_tui.domain.config_model import ConfigModel
from rolethread_tui.domain.state import UiState, load_state, state_path
from rolethread_tui.domain.state_model import UiStateModel
from rolethread_tui.domain.themes import ThemeSpec, _quick, bundled_themes_dir
from rolethread_tui.domain.themes_model import ThemeModel

#: Modules the first frame must not import: the headless commands, the models'
#: validation library, screens it does not draw.
NOT_ON_THE_WAY = ("pydantic", "importlib.metadata", "rolethread_tui.cli.validate",
                  "rolethread_tui.cli.dedupe", "rolethread_tui.domain.dedupe", "rapidfuzz",
                  "rolethread_tui.domain.search", "rolethread_tui.domain.slop",
                  "rolethread_tui.tui.screens.editor", "rolethread_tui.tui.screens.insights",
                  "rolethread_tui.tui.commands")


def test_the_start_imports_nothing_the_first_frame_does_not_need(tmp_path: Path) -> None:
    """What `rolethread-tui FILE` runs before the app draws: CLI, config, state, app,
    themes, and the session opened (scan included)."""
    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    code = (
        "import sys\n"
        "import rolethread_tui.cli.main, rolethread_tui.cli.tui_entry\n"
        "from rolethread_tui.domain.config import load_config\n"
        "from rolethread_tui.domain.state import load_state\n"
        "from rolethread_tui.domain.themes import discover_themes, bundled_themes_dir\n"
        "from rolethread_tui.tui.app import create_app\n"
        "config, _ = load_config(); load_state()\n"
        "discover_themes([bundled_themes_dir()])\n"
        f"app = create_app({str(data)!r}, config, readonly=True)\n"
        "app.session.wait(); app.shutdown_session()\n"
        f"print(','.join(m for m in {NOT_ON_THE_WAY!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "ROLETHREAD_STATE": str(tmp_path / "state.json")}
    env.pop("ROLETHREAD_CONFIG", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == ""


def test_config_defaults_are_the_models() -> None:
    assert ConfigModel().model_dump() == Config().model_dump()
    assert tuple(ConfigModel.model_fields) == FIELDS
    assert Config().default_validation
    assert not Config(short_response=3).default_validation


def test_config_keywords_are_validated_as_the_model_does() -> None:
    from pydantic import ValidationError

    config = Config(flags=[" a ", "b"], keymap={"accept": "y, ctrl+y"}, reviewer="  ")
    assert (config.flags, config.keymap, config.reviewer) == (["a", "b"], {"accept": "y,ctrl+y"},
                                                              None)
    with pytest.raises(ValidationError):
        Config(short_response="5")  # strict, as the file's TOML types
    with pytest.raises(ValidationError):
        Config.model_validate({"nope": 1})


def test_bundled_themes_read_quickly_are_what_the_model_reads() -> None:
    files = sorted(bundled_themes_dir().glob("*.toml"))
    assert files
    for path in files:
        data = tomllib.loads(path.read_text("utf-8"))
        data.setdefault("name", path.stem)
        quick = _quick(data)
        assert quick is not None, path.name  # the start never needs pydantic for them
        assert ThemeSpec(**quick) == ThemeSpec(**ThemeModel.model_validate(data).model_dump())


@pytest.mark.parametrize("data", [
    {"name": "x", "primary": " #fff ", "variables": {"a-b": " bold "}},  # stripped, as the model
    {"name": "x", "primary": "#fff", "luminosity_spread": 1},  # int: the model decides
    {"name": "x", "primary": "#fff", "dark": 1},
    {"name": "x bad", "primary": "#fff"},
    {"name": "x", "primary": None},
    {"name": "x", "primary": "#fff", "extra": 1},
])
def test_a_theme_not_plainly_right_goes_to_the_model(data: dict) -> None:
    from pydantic import ValidationError

    try:
        expected = ThemeSpec(**ThemeModel.model_validate(data).model_dump())
    except ValidationError:
        with pytest.raises(ValidationError):
            ThemeSpec.from_data(data)
        assert _quick(data) is None
    else:
        assert ThemeSpec.from_data(data) == expected


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("data", [
    {"theme": "a", "recent_files": ["/x"], "positions": {"/x": 3}, "searches": ["q"]},
    {"theme": 7, "searches": ["a"], "positions": {"/x": "4"}},
    {"positions": {"/x": True}, "recent_files": ["/x"]},
    {"recent_files": "nope", "future": 1},
])
def test_state_is_read_as_the_model_reads_it(data: dict) -> None:
    from pydantic import ValidationError

    path = state_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    good = {}
    for key, value in data.items():
        try:
            UiStateModel.model_validate({key: value})
        except ValidationError:
            continue
        good[key] = value
    expected = UiStateModel.model_validate(good).model_dump()
    loaded = load_state()
    expected["positions"] = {k: v for k, v in expected["positions"].items()
                             if k in expected["recent_files"]}
    assert loaded == UiState(**expected)
