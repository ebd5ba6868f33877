"""Validation fixes: the right result, a new record, the input untouched, fields kept."""

from __future__ import annotations

import copy

import pytest

from rolethread_tui.domain.validation import (
    ALL_FIXES,
    SAFE_FIXES,
    Finding,
    check_value,
    fix_all,
    fix_finding,
)
from rolethread_tui.domain.validation.findings import finding
from rolethread_tui.domain.validation.fixes import (
    fix_bad_tags,
    fix_edge_whitespace,
    fix_hidden_characters,
    fix_misplaced_system,
    fix_unknown_role,
)

REPLY = '*She smiles.* "Welcome to the Gilded Gull, traveller. Sit, sit."'


def record_with(messages: list[dict], **extra: object) -> dict:
    """Unknown fields on both sides of the message list, to check order and keeping."""
    return {"id": "e1", "source": "gen-7", "messages": messages, "meta": {"k": [1]}, **extra}


def findings_of(record: dict, check: str) -> list[Finding]:
    return [f for f in check_value(record) if f.check == check]


def apply(fix, record: dict, check: str) -> dict:  # type: ignore[no-untyped-def]
    """Run `fix` on the record's first `check` finding; assert the input is untouched."""
    before = copy.deepcopy(record)
    [found, *_] = findings_of(record, check)
    result = fix(record, found)
    assert record == before, "the input record was mutated"
    assert result is not record
    assert [k for k in result if k != "_review"] == [k for k in record if k != "_review"], \
        "top-level key order changed"
    return result


# --------------------------------------------------------------------------- unknown-role


@pytest.mark.parametrize(("name", "target"), [("User", "user"), (" assistant", "assistant"),
                                              ("gpt", "assistant"), ("SYSTEM", "system")])
def test_fix_unknown_role_chatml(name: str, target: str) -> None:
    msg = {"role": name, "content": "Hello there, friend.", "name": "x", "weight": 1}
    record = record_with([{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                          {"role": "assistant", "content": REPLY}, msg])
    result = apply(fix_unknown_role, record, "unknown-role")
    assert result["messages"][3] == {**msg, "role": target}
    assert list(result["messages"][3]) == ["role", "content", "name", "weight"]
    assert result["messages"][:3] == record["messages"][:3]
    assert findings_of(result, "unknown-role") == []


@pytest.mark.parametrize(("key", "name", "target"), [("from", "Human", "human"),
                                                     ("from", "bot", "gpt"),
                                                     ("from", "USER", "user"),
                                                     ("speaker", "Assistant", "assistant"),
                                                     ("role", "Human", "human"),
                                                     ("role", "bot", "assistant")])
def test_fix_unknown_role_sharegpt(key: str, name: str, target: str) -> None:
    record = {"conversations": [{key: name, "value": REPLY, "extra": True}], "tags": ["a"]}
    result = apply(fix_unknown_role, record, "unknown-role")
    assert result["conversations"][0] == {key: target, "value": REPLY, "extra": True}


@pytest.mark.parametrize(("names", "target"), [(("human", "gpt"), "gpt"),
                                               (("user", "assistant"), "assistant")])
def test_fix_unknown_role_keeps_the_records_vocabulary(names: tuple[str, str],
                                                       target: str) -> None:
    record = {"conversations": [{"role": names[0], "content": "hi there"},
                                {"role": names[1], "content": REPLY},
                                {"role": "human", "content": "more"} if names[0] == "human"
                                else {"role": "user", "content": "more"},
                                {"role": "GPT", "content": REPLY}]}
    [found] = findings_of(record, "unknown-role")
    assert repr(target) in found.text
    result = fix_unknown_role(record, found)
    assert result["conversations"][3] == {"role": target, "content": REPLY}


def test_character_name_role_is_never_fixed() -> None:
    record = record_with([{"role": "user", "content": "hi"}, {"role": "Mira", "content": REPLY}])
    [found] = findings_of(record, "unknown-role")
    assert not found.fixable
    assert fix_finding(record, found) is record
    assert fix_unknown_role(record, finding("unknown-role", "x", 1, fixable=True)) is record


# --------------------------------------------------------------------------- edge-whitespace


def test_fix_edge_whitespace_string() -> None:
    record = record_with([{"role": "user", "content": "  hello there\n"},
                          {"role": "assistant", "content": REPLY}])
    result = apply(fix_edge_whitespace, record, "edge-whitespace")
    assert result["messages"][0]["content"] == "hello there"
    assert result["messages"][1] is record["messages"][1]


def test_fix_edge_whitespace_content_parts_in_place() -> None:
    parts = [{"type": "text", "text": " Hello there, ", "cache": 1},
             {"type": "text", "text": "friend. \n"}]
    record = record_with([{"role": "user", "content": parts},
                          {"role": "assistant", "content": REPLY}])
    result = apply(fix_edge_whitespace, record, "edge-whitespace")
    assert result["messages"][0]["content"] == [
        {"type": "text", "text": "Hello there, ", "cache": 1},
        {"type": "text", "text": "friend."},
    ]
    assert parts[0]["text"] == " Hello there, "


# --------------------------------------------------------------------------- hidden-characters


@pytest.mark.parametrize(("text", "fixed"), [
    ("hel\u200blo\ufeff", "hello"),
    ("left\u202eright", "leftright"),
    ("bell\x07 and\x00 nul", "bell and nul"),
    ("line\r\nbreak", "line\nbreak"),
    ("para\u2028graph\x85next", "para\ngraph\nnext"),
    ("tag\U000e0041s", "tags"),
    ("keep 👩\u200d💻 and\u200d not", "keep 👩\u200d💻 and not"),
])
def test_fix_hidden_characters(text: str, fixed: str) -> None:
    record = record_with([{"role": "user", "content": "hi there"},
                          {"role": "assistant", "content": text}])
    result = apply(fix_hidden_characters, record, "hidden-characters")
    assert result["messages"][1]["content"] == fixed
    assert findings_of(result, "hidden-characters") == []


def test_fix_hidden_characters_in_parts() -> None:
    parts = [{"type": "text", "text": "a\u200bb"}, "c\u200bd", {"type": "image", "url": "u"}]
    record = record_with([{"role": "user", "content": parts}])
    # (the image part makes the message malformed, so build the finding by hand)
    result = fix_hidden_characters(record, finding("hidden-characters", "x", 0, fixable=True))
    assert result["messages"][0]["content"] == [{"type": "text", "text": "ab"}, "cd",
                                                {"type": "image", "url": "u"}]
    assert parts[0]["text"] == "a\u200bb"


# --------------------------------------------------------------------------- bad-tags


@pytest.mark.parametrize(("tags", "fixed"), [
    ("fantasy", ["fantasy"]),
    (" noir ", ["noir"]),
    (["fantasy", "", "  ", "noir", "fantasy", " noir"], ["fantasy", "noir"]),
])
def test_fix_bad_tags(tags: object, fixed: list[str]) -> None:
    review = {"status": "accepted", "tags": tags, "note": "n"}
    record = record_with([{"role": "user", "content": "hi"}], _review=review, tags=tags)
    result = apply(fix_bad_tags, record, "bad-tags")
    assert result["_review"] == {"status": "accepted", "tags": fixed, "note": "n"}
    assert result["tags"] == fixed
    assert list(result["_review"]) == ["status", "tags", "note"]


@pytest.mark.parametrize(("tags", "expected"), [
    (["", 3, None, {"a": 1}], ["3"]),
    (["a", 3, 2.5, True, [1], " a ", "b"], ["a", "3", "2.5", "b"]),
    (7, ["7"]),
    ({"a": 1}, []),
    (False, []),
])
def test_bad_tags_fix_takes_any_json_values(tags: object, expected: list[str]) -> None:
    record = record_with([{"role": "user", "content": "hi"}], _review={"tags": tags}, tags=tags)
    found = findings_of(record, "bad-tags")
    assert len(found) == 2 and all(f.fixable for f in found)
    result = fix_all(record, found)
    assert result["_review"]["tags"] == expected and result["tags"] == expected
    assert result["_review"]["fixes"] == ["bad-tags"]
    assert findings_of(result, "bad-tags") == []


# --------------------------------------------------------------------------- misplaced-system


def test_fix_misplaced_system_merges_into_the_first() -> None:
    messages = [{"role": "user", "content": "hi"},
                {"role": "system", "content": "You are Mira.", "name": "sys"},
                {"role": "assistant", "content": REPLY},
                {"role": "system", "content": "[Mira is now tense.]"},
                {"role": "user", "content": "and?"},
                {"role": "assistant", "content": REPLY}]
    review = {"turns": ["human", "generated", "generated", "refined", "human", "generated"],
              "original": {"2": "old reply", "3": "old note", "note": "x"}, "status": "accepted"}
    record = record_with(messages, _review=review)
    result = apply(fix_misplaced_system, record, "misplaced-system")
    assert [m["role"] for m in result["messages"]] == ["system", "user", "assistant", "user",
                                                       "assistant"]
    assert result["messages"][0] == {"role": "system", "name": "sys",
                                     "content": "You are Mira.\n\n[Mira is now tense.]"}
    assert result["_review"]["turns"] == ["generated", "human", "generated", "human", "generated"]
    # the first system text is kept (it was message 1, the merged message is 0 now)
    assert result["_review"]["original"] == {"0": "You are Mira.", "2": "old reply", "note": "x"}
    assert result["_review"]["status"] == "accepted"
    assert findings_of(result, "misplaced-system") == []


def test_fix_misplaced_system_with_parts_and_sharegpt() -> None:
    record = {"conversations": [{"from": "system", "value": [{"type": "text", "text": "A"}]},
                                {"from": "human", "value": "hi"},
                                {"from": "system", "value": "B"}]}
    result = apply(fix_misplaced_system, record, "misplaced-system")
    assert result["conversations"] == [
        {"from": "system", "value": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]},
        {"from": "human", "value": "hi"},
    ]


def test_misplaced_system_is_opt_in() -> None:
    assert "misplaced-system" not in SAFE_FIXES and "misplaced-system" in ALL_FIXES
    record = record_with([{"role": "user", "content": "hi"}, {"role": "system", "content": "s"},
                          {"role": "assistant", "content": REPLY}])
    assert fix_all(record, check_value(record)) is record
    fixed = fix_all(record, check_value(record), ALL_FIXES)
    assert [m["role"] for m in fixed["messages"]] == ["system", "user", "assistant"]


# --------------------------------------------------------------------------- fix_all


def test_fix_all_applies_every_safe_fix() -> None:
    record = record_with(
        [{"role": "System", "content": "You are Mira. "},
         {"role": "user", "content": "\u200b hi there"},
         {"role": "assistant", "content": [{"type": "text", "text": REPLY + "\u202e "}]},
         {"role": "Mira", "content": REPLY}],
        _review={"tags": "fantasy"},
    )
    before = copy.deepcopy(record)
    result = fix_all(record, check_value(record))
    assert record == before
    assert result["messages"][0] == {"role": "system", "content": "You are Mira."}
    assert result["messages"][1]["content"] == "hi there"
    assert result["messages"][2]["content"] == [{"type": "text", "text": REPLY}]
    assert result["messages"][3] == {"role": "Mira", "content": REPLY}
    assert result["_review"] == {
        "tags": ["fantasy"],
        "original": {"0": "You are Mira. ", "1": "\u200b hi there",
                     "2": [{"type": "text", "text": REPLY + "\u202e "}]},
        "fixes": ["hidden-characters", "edge-whitespace", "unknown-role", "bad-tags"]}
    left = {f.check for f in check_value(result) if f.fixable}
    assert left == set()


def test_fix_all_respects_checks_and_staleness() -> None:
    record = record_with([{"role": "User", "content": " hi"},
                          {"role": "assistant", "content": REPLY}])
    found = check_value(record)
    only_roles = fix_all(record, found, {"unknown-role"})
    assert only_roles["messages"][0] == {"role": "user", "content": " hi"}
    assert fix_all(only_roles, found, {"unknown-role"}) is only_roles
    stale = finding("edge-whitespace", "x", 9, fixable=True)
    assert fix_finding(record, stale) is record
    assert fix_all({"messages": "nope"}, [stale]) == {"messages": "nope"}


def test_fix_finding_ignores_unfixable_checks() -> None:
    record = record_with([{"role": "user", "content": "hi"}])
    assert fix_finding(record, finding("refusal", "x", 0)) is record
    assert fix_finding(record, finding("no-assistant", "x")) is record
