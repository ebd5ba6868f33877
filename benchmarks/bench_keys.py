"""Key press to repaint, as the terminal sees it: the app on a pseudo-terminal (80x24).

tmux's figure (bench.py `terminal`) includes tmux forwarding the key and a
`capture-pane` poll, ~8 ms on this machine for a plain `cat` (printed here as
`tmux_cat_baseline_ms` when tmux is installed). Here the app runs on a pty of
this process's own, as under sshd: the time is from writing the key's byte
to the repaint arriving. A single press is timed until the status bar shows the
position it moves to (during the scan the app also draws progress frames of its
own, which must not pass for the key's); a held key, to the first byte after
it. Keys are sent one at a time with a pause while the (cold) scan runs
(`scan_j`), then after it (`j`, `k`, `a`), and at a held key's autorepeat rate,
30 a second (`held_j`), where a key may arrive while the previous one's preview
is still being laid out. A press not answered within 2 s is counted apart
(`*_lost`), not timed.

    python benchmarks/bench_keys.py FILE.jsonl
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

QUIET_S = 1.5  # no output this long: the scan, counts and preview are done
HELD_RATE = 30  # keys per second of a held key's autorepeat


def run(path: str) -> dict:
    """Median and 90th percentile ms per key on a copy of the file (`a` changes it)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "keys.jsonl"
        shutil.copyfile(path, copy)
        env = dict(os.environ, TERM="xterm-256color", ROLETHREAD_STATE=f"{tmp}/state.json")
        env.setdefault("ROLETHREAD_CACHE_DIR", tmp)  # not the user's cache
        pid, fd = _spawn([sys.executable, "-m", "rolethread_tui", str(copy)], env)
        try:
            select.select([fd], [], [], 60)  # the first frame: the scan of the copy is cold
            _drain(fd, 0.8)
            out: dict = {}
            position = 1  # a fresh state file: the app opens at entry 1
            position = _singles(fd, out, "scan_j", b"j", 25, position)  # ~5 s, while it scans
            _wait_quiet(fd, timeout=300)
            for name, key, presses in (("j", b"j", 40), ("k", b"k", 40), ("a", b"a", 30)):
                position = _singles(fd, out, name, key, presses, position)
            _summary(out, "held_j", _held(fd, b"j", HELD_RATE, 90))
            baseline = _tmux_baseline()
            if baseline is not None:
                out["tmux_cat_baseline_ms"] = baseline
            return out
        finally:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.close(fd)


def _spawn(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, on the pty's other end; not in a checkout's
        os.chdir(tempfile.gettempdir())  # root, where `-m` would import that copy first
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, fd


def _drain(fd: int, quiet: float, timeout: float = 600) -> int:
    """Read until nothing comes for `quiet` seconds; the bytes read."""
    got = 0
    end = time.perf_counter() + timeout
    while True:
        if time.perf_counter() > end:
            raise TimeoutError("the app never went quiet")
        ready, _, _ = select.select([fd], [], [], max(quiet, 0))
        if not ready:
            return got
        try:
            got += len(os.read(fd, 1 << 16))
        except OSError:  # the app ended
            return got


def _wait_quiet(fd: int, timeout: float) -> None:
    """Until the app has written nothing for QUIET_S (the scan, counts, preview done)."""
    _drain(fd, QUIET_S, timeout)


#: The status bar's `  N/TOTAL  `: where a single press has taken the cursor.
_POSITION = re.compile(rb"  ([0-9]+)/[0-9]+  ")


def _singles(fd: int, out: dict, name: str, key: bytes, presses: int, position: int) -> int:
    """Time `presses` single presses of `key` into `out`; the position they end at."""
    times = []
    for _ in range(presses):
        took, position = _press(fd, key, position)
        times.append(took)
        _drain(fd, 0.15)  # the move's preview, a frame later
        if took is None and key == b"a":  # refused (a broken line): step past it, untimed
            position = _press(fd, b"j", position)[1]
            _drain(fd, 0.15)
    _summary(out, name, times)
    return position


def _press(fd: int, key: bytes, position: int, timeout: float = 2) -> tuple[float | None, int]:
    """ms from writing `key` until the status bar shows another position than
    `position` (`a` may skip reviewed entries), and that position; None: no move
    within `timeout`."""
    start = time.perf_counter()
    os.write(fd, key)
    seen = b""
    while (left := start + timeout - time.perf_counter()) > 0:
        if select.select([fd], [], [], left)[0]:
            seen += os.read(fd, 1 << 16)
            moved = [int(m[1]) for m in _POSITION.finditer(seen) if int(m[1]) != position]
            if moved:
                return (time.perf_counter() - start) * 1000, moved[-1]
    return None, position


def _held(fd: int, key: bytes, rate: float, presses: int) -> list[float | None]:
    """ms from each key to the first byte after it, keys sent `rate` a second."""
    times: list[float | None] = []
    for _ in range(presses):
        start = time.perf_counter()
        os.write(fd, key)
        answered = select.select([fd], [], [], 2)[0]
        times.append((time.perf_counter() - start) * 1000 if answered else None)
        _drain(fd, 1 / rate - (time.perf_counter() - start))  # until the next key is due
    _drain(fd, 0.5)
    return times


def _summary(out: dict, name: str, times: list[float | None]) -> None:
    timed = [t for t in times if t is not None]
    out[f"{name}_median_ms"] = statistics.median(timed)
    out[f"{name}_p90_ms"] = statistics.quantiles(timed, n=10)[-1]
    if len(timed) < len(times):
        out[f"{name}_lost"] = len(times) - len(timed)


def _tmux_baseline() -> float | None:
    """Median ms for tmux to show a key typed into `cat`: what the tmux figure adds."""
    if not shutil.which("tmux"):
        return None
    session = f"rtcat{os.getpid()}"
    tmux = ["tmux", "-L", session]
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", "cat"],
                   check=True)
    try:
        time.sleep(0.3)
        times = []
        for _ in range(25):
            before = _screen(tmux, session)
            start = time.perf_counter()
            subprocess.run([*tmux, "send-keys", "-t", session, "x"], check=True)
            while _screen(tmux, session) == before and time.perf_counter() - start < 2:
                pass
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)
        return statistics.median(times)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


def _screen(tmux: list[str], session: str) -> str:
    return subprocess.run([*tmux, "capture-pane", "-p", "-t", session],
                          capture_output=True, text=True, check=False).stdout


if __name__ == "__main__":
    print(run(sys.argv[1]))
