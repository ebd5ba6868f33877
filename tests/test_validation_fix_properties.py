"""Every fix on hostile entries: never raises, keeps provenance (issue 14 items 6-7).

Entries come from another tool or a broken generator: tags and `_review` fields
of any JSON type, content-part lists, odd roles. A fix must either repair what
it claims or leave the record alone — never crash the app or `validate --fix`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolethread_tui.cli.main import main
from rolethread_tui.domain.records import encode_value
from rolethread_tui.domain.session import Session
from rolethread_tui.domain.validation import (
    ALL_FIXES,
    FIXES,
    check_value,
    fix_all,
    fix_finding,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)
TEXT = st.text(alphabet=st.sampled_from(list("ab \t\n\u200b\u202e\u00ad\u2028x*:")), max_size=12)
CONTENT = TEXT | st.none() | st.lists(
    TEXT | st.fixed_dictionaries({"type": st.just("text"), "text": TEXT}) | JSON, max_size=3) \
    | JSON
ROLE = st.sampled_from(["system", "user", "assistant", "System", " USER", "gpt", "GPT", "bot",
                        "human", "Mira", "tool", ""]) | JSON
MESSAGE = st.fixed_dictionaries({"role": ROLE, "content": CONTENT}) | JSON
SHAREGPT_MESSAGE = st.fixed_dictionaries({"from": ROLE, "value": CONTENT})
REVIEW = st.fixed_dictionaries({}, optional={
    "tags": JSON, "original": JSON, "fixes": JSON, "turns": JSON, "origin": JSON,
    "status": JSON}) | JSON
RECORD = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(MESSAGE, max_size=5)},
                          optional={"_review": REVIEW, "tags": JSON, "id": JSON}),
    st.fixed_dictionaries({"conversations": st.lists(SHAREGPT_MESSAGE, max_size=5)},
                          optional={"_review": REVIEW, "tags": JSON}),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORD, st.integers(-1, 6))
def test_every_fix_on_hostile_entries_never_raises(record: dict, index: int) -> None:
    before = copy.deepcopy(record)
    found = check_value(record)
    fixed = fix_all(record, found, ALL_FIXES)
    assert record == before, "a fix mutated its input"
    encode_value(fixed)  # still writable
    for finding in found:
        fix_finding(record, finding)
    for check in FIXES:  # stale or forged findings, pointing anywhere
        fix_finding(record, replace(found[0], check=check, fixable=True, message=index)) \
            if found else None
    if fixed is not record:
        review = fixed["_review"]
        assert isinstance(review["fixes"], list) and review["fixes"]
        assert review.get("origin") == (before.get("_review") or {}).get("origin") \
            if isinstance(before.get("_review"), dict) else "origin" not in review


def test_text_fix_keeps_first_text_and_names_itself_without_refining() -> None:
    record = {"messages": [{"role": "user", "content": " hi there "},
                           {"role": "assistant", "content": "Hello\u200b, friend of mine!"}],
              "_review": {"turns": ["generated", "generated"], "origin": "generated"}}
    fixed = fix_all(record, check_value(record))
    review = fixed["_review"]
    assert review["original"] == {"0": " hi there ", "1": "Hello\u200b, friend of mine!"}
    assert review["fixes"] == ["hidden-characters", "edge-whitespace"]
    assert review["turns"] == ["generated", "generated"] and review["origin"] == "generated"
    # a second fix keeps the FIRST text, not the intermediate one
    again = {**fixed, "messages": [{"role": "user", "content": "hi there\u200b"},
                                   fixed["messages"][1]]}
    twice = fix_all(again, check_value(again))
    assert twice["_review"]["original"]["0"] == " hi there "
    assert twice["_review"]["fixes"] == ["hidden-characters", "edge-whitespace"]


def test_session_fix_is_undoable_and_keeps_provenance(tmp_path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(orjson.dumps({"messages": [
        {"role": "user", "content": "Tell me a story, please "},
        {"role": "assistant", "content": "Once upon a time, a fox met a crow."}]}) + b"\n")
    with Session.open(path) as s:
        s.wait()
        [f] = [f for f in s.findings(0) if f.check == "edge-whitespace"]
        assert s.fix_finding(0, f)
        review = s.entry(0)["_review"]
        assert review["original"] == {"0": "Tell me a story, please "}
        assert review["fixes"] == ["edge-whitespace"]
        assert review.get("origin", "generated") == "generated"
        s.undo()
        assert "_review" not in s.entry(0)


def test_validate_fix_on_hostile_tags(tmp_path, capsys) -> None:
    path = tmp_path / "hostile.jsonl"
    rows = [{"messages": [{"role": "user", "content": "Hello, who are you?"},
                          {"role": "assistant", "content": "A traveller from the north."}],
             "_review": {"tags": ["", 3, None, {"a": 1}]}, "tags": [{"x": 1}, " y "]},
            {"messages": [{"role": "GPT", "content": "System-ish"},
                          {"role": "USER", "content": "Hi there, friend."},
                          {"role": "Bot", "content": "Hello to you as well."}]}]
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    out = tmp_path / "out.jsonl"
    assert main(["validate", str(path), "--fix", "-o", str(out)]) == 1  # the manual role stays
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["_review"]["tags"] == ["3"] and first["tags"] == ["y"]
    assert "bad-tags" in first["_review"]["fixes"]
    assert [m["role"] for m in second["messages"]] == ["GPT", "user", "assistant"]
