"""Position-aware role checks and lines an edit would change (docs/validation.md, issue 16/14).

- a non-standard first message before a user turn is a mislabelled system prompt:
  a manual `unknown-role`, never an automatic "assistant";
- `starts-with-assistant`: the first non-system turn is the assistant's;
- `duplicate-keys` / `non-standard-json`: found from the raw line, before an edit
  silently keeps only the last value or writes ``null``.
"""

from __future__ import annotations

import orjson
import pytest

from rolethread_tui.domain.records import encode_value, parse_line
from rolethread_tui.domain.validation import check_line, check_value, fix_all

SYSTEM_ISH = {"messages": [{"role": "GPT", "content": "System-ish"},
                           {"role": "USER", "content": "Hello, who are you today?"},
                           {"role": "Bot", "content": "I'm the ship's cook, and glad of it."}]}


def checks(findings: list) -> list[str]:
    return [f.check for f in findings]


def test_mislabelled_system_prompt_is_manual_not_assistant() -> None:
    found = check_value(SYSTEM_ISH)
    first = [f for f in found if f.message == 0]
    assert [(f.check, f.fixable) for f in first] == [("unknown-role", False)]
    assert "system prompt" in first[0].text
    assert "starts-with-assistant" not in checks(found)
    fixed = fix_all(SYSTEM_ISH, found)
    assert [m["role"] for m in fixed["messages"]] == ["GPT", "user", "assistant"]
    # after the safe fixes the manual finding is still there: no "0 errors" by accident
    assert [(f.check, f.fixable) for f in check_value(fixed) if f.severity == "error"] == \
        [("unknown-role", False)]


def test_sharegpt_mislabelled_system_prompt() -> None:
    record = {"conversations": [{"from": "bot", "value": "Setting: a storm."},
                                {"from": "human", "value": "Hello?"},
                                {"from": "gpt", "value": "Who goes there, stranger?"}]}
    [f] = [f for f in check_value(record) if f.message == 0]
    assert (f.check, f.fixable) == ("unknown-role", False)


@pytest.mark.parametrize("first", ["GPT", "Bot", "Assistant"])
def test_odd_assistant_name_later_in_the_conversation_is_still_fixed(first: str) -> None:
    record = {"messages": [{"role": "user", "content": "Hi there, how are you?"},
                           {"role": first, "content": "Fine, thanks for asking!"}]}
    [f] = [f for f in check_value(record) if f.check == "unknown-role"]
    assert (f.fixable, f.message) == (True, 1)
    assert fix_all(record, [f])["messages"][1]["role"] == "assistant"


def test_odd_first_name_before_an_assistant_turn_is_fixed() -> None:
    record = {"messages": [{"role": "Human", "content": "Hi there, how are you?"},
                           {"role": "assistant", "content": "Fine, thanks for asking!"}]}
    [f] = [f for f in check_value(record) if f.check == "unknown-role"]
    assert f.fixable


@pytest.mark.parametrize(("roles", "at"), [
    (("assistant", "user", "assistant"), 0),
    (("system", "assistant", "user", "assistant"), 1),
    (("system", "user", "assistant"), None),
    (("user", "assistant"), None),
])
def test_starts_with_assistant(roles: tuple[str, ...], at: int | None) -> None:
    record = {"messages": [{"role": r, "content": f"a long enough turn as {r}"} for r in roles]}
    found = [f for f in check_value(record) if f.check == "starts-with-assistant"]
    assert [f.message for f in found] == ([] if at is None else [at])
    assert all(f.severity == "warning" and not f.fixable for f in found)


def test_duplicate_keys_found_and_named() -> None:
    line = (b'{"messages":[{"role":"user","content":"first text","content":"Hello: there"},'
            b'{"role":"assistant","content":"Hi! What can I do for you today?"}],"id":1,"id":2}')
    found = [f for f in check_line(line) if f.check == "duplicate-keys"]
    assert len(found) == 1 and "'content'" in found[0].text and "'id'" in found[0].text
    assert found[0].severity == "warning"


@pytest.mark.parametrize("line", [
    b'{"messages":[{"role":"user","content":"a: b: c"}],"x":"::","y":"\\u003a"}',
    b'{"a": {"b": 1}, "c": {"b": 2}, "d": [{"k": 1}, {"k": 2}]}',
    b'{"text": "\\"key\\": value", "big": 123456789012345678901234}',
    b'{ "spaced" : 1 , "k" : "v" }',
])
def test_no_duplicate_keys_on_repeated_names_in_other_objects(line: bytes) -> None:
    assert "duplicate-keys" not in checks(check_line(line))
    assert type(parse_line(line)) is dict


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_standard_json(constant: bytes) -> None:
    line = b'{"messages":[],"score":' + constant + b"}"
    [f] = [f for f in check_line(line) if f.check == "non-standard-json"]
    assert constant.decode() in f.text and f.severity == "warning"
    value = parse_line(line)
    assert b'"score":null' in encode_value(dict(value))  # what an edit would write


def test_copies_of_flagged_lines_are_plain() -> None:
    value = parse_line(b'{"a":1,"a":2}')
    assert check_value({**value}) == check_value(orjson.loads(b'{"a":2}'))
