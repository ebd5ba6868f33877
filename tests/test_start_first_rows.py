"""The app's start (issue #18): the helper computes the first chunk, with the very rows
the one-process scan gives, and the file is opened before Textual loads."""

from __future__ import annotations

import json
import threading
import time

from rolethread_tui import Session
from rolethread_tui.domain import SessionEvent, scan
from rolethread_tui.tui.start import FirstRows, begin_review

from .conftest import chat, clean_entry


def _lines() -> list[str]:
    lines = ["\ufeff" + json.dumps(clean_entry(0)), "{broken"]
    for i in range(1, 2500):  # more than the first chunk
        lines.append(json.dumps(clean_entry(i)) if i % 7 else json.dumps(
            chat(("user", f"q{i}"), ("Narrator", "  as an AI I cannot  "))))
    return lines


def test_first_chunk_from_the_helper_gives_the_same_rows(write, monkeypatch):
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    asked = []
    send = scan.Helper.send
    monkeypatch.setattr(scan.Helper, "send", lambda self, r: asked.append(r) or send(self, r))
    path = write(_lines())
    with Session.open(path, helper_first=True) as first, \
            Session.open(path, parallel=False, claim_lock=False) as alone:
        first.wait()
        alone.wait()
        assert len(first) == len(alone) == 2501
        assert [first.row(i) for i in range(len(first))] == \
            [alone.row(i) for i in range(len(alone))]
        assert first.counts() == alone.counts()
    kind, base, spans = asked[0]
    assert (kind, base, spans[0][0]) == ("rows", 3, 0)  # the whole first chunk, after the BOM


def test_a_dead_helper_leaves_the_first_rows_to_this_process(write, monkeypatch):
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)

    def fail(self, request):
        raise OSError("helper gone")

    monkeypatch.setattr(scan.Helper, "send", fail)
    path = write(_lines())
    with Session.open(path, helper_first=True) as first, \
            Session.open(path, parallel=False, claim_lock=False) as alone:
        first.wait()
        alone.wait()
        assert [first.row(i) for i in range(len(first))] == \
            [alone.row(i) for i in range(len(alone))]


def test_the_scan_waits_at_its_first_rows_until_they_are_drawn():
    first_rows = FirstRows()
    waited = threading.Event()

    def scan_thread() -> None:
        first_rows.hold(SessionEvent("change"))  # not a scan event: no wait
        first_rows.hold(SessionEvent("scan"))
        waited.set()

    thread = threading.Thread(target=scan_thread)
    thread.start()
    time.sleep(0.05)
    assert not waited.is_set()
    first_rows.drawn()
    thread.join(1)
    assert waited.is_set()
    start = time.perf_counter()
    first_rows.hold(SessionEvent("scan"))  # drawn: never waits again
    assert time.perf_counter() - start < 0.05


def test_begin_review_opens_the_session_for_the_app(write, tmp_path, monkeypatch):
    monkeypatch.setenv("ROLETHREAD_STATE", str(tmp_path / "state.json"))
    from rolethread_tui.domain import Config

    path = write([json.dumps(clean_entry(i)) for i in range(3)])
    begun = begin_review(path, Config())
    try:
        assert begun.open_args["helper_first"] and begun.open_args["validation"] is None
        session = begun.start.session
        begun.first_rows.drawn()
        session.wait()
        assert len(session) == 3
    finally:
        begun.abandon()
    again = begin_review(path, Config())  # the lock was released: writable again
    try:
        assert again.start.readonly_reason is None
    finally:
        again.abandon()


def test_an_abandoned_start_ends_the_scans_hold(write, tmp_path, monkeypatch):
    """No app after all (Textual failed to import, the app failed to build): the scan,
    held at its first rows for a frame that will never come, goes on at once, so
    closing the session does not wait out `FIRST_FRAME_HOLD`."""
    monkeypatch.setenv("ROLETHREAD_STATE", str(tmp_path / "state.json"))
    from rolethread_tui.domain import Config
    from rolethread_tui.tui import start

    monkeypatch.setattr(start, "FIRST_FRAME_HOLD", 30.0)
    path = write(_lines())
    begun = begin_review(path, Config())
    assert not begun.start.session.wait(0.5)  # held after its first rows
    began = time.perf_counter()
    begun.abandon()
    assert time.perf_counter() - began < 3  # not the 5 s closing waits for the scan


def test_the_helper_has_most_of_the_next_chunk_before_the_first_rows_show(write, monkeypatch):
    """The app holds the scan at its first rows until its first frame, and this process
    then compiles its checks: the helper is given most of the next chunk before that,
    instead of idling through both (docs/architecture.md, "Start-up")."""
    from rolethread_tui.domain.store import LineStore

    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    order: list[tuple[str, int]] = []
    send, publish = scan.Helper.send, LineStore.publish

    def sent(self, request):  # type: ignore[no-untyped-def]
        if request[0] == "rows":
            order.append(("helper", len(request[2])))
        return send(self, request)

    def published(self, count):  # type: ignore[no-untyped-def]
        order.append(("shown", count))
        return publish(self, count)

    monkeypatch.setattr(scan.Helper, "send", sent)
    monkeypatch.setattr(LineStore, "publish", published)
    path = write(_lines() * 2)  # a first chunk and a second one
    with Session.open(path, helper_first=True) as session:
        session.wait()
        total = len(session)
    (_, first), (_, theirs) = order[:2]
    assert order[2] == ("shown", first)  # the first rows show after the second request
    assert theirs >= 0.75 * (total - first)  # ... which is most of the second chunk
