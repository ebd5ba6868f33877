"""How the commands fail (docs/cli.md): a usage error is one line naming the command,
an unwritable OUT is named as the user gave it, an empty path says so, and a report
that cannot be written leaves no OUT behind."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from rolethread_tui.cli.main import build_parser, main

from .conftest import chat, clean_entry

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


def _refusing_folder() -> Path:
    """A folder even root cannot make a file in (sysfs, procfs), or skip."""
    for folder in (Path("/sys/kernel"), Path("/proc")):
        if not folder.is_dir():
            continue
        try:
            fd, name = tempfile.mkstemp(dir=folder)
        except OSError:
            return folder
        os.close(fd)
        os.unlink(name)
    pytest.skip("no folder here refuses a new file")


@pytest.mark.parametrize("argv", [["export", "{src}", "-o", "{out}"],
                                  ["merge", "{src}", "{src}", "-o", "{out}"],
                                  ["validate", "{src}", "--fix", "-o", "{out}"]])
def test_an_unwritable_output_is_named_as_given(argv: list[str], write,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    src = write([clean_entry(0), clean_entry(1)])
    out = _refusing_folder() / "x.jsonl"
    assert main([a.format(src=src, out=out) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rolethread-tui: {out}: ") and err.count("\n") == 1, err
    assert ".tmp" not in err


def test_an_unwritable_report_fails_before_out_is_written(
        write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write([clean_entry(0), chat(("assistant", "first, without a user turn"))])
    out, report = tmp_path / "out.jsonl", _refusing_folder() / "r.txt"
    argv = ["export", str(src), "-o", str(out), "--clean", "--report", str(report)]
    for _ in range(2):  # the same error again: no OUT was left to say "already exists"
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"rolethread-tui: {report}: ") and err.count("\n") == 1, err
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name])


@pytest.mark.parametrize("argv", [["validate", ""], ["stats", ""], ["stats", "", "--where", "x"],
                                  ["slop", ""], ["dedupe", ""], ["export", "", "-o", "{out}"],
                                  ["merge", "", "{src}", "-o", "{out}"],
                                  ["merge", "{src}", " ", "-o", "{out}"],
                                  ["export", "{src}", "-o", ""],
                                  ["export", "{src}", "-o", "{out}", "--report", ""],
                                  ["merge", "{src}", "-o", ""],
                                  ["validate", "{src}", "--fix", "-o", ""],
                                  ["validate", "", "--engine", "dask"]])
def test_an_empty_path_says_so(argv: list[str], write, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    src = write([clean_entry(0)])
    out = tmp_path / "out.jsonl"
    assert main([a.format(src=src, out=out) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rolethread-tui: empty path: name ") and err.count("\n") == 1, err
    assert not out.exists()
