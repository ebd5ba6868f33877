"""The save question when the file is gone from disk, and "save and quit" through a
re-apply (QA): docs/safety.md "A file that changed on disk: reload and re-apply"."""

from __future__ import annotations

import json

import pytest

from rolethread_tui import Session
from rolethread_tui.domain import FileChangedError

from .conftest import chat
from .tui_helpers import screen_text, settle


def entries(n: int) -> list[dict]:
    return [chat(("user", f"question {k}"), ("assistant", f"answer {k}")) for k in range(n)]


def lines(path) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def notes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


async def test_a_deleted_file_is_said_gone_and_saved_back_with_our_changes(write):
    from rolethread_tui.tui.app import create_app

    path = write(entries(3), "del.jsonl")
    app = create_app(path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "a")  # accept entry 2
        path.unlink()  # deleted while open
        await pilot.press("s")
        await settle(app, pilot)
        text = screen_text(app)
        assert "del.jsonl is gone from disk" in text and "changed on disk" not in text
        assert "save it back" in text and "re-apply" not in text
        await pilot.press("w")
        await settle(app, pilot)
        assert not app.session.dirty
        assert not any("Errno" in n for n in notes(app))
    result = lines(path)
    assert len(result) == 3 and result[1]["_review"]["status"] == "accepted"
    assert "_review" not in result[0]


async def test_a_copy_of_a_deleted_file_names_no_merge_with_the_missing_file(write):
    from rolethread_tui.tui.app import create_app

    path = write(entries(2), "del.jsonl")
    app = create_app(path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        path.unlink()
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        said = " ".join(notes(app))
        assert "Saved a copy to" in said and "is gone from disk" in said
        assert "merge" not in said and "Errno" not in said
    assert not path.exists()


def test_reapply_onto_a_deleted_file_says_gone_without_errno_text(write):
    path = write(entries(2))
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(0, "accepted")
    path.unlink()
    with pytest.raises(FileChangedError, match="is gone from disk"):
        s.save()
    with pytest.raises(FileChangedError, match="gone from disk") as caught:
        s.reload_and_reapply()
    assert "Errno" not in str(caught.value) and s.dirty
    assert s.write_back() == path and not s.dirty
    s.close()
    assert lines(path)[0]["_review"]["status"] == "accepted"


async def test_save_and_quit_quits_once_the_reapplied_save_lands(write):
    from rolethread_tui.tui.app import create_app

    path = write(entries(3))
    app = create_app(path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "x")  # reject entry 2
        with path.open("a") as f:  # another program appends while the file is open
            f.write(json.dumps(chat(("user", "appended"))) + "\n")
        await pilot.press("q")
        await settle(app, pilot)
        await pilot.press("s")  # save and quit: the file changed on disk
        await settle(app, pilot)
        assert "reload and re-apply" in screen_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.pause()
        assert not app.is_running
    result = lines(path)
    assert len(result) == 4 and result[1]["_review"]["status"] == "rejected"
