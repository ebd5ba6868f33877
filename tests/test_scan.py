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
    with Session.open(path, parallel=True) as fast, \
            Session.open(path, parallel=False, claim_lock=False) as slow:  # a 2nd view
        fast.wait()
        slow.wait()
        assert len(fast) == len(slow) == len(lines)
        assert [fast.row(i) for i in range(len(fast))] == [slow.row(i) for i in range(len(slow))]
        assert fast.counts() == slow.counts()
    assert answered, "the helper process was not used"


def test_searches_split_with_the_helper_give_the_same_matches(write, monkeypatch):
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    lines = [json.dumps(clean_entry(i)) if i % 5 else json.dumps(
        chat(("user", f"dragon {i}"), ("assistant", "It sleeps under the lighthouse.")))
        for i in range(2500)]
    path = write(["\ufeff" + lines[0], *lines[1:], "{broken dragon"])
    queries = ["dragon", '"the lighthouse"', "-dragon lighthouse", "~dragon sleeps",
               "dragon status:accepted", "in:user dragon"]
    with Session.open(path, parallel=True) as fast, \
            Session.open(path, parallel=False, claim_lock=False) as slow:  # a 2nd view
        for s in (fast, slow):
            s.wait()
            s.set_status(10, "accepted")
            s.edit_message(11, 1, "a dragon in an edited line")
            s.delete_entries([3])
        assert fast.engine._search_helper() is not None
        for query in queries:
            assert fast.search(query) == slow.search(query), query
        assert fast.search("dragon")[:3] == [0, 4, 9]
