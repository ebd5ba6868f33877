"""Bytes written to the terminal per key at 80x24: what a reviewer pays over SSH.

Runs the app in tmux, copies everything it writes to a file (`tmux pipe-pane`)
and reads the file's growth around each key press. Targets (README.md,
Performance): `j` / `a` ≤ 5 KB, a flag or a note ≤ 1 KB, idle 0.

    python benchmarks/bench_wire.py FILE.jsonl
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTLE_S = 0.6  # the preview follows a move one frame later; a key's frames end well before
KEYS = (("j", "j"), ("k", "k"), ("a", "a"), ("flag 1", "1"), ("note", None))


def run(path: str, presses: int = 5) -> dict:
    """Median bytes per key (a copy of the file is opened: `a` and flags change it)."""
    if not shutil.which("tmux"):
        return {"skipped": "tmux not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "wire.jsonl"
        shutil.copyfile(path, copy)
        out = Path(tmp) / "out.bin"
        session = f"rtwire{os.getpid()}"
        exe = shutil.which("rolethread-tui") or f"{sys.executable} -m rolethread_tui"
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                        f"ROLETHREAD_STATE={tmp}/state.json {exe} {copy}"], check=True)
        try:
            _wait_ready(session)
            subprocess.run(["tmux", "pipe-pane", "-t", session, "-o", f"cat >> {out}"],
                           check=True)
            time.sleep(1)
            figures = {"idle_2s_bytes": _grew(out, lambda: time.sleep(2))}
            for name, key in KEYS:
                send = _note(session) if key is None else _keys(session, key)
                sizes = [_grew(out, send) for _ in range(presses)]
                figures[f"{name.replace(' ', '_')}_bytes"] = statistics.median(sizes)
            return figures
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def _keys(session: str, *keys: str):  # type: ignore[no-untyped-def]
    return lambda: subprocess.run(["tmux", "send-keys", "-t", session, *keys], check=True)


def _note(session: str):  # type: ignore[no-untyped-def]
    """Open the note prompt, type one letter, save: the whole exchange is counted."""
    def send() -> None:
        subprocess.run(["tmux", "send-keys", "-t", session, "n"], check=True)
        time.sleep(SETTLE_S)
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", "x"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
    return send


def _grew(out: Path, action) -> int:  # type: ignore[no-untyped-def]
    before = out.stat().st_size if out.exists() else 0
    action()
    time.sleep(SETTLE_S)
    return (out.stat().st_size if out.exists() else 0) - before


def _wait_ready(session: str, timeout: float = 120) -> None:
    """Until the scan is done (no "loading" in the status bar) and a row is drawn."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                capture_output=True, text=True, check=False).stdout
        if "▶" in screen and "loading" not in screen:
            time.sleep(3)  # the duplicate pass and the slop lens repaint once when done
            return
        time.sleep(0.05)
    raise TimeoutError("the app never showed its rows")


if __name__ == "__main__":
    for key, value in run(sys.argv[1]).items():
        print(f"{key}: {value}")
