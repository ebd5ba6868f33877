"""An entry's stable id read without a parse is the id a parse gives (`Document.entry_id`).

`validate` and `export` ask for the id of many entries; an unedited line that
cannot hold an ``id`` / ``entry_uuid`` key is hashed directly. Keys may be
escaped in JSON (``"\\u0069d"`` is ``"id"``), so the test writes them every way.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolethread_tui import Session
from rolethread_tui.domain import review as rv
from rolethread_tui.domain.line_repeats import nth_id
from rolethread_tui.domain.records import parse_line

ID_KEYS = st.sampled_from(["id", "ID", "uid", "entry_uuid", "Id"])
VALUES = st.one_of(st.text(max_size=6), st.integers(-5, 10**12), st.booleans(), st.none())


def _escape_some(line: str, data: st.DataObject) -> str:
    """Write some ASCII letters of the line's keys as \\u00XX escapes."""
    if not data.draw(st.booleans()):
        return line
    out = []
    for ch in line:
        if ch.isascii() and ch.isalpha() and data.draw(st.booleans()):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


@st.composite
def records(draw: st.DrawFn) -> str:
    record: dict = {"messages": [{"role": "user", "content": draw(st.text(max_size=8))}]}
    for key in draw(st.lists(ID_KEYS, max_size=2, unique=True)):
        record[key] = draw(VALUES)
    if draw(st.booleans()):
        record["_review"] = {"id": draw(VALUES)} if draw(st.booleans()) else {"status": "x"}
    if draw(st.booleans()):
        record["_rolethread"] = {"entry_uuid": draw(VALUES)}
    return json.dumps(record, ensure_ascii=draw(st.booleans()),
                      separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(lines=st.lists(records(), min_size=1, max_size=6), data=st.data())
def test_the_id_without_a_parse_is_the_id_a_parse_gives(tmp_path: Path, lines, data):
    written = [_escape_some(line, data) for line in lines]
    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join(written) + "\n", encoding="utf-8")
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        copies: Counter[bytes] = Counter()
        for i, line in enumerate(written):
            raw = line.encode()
            parsed = rv.entry_id(parse_line(raw), raw)
            if parsed == rv.line_id(raw):  # the k-th identical line: `<hash>-<k>`
                copies[raw] += 1
                parsed = nth_id(parsed, copies[raw])
            assert s.entry_id(i) == parsed, line


def test_a_line_without_an_id_key_is_hashed_and_one_with_is_read(tmp_path: Path):
    plain = b'{"messages":[{"role":"user","content":"hi"}]}'
    named = b'{"id":"abc","messages":[{"role":"user","content":"hi"}]}'
    escaped = b'{"\\u0069d":"abc","messages":[]}'
    path = tmp_path / "ids.jsonl"
    path.write_bytes(b"\n".join([plain, named, escaped]) + b"\n")
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        assert [s.entry_id(i) for i in range(3)] == [rv.line_id(plain), "abc", "abc"]
        s.set_status(0, "accepted")  # a review stamps an id: read from the entry now
        assert s.entry_id(0) == rv.review_of(s.entry(0))["id"]
