"""How the commands fail (docs/cli.md): a usage error is one line naming the command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rolethread_tui.cli.main import build_parser, main

#: A parse error of each command, and how its one line starts.
PARSE_ERRORS = [
    (["validate"], "rolethread-tui validate: the following arguments are required: file"),
    (["validate", "f.jsonl", "--bogus"],
     "rolethread-tui validate: unrecognized arguments: --bogus"),
    (["validate", "f.jsonl", "--engine", "spark"], "rolethread-tui validate: argument --engine: "),
    (["stats", "f.jsonl", "--where"], "rolethread-tui stats: argument --where: expected one"),
    (["stats", "f.jsonl", "--json", "extra"],
     "rolethread-tui stats: unrecognized arguments: extra"),
    (["export", "batch.jsonl"],
     "rolethread-tui export: the following arguments are required: -o/--output"),
    (["export", "b.jsonl", "-o", "x.jsonl", "--format", "xml"],
     "rolethread-tui export: argument --format: invalid choice: 'xml'"),
    (["export", "b.jsonl", "-o", "x.jsonl", "--f"], "rolethread-tui export: ambiguous option"),
    (["dedupe", "b.jsonl", "--threshold", "abc"],
     "rolethread-tui dedupe: argument --threshold: invalid float value: 'abc'"),
    (["merge", "a.jsonl", "b.jsonl"],
     "rolethread-tui merge: the following arguments are required: -o/--output"),
    (["merge", "a.jsonl", "-o", "m.jsonl", "--seed", "x"], "rolethread-tui merge: argument --seed"),
    (["slop", "b.jsonl", "--top", "abc"], "rolethread-tui slop: argument --top: invalid int value"),
    (["slop"], "rolethread-tui slop: the following arguments are required: file"),
    # the TUI's own parser (no subcommand)
    (["--bogus"], "rolethread-tui: unrecognized arguments: --bogus"),
    (["b.jsonl", "--port", "x"], "rolethread-tui: argument --port: invalid int value: 'x'"),
    (["b.jsonl", "-o"], "rolethread-tui: argument -o/--output: expected one argument"),
]


def _exit_code(argv: list[str]) -> int:
    """`main`'s code; the TUI's parser exits by SystemExit, as from the shell."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


@pytest.mark.parametrize(("argv", "start"), PARSE_ERRORS,
                         ids=[" ".join(a) for a, _ in PARSE_ERRORS])
def test_a_parse_error_is_one_line_naming_the_command(argv: list[str], start: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(start) and err.count("\n") == 1, err
    assert "usage:" not in err and "error:" not in err


def test_every_subcommand_has_a_parse_error_case() -> None:
    (sub,) = [a for a in build_parser()._actions if a.dest == "command"]
    assert set(sub.choices) <= {argv[0] for argv, _ in PARSE_ERRORS}


def test_a_parse_error_from_the_shell_is_one_line(tmp_path: Path) -> None:
    for argv in (["export", "batch.jsonl"], ["--bogus"]):
        proc = subprocess.run([sys.executable, "-m", "rolethread_tui", *argv], cwd=tmp_path,
                              capture_output=True, text=True, check=False, timeout=60)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("rolethread-tui")


@pytest.mark.parametrize("command", ["export", "merge", "validate", "stats", "dedupe", "slop"])
def test_help_still_shows_the_usage(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "-h"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: rolethread-tui {command} ")
