"""The background scan's second core: summary rows computed in a helper process.

Parsing and checking every entry is CPU-bound Python, so a thread cannot use
the second core. For large files the scan sends lines to one helper process
whenever it is free and computes the rest itself (`scan_schedule`); rows come
back in order. The helper is
a plain `python -m rolethread_tui.domain.scan` child
talking pickles over its stdin/stdout: unlike multiprocessing it never forks
a threaded UI and never re-imports the caller's `__main__` (a notebook, stdin).
Small files are not worth the start-up and are scanned in the thread alone.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import IO, Any, Final, TypeVar

from .gc_pause import gc_paused
from .records import parse_line
from .summary import Columns, pack_columns, rows_as_columns

PARALLEL_MIN_BYTES = 48 << 20
#: The folder holding the `rolethread_tui` package this module belongs to.
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_HEADER = struct.Struct("<Q")

#: (entry, file start, file end, valid): a line the helper reads itself.
Span = tuple[int, int, int, bool]
#: (entry, line, valid): a line sent as bytes (edited since it was loaded).
Given = tuple[int, bytes, bool]


def _send(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError("helper process closed its pipe")
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("helper process closed its pipe")
    return pickle.loads(data)


class Helper:
    """One helper process, or nothing when the file is small or workers are off.

    Requests are answered in order, so one outstanding request at a time is
    all the scan needs: it computes its own half while the helper does the other.
    """

    def __init__(self, size: int, validation: dict[str, Any] | None, enabled: bool,
                 fd: int = -1, min_bytes: int | None = None, rows: bool = True) -> None:
        """`fd`: the session's open file, inherited by the helper so it can read
        lines itself — the very bytes the session loaded, even after a save.
        Files under `min_bytes` (default PARALLEL_MIN_BYTES) are not worth
        the helper's start-up. Without `rows` (the slop lens) the helper does
        not prepare the scan's checks at start-up."""
        self._proc: subprocess.Popen[bytes] | None = None
        # One request/answer at a time on the pipes; close() takes it too, so a
        # session closing never pulls the pipes from under an exchange.
        self.lock = threading.RLock()
        floor = PARALLEL_MIN_BYTES if min_bytes is None else min_bytes
        if enabled and size >= floor and (os.cpu_count() or 1) > 1:
            self._start(validation, fd, rows)

    def _start(self, validation: dict[str, Any] | None, fd: int, rows: bool) -> None:
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "rolethread_tui.domain.scan"],
                # `-m` looks in the working directory first: from the folder this
                # package came from, the helper runs this very code, never another
                # checkout beside the user (whose answers it would not understand)
                cwd=_PACKAGE_ROOT,
                pass_fds=(fd,) if fd >= 0 else (),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )
            _send(self._proc.stdin,  # type: ignore[arg-type]
                  {"validation": validation, "fd": fd, "rows": rows})
        except OSError:
            self._proc = None

    @property
    def active(self) -> bool:
        return self._proc is not None

    def send(self, request: object) -> None:
        _send(self._pipes().stdin, request)  # type: ignore[arg-type]

    def receive(self) -> Any:
        return _receive(self._pipes().stdout)  # type: ignore[arg-type]

    def answered(self) -> bool:
        """Whether the answer to the request sent has begun to arrive (`receive` will
        not wait for the helper's work). One request at a time is ever outstanding,
        and each answer is read whole, so nothing is left in the pipe's buffer."""
        ready, _, _ = select.select([self._pipes().stdout], [], [], 0)
        return bool(ready)

    def _pipes(self) -> subprocess.Popen[bytes]:
        """The running process; a closed helper fails like a dead one (OSError)."""
        if self._proc is None:
            raise OSError("the helper process is closed")
        return self._proc

    def close(self) -> None:
        with self.lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # type: ignore[union-attr]
            # an answer nobody will read (the scan closing midway): the helper's
            # write fails and it exits, instead of blocking on a full pipe
            proc.stdout.close()  # type: ignore[union-attr]
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
        finally:
            proc.stdout.close()  # type: ignore[union-attr]


T = TypeVar("T")
_FAILED: Final = object()


class Pace:
    """This process's share of a job split with the helper, moved after each split
    toward both sides finishing together: the other workers of a shared machine, or
    this side's own extra work, can make either side the slower one. A search's
    lines follow one (`search_split`); the scan hands its lines to whichever side
    is free instead (`scan_schedule`)."""

    LOW, HIGH = 0.2, 0.8

    def __init__(self, share: float) -> None:
        self.share = share

    def split(self, n: int) -> int:
        """How many of `n` items (n ≥ 2) this side takes: at least one each."""
        return min(max(int(n * self.share), 1), n - 1)

    def update(self, mine: int, theirs: int, my_seconds: float, their_seconds: float) -> None:
        """After a split: each side's items and the seconds they took."""
        if my_seconds > 0 and their_seconds > 0:
            ours, others = mine / my_seconds, theirs / their_seconds
            self.follow(ours / (ours + others))

    def follow(self, share: float) -> None:
        """Halfway to `share`, within LOW..HIGH."""
        self.share = min(max((self.share + share) / 2, self.LOW), self.HIGH)


def share(helper: Helper | None, request: Callable[[], object], here: Callable[[], T],
          alone: Callable[[], Any]) -> tuple[T, Any, bool]:
    """Split one piece of work with the helper process: the one split-and-fallback.

    The helper is asked ``request()`` while this process computes ``here()``;
    returns ``(here(), the helper's answer, True)``. Without a helper, or when
    it fails at any point (it is then closed, so its unread answer can never
    reach the next request), the helper's share is computed here by
    ``alone()`` and the result is ``(here(), alone(), False)``.
    """
    if helper is None or not helper.active:
        return here(), alone(), False
    with helper.lock:  # one request/answer at a time on the pipes
        asked = _exchange(helper, lambda: helper.send(request()))
        try:
            mine = here()
        except BaseException:
            helper.close()
            raise
        answer = _FAILED if asked is _FAILED else _exchange(helper, helper.receive)
    if answer is _FAILED:
        return mine, alone(), False
    return mine, answer, True


def _exchange(helper: Helper, step: Callable[[], Any]) -> Any:
    """One step of talking to the helper; on failure it is closed and _FAILED returned."""
    try:
        return step()
    except (OSError, EOFError, pickle.UnpicklingError):
        helper.close()
        return _FAILED


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The helper's loop: settings first, then requests answered in order.

    Lines are read from the session's file (its inherited descriptor) as file
    spans; only edited lines travel as bytes. Requests:

    - ("rows", file offset, spans relative to it) → (their summary rows as
      `summary.pack_columns` packs them — a third of the pickling of row tuples,
      on both sides of the pipe —, the seconds they took);
    - ("match", query, spans, lines) → (index, score) of those matching the query;
    - ("where-match", query, first entry, starts, ends) → (matches, the summary rows
      of the matches and odd lines, all plain), for `stats --where` without the
      scan (`where_first`);
    - ("ids", starts, ends) → `review.loaded_id` of the lines at those file ranges
      (`validate`'s entry ids, `entry_ids.entry_ids`);
    - ("fingerprint", keep, stop, spans, lines) → (entries in order, their
      `dedupe_batch.Prints`) for a duplicate finder's ``job_stop``;
    - ("bands", signatures, lengths, active, start, stop, threshold) → each
      band's candidate pairs (`dedupe_bands.walk_bands`);
    - ("slop-rates",) → the human rate of each stock word (`slop.baseline`), the
      lens's modules and lists made ready meanwhile (`slop.helper.prepare`);
    - ("slop-count", lexicon, first, starts, ends) → the slop lens's totals of
      those lines, whose per-entry counts it keeps (asked again and again: the
      shares of `slop.sharing`); ("slop-judge", verdicts) → all the entries it
      counted, scored (`slop.helper`).
    """
    settings = _receive(stdin)
    fd = settings["fd"]
    # Compile the patterns now (~0.15 s), while the scan computes its first chunk
    # alone, instead of after the first request arrives with the helper's share;
    # a helper of the slop lens (no "rows") compiles them only if ever asked.
    compute = _columns(settings["validation"]) if settings.get("rows", True) else None
    slop: Any = None
    while True:
        try:
            kind, *args = _receive(stdin)
        except EOFError:
            return
        if kind == "rows":
            compute = compute or _columns(settings["validation"])
            _send(stdout, _rows(fd, compute, *args))
        elif kind == "match":  # the query language loads only when a search comes
            from .search import parse
            from .search_split import match_spans

            source, spans, lines = args
            _send(stdout, match_spans(parse(source), partial(_read_range, fd), spans, lines))
        elif kind == "where-match":
            from .where_first import answer

            compute = compute or _columns(settings["validation"])
            _send(stdout, answer(kind, fd, compute, args))
        elif kind == "ids":
            _send(stdout, _loaded_ids(fd, *args))
        elif kind == "fingerprint":
            _send(stdout, _fingerprints(fd, *args))
        elif kind == "bands":
            from .dedupe_bands import walk_bands

            _send(stdout, walk_bands(*args))
        elif kind == "slop-rates":
            from .slop.helper import prepare

            _send(stdout, prepare())
        elif kind == "slop-count":
            from .slop.helper import SlopShare

            if slop is None:
                slop = SlopShare(lambda start, end: _read_range(fd, start, end))
            _send(stdout, slop.count(*args))
        elif kind == "slop-judge" and slop is not None:
            _send(stdout, slop.judge(*args))
        else:  # end here: the caller's receive fails and it finishes alone
            raise ValueError(f"unknown helper request {kind!r}")


def _columns(validation: dict[str, Any] | None) -> Callable[..., Any]:
    """The summary rows' computation, its checks compiled."""
    from .validation import make_checker

    checker = make_checker(validation)
    checker(None)
    return Columns(checker).compute


def _fingerprints(fd: int, keep: bool, stop: Any, spans: list[Span],
                  lines: list[Given]) -> tuple[list[int], Any]:
    from .dedupe_batch import fingerprint_batch

    todo = sorted([*_read_spans(fd, spans), *lines], key=_first)
    return [index for index, _, _ in todo], fingerprint_batch([line for _, line, _ in todo],
                                                              keep, stop)


def _loaded_ids(fd: int, starts: list[int], ends: list[int]) -> list[str]:
    from .review import loaded_id
    from .store import read_in_blocks

    return [loaded_id(line) for line in read_in_blocks(
        starts, ends, lambda start, end: _read_range(fd, start, end))]


def _first(item: Given) -> int:
    return item[0]


def _read_spans(fd: int, spans: list[Span]) -> list[Given]:
    """(index, line, valid) for (index, start, end, valid) spans, read as one block."""
    if not spans:
        return []
    base = min(s[1] for s in spans)
    data = _read_range(fd, base, max(s[2] for s in spans))
    return [(i, data[a - base:b - base], valid) for i, a, b, valid in spans]


def _rows(fd: int, compute: Any, base: int, spans: list[tuple[int, int]]
          ) -> tuple[tuple, float]:
    """Summary rows of the lines at ``spans`` (relative to file offset ``base``),
    packed, and the seconds they took (the scan splits the next chunk by them)."""
    start = time.perf_counter()
    view = memoryview(_read_range(fd, base, base + spans[-1][1]))
    packed = pack_columns(rows_as_columns(rows_of(compute, view, spans)))
    return packed, time.perf_counter() - start


def rows_of(compute: Callable[[object], tuple], view: memoryview,
            spans: list[tuple[int, int]]) -> list[tuple]:
    """Summary rows of the lines at ``spans`` of `view`: the scan's per-entry work,
    in either process.

    Lines are sliced from the bytes object under `view` when it spans all of it
    (as the scan's views do): a bytes slice is one copy, where a memoryview
    slice is an object more and then a copy in `parse_line` (~0.5-0.8 µs an
    entry). The cyclic GC is paused meanwhile (`gc_pause`): a parsed line is acyclic
    and freed by its reference count, but the rows kept until the chunk is
    done trigger young collections that walk them again and again.
    """
    whole = view.obj
    data = whole if type(whole) is bytes and len(whole) == view.nbytes else view
    with gc_paused():
        return [compute(parse_line(data[a:b])) for a, b in spans]


def _read_range(fd: int, start: int, end: int) -> bytes:
    parts, offset = [], start
    while offset < end:
        part = os.pread(fd, end - offset, offset)
        if not part:
            break
        parts.append(part)
        offset += len(part)
    return b"".join(parts)


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
