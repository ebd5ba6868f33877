"""The two-process scan gives exactly the rows the one-process scan gives."""

from __future__ import annotations

import json

from rolethread_tui import Session
from rolethread_tui.domain import scan

from .conftest import chat, clean_entry


def test_helper_process_rows_equal_thread_rows(write, monkeypatch):
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    answered = []
    receive = scan.Helper.receive
    monkeypatch.setattr(scan.Helper, "receive", lambda self: answered.append(1) or receive(self))
    lines = []
    for i in range(2500):  # more than the first chunk: the helper joins from the second
        lines.append(json.dumps(clean_entry(i)) if i % 7 else json.dumps(
            chat(("user", f"q{i}"), ("Narrator", "  as an AI I cannot  "))))
        if i % 50 == 0:
            lines.append("{broken")
    path = write(lines)
    with Session.open(path, parallel=True) as fast, Session.open(path, parallel=False) as slow:
        fast.wait()
        slow.wait()
        assert len(fast) == len(slow) == len(lines)
        assert [fast.row(i) for i in range(len(fast))] == [slow.row(i) for i in range(len(slow))]
        assert fast.counts() == slow.counts()
    assert answered, "the helper process was not used"
