"""Run the real app headlessly on a file, make edits with keys, then wait to be killed.

Used by tests/test_crash_recovery.py as a child process::

    python tests/drivers/crash_app.py DATA EXPECTED

It presses keys in the list screen (accept, reject, flag, note, mark
refined, accept-then-undo), writes what this session would save to EXPECTED
(a copy: the data file and the journal are not touched), prints ``READY
<steps>`` and waits. The test then kills it (SIGKILL: nothing runs; SIGTERM
or SIGHUP: the app's handlers end it) and checks what is left on disk. When
the app ends by itself, it prints ``EXITED <return code>``.

Time is frozen (`_review.at`) so the test can rebuild the expected bytes
with a plain `Session` doing the same operations.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

FROZEN_AT = "2026-01-02T03:04:05Z"
NOTE = "too polite"
KEYS: list[str] = ["a", "x", "1", "n", *NOTE, "enter", "j", "h", "j", "a", "u", "w"]


def freeze_time() -> None:
    from rolethread_tui.domain import review

    review.now_stamp = lambda: FROZEN_AT


async def main(data: Path, expected: Path) -> int:
    freeze_time()
    from rolethread_tui.tui.app import create_app

    app = create_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.wait()
        await pilot.pause()
        await app.workers.wait_for_complete()
        for key in KEYS:
            await pilot.press(key)
        await pilot.pause()
        app.session.save(expected)  # what this session would save (not over the data file)
        print("READY", len(app.session.history.labels()), flush=True)
        while app.is_running:
            await asyncio.sleep(0.02)
    print("EXITED", app.return_code, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]))))
