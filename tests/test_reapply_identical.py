"""Identical lines: each has an id of its own, and re-apply puts each decision on its
own line (docs/formats.md "Entry ids", docs/safety.md "reload and re-apply")."""

from __future__ import annotations

import json
import os

from rolethread_tui import Session
from rolethread_tui.domain import review as rv
from rolethread_tui.domain.line_repeats import nth_before

from .conftest import chat

SAME = chat(("user", "hi"), ("assistant", "same"))
OTHER = chat(("user", "hi"), ("assistant", "other"))
EMPTY = {"meta": 1}  # no conversation at all (digest 0)


def lines(path) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def hashed(value: dict) -> str:
    return rv.line_id(json.dumps(value).encode())


def test_identical_lines_get_ids_of_their_own_and_a_save_writes_them(write):
    path = write([SAME, OTHER, SAME, EMPTY, SAME, EMPTY])
    s = Session.open(path, reviewer="me")
    s.wait()
    h, e = hashed(SAME), hashed(EMPTY)
    expected = [h, hashed(OTHER), f"{h}-2", e, f"{h}-3", f"{e}-2"]
    assert [s.entry_id(i) for i in range(6)] == expected
    assert s.doc.entry_ids(list(range(6))) == expected  # the bulk path (validate, export)
    assert s.view(4).id == f"{h}-3"  # what the detail view shows
    for i in range(6):
        s.set_status(i, "accepted")
    s.save()
    s.close()
    assert [e["_review"]["id"] for e in lines(path)] == expected


def test_the_id_of_a_copy_is_the_same_before_the_scan_is_done(write):
    path = write([SAME, EMPTY, OTHER, SAME, EMPTY, SAME])
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        doc = s.doc
        early = [nth_before(doc.store, doc.columns.digest, rid) for rid in range(6)]
        assert early == [1, 1, 1, 2, 2, 3]
        assert [doc._rank(rid) for rid in range(6)] == early


def test_decisions_on_identical_lines_land_on_their_own_lines_after_an_append(write):
    path = write([SAME, OTHER, SAME])
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(0, "accepted")
    s.set_status(2, "rejected")
    with path.open("a") as f:  # another program appends while the file is open
        f.write(json.dumps(chat(("user", "new"))) + "\n")
    report = s.reload_and_reapply()
    s.close()
    assert report.applied == 2 and not report.conflicts and report.conflict_file is None
    result = lines(path)
    assert [r.get("_review", {}).get("status") for r in result] == [
        "accepted", None, "rejected", None]
    assert result[0]["_review"]["id"] != result[2]["_review"]["id"]


def test_a_copy_removed_on_disk_makes_our_decisions_on_the_copies_conflicts(write):
    path = write([SAME, OTHER, SAME])
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(0, "accepted")
    s.set_status(2, "rejected")
    s.set_status(1, "accepted")
    fresh = path.with_name("fresh.jsonl")  # another tool drops one copy and renames
    fresh.write_text(json.dumps(OTHER) + "\n" + json.dumps(SAME) + "\n")
    os.replace(fresh, path)
    report = s.reload_and_reapply()
    s.close()
    h = hashed(SAME)
    assert report.applied == 1 and sorted(report.ambiguous) == [h, f"{h}-2"]
    assert "2 identical to other lines whose number of copies changed on disk" in (
        report.summary())
    result = lines(path)  # which copy survived cannot be told: neither decision moves
    assert result[0]["_review"]["status"] == "accepted" and "_review" not in result[1]
    aside = lines(report.conflict_file)
    assert sorted(r["_review"]["status"] for r in aside) == ["accepted", "rejected"]


def test_an_entry_without_id_changed_on_disk_is_not_called_removed(write):
    path = write([SAME, OTHER])
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(0, "accepted")
    theirs = chat(("user", "hi"), ("assistant", "same, edited by them"))
    fresh = path.with_name("fresh.jsonl")
    fresh.write_text(json.dumps(theirs) + "\n" + json.dumps(OTHER) + "\n")
    os.replace(fresh, path)
    report = s.reload_and_reapply()
    s.close()
    assert report.unmatched == [hashed(SAME)] and report.removed_on_disk == []
    summary = report.summary()
    assert "removed on disk" not in summary.replace("changed or removed on disk", "")
    assert "1 changed or removed on disk" in summary
    assert lines(report.conflict_file)[0]["_review"]["status"] == "accepted"


async def test_in_the_app_each_identical_line_keeps_its_own_decision_after_reapply(write):
    from rolethread_tui.tui.app import create_app

    from .tui_helpers import settle

    path = write([SAME, OTHER, SAME], "dup.jsonl")
    app = create_app(path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "j", "j", "x")  # accept 1, reject 3
        with path.open("a") as f:  # another program appends while the app has it open
            f.write(json.dumps(chat(("user", "appended"))) + "\n")
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.pause()
        assert [app.session.row(i).status for i in range(4)] == [
            "accepted", "unreviewed", "rejected", "unreviewed"]
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Re-applied and saved: 2 changed") for m in said)
    result = lines(path)
    assert [r.get("_review", {}).get("status") for r in result] == [
        "accepted", None, "rejected", None]
