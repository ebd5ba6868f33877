"""The edit lock beside a data file (docs/safety.md "Saving")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from rolethread_tui.domain import lock as lk
from rolethread_tui.domain.lock import FileLock, LockInfo, acquire, lock_path, read_lock


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "batch.jsonl"
    path.write_text('{"messages": []}\n')
    return path


def dead_pid() -> int:
    """The pid of a process that has just exited (reaped: os.kill says it is gone)."""
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


def plant(data: Path, **fields: object) -> Path:
    """Write a lock as another session would have."""
    info = {"reviewer": "someone", "host": socket.gethostname(), "pid": os.getpid(),
            "since": LockInfo.mine("x").since, **fields}
    path = lock_path(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(info))
    return path


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_acquire_writes_who_holds_it(data):
    result = acquire(data, "ana")
    assert result.acquired and not result.stale_taken_over and result.holder is None
    info = orjson.loads(lock_path(data).read_bytes())
    assert info["reviewer"] == "ana" and info["pid"] == os.getpid()
    assert info["host"] == socket.gethostname() and info["since"].endswith("Z")
    assert lock_path(data).parent.name == ".rolethread"
    assert read_lock(data) == LockInfo("ana", info["host"], info["pid"], info["since"])
    assert result.release()
    assert not lock_path(data).exists()


def test_a_live_holder_keeps_it_and_is_named(data):
    first = acquire(data, "ana")
    second = acquire(data, "ben")
    assert not second.acquired and not second.stale_taken_over
    assert second.holder.reviewer == "ana" and second.holder.pid == os.getpid()
    line = second.holder.describe()
    assert "ana" in line and socket.gethostname() in line and str(os.getpid()) in line
    assert second.holder.since in line
    assert "read-only" in second.describe()
    assert not second.release()  # not ours: nothing happens
    assert lock_path(data).exists()
    first.release()


def test_a_dead_holder_on_this_host_is_taken_over(data):
    plant(data, pid=dead_pid())
    result = acquire(data, "ana")
    assert result.acquired and result.stale_taken_over
    assert read_lock(data).reviewer == "ana" and read_lock(data).pid == os.getpid()
    result.release()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_reused_pid_does_not_keep_an_old_lock(data):
    # Our own pid, but a lock older than this process (say, from before a reboot).
    plant(data, since="2001-01-01T00:00:00.000000Z")
    result = acquire(data, "ana")
    assert result.acquired and result.stale_taken_over
    result.release()


def test_a_lock_from_another_host_is_never_taken_over_automatically(data):
    plant(data, host="elsewhere.example", pid=dead_pid())
    result = acquire(data, "ana")
    assert not result.acquired and result.holder.host == "elsewhere.example"
    forced = acquire(data, "ana", force=True)
    assert forced.acquired and forced.stale_taken_over
    assert read_lock(data).host == socket.gethostname()
    forced.release()


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"pid": "x"}', b'{"reviewer": 1}'])
def test_an_unreadable_lock_is_held_while_fresh_and_stale_after(data, content):
    path = lock_path(data)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    fresh = acquire(data, "ana")
    assert not fresh.acquired and fresh.holder is None
    assert "read-only" in fresh.describe()
    age(path, lk.UNREADABLE_GRACE + 5)
    old = acquire(data, "ana")
    assert old.acquired and old.stale_taken_over
    old.release()


def test_release_only_removes_our_own_lock(data):
    mine = FileLock(data, "ana")
    assert mine.acquire().acquired and mine.held
    plant(data, reviewer="ben", pid=os.getpid() + 1)  # someone forced it from us
    assert not mine.release()
    assert read_lock(data).reviewer == "ben"
    assert not mine.release()  # twice: still nothing


def test_release_after_the_lock_vanished(data):
    mine = FileLock(data, "ana")
    mine.acquire()
    lock_path(data).unlink()
    assert not mine.release()


def test_acquire_twice_on_the_same_object_is_idempotent(data):
    mine = FileLock(data, "ana")
    assert mine.acquire().acquired
    assert mine.acquire().acquired
    assert mine.release() and not lock_path(data).exists()


def test_context_manager(data):
    with FileLock(data, "ana") as result:
        assert result.acquired and lock_path(data).exists()
        with FileLock(data, "ben") as other:
            assert not other.acquired
        assert lock_path(data).exists()  # ben's exit did not remove ana's lock
    assert not lock_path(data).exists()


def test_no_temp_files_are_left_behind(data):
    plant(data, pid=dead_pid())
    acquire(data, "ana").release()
    assert list(lock_path(data).parent.iterdir()) == []


RACER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from rolethread_tui.domain.lock import acquire
start, done = Path({start!r}), Path({done!r})
print("ready", flush=True)
while not start.exists():
    time.sleep(0.001)
result = acquire({data!r}, "racer")
print(result.acquired, flush=True)
while not done.exists():  # hold it (alive) until every racer has tried
    time.sleep(0.005)
"""


def test_of_many_racing_for_a_stale_lock_exactly_one_wins(data, tmp_path):
    plant(data, pid=dead_pid())
    start, done = tmp_path / "start", tmp_path / "done"
    code = RACER.format(root=str(Path(__file__).resolve().parents[1]), start=str(start),
                        done=str(done), data=str(data))
    racers = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
              for _ in range(6)]
    try:
        for p in racers:
            assert p.stdout.readline().strip() == "ready"
        start.touch()
        results = [p.stdout.readline().strip() for p in racers]
    finally:
        done.touch()
        for p in racers:
            p.wait(timeout=30)
            p.stdout.close()
    assert sorted(results) == ["False"] * 5 + ["True"]


def test_a_zombie_holder_is_taken_over_at_once(data):
    """kill -9, not yet reaped: the pid exists, the process can never release its lock."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see a zombie")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        plant(data, pid=child.pid, since=LockInfo.mine("x").since)
        assert not acquire(data, "ana").acquired              # alive: held
        child.kill()
        stat = Path(f"/proc/{child.pid}/stat")
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            os.sched_yield()
        got = acquire(data, "ana")                           # fresh lock, zombie holder
        assert got.acquired and got.stale_taken_over
        got.release()
    finally:
        child.kill()
        child.wait()
