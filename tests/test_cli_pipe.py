"""A headless command whose reader stops early (`| head -1`) does not claim success
(review): `export FILE -o /dev/stdout | head -1` exited 0 with its output cut off. As
a GNU tool the closed pipe ends: no message, no traceback, the status a SIGPIPE
gives, 141 (docs/cli.md, "Contract for pipelines")."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rolethread_tui.cli.main import BROKEN_PIPE, main

from .conftest import clean_entry

#: Each writes far more than a pipe holds (64 KB): the writer meets the closed pipe.
COMMANDS = {
    "export": ["export", "{src}", "-o", "/dev/stdout"],
    "validate --json": ["validate", "{src}", "--json"],
    "validate": ["validate", "{src}"],
}


@pytest.fixture
def src(write) -> Path:
    """~1.5 MB of entries to export, and a broken line (a finding) after each."""
    lines = []
    for i in range(3000):
        lines += [json.dumps(clean_entry(i)), '{"broken": [1, 2']
    return write(lines)


def _read_one_line_then_close(argv: list[str]) -> tuple[bytes, int, str]:
    """The command's first line of output, read as `| head -1` does before it exits;
    then its exit code and all it said on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "rolethread_tui", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return first, proc.wait(timeout=120), err


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_reader_that_stops_early_is_not_a_success_and_not_a_traceback(src, name) -> None:
    first, code, err = _read_one_line_then_close([a.format(src=src) for a in COMMANDS[name]])
    assert first  # it did write
    assert code == BROKEN_PIPE == 141
    assert err == "", err  # no "Traceback", no "Exception ignored … BrokenPipeError"


def test_output_cut_off_at_the_last_flush_is_not_a_success(src, monkeypatch, capsys) -> None:
    """The output still buffered when the command returns meets the closed pipe at the
    flush; left to the interpreter's exit that printed "Exception ignored" (exit 120)."""

    class ReaderGone(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ReaderGone())
    assert main(["stats", str(src), "--json"]) == BROKEN_PIPE
    assert capsys.readouterr().err == ""
