"""Opening the file for the app, before Textual is loaded (issue #18).

`rolethread-tui FILE` opens the file — lock, journal check, the scan and its
helper process started — here, and only then imports the app (Textual, ~0.3 s):
the helper compiles the checks and computes the first rows on the other core
meanwhile (`Session(helper_first=True)`), and a reopened file's first rows are
read back from the scan cache. Until the list has drawn its first rows the scan
waits at them (`FirstRows`), so it does not take the interpreter from the UI
thread while Textual builds that frame. docs/architecture.md, "Start-up".

No Textual here: the CLI imports this module before the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain import Config, Opened, Opening, SessionEvent, begin, close, effective_reviewer

#: Seconds the scan may wait, after its first rows, for the first frame to draw them.
FIRST_FRAME_HOLD = 1.0


class FirstRows:
    """Set once the list has drawn its first rows; until then the scan, at its
    first published rows, waits for that (at most FIRST_FRAME_HOLD), then goes on
    at full speed."""

    def __init__(self) -> None:
        self._drawn = threading.Event()

    def hold(self, event: SessionEvent) -> None:
        """A session listener: called in the scan thread when rows are published."""
        if event.kind == "scan" and not self._drawn.is_set():
            self._drawn.wait(FIRST_FRAME_HOLD)
            self._drawn.set()

    def drawn(self) -> None:
        self._drawn.set()


@dataclass
class Begun:
    """A file opened for the app: the session (or the recovery question to ask
    first), how it was opened (to open it again), and the scan's hold, listening
    until the app takes over (`release`)."""

    start: Opened | Opening
    open_args: dict[str, Any]
    first_rows: FirstRows = field(default_factory=FirstRows)
    _unhold: Callable[[], None] | None = None

    def release(self) -> None:
        """Stop the hold's listening (the app listens from now on); once only."""
        unhold, self._unhold = self._unhold, None
        if unhold is not None:
            unhold()

    def abandon(self) -> None:
        """No app after all: close the session (or leave the question unasked) and
        release the lock, the journal kept. The scan's hold ends too: no frame will
        draw its first rows, and closing waits for the scan thread."""
        self.release()
        self.first_rows.drawn()
        if isinstance(self.start, Opening):
            self.start.abandon()
        else:
            close(self.start)


def begin_review(path: str | Path, config: Config, output: str | Path | None = None,
                 **session_options: Any) -> Begun:
    """Take the lock and open the file for the app; a leftover journal's question
    is left for the app to ask (nothing opens until it is answered)."""
    # default checks: None, so that opening builds no settings model (pydantic) on the
    # way to the first frame; the checks are the same
    validation = None if config.default_validation else config.validation
    options: dict[str, Any] = {"validation": validation, "helper_first": True,
                               **session_options}
    reviewer = effective_reviewer(config)
    first_rows = FirstRows()
    # heard from the scan's first event on: subscribed later, a scan quicker than
    # the journal's creation (fsync) published its rows unheld
    opening = begin(path, reviewer=reviewer, output=output, listener=first_rows.hold,
                    **options)
    open_args = {"reviewer": reviewer, "output": output, **options}
    if opening.question is not None:
        return Begun(opening, open_args, first_rows)
    begun = Begun(opening.finish(None), open_args, first_rows)
    assert isinstance(begun.start, Opened)
    session = begun.start.session
    begun._unhold = lambda: session.unsubscribe(first_rows.hold)
    return begun
