"""A file opened through a symlink: every save works, and a crash is recovered (QA).

The journal keeps the bytes as loaded (`.journal.base`) before the first save
overwrites the file. Opened through a link, that base must be the real file's
inode, not a hard link to the symlink itself: a relative link copied into
`.rolethread/` dangles (the second save then failed, "is not the file this
journal started from"), and an absolute one points at the file the save just
replaced (recovery then replayed onto the wrong bytes, or set the journal aside).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rolethread_tui.domain.journal import base_path, journal_path
from rolethread_tui.domain.lock import LockInfo, lock_path
from rolethread_tui.domain.opening import close, open_for_review
from rolethread_tui.tui.app import create_app

from .conftest import clean_entry


def _write_entries(path: Path, count: int = 5) -> None:
    path.write_text("".join(json.dumps(clean_entry(i)) + "\n" for i in range(count)))


@pytest.fixture(params=["sibling", "subfolder", "absolute"])
def link(request, tmp_path: Path) -> Path:
    """`sl_link.jsonl -> sl_target.jsonl`, `link.jsonl -> real/t.jsonl` (both relative, as
    QA made them), or `link.jsonl -> /abs/real/t.jsonl`."""
    if request.param == "sibling":
        _write_entries(tmp_path / "sl_target.jsonl")
        path = tmp_path / "sl_link.jsonl"
        path.symlink_to("sl_target.jsonl")
    else:
        (tmp_path / "real").mkdir()
        _write_entries(tmp_path / "real" / "t.jsonl")
        path = tmp_path / "link.jsonl"
        target = tmp_path / "real" / "t.jsonl"
        path.symlink_to(target if request.param == "absolute" else os.path.join("real", "t.jsonl"))
    return path


def _statuses(path: Path) -> list[str]:
    """Each line's review status as written in the file."""
    return [json.loads(line).get("_review", {}).get("status", "unreviewed")
            for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize("saves", [2, 3])
def test_every_save_through_a_link_works(link, saves):
    opened = open_for_review(link, reviewer="tester")
    try:
        for i in range(saves):
            opened.session.set_status(i, "accepted")
            opened.session.save()
        base = base_path(link)
        assert not base.is_symlink() and stat.S_ISREG(base.lstat().st_mode)
    finally:
        close(opened)
    assert link.is_symlink()
    assert _statuses(link)[:saves + 1] == ["accepted"] * saves + ["unreviewed"]


def _crash_after_a_save(link: Path) -> list[str]:
    """Save once, change once more, end without closing (as kill -9 would); the lock is dead."""
    opened = open_for_review(link, reviewer="carol")
    opened.session.set_status(0, "accepted")
    opened.session.save()
    opened.session.set_status(1, "rejected")
    opened.session.set_status(2, "accepted")
    opened.session.save()
    opened.session.toggle_flag(3, "refusal")
    opened.session.set_status(4, "needs_work")
    expected = [opened.session.row(i).status for i in range(5)]
    opened.session.journal.close()
    opened.lock.lock.info = None                              # forget it: the process died
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(link).write_bytes(LockInfo("carol", LockInfo.mine("x").host, dead.pid,
                                         "2026-01-01T10:00:00.000000Z").to_bytes())
    return expected


def test_a_crash_after_saves_through_a_link_is_offered_and_recovered(link):
    expected = _crash_after_a_save(link)
    asked = []
    opened = open_for_review(link, reviewer="carol",
                             recover=lambda pending: asked.append(pending) or True)
    try:
        assert asked, opened.notes                            # the question came
        assert not opened.readonly and opened.recovered_changes == 2
        assert not any("set aside" in note for note in opened.notes)
        assert [opened.session.row(i).status for i in range(5)] == expected
        assert opened.session.row(3).flags
        opened.session.save()
    finally:
        close(opened)
    assert _statuses(link) == expected
    assert not journal_path(link).exists()


async def test_the_app_saves_through_a_link_again_and_again(link):
    """What QA did: open the link in the app, `a` `s`, `a` `s`, `a` `s`."""
    app = create_app(link)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.session.wait()
        for _ in range(3):
            await pilot.press("a", "s")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        messages = "\n".join(n.message for n in app._notifications)
        assert "Save failed" not in messages
        assert not app.session.dirty
    assert _statuses(link)[:4] == ["accepted"] * 3 + ["unreviewed"]
