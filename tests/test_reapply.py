"""Reload and re-apply: this session's changes land on the file as it is on disk now."""

from __future__ import annotations

import json
import os

import pytest

from rolethread_tui import Session
from rolethread_tui.domain import FileChangedError

from .conftest import chat


def entry(n: int, text: str = "") -> dict:
    value = chat(("user", f"question {n}"), ("assistant", text or f"answer {n}"))
    value["id"] = f"e{n}"
    return value


def lines(path) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_our_changes_land_on_the_appended_file_and_conflicts_are_kept_aside(write):
    path = write([entry(n) for n in range(5)])
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(0, "accepted")
    s.edit_message(1, 1, "ours")
    s.edit_message(2, 1, "ours too")
    s.delete_entries(3)
    s.add_entry([{"role": "user", "content": "hand-written"}], after=0)
    # meanwhile another tool rewrites the file (a new file renamed over it, as editors
    # and most tools do): it edits entry 2, removes entry 1 and appends entry 9
    on_disk = [entry(n) for n in range(5)]
    on_disk[2]["messages"][1]["content"] = "theirs"
    del on_disk[1]
    on_disk.append(entry(9))
    fresh = path.with_name("fresh.jsonl")
    fresh.write_text("".join(json.dumps(e) + "\n" for e in on_disk))
    os.replace(fresh, path)
    report = s.reload_and_reapply()
    assert (report.applied, report.added, report.deleted) == (1, 1, 1)
    assert report.changed_on_disk == ["e2"] and report.removed_on_disk == ["e1"]
    assert not s.dirty
    s.close()
    result = lines(path)
    assert [e.get("id", "new") for e in result] == ["e0", "new", "e2", "e4", "e9"]
    assert result[0]["_review"]["status"] == "accepted"
    assert result[1]["_review"]["origin"] == "human"
    assert result[2]["messages"][1]["content"] == "theirs"  # both changed it: theirs stays
    aside = lines(report.conflict_file)
    assert {e["id"] for e in aside} == {"e1", "e2"}  # ours, never dropped silently
    assert {e["messages"][1]["content"] for e in aside} == {"ours", "ours too"}


def test_an_append_while_open_is_kept_and_our_decisions_saved_with_it(write):
    path = write([entry(n) for n in range(3)])
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(1, "rejected")
    with path.open("a") as f:  # another program appends while the file is open
        f.write(json.dumps(entry(7)) + "\n")
    with pytest.raises(FileChangedError):
        s.save()
    report = s.reload_and_reapply()
    assert report.applied == 1 and report.conflict_file is None
    s.close()
    result = lines(path)
    assert [e["id"] for e in result] == ["e0", "e1", "e2", "e7"]
    assert result[1]["_review"]["status"] == "rejected"


def test_a_file_rewritten_in_place_is_refused_and_nothing_is_written(write):
    path = write([entry(n) for n in range(3)])
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(0, "accepted")
    path.write_text(json.dumps(entry(5)) + "\n")  # truncated and rewritten: same inode
    with pytest.raises(FileChangedError, match="rewritten in place"):
        s.reload_and_reapply()
    assert s.dirty
    assert [e["id"] for e in lines(path)] == ["e5"]


async def test_the_save_question_offers_reload_and_reapply(write):
    from rolethread_tui.tui.app import create_app

    from .tui_helpers import screen_text, settle

    path = write([entry(n) for n in range(3)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "a")  # accept e1
        with path.open("a") as f:  # another program appends while the app has it open
            f.write(json.dumps(entry(8)) + "\n")
        await pilot.press("s")
        await settle(app, pilot)
        assert "reload and re-apply" in screen_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.pause()
        assert len(app.session) == 4 and not app.session.dirty
        assert app.session.row(1).status == "accepted"
        assert any(n.message.startswith("Re-applied and saved: 1 changed")
                   for n in app._notifications)
    result = lines(path)
    assert [e["id"] for e in result] == ["e0", "e1", "e2", "e8"]
    assert result[1]["_review"]["status"] == "accepted"
