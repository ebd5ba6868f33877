"""Input that is not a file, and errors shown as plain lines (QA).

A pipe given as FILE (`/dev/stdin` fed by one, `<(cat …)`, `-`) said "[Errno 29]
Illegal seek" or "no such file"; a FIFO nobody writes to made the commands hang
until killed. Now the type is read with `stat` before anything opens the file,
and the answer is one line: "FILE is a pipe, not a file: save it to a file first".
An export onto a read-only file system said "[Errno 30] Read-only file system:
'…' -> None" in the app.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from rolethread_tui.domain import writer
from rolethread_tui.domain.store import LineStore
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens import export_flow

from .conftest import clean_entry

COMMANDS = ["validate", "stats", "dedupe", "slop", "export"]


def _cli(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a child: a hang fails the test (timeout) instead of stalling it."""
    return subprocess.run([sys.executable, "-m", "rolethread_tui", *argv], input=stdin,
                          capture_output=True, timeout=120, check=False)


def _argv(command: str, path: str, tmp_path: Path) -> list[str]:
    return [command, path, *(["-o", str(tmp_path / "out.jsonl")] if command == "export" else [])]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_without_a_writer_is_refused_not_waited_on(command, tmp_path):
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    proc = _cli(*_argv(command, str(fifo), tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.decode() == (f"rolethread-tui: {fifo} is a pipe, not a file: save it "
                                    "to a file first\n")


@pytest.mark.parametrize("command", ["stats", "validate"])
def test_dev_stdin_fed_by_a_pipe_is_one_clear_line(command, write, tmp_path):
    data = write([clean_entry(0)]).read_bytes()
    proc = _cli(*_argv(command, "/dev/stdin", tmp_path), stdin=data)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1, err
    assert "/dev/stdin is a pipe, not a file: save it to a file first" in err
    assert "Errno" not in err


def test_dash_says_standard_input_is_not_read(write, tmp_path):
    proc = _cli("stats", "-", stdin=write([clean_entry(0)]).read_bytes())
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1
    assert "standard input is not read; save it to a file first" in err
    assert "no such file" not in err


def test_the_store_refuses_a_fifo_before_opening_it(tmp_path):
    """`Session.open` on a FIFO (the app, a script) fails at once instead of waiting."""
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    failures: list[BaseException] = []

    def open_it() -> None:
        try:
            LineStore(fifo).close()
        except OSError as exc:
            failures.append(exc)

    opener = threading.Thread(target=open_it, daemon=True)
    opener.start()
    opener.join(30)
    if opener.is_alive():  # it waits for a writer: give it one that ends at once
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        opener.join(30)
        pytest.fail("opening a FIFO waited for a writer")
    assert failures and "not a regular file (a pipe)" in str(failures[0])


def _read_only_fs(monkeypatch: pytest.MonkeyPatch) -> None:
    """mkstemp as on a read-only mount: EROFS naming the temp file it tried."""
    def refuse(prefix: str = "", suffix: str = "", dir: str | None = None, **_: object):
        raise OSError(errno.EROFS, "Read-only file system",
                      os.path.join(dir or ".", f"{prefix}abcd1234{suffix}"))

    monkeypatch.setattr(writer.tempfile, "mkstemp", refuse)


def test_a_failed_write_reads_plainly(tmp_path, monkeypatch):
    _read_only_fs(monkeypatch)
    out = tmp_path / "f.export.jsonl"
    with pytest.raises(OSError) as failed:
        writer.write_atomic(out, [b"{}\n"])
    assert str(failed.value) == f"[Errno 30] Read-only file system: '{out}'"  # no "-> None"
    assert failed.value.filename == str(out) and failed.value.filename2 is None


async def test_the_app_says_an_export_onto_a_read_only_file_system_in_plain_words(
        write, tmp_path, monkeypatch):
    data = write([clean_entry(i) for i in range(3)])
    out = tmp_path / "f.export.jsonl"
    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.session.wait()
        _read_only_fs(monkeypatch)
        export_flow._write(app, None, "w", out)
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
    monkeypatch.setattr(writer.tempfile, "mkstemp", tempfile.mkstemp)
    assert f"Export failed: cannot write {out}: Read-only file system" in messages
    assert not any("Errno" in m or "-> None" in m for m in messages)
