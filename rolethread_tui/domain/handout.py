"""Lines handed out in file order to whichever process is free.

The scan (`scan_schedule.ScanSchedule`) and `stats --where` on a cold file
(`where_first`) share a file's lines with the helper process the same way: the
helper is sent a run of lines (one request outstanding, as its pipes allow),
this side computes a piece at a time and looks at the helper's pipe between
pieces, answering it with the next request at once; a helper that fails has its
lines computed here. What differs is kept by each: how many lines the next
request takes, what is asked and how the answers are filed. docs/architecture.md,
"Document, engine, facade" (the scan) and "stats --where on a cold file".
"""

from __future__ import annotations

import pickle
from operator import itemgetter
from typing import Any, Generic, TypeVar

from .scan import Helper

#: What a side's lines come back as (the scan's columns, `where_first.Found`).
Answer = TypeVar("Answer")
#: What a broken answer raises: a dead pipe, a cut message, one that does not unpack.
_BROKEN = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError)
#: The sort key of a (first line, answer) part: both schedules put their parts,
#: from either side, back in file order by it.
first_line = itemgetter(0)


class Handout(Generic[Answer]):
    """The exchange with the helper; subclasses say what to ask (`_request`), how
    an answer reads (`_answer`), how lines are computed here (`_alone`), where
    results go (`_add`) and when to ask again (`_feed`)."""

    def __init__(self, helper: Helper) -> None:
        self.helper = helper
        self.next = 0  # the first line not handed out
        self.out: tuple[int, int] | None = None  # the lines the helper is computing

    def _send(self, first: int, stop: int) -> bool:
        """Ask the helper for lines ``first`` to ``stop``; False (the helper closed)
        when the pipe is gone, and the lines stay to be handed out."""
        try:
            with self.helper.lock:
                self.helper.send(self._request(first, stop))
        except OSError:
            self.helper.close()
            return False
        self.next, self.out = stop, (first, stop)
        return True

    def _collect(self, wait: bool) -> None:
        """Take the helper's answer when it has come (or wait for it), file it and
        send the next request; a helper that fails has its lines computed here and
        is never asked again (its unread answer cannot reach a later request)."""
        if self.out is None:
            return
        first, stop = self.out
        try:
            with self.helper.lock:
                if not (wait or self.helper.answered()):
                    return
                self.out = None
                answer = self._answer(self.helper.receive())
        except _BROKEN:
            self.out = None
            self.helper.close()
            answer = self._alone(first, stop)
        self._add(first, stop, answer)
        self._feed()

    # -- what each schedule says ---------------------------------------------------
    def _request(self, first: int, stop: int) -> object:
        raise NotImplementedError

    def _answer(self, received: Any) -> Answer:
        raise NotImplementedError

    def _alone(self, first: int, stop: int) -> Answer:
        raise NotImplementedError

    def _add(self, first: int, stop: int, answer: Answer) -> None:
        raise NotImplementedError

    def _feed(self) -> None:
        raise NotImplementedError
