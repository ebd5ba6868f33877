"""The crash journal (docs/safety.md "Crash safety"): encoding, torn tails, replay, recovery.

The integration tests drive a real Session with the journal hooks the lead
adds to session.py (here in a test subclass, `JournaledSession`), "crash" it
by abandoning it, recover on a new Session and check that saving gives the
exact bytes the first session would have saved.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import time
from pathlib import Path

import orjson
import pytest

from rolethread_tui import Session
from rolethread_tui.domain import journal as jr
from rolethread_tui.domain import writer
from rolethread_tui.domain.history import (
    Change,
    Replaced,
    Reviewed,
    Splice,
    apply_change,
)
from rolethread_tui.domain.journal import Journal, PendingJournal
from rolethread_tui.domain.ops import OpError
from rolethread_tui.domain.store import FileStamp

from .conftest import clean_entry

ALL_STATES = Change(
    "every kind",
    {
        0: (None, Reviewed({"status": "accepted", "note": "ünï — 日本", "flags": ["a"]})),
        1: (Reviewed({"status": "rejected"}), Reviewed(None)),
        2: (None, Replaced('{"messages":[],"x":"é\\u00e9"}'.encode())),
        3: (Replaced(b'{"raw": "\xff\xfe not utf-8"}'), Replaced(b"")),
        7: (Replaced(b"\xc3"), None),
    },
    [Splice(((1, 7),), True), Splice(((0, 3), (4, 2)), False)],
    focus=1,
)


def _stamp(path: Path) -> FileStamp:
    return FileStamp.of(path)


@pytest.fixture
def data(write) -> Path:
    return write([clean_entry(i) for i in range(3)])


def _lines(path: Path) -> list[dict]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines()]


# ----------------------------------------------------------------- encoding
def test_every_state_kind_round_trips(data):
    j = Journal.create(data, _stamp(data), "tester")
    j.append_change(ALL_STATES)
    j.append_change(Change("empty", {}, [], None))
    j.close()
    found = jr.pending(data)
    assert found is not None and not found.torn
    assert [s.change for s in found.steps] == [ALL_STATES, Change("empty")]


def test_record_layout_is_the_documented_one(data):
    j = Journal.create(data, _stamp(data), "tester")
    j.append_change(ALL_STATES)
    j.append_undo()
    j.append_redo()
    j.close()
    header, change, undo, redo = _lines(jr.journal_path(data))
    assert header["t"] == "header" and header["v"] == jr.VERSION
    assert header["reviewer"] == "tester" and header["path"] == str(data.absolute())
    st = _stamp(data)
    assert header["stamp"] == {"size": st.size, "mtime_ns": st.mtime_ns, "inode": st.inode,
                               "digest": st.digest, "ctime_ns": st.ctime_ns}
    assert header["created"].endswith("Z")
    assert change["t"] == "change" and change["label"] == "every kind" and change["focus"] == 1
    rid, before, after = change["states"][0]
    assert (rid, before) == (0, None) and after["review"]["status"] == "accepted"
    assert change["states"][2][2] == {"line": '{"messages":[],"x":"é\\u00e9"}'}
    assert "line_b64" in change["states"][3][1]  # invalid UTF-8 bytes kept exactly
    assert change["splices"] == [[True, [[1, 7]]], [False, [[0, 3], [4, 2]]]]
    assert (undo, redo) == ({"t": "undo"}, {"t": "redo"})


def test_values_orjson_refuses_round_trip_through_the_stdlib(data):
    odd = Change("odd", {0: (None, Reviewed({"big": 2**70, "bad": "\ud800x"}))})
    j = Journal.create(data, _stamp(data), "tester")
    j.append_change(odd)
    j.close()
    assert jr.pending(data).steps[0].change == odd


# ----------------------------------------------------------------- damaged journals
def _journal_with(data: Path, n: int) -> Path:
    j = Journal.create(data, _stamp(data), "tester")
    for k in range(n):
        j.append_change(Change(f"c{k}", {k: (None, Reviewed({"status": "accepted"}))}))
    j.close()
    return j.path


def test_torn_last_line_is_ignored(data):
    path = _journal_with(data, 3)
    with open(path, "ab") as f:
        f.write(b'{"t":"change","label":"half-writ')
    found = jr.pending(data)
    assert [s.change.label for s in found.steps] == ["c0", "c1", "c2"]
    assert found.torn


def test_reading_stops_at_a_garbage_line_and_never_fails(data):
    path = _journal_with(data, 2)
    good = path.stat().st_size
    with open(path, "ab") as f:
        f.write(b"\x00\x00\x00\n" + b'{"t":"undo"}\n')  # zeros a crash can leave, then more
    found = jr.pending(data)
    assert [s.change.label for s in found.steps] == ["c0", "c1"]
    assert found.torn and found.valid_bytes == good
    bad_record = b'{"t":"change","label":"x","states":[["no"]],"splices":[]}\n'
    path.write_bytes(path.read_bytes()[:good] + bad_record)
    assert len(jr.pending(data).steps) == 2


@pytest.mark.parametrize("content", [b"", b'{"t":"hea', b"not json\n", b'{"t":"undo"}\n'])
def test_no_usable_header_means_no_pending_journal(data, content):
    path = jr.journal_path(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert jr.pending(data) is None


def test_no_journal(data):
    assert jr.pending(data) is None and Journal.pending(data) is None


def test_resume_cuts_the_torn_tail_and_appends(data):
    path = _journal_with(data, 2)
    with open(path, "ab") as f:
        f.write(b'{"t":"cha')
    j = jr.pending(data).resume()
    j.append_undo()
    j.close()
    found = jr.pending(data)
    assert not found.torn
    assert [s.kind for s in found.steps] == ["change", "change", "undo"]


def test_a_failed_write_leaves_no_partial_record(data, monkeypatch):
    j = Journal.create(data, _stamp(data), "tester")
    j.append_change(ALL_STATES)
    size = j.path.stat().st_size

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdatasync", broken)
    with pytest.raises(OSError):
        j.append_change(ALL_STATES)
    assert j.path.stat().st_size == size
    monkeypatch.undo()
    j.append_undo()
    j.close()
    assert [s.kind for s in jr.pending(data).steps] == ["change", "undo"]


def test_closed_journal_refuses_appends(data):
    j = Journal.create(data, _stamp(data), "tester")
    j.close()
    j.close()
    with pytest.raises(ValueError, match="closed"):
        j.append_undo()


# ----------------------------------------------------------------- stamps, lifecycle
def test_header_mismatch_is_detected(data):
    _journal_with(data, 1)
    found = jr.pending(data)
    assert found.matches(_stamp(data))
    assert found.header.stamp == _stamp(data) and found.header.reviewer == "tester"
    data.write_bytes(data.read_bytes() + b'{"messages": []}\n')
    assert not found.matches(_stamp(data))


def test_create_truncates_an_old_journal(data):
    _journal_with(data, 3)
    Journal.create(data, _stamp(data), "other").close()
    found = jr.pending(data)
    assert found.steps == [] and found.header.reviewer == "other"


def test_clear_removes_journal_and_base(data):
    j = Journal.create(data, _stamp(data), "tester")
    j.prepare_overwrite()
    assert j.base.exists()
    j.clear()
    assert not j.path.exists() and not j.base.exists()
    assert jr.pending(data) is None


def test_discard_keeps_a_copy(data):
    path = _journal_with(data, 2)
    content = path.read_bytes()
    first = jr.discard(data)
    assert not path.exists() and first.read_bytes() == content
    assert first.name.startswith(f"{data.name}.journal.") and first.name.endswith(".discarded")
    assert jr.pending(data) is None
    _journal_with(data, 1)
    second = Journal.discard(data)  # same second: a distinct name, nothing overwritten
    assert second != first and first.read_bytes() == content
    with pytest.raises(FileNotFoundError):
        jr.discard(data)


def test_discard_moves_the_base_along(data):
    j = Journal.create(data, _stamp(data), "tester")
    j.prepare_overwrite()
    j.close()
    dest = jr.discard(data)
    assert dest.with_name(dest.name + ".base").read_bytes() == data.read_bytes()
    assert not jr.base_path(data).exists()


def test_saved_step_points_recovery_at_the_base(data):
    loaded = _stamp(data)
    j = Journal.create(data, loaded, "tester")
    j.append_change(ALL_STATES)
    base = j.prepare_overwrite()
    assert FileStamp.of(base).inode == loaded.inode  # a hard link: no copy made
    tmp = data.with_name("new.tmp")
    tmp.write_bytes(b'{"messages": []}\n')
    os.replace(tmp, data)  # what an atomic save does
    j.saved()
    j.close()
    found = jr.pending(data)
    assert found.needs_base and found.source == base
    assert found.expected_stamp == _stamp(data) != loaded
    assert found.matches(_stamp(data)) and not found.matches(loaded)
    assert not found.unsaved and found.change_count == 1
    base.unlink()
    assert not found.matches(_stamp(data))  # the base is gone: cannot replay


def test_prepare_overwrite_refuses_a_changed_file(data):
    j = Journal.create(data, _stamp(data), "tester")
    data.write_bytes(b"{}\n")
    with pytest.raises(jr.JournalError):
        j.prepare_overwrite()
    j.close()


# ----------------------------------------------------------------- replay
class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def replay_change(self, change: Change) -> None:
        self.calls.append(change.label)

    def replay_undo(self) -> None:
        self.calls.append("undo")

    def replay_redo(self) -> None:
        self.calls.append("redo")

    def replay_saved(self) -> None:
        self.calls.append("saved")


def test_replay_order_with_undo_redo(data):
    j = Journal.create(data, _stamp(data), "tester")
    j.append_undo()  # nothing to undo: could not have happened, dropped
    for label in ("a", "b", "c"):
        j.append_change(Change(label, {0: (None, Reviewed({}))}))
    j.append_undo()
    j.append_undo()
    j.append_redo()
    j.saved(_stamp(data))
    j.append_change(Change("d", {5: (None, Replaced(b"{}"))}, [Splice(((3, 9),), True)]))
    j.append_redo()  # the new change dropped the redo branch: dropped
    j.close()
    found = jr.pending(data)
    target = Recorder()
    found.replay(target)
    assert target.calls == ["a", "b", "c", "undo", "undo", "redo", "saved", "d"]
    assert found.skipped == 2
    assert found.change_count == 3  # a, b, d
    assert found.unsaved
    assert found.max_rid == 9


@pytest.mark.parametrize(("steps", "count", "unsaved"), [
    ([], 0, False),
    (["c", "u"], 0, False),
    (["c", "s"], 1, False),
    (["c", "s", "u"], 0, True),
    (["c", "c", "s", "u", "c"], 2, True),  # the saved point is on a dropped branch
    (["c", "u", "r"], 1, True),
])
def test_change_count_and_unsaved(data, steps, count, unsaved):
    j = Journal.create(data, _stamp(data), "tester")
    for s in steps:
        if s == "c":
            j.append_change(Change("x"))
        elif s == "u":
            j.append_undo()
        elif s == "r":
            j.append_redo()
        else:
            j.saved(_stamp(data))
    j.close()
    found = jr.pending(data)
    assert (found.change_count, found.unsaved) == (count, unsaved)


def test_a_same_second_backup_does_not_overwrite_the_base(data):
    j = Journal.create(data, _stamp(data), "tester")
    base = j.prepare_overwrite()
    original = data.read_bytes()
    writer.backup(data)
    writer.write_atomic(data, [b'{"saved": 1}\n'])
    writer.backup(data)  # another session of this process, same second
    j.close()
    assert base.read_bytes() == original


# ----------------------------------------------------------------- with a Session
class _UniqueClock:
    """The `time` module, but every strftime is a new, increasing second."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)

    def strftime(self, fmt: str, *when: object) -> str:
        return f"20000101T{next(self._counter):06d}"


@pytest.fixture
def distinct_backups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every backup its own name (works around the writer bug above)."""
    monkeypatch.setattr(writer, "time", _UniqueClock())


class JournaledSession(Session):
    """Session whose journal is the document's real hook, under the test's old name."""

    @property
    def jrnl(self) -> Journal | None:
        return self.doc.journal

    @jrnl.setter
    def jrnl(self, journal: Journal | None) -> None:
        self.doc.journal = journal


class Replayer:
    """The adapter the brief describes: internal apply for changes, public undo/redo."""

    def __init__(self, session: Session, max_rid: int) -> None:
        self.s = session
        self.s.doc.reserve_rids(max_rid)

    def replay_change(self, change: Change) -> None:
        apply_change(self.s.doc, change)
        self.s.history.push(change)

    def replay_undo(self) -> None:
        assert self.s.undo()

    def replay_redo(self) -> None:
        assert self.s.redo()

    def replay_saved(self) -> None:
        self.s.history.mark_saved()


def start(path: Path) -> JournaledSession:
    s = JournaledSession.open(path)
    s.wait()
    s.jrnl = Journal.create(path, s.store.stamp, s.reviewer)
    return s


def crash(s: JournaledSession, expected: Path) -> bytes:
    """What the session would have saved; then it dies without cleaning up."""
    s.save(expected)
    s.jrnl.close()  # as kill -9 leaves it: fds closed, the journal file stays
    s.close()
    return expected.read_bytes()


def recover(path: Path) -> tuple[JournaledSession, PendingJournal]:
    found = jr.pending(path)
    assert found is not None and found.matches(FileStamp.of(path))
    s = JournaledSession.open(found.source, target=path)
    s.wait()
    found.replay(Replayer(s, found.max_rid))
    s.jrnl = found.resume()
    return s, found


def test_replay_reproduces_the_unsaved_session_exactly(distinct_backups, write, tmp_path):
    path = write([clean_entry(i) for i in range(6)] + ["not json at all"])
    s = start(path)
    s.set_status(0, "accepted")
    s.toggle_flag(1, "refusal")
    s.set_note(1, "why — ünï")
    s.edit_message(2, 2, "A reply fixed by hand 🙂")
    s.insert_message(2, 1, "user", "added")
    s.duplicate_entry(3)
    s.split_entry(5, 3)
    s.join_entries(0)
    s.replace_line(len(s) - 1, b'{"still": "broken \xff')  # invalid UTF-8 bytes
    s.set_status(range(len(s)), "rejected")  # bulk: one record
    s.undo()
    s.undo()
    s.redo()
    s.delete_entries([1, 2])
    s.duplicate_entry(0)
    s.undo()
    s.duplicate_entry(1)  # a new rid after an undone one
    expected = crash(s, tmp_path / "expected.jsonl")
    assert path.read_bytes() != expected

    r, found = recover(path)
    assert r.path == path and not found.needs_base
    assert r.dirty and len(r.history.labels()) == found.change_count
    r.save()
    assert path.read_bytes() == expected
    r.duplicate_entry(0)  # the rid counter moved past the replayed rids
    assert len({r.rid(i) for i in range(len(r))}) == len(r)
    r.close()


def test_recovery_after_in_place_saves_uses_the_base(distinct_backups, write, tmp_path):
    path = write([clean_entry(i) for i in range(6)])
    s = start(path)
    s.delete_entries([0])  # the saved file is renumbered
    s.duplicate_entry(2)
    s.set_status(3, "accepted")
    s.save()
    s.set_status(0, "needs_work")  # after the save, in loaded rids
    s.undo()
    s.undo()  # reaches back before the save
    s.split_entry(1, 3)
    s.save()
    s.toggle_flag(2, "repetitive")
    expected = crash(s, tmp_path / "expected.jsonl")

    r, found = recover(path)
    assert found.needs_base and r.path == jr.base_path(path)
    assert found.unsaved and r.dirty
    r.set_note(0, "after recovery")  # journaled into the resumed journal
    expected2 = crash(r, tmp_path / "expected2.jsonl")

    r2, _ = recover(path)  # a second crash loses nothing either
    r2.save()
    assert path.read_bytes() == expected2
    assert expected2 != expected
    r2.undo()
    r2.save()
    assert path.read_bytes() == expected
    r2.close()


def test_clean_save_leaves_nothing_to_offer(distinct_backups, write):
    path = write([clean_entry(i) for i in range(3)])
    s = start(path)
    s.set_status(0, "accepted")
    s.save()
    s.close()
    found = jr.pending(path)  # a clean close after a save clears the journal
    assert found is None or (found.matches(FileStamp.of(path)) and not found.unsaved)


OPS = ["status", "flag", "edit", "dup", "delete", "split", "join", "bulk", "undo", "undo",
       "redo", "save"]


def _random_op(s: Session, rng: random.Random) -> None:
    op = rng.choice(OPS)
    i = rng.randrange(len(s)) if len(s) else 0
    try:
        if op == "status":
            s.set_status(i, rng.choice(["accepted", "rejected", None]))
        elif op == "flag":
            s.toggle_flag(i, rng.choice(["refusal", "style"]))
        elif op == "edit":
            s.edit_message(i, rng.randrange(5), f"edited {rng.random()}")
        elif op == "dup":
            s.duplicate_entry(i)
        elif op == "delete" and len(s) > 2:
            s.delete_entries(rng.sample(range(len(s)), 2))
        elif op == "split":
            s.split_entry(i, 3)
        elif op == "join" and i + 1 < len(s):
            s.join_entries(i)
        elif op == "bulk":
            s.set_status(range(0, len(s), 2), "needs_work")
        elif op in ("undo", "redo"):
            getattr(s, op)()
        elif op == "save":
            s.save()
    except (OpError, IndexError):
        pass


@pytest.mark.parametrize("seed", range(8))
def test_random_sessions_recover_byte_exactly(distinct_backups, write, tmp_path, seed):
    rng = random.Random(seed)
    path = write([clean_entry(i) for i in range(8)])
    s = start(path)
    for _ in range(40):
        _random_op(s, rng)
    expected = crash(s, tmp_path / "expected.jsonl")
    r, found = recover(path)
    assert r.dirty == found.unsaved
    r.save()
    assert path.read_bytes() == expected
    r.close()


# ----------------------------------------------------------------- the hooks in session.py
def needs_hooks(test):  # type: ignore[no-untyped-def]
    """The session's journal hooks are built: a rename must fail these, not skip them."""
    return test


def open_journaled(path: Path) -> Session:
    s = Session.open(path)
    s.wait()
    s.attach_journal(Journal.create(path, s.store.stamp, s.reviewer))
    return s


def kill(s: Session, expected: Path) -> bytes:
    """What the session would have saved; then it dies like kill -9 (fds just closed)."""
    s.save(expected)
    s.journal.close()
    s.journal = None
    s.close()
    return expected.read_bytes()


@needs_hooks
@pytest.mark.parametrize("seed", range(4))
def test_session_hooks_recover_byte_exactly(distinct_backups, write, tmp_path, seed):
    rng = random.Random(seed)
    path = write([clean_entry(i) for i in range(8)] + ["not json"])
    s = open_journaled(path)
    for _ in range(40):
        _random_op(s, rng)
    expected = kill(s, tmp_path / "expected.jsonl")
    found = Journal.pending(path)
    assert found.matches(FileStamp.of(path))
    r = Session.recover(path, found)
    assert r.dirty == found.unsaved and len(r.history.labels()) == found.change_count
    r.duplicate_entry(0)
    r.undo()
    expected2 = kill(r, tmp_path / "expected2.jsonl")  # a second crash, after recovery
    r2 = Session.recover(path, Journal.pending(path))
    r2.save()
    assert path.read_bytes() == expected2 == expected
    r2.close()
    assert Journal.pending(path) is None  # closed with nothing unsaved: journal cleared


@needs_hooks
def test_session_hooks_journal_before_apply_and_keep_unsaved_work(write):
    path = write([clean_entry(i) for i in range(3)])
    s = open_journaled(path)
    s.set_status(0, "accepted")
    assert s.undo() and not s.undo()
    assert s.redo() and not s.redo()
    s.close()  # dirty: the journal stays
    found = Journal.pending(path)
    assert [st.kind for st in found.steps] == ["change", "undo", "redo"]
    assert found.unsaved


@needs_hooks
def test_recovered_session_still_refuses_to_overwrite_a_changed_file(distinct_backups, write,
                                                                     tmp_path):
    from rolethread_tui.domain.session import FileChangedError

    path = write([clean_entry(i) for i in range(3)])
    s = open_journaled(path)
    s.delete_entries([0])
    s.save()
    s.set_status(0, "accepted")
    kill(s, tmp_path / "expected.jsonl")
    found = Journal.pending(path)
    r = Session.recover(path, found)
    assert found.needs_base
    path.write_bytes(path.read_bytes() + b'{"messages": []}\n')  # someone else writes
    with pytest.raises(FileChangedError):
        r.save()
    r.save(tmp_path / "elsewhere.jsonl")  # save-as still works
    r.close()


def test_a_single_entry_append_is_fast(data):
    """Budget: well under 5 ms with fsync (typically 0.2 ms here); loose bound vs. noisy disks."""
    j = Journal.create(data, _stamp(data), "tester")
    review = {"id": "0123456789abcdef", "status": "accepted", "by": "t",
              "at": "2026-01-01T00:00:00Z"}
    times = []
    for k in range(30):
        change = Change("status accepted", {k: (None, Reviewed(review))}, focus=k)
        t = time.perf_counter()
        j.append_change(change)
        times.append(time.perf_counter() - t)
    j.clear()
    assert statistics.median(times) < 0.025
