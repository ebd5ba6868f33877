"""The top-level command: `--version`, `--help` examples, and how no FILE / an empty FILE start."""

from __future__ import annotations

import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import ClassVar

import pytest

from rolethread_tui.cli import tui_entry
from rolethread_tui.cli.main import EXAMPLES, build_parser, main
from rolethread_tui.domain.sample import STAMP_NAME, bundled_sample

from .conftest import clean_entry

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def _subcommands() -> set[str]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return set(sub.choices)


def _examples() -> list[list[str]]:
    return [shlex.split(line.split("  ")[1].strip()) for line in EXAMPLES.splitlines()
            if line.startswith("  rolethread-tui")]


def test_version_is_the_pyproject_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"rolethread-tui {VERSION}\n"


def test_help_shows_an_example_for_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--version" in out and "examples:" in out
    shown = {words[1] for words in _examples() if len(words) > 1}
    assert _subcommands() | {"slop"} <= shown


def test_every_example_parses() -> None:
    """An example that names a missing option would teach a command that fails."""
    commands = _subcommands()
    checked = 0
    for words in _examples():
        args = words[1:]
        if args and args[0] in commands:
            build_parser().parse_args(args)
        elif args[:1] == ["slop"]:
            continue  # parsed by the branch above once the slop subcommand is registered
        else:
            tui_entry.build_parser().parse_args(args)
        checked += 1
    assert checked >= len(commands) + 2


def test_empty_file_path_is_a_usage_error_not_the_sample(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main([""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty path" in err
    assert not (tmp_path / "data").exists()  # the sample was not opened


def test_the_apps_output_must_be_a_file(write, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`rolethread-tui FILE -o FIFO`: each save would wait for a reader (review); the
    app saves again and again, so its -o is a file (headless commands write FIFOs)."""
    import os

    data = write([clean_entry(0)])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main([str(data), "-o", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a regular file (a pipe)" in err


def test_empty_file_path_from_the_shell(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "rolethread_tui", ""], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_no_file_opens_the_users_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tui_entry.sample_path()
    assert path == tmp_path / "data" / "rolethread-tui" / "sample" / "batch.jsonl"
    assert path.read_bytes() == bundled_sample().read_bytes()
    assert capsys.readouterr().err == ""


def test_kept_copy_is_said_on_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A release with a different sample never overwrites reviews; the user hears why."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tui_entry.sample_path()
    path.write_bytes(b"my reviews\n")
    (path.parent / STAMP_NAME).write_text("0" * 64 + "\n")  # copied from an older sample
    assert tui_entry.sample_path() == path
    assert path.read_bytes() == b"my reviews\n"
    err = capsys.readouterr().err
    assert err.startswith("rolethread-tui: ") and err.count("\n") == 1 and "kept" in err


async def test_the_sample_copy_says_so_in_the_status_bar(isolated_home):
    from rolethread_tui.domain.sample import prepare_sample_copy
    from rolethread_tui.tui.app import create_app

    from .tui_helpers import screen_text, settle

    copy = prepare_sample_copy()
    app = create_app(copy.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "sample copy:" in screen_text(app).splitlines()[-2]


class _FakeServer:
    """Stands in for textual-serve's `Server` (no browser here): records what it is given."""

    made: ClassVar[list[tuple[str, str, int]]] = []

    def __init__(self, command: str, host: str, port: int) -> None:
        _FakeServer.made.append((command, host, port))

    def serve(self) -> None:
        pass


@pytest.fixture
def fake_serve(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    import types

    package, module = types.ModuleType("textual_serve"), types.ModuleType("textual_serve.server")
    module.Server = _FakeServer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "textual_serve", package)
    monkeypatch.setitem(sys.modules, "textual_serve.server", module)
    _FakeServer.made = []
    return _FakeServer.made


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.8.9.10"])
def test_serve_on_loopback_needs_no_permission(host: str, tmp_path: Path, fake_serve: list,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"messages": []}\n', "utf-8")
    assert main([str(batch), "--serve", "--host", host, "--port", "8123"]) == 0
    (command, given_host, port), = fake_serve
    assert (given_host, port) == (host, 8123) and str(batch) in command
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.20", "example.org"])
def test_serve_beyond_this_machine_is_refused_without_allow_remote(
        host: str, tmp_path: Path, fake_serve: list,
        capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"messages": []}\n', "utf-8")
    assert main([str(batch), "--serve", "--host", host]) == 2
    err = capsys.readouterr().err
    assert fake_serve == [] and err.count("\n") == 1
    assert repr(host) in err and "--allow-remote" in err and "Traceback" not in err


def test_allow_remote_serves_and_says_so_with_the_name_shown_literally(
        tmp_path: Path, fake_serve: list, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "b\x1b[31mred.jsonl"
    batch.write_text('{"messages": []}\n', "utf-8")
    assert main([str(batch), "--serve", "--host", "0.0.0.0", "--allow-remote"]) == 0
    assert [made[1] for made in fake_serve] == ["0.0.0.0"]
    err = capsys.readouterr().err
    assert "anyone who reaches it can edit the file" in err and "'0.0.0.0'" in err
    assert "\x1b" not in err and "\\x1b[31mred.jsonl" in err


def test_serve_without_the_extra_is_a_usage_error_after_the_host_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # not installed
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"messages": []}\n', "utf-8")
    assert main([str(batch), "--serve", "--host", "0.0.0.0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert main([str(batch), "--serve"]) == 2
    assert "pip install 'rolethread-tui[serve]'" in capsys.readouterr().err
