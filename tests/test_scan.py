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


def test_validate_ids_split_with_the_helper_are_the_ids_one_process_gives(write, monkeypatch):
    """`validate` reads half of its entries' ids in the helper process the scan kept:
    ids held in the line (plain, escaped, RoleThread Lite's uuid), hashed lines, edited
    and added entries, a BOM on the first line — the same ids as one process."""
    from rolethread_tui.domain import entry_ids

    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(entry_ids, "HELPER_IDS", 10)
    asked = []
    send = scan.Helper.send
    monkeypatch.setattr(scan.Helper, "send",
                        lambda self, req: asked.append(req[0]) or send(self, req))
    lines = []
    for i in range(2500):
        entry = chat(("user", f"q{i}"), ("assistant", "  padded  "))  # edge-whitespace
        if i % 3 == 1:
            entry["id"] = f"own-{i}"
        elif i % 3 == 2 and i % 2:
            entry["_rolethread"] = {"entry_uuid": i}
        text = json.dumps(entry)
        lines.append(text.replace('"id"', '"\\u0069d"') if i % 11 == 1 else text)
    path = write(["\ufeff" + lines[0], *lines[1:], "{broken"])
    with Session.open(path, parallel=True) as fast, \
            Session.open(path, parallel=False, claim_lock=False) as slow:  # a 2nd view
        for s in (fast, slow):
            s.wait()
            s.edit_message(2000, 1, "edited, still padded  ")
            s.set_status(2300, "accepted")
            s.delete_entries([5])
        found = fast.validate()
        assert "ids" in asked, "the helper process was not asked"
        assert found == slow.validate()
    ids = {f.entry: f.id for f in found}
    assert ids[1] == "own-1" and ids[6] == "own-7"  # entry 5 deleted
    assert ids[2211] == "own-2212"  # `"\u0069d"`, in the helper's half
    assert len({ids[0], ids[2], ids[3]}) == 3  # hashed lines


def test_a_helper_failing_midway_leaves_its_lines_computed_here(write, monkeypatch):
    """The scan hands lines to whichever process is free (`scan_schedule`); when the
    helper fails on an answer, the lines it had are computed by the scan thread:
    the same rows, none lost or doubled, and the scan goes on without it."""
    from rolethread_tui.domain import scan_schedule, store

    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(store, "CHUNK", 64 << 10)  # many chunks,
    monkeypatch.setattr(scan_schedule, "REQUEST", 300)  # many requests
    monkeypatch.setattr(scan_schedule, "SHARE_MIN", 50)
    receive, answers = scan.Helper.receive, []

    def fails_on_the_third(self):
        answers.append(1)
        if len(answers) == 3:
            raise OSError("the helper died")
        return receive(self)

    monkeypatch.setattr(scan.Helper, "receive", fails_on_the_third)
    collect = scan_schedule.ScanSchedule._collect  # each answer taken before going on:
    monkeypatch.setattr(scan_schedule.ScanSchedule, "_collect",  # as many as asked, always
                        lambda self, wait: collect(self, True))
    lines = [json.dumps(clean_entry(i)) if i % 9 else json.dumps(
        chat(("user", f"q{i}"), ("assistant", "As an AI, I cannot help with that.")))
        for i in range(3000)]
    path = write(lines)
    with Session.open(path, parallel=True) as fast, \
            Session.open(path, parallel=False, claim_lock=False) as slow:
        fast.wait()
        slow.wait()
        assert len(answers) == 3  # the third failed, and no request was sent after it
        assert [fast.row(i) for i in range(len(fast))] == [slow.row(i) for i in range(len(slow))]
        assert fast.counts() == slow.counts()


def test_closing_midway_does_not_wait_for_an_answer_nobody_reads(write, monkeypatch):
    """The helper nearly always has lines out while the scan runs; closing then must
    not wait for its answer (~0.25 MB into a 64 KB pipe nobody reads: the helper
    blocked, and closing waited out its 2 s before killing it)."""
    import time

    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scan.Helper, "answered", lambda self: False)  # collected at the end
    lines = [json.dumps(clean_entry(i)) for i in range(20000)]
    s = Session.open(write(lines), parallel=True)
    try:
        while len(s) == 0:  # the first rows: the helper has its lines by now
            s.engine.ensure(0)
    finally:
        began = time.perf_counter()
        s.close()
    assert time.perf_counter() - began < 1.5


def test_long_records_keep_the_scans_memory_to_a_few_chunks(write, monkeypatch):
    """Requests are counted in lines *and* bytes: with records of ~40 KB, asking for
    4,000 lines opened chunk after chunk — the whole file held here at once, and read
    at once by the helper (review: 155 MB held for a 110 MB file)."""
    from rolethread_tui.domain import scan_schedule, store

    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(store, "CHUNK", 256 << 10)  # ~6 records a chunk
    monkeypatch.setattr(scan_schedule, "REQUEST_BYTES", 1 << 20)
    collect = scan_schedule.ScanSchedule._collect
    monkeypatch.setattr(scan_schedule.ScanSchedule, "_collect",
                        lambda self, wait: collect(self, True))  # every answer taken
    held, asked = [], []
    open_next = scan_schedule.ScanSchedule._open_next

    def noted(self):  # type: ignore[no-untyped-def]
        held.append(len(self.open))
        return open_next(self)

    send = scan.Helper.send

    def sent(self, request):  # type: ignore[no-untyped-def]
        if request[0] == "rows":
            asked.append(request[2][-1][1])  # the bytes of file the request spans
        return send(self, request)

    monkeypatch.setattr(scan_schedule.ScanSchedule, "_open_next", noted)
    monkeypatch.setattr(scan.Helper, "send", sent)
    long_reply = "A long reply. " * 3000  # ~42 KB a record
    lines = [json.dumps(chat(("user", f"q{i}"), ("assistant", long_reply)))
             for i in range(200)]  # ~8 MB: ~32 chunks
    path = write(lines)
    with Session.open(path, parallel=True) as fast, \
            Session.open(path, parallel=False, claim_lock=False) as slow:
        fast.wait()
        slow.wait()
        assert [fast.row(i) for i in range(len(fast))] == [slow.row(i) for i in range(len(slow))]
    assert len(asked) >= 2 and max(asked) <= 1 << 20
    assert max(held) <= scan_schedule.OPEN_MAX
