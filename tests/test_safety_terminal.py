"""Issue 14 case 11: the TUI needs a terminal, and never outlives it.

An empty path is a usage error (it used to open the bundled sample,
writable). Without a terminal the command exits 2 with one line instead of
spinning on end-of-file. A terminal that goes away without a SIGHUP (the
app in a session of its own: tmux killed, a lost hang-up) ends the app
with its journal kept and its lock released. A signal during start-up
never leaves the lock behind.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rolethread_tui.cli import tui_entry
from rolethread_tui.cli.main import main
from rolethread_tui.domain.journal import Journal
from rolethread_tui.domain.lock import lock_path, read_lock
from rolethread_tui.domain.opening import unsaved_changes

from .conftest import clean_entry
from .test_crash_recovery import ROOT, drain, wait_for


@pytest.fixture
def data(write) -> Path:
    return write([clean_entry(i) for i in range(3)])


def env() -> dict[str, str]:
    out = dict(os.environ, TERM="xterm-256color")
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), out.get("PYTHONPATH")) if p)
    return out


def test_an_empty_path_is_a_usage_error(capsys):
    assert main([""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty path" in err


def test_without_a_terminal_the_tui_exits_2_at_once(data):
    proc = subprocess.run([sys.executable, "-m", "rolethread_tui", str(data)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env(),
                          timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "needs a terminal" in proc.stderr
    assert not lock_path(data).parent.exists()               # nothing was opened


def test_a_terminal_that_goes_away_without_a_hang_up_ends_the_app(data):
    """The app in its own session (no controlling terminal: no SIGHUP when it closes)."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "rolethread_tui", str(data)],
                            stdin=slave, stdout=slave, stderr=slave, env=env(),
                            start_new_session=True)
    os.close(slave)
    shown = bytearray()
    try:
        wait_for(lambda: shown.extend(drain(master)) or b"data.jsonl" in shown,
                 "the app never drew its screen")
        os.write(master, b"a")
        wait_for(lambda: drain(master) is not None and _journaled(data) == 1,
                 "the key was not journaled")
        os.close(master)                                     # the terminal is gone
        master = -1
        code = proc.wait(timeout=30)
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 128 + signal.SIGHUP
    assert read_lock(data) is None
    assert _journaled(data) == 1


def _journaled(data: Path) -> int:
    pending = Journal.pending(data)
    return unsaved_changes(pending) if pending else 0


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_signal_while_the_app_is_made_releases_the_lock(data, monkeypatch):
    import rolethread_tui.tui.app as app_mod

    real = app_mod.create_app

    def create_then_terminated(*args, **kwargs):
        app = real(*args, **kwargs)
        assert read_lock(data).pid == os.getpid()
        os.kill(os.getpid(), signal.SIGTERM)                 # lands before the app is returned
        return app

    monkeypatch.setattr(app_mod, "create_app", create_then_terminated)
    monkeypatch.setattr(sys, "stdin", _Tty())
    monkeypatch.setattr(sys, "stdout", _Tty())
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(tui_entry.StartupSignal) as stopped:
        tui_entry.run_tui([str(data)])
    assert stopped.value.code == 128 + signal.SIGTERM
    assert read_lock(data) is None
    assert signal.getsignal(signal.SIGTERM) == before
    assert json.loads(data.read_text().splitlines()[0]) == clean_entry(0)


def test_the_app_and_its_scan_run_with_a_short_gil_switch_interval(data, monkeypatch):
    """A scan thread may keep the GIL 5 ms at a time by default, at every turn of the
    event loop a key takes; the app asks for a hand-over within 0.2 ms, and puts
    Python's setting back when it ends (bench_keys.py measures what it buys)."""
    import rolethread_tui.tui.app as app_mod

    real = app_mod.create_app
    seen, fps = [], []
    monkeypatch.delenv("TEXTUAL_FPS", raising=False)

    def create_and_note(*args, **kwargs):
        app = real(*args, **kwargs)                          # the scan starts in here
        seen.append(sys.getswitchinterval())
        fps.append(os.environ.get("TEXTUAL_FPS"))
        os.kill(os.getpid(), signal.SIGTERM)
        return app

    monkeypatch.setattr(app_mod, "create_app", create_and_note)
    monkeypatch.setattr(sys, "stdin", _Tty())
    monkeypatch.setattr(sys, "stdout", _Tty())
    before = sys.getswitchinterval()
    with pytest.raises(tui_entry.StartupSignal):
        tui_entry.run_tui([str(data)])
    assert seen == [pytest.approx(tui_entry.UI_SWITCH_INTERVAL)]
    assert seen[0] < before / 10
    assert sys.getswitchinterval() == before
    assert fps == [str(tui_entry.UI_FPS)] and "TEXTUAL_FPS" not in os.environ


def test_a_fresh_app_process_repaints_on_a_120_fps_grid_unless_told_otherwise():
    """Textual reads TEXTUAL_FPS when it is imported: the app's process imports it
    inside `responsive_ui`, so its screens tick every 1/120 s — and a user's own
    TEXTUAL_FPS wins."""
    import subprocess

    probe = ("import os, sys\n"
             "from rolethread_tui.cli.tui_entry import responsive_ui\n"
             "with responsive_ui():\n"
             "    from textual.screen import UPDATE_PERIOD\n"
             "print(round(1 / UPDATE_PERIOD), os.environ.get('TEXTUAL_FPS'))\n")
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    assert done.stdout.split() == ["120", "None"]
    done = subprocess.run([sys.executable, "-c", probe], env={**env, "TEXTUAL_FPS": "30"},
                          capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["30", "30"]


def test_the_app_runs_under_a_web_driver_on_pipes(data):
    """`--serve` (textual-serve) runs the command with `TEXTUAL_DRIVER` set to its
    web driver and pipes for stdin/stdout: the app must start there, not refuse
    for want of a terminal; the pipe closing (the browser gone) ends it, lock freed."""
    import subprocess

    env = dict(os.environ, TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver")
    proc = subprocess.Popen([sys.executable, "-m", "rolethread_tui", str(data)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        seen = b""
        while b"__GANGLION__" not in seen:   # the web driver's hello to the server
            chunk = proc.stdout.read1(4096)
            assert chunk, proc.stderr.read().decode()
            seen += chunk
        proc.stdin.close()                   # the server hangs up
        assert proc.wait(timeout=20) != 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert read_lock(data) is None
