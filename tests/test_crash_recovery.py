"""Crash safety end to end (issue #8): kill -9 and recover, signals, the lock, refused saves.

The headline test runs the real app in a child process (tests/drivers/crash_app.py),
kills it with SIGKILL after a few keyed edits, restarts the app, answers the
recovery question, saves, and compares the file byte for byte with what a
plain `Session` doing the same operations saves.
"""

from __future__ import annotations

import errno
import html
import json
import os
import pty
import select
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rolethread_tui.domain import review, writer
from rolethread_tui.domain.journal import Journal, journal_path
from rolethread_tui.domain.lock import LockInfo, lock_path, read_lock
from rolethread_tui.domain.opening import (
    begin,
    close,
    describe_pending,
    open_for_review,
    unsaved_changes,
)
from rolethread_tui.domain.reapply import conflict_path
from rolethread_tui.domain.session import Session
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.prompts import ChoiceScreen
from rolethread_tui.tui.screens.recovery import RecoveryScreen

from .conftest import clean_entry
from .drivers.crash_app import FROZEN_AT, NOTE

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).resolve().parent / "drivers" / "crash_app.py"
TIMEOUT = 60.0


# ----------------------------------------------------------------- helpers
@pytest.fixture
def data(write) -> Path:
    """Eight entries with a blank line, CRLF endings on one line and a broken line at the end."""
    lines = [json.dumps(clean_entry(i)) for i in range(7)]
    text = "\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:6]) + "\r\n" + lines[6] + "\n"
    return write((text + '{"broken": [1, 2\n').encode())


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "now_stamp", lambda: FROZEN_AT)


def screen_text(app) -> str:
    """The screen as plain text (the SVG export, unescaped)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def notices(app) -> str:
    """Every notification posted so far (run_test hides the toasts but keeps them)."""
    return "\n".join(n.message for n in app._notifications)


def replace_file(path: Path, content: bytes) -> None:
    """Save the way most tools (and this one) do: write a new file, rename it over."""
    tmp = path.with_name(path.name + ".other-tool.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    if getattr(app, "opened", None) is not None:
        app.session.wait()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def mirror_of_driver(original: bytes, tmp: Path) -> bytes:
    """What a plain Session saves after the driver's keys (tests/drivers/crash_app.py)."""
    path = tmp / "mirror.jsonl"
    path.write_bytes(original)
    s = Session.open(path, reviewer="tester")
    s.wait()
    s.set_status(0, "accepted")         # a (advance to 1)
    s.set_status(1, "rejected")         # x (advance to 2)
    s.toggle_flag(2, "refusal")         # 1
    s.set_note(2, NOTE)                 # n, text, enter
    s.mark_refined(3)                   # j, h
    s.set_status(4, "accepted")         # j, a
    s.undo()                            # u (cursor follows back to 4)
    s.set_status(4, "needs_work")       # w
    s.save()
    s.close()
    return path.read_bytes()


def start_driver(data: Path, expected: Path) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.Popen([sys.executable, str(DRIVER), str(data), str(expected)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def read_line(proc: subprocess.Popen[str], prefix: str, timeout: float = TIMEOUT) -> str:
    """The child's next stdout line starting with prefix (fails on exit or timeout)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(deadline - time.monotonic()):
                break
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith(prefix):
                return line.strip()
    proc.kill()
    _out, err = proc.communicate()
    pytest.fail(f"driver did not print {prefix!r}; stderr:\n{err[-3000:]}")


def run_until_ready(data: Path, tmp: Path) -> tuple[subprocess.Popen[str], int, bytes]:
    """Start the driver; returns it (still running), its step count and its own save."""
    expected = tmp / "expected-by-driver.jsonl"
    proc = start_driver(data, expected)
    steps = int(read_line(proc, "READY").split()[1])
    return proc, steps, expected.read_bytes()


def _crash(data: Path) -> bytes:
    """An opened session with two unsaved changes, ended without closing (a crash)."""
    opened = open_for_review(data, reviewer="carol")
    opened.session.set_status(0, "accepted")
    opened.session.toggle_flag(1, "refusal")
    expected_path = data.with_name("expected.jsonl")
    opened.session.save(expected_path)
    opened.session.journal.close()
    opened.lock.lock.info = None                             # forget it: as if the process died
    return expected_path.read_bytes()


def _dead_lock(data: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(data).write_bytes(LockInfo("carol", LockInfo.mine("x").host, dead.pid,
                                         "2026-01-01T10:00:00.000000Z").to_bytes())


# ----------------------------------------------------------------- kill -9
async def test_sigkill_then_recover_gives_exactly_the_expected_file(data, tmp_path, frozen):
    original = data.read_bytes()
    proc, steps, by_driver = run_until_ready(data, tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL
    assert data.read_bytes() == original                     # nothing was saved
    assert read_lock(data).pid == proc.pid                   # a stale lock is left behind
    expected = mirror_of_driver(original, tmp_path)
    assert by_driver == expected                             # the driver did what we mirror

    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RecoveryScreen)
        text = screen_text(app)
        assert f"{steps} unsaved changes from tester" in text
        assert "r: restore" in text and "d: discard" in text
        await pilot.press("r")
        await settle(app, pilot)
        assert not app.readonly
        assert app.session.dirty
        assert f"Restored {steps} unsaved changes" in notices(app)
        assert "stale lock" in notices(app)
        await pilot.press("s")
        await settle(app, pilot)
        assert not app.session.dirty
    assert data.read_bytes() == expected
    assert not journal_path(data).exists()                   # a clean end clears it
    assert not lock_path(data).exists()


async def test_discarding_keeps_a_copy_and_opens_the_file_as_it_is(data):
    original = data.read_bytes()
    _crash(data)
    _dead_lock(data)

    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "2 unsaved changes from carol" in screen_text(app)
        await pilot.press("d")
        await settle(app, pilot)
        assert not app.readonly and not app.session.dirty
        assert "copy of the journal is kept" in notices(app)
        assert app.session.row(0).status == "unreviewed"
    assert data.read_bytes() == original
    kept = list(journal_path(data).parent.glob("*.discarded"))
    assert len(kept) == 1 and b'"t":"change"' in kept[0].read_bytes()
    assert Journal.pending(data) is None


async def test_quit_on_the_question_leaves_the_journal_untouched(data):
    _crash(data)
    _dead_lock(data)
    journal = journal_path(data).read_bytes()

    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", "escape", "s", "a")        # no palette, no other keys
        await pilot.pause()
        assert isinstance(app.screen, RecoveryScreen)
        await pilot.press("q")
        await pilot.pause()
    assert journal_path(data).read_bytes() == journal
    assert not lock_path(data).exists()                      # the taken-over lock is given back


# ----------------------------------------------------------------- signals
# SIGHUP is what a dropped SSH link delivers: tested through a real pty below.
def test_sigterm_ends_cleanly_and_keeps_the_journal(data, tmp_path):
    original = data.read_bytes()
    proc, steps, _ = run_until_ready(data, tmp_path)
    os.kill(proc.pid, signal.SIGTERM)
    assert read_line(proc, "EXITED") == f"EXITED {128 + signal.SIGTERM}"
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    assert data.read_bytes() == original                     # not saved unasked
    assert not lock_path(data).exists()                      # lock released
    pending = Journal.pending(data)
    assert pending is not None and not pending.torn
    assert pending.unsaved and unsaved_changes(pending) == steps


def test_a_terminal_hang_up_ends_the_real_cli_cleanly(data, tmp_path):
    """The SSH link drops: the pty closes, the kernel sends SIGHUP to `rolethread-tui FILE`."""
    original = data.read_bytes()
    env = dict(os.environ, TERM="xterm-256color")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    try:
        pid, fd = pty.fork()
    except OSError:
        pytest.skip("no pseudo-terminals here")
    if pid == 0:  # the child: the real command line, in a real terminal
        try:
            os.execve(sys.executable, [sys.executable, "-m", "rolethread_tui", str(data)], env)
        finally:
            os._exit(127)
    shown = bytearray()
    try:
        wait_for(lambda: shown.extend(drain(fd)) or b"data.jsonl" in shown,
                 "the app never drew its screen")
        for key in (b"a", b"x", b"1"):
            os.write(fd, key)
        wait_for(lambda: drain(fd) is not None and _journaled(data) == 3,
                 "the keys were not journaled")
    finally:
        os.close(fd)                                         # hang up
    status = wait_for(lambda: os.waitpid(pid, os.WNOHANG)[1] or None, "no exit after SIGHUP")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGHUP
    assert data.read_bytes() == original
    assert not lock_path(data).exists()
    assert _journaled(data) == 3


def drain(fd: int) -> bytes:
    """Whatever the terminal has to read now (b"" if nothing)."""
    out = b""
    while select.select([fd], [], [], 0.05)[0]:
        try:
            out += os.read(fd, 1 << 16)
        except OSError:
            break
    return out


def wait_for(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(what)


def _journaled(data: Path) -> int:
    pending = Journal.pending(data)
    return unsaved_changes(pending) if pending else 0


# ----------------------------------------------------------------- the lock in the app
@pytest.fixture
def other_session(data: Path):
    """A lock held by a live process on this host (a sleeping child), as another reviewer."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(0.05)  # the lock is taken after the process started (else: a reused pid)
    path = lock_path(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = LockInfo.mine("x")
    info = LockInfo("alice", mine.host, child.pid, mine.since)
    path.write_bytes(info.to_bytes())
    yield info
    child.kill()
    child.wait()


async def test_a_locked_file_opens_read_only_and_names_the_holder(data, other_session):
    original = data.read_bytes()
    lock = lock_path(data).read_bytes()
    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.readonly
        assert "[read-only]" in screen_text(app)
        said = notices(app)
        assert f"locked by alice on {other_session.host} (pid {other_session.pid})" in said
        assert f"since {other_session.since}" in said
        await pilot.press("a", "x", "s")
        await settle(app, pilot)
        assert not app.session.dirty
    assert data.read_bytes() == original
    assert lock_path(data).read_bytes() == lock              # still alice's
    assert not journal_path(data).exists()                   # a reader writes no journal


async def test_a_stale_lock_is_taken_over(data):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = lock_path(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(LockInfo("bob", LockInfo.mine("x").host, dead.pid,
                              "2026-01-01T10:00:00.000000Z").to_bytes())
    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not app.readonly
        assert read_lock(data).pid == os.getpid()
        assert "stale lock" in notices(app)
        await pilot.press("a", "s")
        await settle(app, pilot)
    assert json.loads(data.read_bytes().split(b"\n")[0])["_review"]["status"] == "accepted"
    assert not path.exists()


# ----------------------------------------------------------------- refused and failing saves
async def test_external_change_is_never_overwritten(data):
    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        theirs = data.read_bytes().replace(b"Mira", b"Nora")  # someone else saves the file
        replace_file(data, theirs)
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceScreen)
        assert "changed on disk" in screen_text(app)
        assert data.read_bytes() == theirs                   # refused: untouched
        pending = Journal.pending(data)
        assert pending is not None and pending.change_count == 1
        conflict = conflict_path(data)
        await pilot.press("c")                               # a copy beside it, new name
        await settle(app, pilot)
        assert data.read_bytes() == theirs
        mine = conflict.read_bytes().split(b"\n")
        assert json.loads(mine[0])["_review"]["status"] == "accepted"
        assert b"Mira" in mine[0]
        assert app.session.dirty                             # the file itself is not saved
        assert f"Saved a copy to {conflict}" in notices(app)

        await pilot.press("s")                               # again: save as, over an existing
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        field = app.screen.query_one("Input")
        field.value = conflict.name                          # relative: beside the data file
        await pilot.press("enter")
        await pilot.pause()
        assert "exists. Overwrite it?" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        await pilot.press("q", "d")                          # discard and quit
        await pilot.pause()
    assert data.read_bytes() == theirs
    assert not journal_path(data).exists()
    assert len(list(journal_path(data).parent.glob("*.discarded"))) == 1  # kept aside


async def test_a_file_rewritten_in_place_gets_no_mixed_copy(data):
    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        theirs = data.read_bytes().replace(b"Mira", b"Nora")
        data.write_bytes(theirs)                             # same inode: our bytes are gone
        await pilot.press("s")
        await settle(app, pilot)
        assert "rewritten in place" in notices(app)
        assert not isinstance(app.screen, ChoiceScreen)
        assert data.read_bytes() == theirs
        assert not conflict_path(data).exists()
        assert unsaved_changes(Journal.pending(data)) == 1
        await pilot.press("q", "d")


@pytest.mark.parametrize(("target", "code"), [
    ("tempfile.mkstemp", errno.EACCES),   # a read-only directory: no temp file can be made
    ("os.replace", errno.ENOSPC),         # the disk filled up at the last moment
])
async def test_a_failing_save_keeps_the_file_and_the_journal(data, monkeypatch, target, code):
    original = data.read_bytes()
    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "x")
        module, name = target.split(".")
        real = getattr(getattr(writer, module), name)

        def fail(*args, **kwargs):
            raise OSError(code, os.strerror(code), str(data.parent))

        monkeypatch.setattr(getattr(writer, module), name, fail)
        await pilot.press("s")
        await settle(app, pilot)
        assert os.strerror(code) in notices(app)
        assert "nothing was lost" in notices(app)
        assert data.read_bytes() == original
        assert [p.name for p in data.parent.iterdir() if p.name.endswith(".tmp")] == []
        pending = Journal.pending(data)
        assert pending is not None and unsaved_changes(pending) == 2
        assert app.session.dirty
        monkeypatch.setattr(getattr(writer, module), name, real)
        await pilot.press("s")                               # the fault is gone: it saves
        await settle(app, pilot)
        assert not app.session.dirty
    saved = data.read_bytes().split(b"\n")
    assert [json.loads(saved[i])["_review"]["status"] for i in (0, 1)] == ["accepted", "rejected"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
async def test_save_into_a_read_only_directory(data):
    original = data.read_bytes()
    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        data.parent.chmod(0o555)
        try:
            await pilot.press("s")
            await settle(app, pilot)
            assert "Permission denied" in notices(app)
            assert data.read_bytes() == original
            assert unsaved_changes(Journal.pending(data)) == 1
        finally:
            data.parent.chmod(0o755)


# ----------------------------------------------------------------- opening, without the app
def test_no_journal_opens_writable_and_a_clean_close_leaves_nothing(data):
    opened = open_for_review(data, reviewer="tester")
    assert not opened.readonly and opened.session.journal is not None
    assert read_lock(data).pid == os.getpid()
    opened.session.set_status(0, "accepted")
    opened.session.save()
    close(opened)
    close(opened)                                            # twice is fine
    assert not journal_path(data).exists() and not lock_path(data).exists()


def test_recover_callback_restores(data):
    expected = _crash(data)
    _dead_lock(data)
    asked = []
    opened = open_for_review(data, reviewer="tester",
                             recover=lambda p: asked.append(unsaved_changes(p)) or True)
    assert asked == [2] and opened.recovered_changes == 2
    opened.session.save()
    close(opened)
    assert data.read_bytes() == expected


def test_no_callback_never_decides(data):
    _crash(data)
    _dead_lock(data)
    journal = journal_path(data).read_bytes()
    opened = open_for_review(data, reviewer="tester")
    assert opened.readonly and "2 unsaved changes from carol" in opened.readonly_reason
    assert not lock_path(data).exists()                      # a reader holds no lock
    close(opened)
    assert journal_path(data).read_bytes() == journal


def test_a_journal_that_no_longer_matches_is_set_aside(data):
    _crash(data)
    _dead_lock(data)
    data.write_bytes(data.read_bytes() + b'{"messages": []}\n')
    opened = open_for_review(data, reviewer="tester", recover=lambda p: pytest.fail("asked"))
    assert not opened.readonly
    said = " ".join(opened.notes)
    assert "does not match" in said and ".discarded" in said
    close(opened)


def test_a_failing_replay_sets_the_journal_aside(data, monkeypatch):
    _crash(data)
    _dead_lock(data)

    def broken(*args, **kwargs):
        raise KeyError("rid 99")

    monkeypatch.setattr(Session, "recover", broken)
    opened = open_for_review(data, reviewer="tester", recover=lambda p: True)
    assert not opened.readonly and "Could not replay" in " ".join(opened.notes)
    assert len(list(journal_path(data).parent.glob("*.discarded"))) == 1
    close(opened)


def test_discard_on_quit_sets_the_journal_aside(data):
    opened = open_for_review(data, reviewer="tester")
    opened.session.set_status(0, "accepted")
    kept = close(opened, discard_unsaved=True)
    assert kept is not None and kept.exists()
    assert Journal.pending(data) is None


def test_a_folder_that_cannot_hold_the_lock_opens_read_only(data, monkeypatch):
    import rolethread_tui.domain.access as access

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(access, "acquire", refuse)
    opened = open_for_review(data, reviewer="tester")
    assert opened.readonly and "Read-only file system" in opened.readonly_reason
    close(opened)


def test_an_unwritable_journal_opens_read_only_and_releases_the_lock(data, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Journal, "create", full)
    opened = open_for_review(data, reviewer="tester")
    assert opened.readonly and "No space left on device" in opened.readonly_reason
    assert not lock_path(data).exists()
    close(opened)


def test_begin_then_abandon_gives_the_lock_back(data):
    opening = begin(data, reviewer="tester")
    assert opening.lock.acquired
    opening.abandon()
    assert not lock_path(data).exists()
    shutil.rmtree(journal_path(data).parent, ignore_errors=True)


def test_a_torn_last_record_is_left_out_and_said(data):
    expected = _crash(data)
    _dead_lock(data)
    with journal_path(data).open("ab") as f:
        f.write(b'{"t":"change","label":"status acc')          # killed mid-write: no newline
    seen = []
    opened = open_for_review(data, reviewer="tester",
                             recover=lambda p: seen.append(describe_pending(p)) or True)
    assert "incomplete last step" in seen[0] and opened.recovered_changes == 2
    opened.session.save()
    close(opened)
    assert data.read_bytes() == expected


def test_a_second_crash_after_recovery_loses_nothing(data):
    _crash(data)
    _dead_lock(data)
    opened = open_for_review(data, reviewer="tester", recover=lambda p: True)
    opened.session.set_status(2, "needs_work")               # journaled after the replay
    expected = opened.session.save(data.with_name("expected2.jsonl")).read_bytes()
    opened.session.journal.close()
    opened.lock.lock.info = None                             # crash again
    _dead_lock(data)
    again = open_for_review(data, reviewer="tester", recover=lambda p: True)
    assert again.recovered_changes == 3
    again.session.save()
    close(again)
    assert data.read_bytes() == expected


def test_a_crash_between_the_rename_and_the_saved_record_loses_nothing(data, monkeypatch):
    opened = open_for_review(data, reviewer="tester")
    opened.session.set_status(0, "accepted")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands for the process dying right after the rename

    monkeypatch.setattr(Journal, "saved", killed)
    with pytest.raises(KeyboardInterrupt):
        opened.session.save()
    monkeypatch.undo()
    saved = data.read_bytes()
    assert json.loads(saved.split(b"\n")[0])["_review"]["status"] == "accepted"
    opened.session.journal.close()
    opened.lock.lock.info = None
    _dead_lock(data)
    again = open_for_review(data, reviewer="tester", recover=lambda p: pytest.fail("asked"))
    said = " ".join(again.notes)
    assert not again.readonly and "set aside" not in said and "unsaved" not in said  # issue 14
    assert not again.session.dirty and not list(journal_path(data).parent.glob("*.discarded"))
    close(again)
    assert data.read_bytes() == saved                        # the saved file is what counts
