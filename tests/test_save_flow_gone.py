"""The save question when the file is gone from disk, and "save and quit" through a
re-apply (QA): docs/safety.md "A file that changed on disk: reload and re-apply"."""

from __future__ import annotations

import json

from .conftest import chat
from .tui_helpers import screen_text, settle


def entries(n: int) -> list[dict]:
    return [chat(("user", f"question {k}"), ("assistant", f"answer {k}")) for k in range(n)]


def lines(path) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


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
