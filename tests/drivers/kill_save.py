"""Open a file for review, change one entry, save, and die by SIGKILL part-way through the save.

Used by tests/test_safety_kill.py as a child process::

    python tests/drivers/kill_save.py DATA WHEN

WHEN is `mid-write` (the temp file has the new bytes, nothing is renamed
yet) or `after-rename` (the new file is in place, the journal has not yet
recorded the save). The process kills itself with SIGKILL at that point, so
nothing runs after it: no finally, no atexit, no journal close.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def main(data: Path, when: str) -> None:
    from rolethread_tui.domain import session as session_mod
    from rolethread_tui.domain.opening import open_for_review

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    if when == "mid-write":
        real_pieces = session_mod.pieces

        def pieces_then_die(*args, **kwargs):
            yield from real_pieces(*args, **kwargs)
            die()

        session_mod.pieces = pieces_then_die
    else:
        real_replace = os.replace

        def replace_then_die(src, dst, *args, **kwargs):
            real_replace(src, dst, *args, **kwargs)
            if Path(dst) == data.resolve():
                die()

        os.replace = replace_then_die
    opened = open_for_review(data, reviewer="killed")
    opened.session.wait()
    opened.session.set_status(0, "accepted")
    print("SAVING", flush=True)
    opened.session.save()
    print("NOT KILLED", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), sys.argv[2])
