"""Issue 14, what a save may touch: symlinks, modes, owners, the umask, changes behind our back.

Cases 2, 5, 9 (the domain part), 12 and 13 of the issue. The suite runs as
root in CI here, which is the case that matters for 5: root may write a 0444
file, the tool must still treat it as read-only.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from rolethread_tui.cli.main import main
from rolethread_tui.domain import access, writer
from rolethread_tui.domain.access import claim, no_write_reason
from rolethread_tui.domain.errors import ReadOnlyError
from rolethread_tui.domain.journal import journal_path
from rolethread_tui.domain.lock import acquire, lock_path, read_lock
from rolethread_tui.domain.opening import close, open_for_review
from rolethread_tui.domain.session import FileChangedError, Session
from rolethread_tui.domain.store import FileStamp

from .conftest import clean_entry


@pytest.fixture
def data(write) -> Path:
    return write([clean_entry(i) for i in range(4)])


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def accepted(path: Path, line: int = 0) -> bool:
    return json.loads(path.read_bytes().splitlines()[line]).get("_review", {}).get(
        "status") == "accepted"


# ----------------------------------------------------------------- 2: symlinks
def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path, write):
    real_dir = tmp_path / "store"
    real_dir.mkdir()
    real = real_dir / "batch.jsonl"
    real.write_bytes(write([clean_entry(i) for i in range(3)]).read_bytes())
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    opened = open_for_review(link, reviewer="tester")
    opened.session.set_status(0, "accepted")
    opened.session.save()
    close(opened)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert accepted(real)
    # one .rolethread/ for the file, beside the real one: two links share one lock
    assert list((real_dir / ".rolethread" / "backups").iterdir())
    assert not (tmp_path / ".rolethread").exists()
    assert sorted(p.name for p in real_dir.iterdir()) == [".rolethread", "batch.jsonl"]


def test_two_links_to_one_file_share_its_lock(tmp_path, data):
    link = tmp_path / "other-name.jsonl"
    link.symlink_to(data)
    assert lock_path(link) == lock_path(data) and journal_path(link) == journal_path(data)
    held = acquire(data, "ana")
    try:
        assert not claim(link, "bob").lock.acquired
    finally:
        held.release()


# ----------------------------------------------------------------- 5: modes and owners
def test_a_file_without_a_write_bit_opens_read_only_even_for_root(data):
    data.chmod(0o444)
    original = data.read_bytes()
    opened = open_for_review(data, reviewer="tester")
    try:
        assert opened.readonly
        assert "no write permission (mode 0444)" in opened.readonly_reason
        assert read_lock(data) is None and not journal_path(data).exists()
        copy = opened.session.save(data.with_name("copy.jsonl"))   # save-as still works
        assert copy.read_bytes() == original
    finally:
        close(opened)
    assert data.read_bytes() == original and mode(data) == 0o444


def test_the_no_write_reason_reads_the_mode_not_os_access(data, monkeypatch):
    monkeypatch.setattr(os, "access", lambda *a, **k: True)  # what root is told
    assert no_write_reason(data) is None
    data.chmod(0o555)
    assert "mode 0555" in no_write_reason(data)


def test_a_saved_file_keeps_its_mode_and_owner(data):
    if os.geteuid() != 0:
        pytest.skip("giving a file to another owner needs root")
    data.chmod(0o640)
    os.chown(data, 4321, 4322)
    s = Session.open(data, reviewer="tester")
    s.wait()
    s.set_status(1, "accepted")
    s.save()
    s.close()
    st = os.stat(data)
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o640, 4321, 4322)
    assert accepted(data, 1)


# ----------------------------------------------------------------- 13: the umask
def test_a_new_file_follows_the_umask(tmp_path, umask_022):
    out = tmp_path / "new.jsonl"
    writer.write_atomic(out, [b"{}\n"])
    assert mode(out) == 0o644
    os.umask(0o027)
    other = tmp_path / "private.jsonl"
    writer.write_atomic(other, [b"{}\n"])
    assert mode(other) == 0o640


def test_a_failed_write_names_the_file_asked_for_not_the_temp_file(tmp_path):
    """The temp file (`.x.jsonl.<pid>-XXXXXXXX.tmp`) is gone when the message is read:
    the error names the path the caller gave, whichever step failed."""
    from rolethread_tui.cli.errors import describe

    missing = tmp_path / "gone" / "x.jsonl"  # mkstemp fails
    with pytest.raises(FileNotFoundError) as made:
        writer.write_atomic(missing, [b"{}\n"])
    assert describe(made.value) == f"{missing}: No such file or directory"
    folder = tmp_path / "folder.jsonl"  # the rename over a folder fails
    (folder / "inside").mkdir(parents=True)
    with pytest.raises(IsADirectoryError) as renamed:
        writer.write_atomic(folder, [b"{}\n"])
    assert (renamed.value.filename, renamed.value.filename2) == (str(folder), None)
    assert describe(renamed.value) == f"{folder}: Is a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.jsonl"]  # no temp left


def test_an_error_naming_another_file_keeps_its_name(tmp_path):
    """`before_replace` (the journal's note) failing on its own file is not the target's."""
    other = tmp_path / "journal"

    def fail(_tmp):
        raise PermissionError(13, "Permission denied", str(other))

    with pytest.raises(PermissionError) as failed:
        writer.write_atomic(tmp_path / "x.jsonl", [b"{}\n"], before_replace=fail)
    assert failed.value.filename == str(other)


@pytest.mark.parametrize("command", [
    ["export", "{data}", "-o", "{out}"],
    ["merge", "{data}", "{data2}", "-o", "{out}"],
    ["validate", "{data}", "--fix", "-o", "{out}"],
])
def test_files_the_commands_create_are_not_private(data, tmp_path, umask_022, command):
    data2 = tmp_path / "two.jsonl"
    data2.write_bytes(data.read_bytes())
    out = tmp_path / "out.jsonl"
    argv = [a.format(data=data, data2=data2, out=out) for a in command]
    assert main(argv) in (0, 1)
    assert mode(out) == 0o644


def test_a_conflict_copy_is_not_private(data, umask_022):
    s = Session.open(data, reviewer="tester")
    s.wait()
    s.set_status(0, "accepted")
    copy = s.save(data.with_name("data.rolethread-conflict.jsonl"))
    s.close()
    assert mode(copy) == 0o644


# ----------------------------------------------------------------- 12: external change
def test_an_in_place_rewrite_with_the_mtime_put_back_is_detected(write):
    # big enough that the edited bytes are outside the head/tail digest
    path = write([clean_entry(i) for i in range(400)])
    s = Session.open(path, reviewer="tester")
    s.wait()
    s.set_status(0, "accepted")
    before = os.stat(path)
    raw = bytearray(path.read_bytes())
    middle = raw.index(b"(200)")
    assert 1 << 16 < middle < len(raw) - (1 << 16)
    raw[middle:middle + 5] = b"(2x0)"                       # same size, in place
    with open(path, "r+b") as f:
        f.write(raw)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -r
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    with pytest.raises(FileChangedError):
        s.save()
    s.close()
    assert b"(2x0)" in path.read_bytes()                   # their edit stands


def test_our_own_links_do_not_count_as_a_change(data):
    stamp = FileStamp.of(data)
    os.link(data, data.with_name("hard-link"))             # what a backup does
    linked = FileStamp.of(data)
    assert linked == stamp and linked.ctime_ns != stamp.ctime_ns
    os.utime(data, ns=(stamp.mtime_ns, stamp.mtime_ns))    # ctime moves, nlink does not
    assert FileStamp.of(data) != linked and FileStamp.of(data).same_file(linked)


# ----------------------------------------------------------------- 9: the claim
def test_claim_takes_the_lock_or_says_why_not(data, tmp_path):
    first = claim(data, "ana")
    assert not first.read_only and first.lock.acquired and read_lock(data).reviewer == "ana"
    second = claim(data, "bob")
    assert second.read_only and "locked by ana" in second.reason
    first.release()
    assert read_lock(data) is None


def test_claim_refuses_a_folder_that_cannot_hold_the_lock(data, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(access, "acquire", full)
    got = claim(data, "ana")
    assert got.read_only and "No space left on device" in got.reason


def test_read_only_error_carries_the_reason():
    err = ReadOnlyError("locked by ana on box (pid 7) since then")
    assert err.reason.startswith("locked by ana") and "read-only" in str(err)


def test_a_script_session_honours_the_lock_another_session_holds(tmp_path):
    from rolethread_tui import Session
    from rolethread_tui.domain import ReadOnlyError

    path = tmp_path / "batch.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    first = Session.open(path, reviewer="app")
    first.wait()
    assert not first.read_only
    second = Session.open(path, reviewer="script")
    second.wait()
    assert second.read_only and "locked by app" in second.readonly_reason
    with pytest.raises(ReadOnlyError):
        second.set_status(0, "accepted")
    with pytest.raises(ReadOnlyError):
        second.save()
    copy = second.save(tmp_path / "copy.jsonl")  # save-as still works
    assert copy.read_bytes() == path.read_bytes()
    second.close()
    first.set_status(0, "accepted")
    first.save()
    first.close()
    third = Session.open(path)  # the lock was released: writable again
    assert not third.read_only
    third.close()
