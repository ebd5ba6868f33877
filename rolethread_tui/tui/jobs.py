"""Long domain jobs shared by screens: one near-duplicate search per session at a time.

The search takes seconds to tens of seconds and cannot be interrupted, so it runs
in a daemon thread: a Textual thread worker runs in the event loop's executor,
whose threads the interpreter joins at exit, so quitting would wait for it.
Workers (`D` on the list, the insights screen) only wait on the shared future and
stop waiting when cancelled; the result is reused until the session changes
(the engine also caches it per document version).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

T = TypeVar("T")


class DuplicateJobs:
    """One duplicate scan per session at a time, its result reused until the session changes.

    The scan is slow (seconds to tens of seconds) and cannot be interrupted, so
    it runs in a daemon thread: a Textual thread worker is joined when the app
    exits, and closing the screen must not start a second scan when it opens
    again. Workers only wait on the shared future, and stop waiting when cancelled.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: weakref.WeakKeyDictionary[Any, _DuplicateJob] = weakref.WeakKeyDictionary()

    def future(self, session: Any) -> Future[Any]:
        with self._lock:
            job = self._jobs.get(session)
            if job is None:
                job = self._jobs[session] = _DuplicateJob()
                session.subscribe(job.changed)
            if job.current is None or job.stale:
                job.start(session.find_duplicates)
            assert job.current is not None
            return job.current


class _DuplicateJob:
    def __init__(self) -> None:
        self.current: Future[Any] | None = None
        self.stale = False

    def changed(self, event: Any) -> None:
        if event.kind == "change":
            self.stale = True

    def start(self, find: Callable[[], Any]) -> None:
        future: Future[Any] = Future()
        self.current, self.stale = future, False

        def run() -> None:
            try:
                future.set_result(find())
            except BaseException as exc:  # handed to whoever waits
                future.set_exception(exc)

        threading.Thread(target=run, name="rolethread-duplicates", daemon=True).start()


DUPLICATE_JOBS = DuplicateJobs()


def wait_for(future: Future[T], cancelled: Callable[[], bool], poll: float = 0.1) -> T | None:
    """The future's result, or None as soon as ``cancelled()`` (the work goes on)."""
    while True:
        try:
            return future.result(timeout=poll)
        except FutureTimeout:
            if cancelled():
                return None
