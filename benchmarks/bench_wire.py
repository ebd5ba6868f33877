"""Bytes written to the terminal per key at 80x24: what a reviewer pays over SSH.

Runs the app in tmux, copies everything it writes to a file (`tmux pipe-pane`)
and reads the file's growth around each key press. Targets (README.md,
Performance): `j` / `a` ≤ 5 KB, a flag or a note ≤ 1 KB, idle 0. The note is
the whole exchange (open the prompt, type a letter, save); `note_open`,
`note_letter` and `note_save` are its steps, measured apart.

tmux runs as a server of its own (`-L`), started from this process: a server
already running would start the app with *its* environment (another
checkout's `PYTHONPATH`), not this one's.

    python benchmarks/bench_wire.py FILE.jsonl
    python benchmarks/bench_wire.py --reading FILE.jsonl

`--reading` measures the reading view (`z`, docs/keys.md) instead: its next and
previous entry, a page down and up (`space`, `b`: measured in pairs, so each
pages through the same entry), accept (deciding advances), a flag, a note.
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
READING_KEYS = (("j", "j"), ("k", "k"), (("space", "b"), ("Space", "b")), ("a", "a"),
                ("flag 1", "1"), ("note", None))


def run(path: str, presses: int = 5, reading: bool = False) -> dict:
    """Median bytes per key (a copy of the file is opened: `a` and flags change it);
    with `reading`, in the reading view."""
    if not shutil.which("tmux"):
        return {"skipped": "tmux not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "wire.jsonl"
        shutil.copyfile(path, copy)
        out = Path(tmp) / "out.bin"
        session = f"rtwire{os.getpid()}"
        tmux = ["tmux", "-L", session]
        exe = shutil.which("rolethread-tui") or f"{sys.executable} -m rolethread_tui"
        env = f"PYTHONPATH={os.environ.get('PYTHONPATH', '')} ROLETHREAD_STATE={tmp}/state.json"
        subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                        f"{env} {exe} {copy}"], check=True)
        try:
            _wait_ready(tmux, session)
            subprocess.run([*tmux, "pipe-pane", "-t", session, "-o", f"cat >> {out}"],
                           check=True)
            figures = {}
            if reading:
                figures["open_reading_bytes"] = _grew(out, _keys(tmux, session, "z"))
            time.sleep(1)
            figures["idle_2s_bytes"] = _grew(out, lambda: time.sleep(2))
            for name, key in READING_KEYS if reading else KEYS:
                if isinstance(name, tuple):  # a pair, each measured: there and back
                    pairs = [(_grew(out, _keys(tmux, session, key[0])),
                              _grew(out, _keys(tmux, session, key[1])))
                             for _ in range(presses)]
                    for n, sizes in zip(name, zip(*pairs, strict=True), strict=True):
                        figures[f"{n}_bytes"] = statistics.median(sizes)
                    continue
                send = _note(tmux, session) if key is None else _keys(tmux, session, key)
                sizes = [_grew(out, send) for _ in range(presses)]
                figures[f"{name.replace(' ', '_')}_bytes"] = statistics.median(sizes)
            figures.update(_note_steps(tmux, session, out, presses))
            return figures
        finally:
            subprocess.run([*tmux, "kill-server"], check=False)


def _keys(tmux: list[str], session: str, *keys: str):  # type: ignore[no-untyped-def]
    return lambda: subprocess.run([*tmux, "send-keys", "-t", session, *keys], check=True)


def _note(tmux: list[str], session: str):  # type: ignore[no-untyped-def]
    """Open the note prompt, type one letter, save: the whole exchange is counted."""
    def send() -> None:
        subprocess.run([*tmux, "send-keys", "-t", session, "n"], check=True)
        time.sleep(SETTLE_S)
        subprocess.run([*tmux, "send-keys", "-t", session, "-l", "x"], check=True)
        subprocess.run([*tmux, "send-keys", "-t", session, "Enter"], check=True)
    return send


def _note_steps(tmux: list[str], session: str, out: Path, presses: int) -> dict:
    """The note's steps apart (median of `presses` exchanges): where its bytes go."""
    steps: dict[str, list[int]] = {"note_open": [], "note_letter": [], "note_save": []}
    for _ in range(presses):
        steps["note_open"].append(_grew(out, _keys(tmux, session, "n")))
        steps["note_letter"].append(_grew(out, _keys(tmux, session, "-l", "x")))
        steps["note_save"].append(_grew(out, _keys(tmux, session, "Enter")))
    return {f"{name}_bytes": statistics.median(sizes) for name, sizes in steps.items()}


def _grew(out: Path, action) -> int:  # type: ignore[no-untyped-def]
    before = out.stat().st_size if out.exists() else 0
    action()
    time.sleep(SETTLE_S)
    return (out.stat().st_size if out.exists() else 0) - before


def _wait_ready(tmux: list[str], session: str, timeout: float = 120) -> None:
    """Until the scan is done (no "loading" in the status bar) and a row is drawn."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", session],
                                capture_output=True, text=True, check=False).stdout
        if "▶" in screen and "loading" not in screen:
            time.sleep(3)  # the duplicate pass and the slop lens repaint once when done
            return
        time.sleep(0.05)
    raise TimeoutError("the app never showed its rows")


if __name__ == "__main__":
    args = sys.argv[1:]
    for key, value in run(args[-1], reading="--reading" in args).items():
        print(f"{key}: {value}")
