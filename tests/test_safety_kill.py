"""Issue 14, killed at the worst moment: cases 10 and 15, with real processes and SIGKILL.

A save killed mid-write leaves a temp file: the next open removes it and
offers the journal. A save killed right after its rename landed: the next
open says nothing about unsaved changes set aside. An app killed with -9 and
restarted at once (its process still a zombie) does not keep the file
locked: recovery is offered, not read-only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rolethread_tui.domain.journal import Journal, journal_path
from rolethread_tui.domain.lock import read_lock
from rolethread_tui.domain.opening import close, open_for_review, unsaved_changes

from .conftest import clean_entry
from .test_crash_recovery import ROOT, TIMEOUT, run_until_ready

KILL_SAVE = Path(__file__).resolve().parent / "drivers" / "kill_save.py"


@pytest.fixture
def data(write) -> Path:
    return write([clean_entry(i) for i in range(5)])


def kill_a_save(data: Path, when: str) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen([sys.executable, str(KILL_SAVE), str(data), when],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL, err[-2000:]
    assert "SAVING" in out and "NOT KILLED" not in out


def temps(data: Path) -> list[str]:
    return [p.name for p in data.parent.iterdir() if p.name.endswith(".tmp")]


def status0(data: Path) -> str | None:
    return json.loads(data.read_bytes().splitlines()[0]).get("_review", {}).get("status")


def test_a_save_killed_mid_write_leaves_a_temp_file_the_next_open_removes(data):
    original = data.read_bytes()
    kill_a_save(data, "mid-write")
    assert data.read_bytes() == original and len(temps(data)) == 1
    asked = []
    again = open_for_review(data, reviewer="tester", recover=lambda p: asked.append(p) or True)
    try:
        assert temps(data) == []
        assert asked and again.recovered_changes == 1 and not again.readonly
        again.session.save()
    finally:
        close(again)
    assert status0(data) == "accepted"


def test_a_save_killed_right_after_the_rename_is_not_offered_again(data):
    kill_a_save(data, "after-rename")
    assert status0(data) == "accepted" and temps(data) == []
    saved = data.read_bytes()
    again = open_for_review(data, reviewer="tester", recover=lambda p: pytest.fail("asked"))
    try:
        said = " ".join(again.notes)
        assert not again.readonly and not again.session.dirty
        assert "set aside" not in said and "unsaved" not in said
        assert not list(journal_path(data).parent.glob("*.discarded"))
    finally:
        close(again)
    assert data.read_bytes() == saved


def test_restarting_right_after_kill_9_offers_recovery(data, tmp_path):
    proc, steps, _expected = run_until_ready(data, tmp_path)
    assert read_lock(data).pid == proc.pid
    os.kill(proc.pid, signal.SIGKILL)
    # Not reaped yet: a zombie whose pid still exists (what a shell shows for a moment).
    deadline = time.monotonic() + TIMEOUT
    while Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline, "the child never died"
        os.sched_yield()
    offered = []
    again = open_for_review(data, reviewer="tester",
                            recover=lambda p: offered.append(unsaved_changes(p)) or True)
    try:
        assert not again.readonly, again.readonly_reason
        assert offered == [steps] and again.recovered_changes == steps
        assert read_lock(data).pid == os.getpid()
    finally:
        close(again)
        proc.communicate(timeout=TIMEOUT)
    assert Journal.pending(data) is not None  # the restored changes are still unsaved
