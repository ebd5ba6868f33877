"""Validation checks (docs/validation.md): each check caught, and not raised on clean data."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rolethread_tui.domain.records import parse_line
from rolethread_tui.domain.validation import (
    CHECKS,
    FIXABLE_CHECKS,
    Finding,
    ValidationConfig,
    check_line,
    check_record,
    check_value,
    make_checker,
)
from rolethread_tui.domain.validation.findings import finding
from rolethread_tui.domain.validation.hidden import remove_hidden

SYSTEM = "You are Mira, a wandering bard. Stay in character."
USER = "Hello there! Who are you, and what brings you to the tavern tonight?"
REPLY = ('*Mira sets down her lute and smiles.* "Just a bard passing through, friend. '
         'The road has been long, and the ale here is warm."')


def chat(*turns: tuple[str, object], **extra: object) -> dict:
    """A ChatML record from (role, content) pairs."""
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


def share(*turns: tuple[str, object], **extra: object) -> dict:
    """A ShareGPT record from (from, value) pairs."""
    return {"conversations": [{"from": r, "value": c} for r, c in turns], **extra}


def clean(*more: tuple[str, object], **extra: object) -> dict:
    """A clean system/user/assistant exchange, then `more` turns (from index 3)."""
    return chat(("system", SYSTEM), ("user", USER), ("assistant", REPLY), *more, **extra)


def of(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def names(findings: list[Finding]) -> set[str]:
    return {f.check for f in findings}


def serious(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity in ("error", "warning")]


# --------------------------------------------------------------------------- table


def test_check_table_matches_design() -> None:
    errors = {"invalid-json", "not-an-object", "no-messages", "malformed-message",
              "unknown-role", "empty-content"}
    warnings = {"misplaced-system", "ends-with-user", "no-assistant", "role-alternation",
                "refusal", "format-leak", "hidden-characters", "duplicate", "near-duplicate",
                "starts-with-assistant", "duplicate-keys", "non-standard-json"}
    infos = {"missing-system", "edge-whitespace", "short-response", "split-candidate",
             "bad-tags", "markdown"}
    assert {c for c, s in CHECKS.items() if s == "error"} == errors
    assert {c for c, s in CHECKS.items() if s == "warning"} == warnings
    assert {c for c, s in CHECKS.items() if s == "info"} == infos
    fixable = {"unknown-role", "misplaced-system", "edge-whitespace", "hidden-characters",
               "bad-tags"}
    assert fixable == FIXABLE_CHECKS


def test_finding_is_frozen_and_takes_severity_from_table() -> None:
    f = finding("refusal", "text", 3)
    assert f == Finding("refusal", "warning", 3, False, "text")
    with pytest.raises(AttributeError):
        f.check = "x"  # type: ignore[misc]
    assert not hasattr(f, "__dict__")


# --------------------------------------------------------------------------- clean data


def test_clean_entry_has_no_findings() -> None:
    assert check_value(clean(("user", "Tell me a story."), ("assistant", REPLY))) == []


def test_clean_roleplay_prose_is_not_flagged() -> None:
    prose = [
        '*She laughs softly.* "I can\'t believe you came back," she whispers.',
        "I’m sorry, my lord, but I must decline your offer. *bows* “Another time.”",
        "The rain—cold, relentless—fell on the city… *He looks at you.* <3",
        "She had one rule: never lie to {{user}}. *Her eyes narrow.* \"Not once.\"",
        "“Are you an AI?” the child asked. The android tilted its head. 👩‍💻 🏳️‍🌈",
        "She wrote «سلام» with care: می‌خواهم. Then she smiled, bowing low to you.",
        "\"I won't help you, traitor!\" *He draws his sword against the wall of shields.*",
        "Is there anything else you'd like, traveller? The keep is quiet tonight.",
        "Note the guidelines the captain gave: stay close, stay quiet, stay alive.",
        "Your request to see the king is granted. The content of his letter was short.",
    ]
    for text in prose:
        assert serious(check_value(clean(("user", USER), ("assistant", text)))) == [], text


def test_clean_sharegpt_entry() -> None:
    record = share(("system", SYSTEM), ("human", USER), ("gpt", REPLY))
    assert check_value(record) == []
    plain = share(("human", USER), ("gpt", REPLY))
    assert names(check_value(plain)) == {"missing-system"}


def test_sharegpt_accepts_user_assistant_and_other_keys() -> None:
    record = {"conversations": [{"role": "user", "text": USER},
                                {"speaker": "assistant", "content": REPLY}]}
    assert serious(check_value(record)) == []


def test_greeting_first_is_only_starts_with_assistant() -> None:
    record = chat(("system", SYSTEM), ("assistant", REPLY), ("user", USER), ("assistant", REPLY))
    [f] = check_value(record)
    assert (f.check, f.severity, f.message, f.fixable) == ("starts-with-assistant", "warning", 1,
                                                           False)


def test_findings_are_ordered_by_message() -> None:
    record = chat(("assistant", " x"), ("user", USER), ("user", USER), ("bob", REPLY))
    order = [-1 if f.message is None else f.message for f in check_value(record)]
    assert order == sorted(order) and order[0] == -1 and len(order) >= 5


# --------------------------------------------------------------------------- line level


def test_invalid_json_gives_position() -> None:
    [f] = check_line(b'{"messages": [}')
    assert f.check == "invalid-json" and f.severity == "error" and f.message is None
    assert "column" in f.text and not f.fixable


@pytest.mark.parametrize("raw", [b'{"a": 1,}', b"{'a': 1}", b'{"a": 1}{"b": 2}', b"<<<<<<< HEAD",
                                 b'{"a": "x', b'{"a": 1} garbage'])
def test_invalid_json_variants(raw: bytes) -> None:
    assert names(check_line(raw)) == {"invalid-json"}


def test_invalid_utf8_is_named() -> None:
    [f] = check_line(b'{"messages": "caf\xe9"}')
    assert f.check == "invalid-json" and "invalid UTF-8 at byte 17" in f.text


def test_check_line_of_a_line_that_parses() -> None:
    assert check_line(b"  \r\n") == []
    # what the store's parser accepts (NaN, huge integers, via the stdlib) is valid JSON
    nan = b'{"messages": [{"role": "user", "content": "hi"}], "x": NaN, "n": 1' + b"0" * 30 + b"}"
    assert "invalid-json" not in names(check_line(nan))
    assert names(check_line(b"[1, 2]")) == {"not-an-object"}
    bom = b"\xef\xbb\xbf" + b'{"messages": []}\r\n'
    assert names(check_line(bom)) == {"no-messages"}


def test_rawline_from_the_store_is_invalid_json() -> None:
    raw = parse_line(b'{"messages": [')
    [f] = check_value(raw)
    assert f.check == "invalid-json" and raw.error in f.text  # type: ignore[attr-defined]
    assert check_record is check_value


@pytest.mark.parametrize(("value", "kind"), [([1, 2], "array"), ("hi", "string"), (3, "number"),
                                             (2.5, "number"), (None, "null"), (True, "boolean")])
def test_not_an_object(value: object, kind: str) -> None:
    [f] = check_value(value)
    assert f.check == "not-an-object" and f.severity == "error" and kind in f.text


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize(("record", "says"), [
    ({"id": 1}, 'no "messages"'),
    ({"messages": []}, '"messages" is empty'),
    ({"conversations": []}, '"conversations" is empty'),
    ({"messages": "hello"}, '"messages" is a string'),
    ({"messages": {"role": "user"}}, '"messages" is an object'),
])
def test_no_messages(record: dict, says: str) -> None:
    found = check_value(record)
    assert names(found) == {"no-messages"} and says in found[0].text


@pytest.mark.parametrize(("message", "says"), [
    (5, "a JSON number, not an object"),
    (["user", "hi"], "a JSON array"),
    ({"content": "hi"}, "no role"),
    ({"role": 3, "content": "hi"}, '"role" is a number'),
    ({"role": "user"}, "no content"),
    ({"role": "user", "content": 42}, "content is a number"),
    ({"role": "user", "content": {"text": "hi"}}, "content is an object"),
    ({"role": "user", "content": [{"type": "image_url", "image_url": "x"}]},
     "content part 0 is not text"),
    ({"role": "user", "content": ["ok", 7]}, "content part 1 is not text"),
])
def test_malformed_message(message: object, says: str) -> None:
    record = {"messages": [{"role": "system", "content": SYSTEM}, message,
                           {"role": "assistant", "content": REPLY}]}
    [f] = of(check_value(record), "malformed-message")
    assert f.message == 1 and f.severity == "error" and says in f.text


def test_malformed_sharegpt_message_names_its_keys() -> None:
    record = {"conversations": [{"value": "hi"}, {"from": "gpt"}]}
    texts = [f.text for f in of(check_value(record), "malformed-message")]
    assert len(texts) == 2 and '"from"' in texts[0] and '"value"' in texts[1]


def test_content_part_lists_are_text() -> None:
    parts = [{"type": "text", "text": "Hello there, "}, {"type": "text", "text": "friend."}]
    record = clean(("user", parts), ("assistant", [{"type": "text", "text": REPLY}]))
    assert check_value(record) == []


def test_malformed_message_with_a_bad_role_reports_both() -> None:
    record = clean(("User", 42))
    assert {"malformed-message", "unknown-role"} <= names(check_value(record))


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize("name", ["Mira", "narrator", "tool", "{{char}}", "char", "Narrator",
                                  "Captain Mara Voss"])
def test_unknown_role_is_reported_not_guessed(name: str) -> None:
    [f] = of(check_value(clean((name, "hello"))), "unknown-role")
    assert f.severity == "error" and not f.fixable and repr(name) in f.text
    assert "should be" not in f.text


@pytest.mark.parametrize(("name", "target"), [("User", "user"), (" assistant ", "assistant"),
                                              ("SYSTEM", "system"), ("human", "user"),
                                              ("gpt", "assistant"), ("bot", "assistant")])
def test_mappable_chatml_role_is_fixable(name: str, target: str) -> None:
    [f] = of(check_value(clean((name, "hello there"))), "unknown-role")
    assert f.fixable and f.message == 3 and repr(target) in f.text


@pytest.mark.parametrize(("name", "target"), [("Human", "human"), ("GPT", "gpt"),
                                              ("bot", "gpt"), ("User", "human"),
                                              ("model", "gpt")])
def test_mappable_sharegpt_role_gets_sharegpt_name(name: str, target: str) -> None:
    record = share(("human", USER), (name, REPLY))
    [f] = of(check_value(record), "unknown-role")
    assert f.fixable and repr(target) in f.text


def test_misplaced_system() -> None:
    late = chat(("user", USER), ("system", SYSTEM), ("assistant", REPLY))
    [f] = of(check_value(late), "misplaced-system")
    assert f.message == 1 and f.fixable and "not first" in f.text and f.severity == "warning"
    two = chat(("system", SYSTEM), ("system", "Rule two."), ("user", USER), ("assistant", REPLY))
    [g] = of(check_value(two), "misplaced-system")
    assert g.message == 1 and "second" in g.text
    assert of(check_value(clean()), "misplaced-system") == []


def test_ends_with_user_and_no_assistant() -> None:
    found = check_value(chat(("system", SYSTEM), ("user", USER), ("assistant", REPLY),
                             ("user", "And then?")))
    [f] = of(found, "ends-with-user")
    assert f.message == 3 and f.severity == "warning" and "no-assistant" not in names(found)
    lonely = check_value(chat(("system", SYSTEM), ("user", USER)))
    assert {"ends-with-user", "no-assistant"} <= names(lonely)
    assert names(check_value(clean())) & {"ends-with-user", "no-assistant"} == set()


def test_role_alternation() -> None:
    found = check_value(chat(("system", SYSTEM), ("user", USER), ("user", "Hello?"),
                             ("assistant", REPLY), ("assistant", REPLY)))
    pairs = [(f.message, f.text) for f in of(found, "role-alternation")]
    assert [m for m, _ in pairs] == [2, 4]
    assert "two user turns" in pairs[0][1] and "two assistant turns" in pairs[1][1]


def test_system_between_user_turns_does_not_hide_alternation() -> None:
    found = check_value(chat(("user", USER), ("system", SYSTEM), ("user", USER),
                             ("assistant", REPLY)))
    assert [f.message for f in of(found, "role-alternation")] == [2]


def test_unknown_role_breaks_the_alternation_chain() -> None:
    found = check_value(chat(("system", SYSTEM), ("user", USER), ("Mira", REPLY),
                             ("user", USER), ("assistant", REPLY)))
    assert of(found, "role-alternation") == []


def test_missing_system_is_info() -> None:
    [f] = of(check_value(chat(("user", USER), ("assistant", REPLY))), "missing-system")
    assert f.severity == "info" and f.message is None


def test_split_candidate() -> None:
    turns = [("user", USER), ("assistant", REPLY)]
    eight = chat(("system", SYSTEM), *turns * 8)
    [f] = of(check_value(eight), "split-candidate")
    assert f.severity == "info" and "8 exchanges" in f.text
    assert of(check_value(chat(("system", SYSTEM), *turns * 7)), "split-candidate") == []
    config = ValidationConfig(split_exchanges=3)
    assert of(check_value(chat(("system", SYSTEM), *turns * 3), config), "split-candidate")


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize(("content", "says"), [("", "empty"), ("   \n\t", "whitespace only"),
                                               (None, "null"), ([], "empty"),
                                               ([{"type": "text", "text": ""}], "empty")])
def test_empty_content(content: object, says: str) -> None:
    [f] = of(check_value(clean(("user", content))), "empty-content")
    assert f.message == 3 and f.severity == "error" and f.text.endswith(says)
    assert "edge-whitespace" not in names(check_value(clean(("user", content))))


@pytest.mark.parametrize("content", [" hello there", "hello there\n", "\thello there",
                                     [{"type": "text", "text": "hello there "}],
                                     [" spaced", "fine"]])
def test_edge_whitespace(content: object) -> None:
    [f] = of(check_value(clean(("user", content))), "edge-whitespace")
    assert f.fixable and f.severity == "info" and f.message == 3


def test_inner_whitespace_is_fine() -> None:
    record = clean(("user", "hello\n\nthere  friend"), ("assistant", REPLY))
    assert of(check_value(record), "edge-whitespace") == []


def test_short_response() -> None:
    found = check_value(chat(("system", SYSTEM), ("user", USER), ("assistant", "*nods*")))
    [f] = of(found, "short-response")
    assert f.severity == "info" and "6 characters" in f.text
    padded = check_value(chat(("user", USER), ("assistant", "Okay." + " " * 40)))
    assert of(padded, "short-response")
    assert of(check_value(chat(("user", "Hi"), ("assistant", REPLY))), "short-response") == []
    config = ValidationConfig(short_response=500)
    assert of(check_value(clean(), config), "short-response")
    assert of(check_value(clean(), ValidationConfig(short_response=0)), "short-response") == []


@pytest.mark.parametrize("reply", [
    "As an AI language model, I cannot continue this roleplay.",
    "I'm sorry, but I can't help with that request.",
    "I apologize, but as an AI, I don't have personal feelings or experiences.",
    "I cannot engage in this scenario as it goes against my content guidelines.",
    "(OOC: I'm not comfortable continuing in this direction.)",
    "As a large language model trained by OpenAI, I am not able to roleplay this.",
    "Note: this response is a fictional roleplay and does not reflect real events.",
    "I’m just an AI, so I can’t actually meet you in person.",
    "I must remind you that it's important to treat others with respect.",
    "I'm sorry, but I cannot fulfill this request. Is there anything else I can help with?",
    "I can't generate explicit content involving that.",
    "Let's keep things respectful, shall we?",
])
def test_refusal(reply: str) -> None:
    [f] = of(check_value(clean(("user", USER), ("assistant", reply))), "refusal")
    assert f.severity == "warning" and f.message == 4 and not f.fixable and "'" in f.text


def test_refusal_only_in_assistant_turns() -> None:
    record = chat(("system", "Never mention being an AI language model or OpenAI."),
                  ("user", "Are you an AI? As an AI, do you dream? Disclaimer: curious."),
                  ("assistant", REPLY))
    assert of(check_value(record), "refusal") == []


def test_refusal_reported_per_reply() -> None:
    record = chat(("user", USER), ("assistant", "As an AI, no."), ("user", USER),
                  ("assistant", REPLY), ("user", USER), ("assistant", "(OOC: sorry)"))
    assert [f.message for f in of(check_value(record), "refusal")] == [1, 5]


@pytest.mark.parametrize("reply", [
    "Assistant: *She smiles.*",
    "*She smiles.*\n\nUser: and then what?",
    "### Response:\n*She smiles.*",
    "*She smiles.*<|im_end|>\n<|im_start|>user",
    "[INST] continue [/INST]",
    "Mira: *She smiles and waves at you from across the room.*",
    "<thinking>plan the reply</thinking> She smiles.",
    "*waves*\n gpt: hello there, traveller",
])
def test_format_leak(reply: str) -> None:
    [f] = of(check_value(clean(("user", USER), ("assistant", reply))), "format-leak")
    assert f.severity == "warning" and f.message == 4


def test_format_leak_only_in_assistant_turns() -> None:
    record = chat(("system", "### Instruction:\n<character>Mira</character> {{user}}"),
                  ("user", "User: look at this ```code``` <b>bold</b>"), ("assistant", REPLY))
    assert of(check_value(record), "format-leak") == []


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u202e", "\x07", "\x85", "\u2028", "\r",
                                  "\u00ad", "\U000e0041", "\u2066", "\x00", "\x1b"])
@pytest.mark.parametrize("base", ["plain ascii text here", "curly ’quotes’ — and… more",
                                  "中文 text with 雪 and 😊"])
def test_hidden_characters(char: str, base: str) -> None:
    text = base[:6] + char + base[6:]
    for role in ("user", "assistant"):
        [f] = of(check_value(clean((role, text))), "hidden-characters")
        assert f.fixable and f.severity == "warning" and f"U+{ord(char):04X}" in f.text


def test_hidden_characters_negatives() -> None:
    for text in ["tabs\tand\nnewlines", "family 👨‍👩‍👧 and 🏳️‍🌈 flags", "فارسی: می‌خواهم",
                 "“curly” ‘quotes’ — dashes… é ñ ü ß", "CJK 雪 and emoji 😊"]:
        assert of(check_value(clean(("user", text), ("assistant", text))),
                  "hidden-characters") == [], text


ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
WALES = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"


def test_the_subdivision_flags_tags_are_no_hidden_characters() -> None:
    """🏴 + tag letters + CANCEL TAG is how England's and Wales' flags are written:
    flagged, its safe fix turned them into a plain black flag (QA pass)."""
    text = f"Come on {ENGLAND}! And {WALES} too."
    assert of(check_value(clean(("user", text), ("assistant", text))),
              "hidden-characters") == []


def test_tags_after_a_black_flag_that_spell_no_flag_are_still_hidden() -> None:
    """Only the flags in use pass: any other run of tags after 🏴 can spell text no
    reader sees ("ign" here), and a flag beside hidden text does not hide it."""
    smuggled = "\U0001f3f4\U000e0069\U000e0067\U000e006e\U000e007f"
    [f] = of(check_value(clean(("assistant", f"Hello {smuggled}"))), "hidden-characters")
    assert "TAG LATIN SMALL LETTER I" in f.text
    [f] = of(check_value(clean(("assistant", f"{ENGLAND} go\u200b"))), "hidden-characters")
    assert "ZERO WIDTH SPACE" in f.text and "TAG" not in f.text
    assert remove_hidden(f"{ENGLAND} go\u200b {smuggled}") == f"{ENGLAND} go \U0001f3f4"


def test_zero_width_joiner_outside_an_emoji_sequence() -> None:
    [f] = of(check_value(clean(("assistant", "hid\u200dden"))), "hidden-characters")
    assert "ZERO WIDTH JOINER" in f.text


# --------------------------------------------------------------------------- tags


@pytest.mark.parametrize(("review_tags", "fixable", "says"), [
    ("fantasy", True, "is a string"),
    (["fantasy", ""], True, "tag 1 is empty"),
    (["fantasy", " noir"], True, "surrounding whitespace"),
    (["fantasy", "fantasy"], True, "duplicate"),
    (["fantasy", 3], True, "tag 1 is a number"),
    (7, True, "is a number"),
    ({"a": 1}, True, "is an object"),
])
def test_bad_review_tags(review_tags: object, fixable: bool, says: str) -> None:
    record = clean(_review={"status": "accepted", "tags": review_tags})
    [f] = of(check_value(record), "bad-tags")
    assert f.fixable is fixable and f.severity == "info" and f.message is None
    assert f.text.startswith("_review.tags") and says in f.text


def test_top_level_tags_are_checked_too() -> None:
    [f] = of(check_value(clean(tags="noir")), "bad-tags")
    assert f.text.startswith("tags ")
    both = clean(tags=[""], _review={"tags": "x"})
    assert len(of(check_value(both), "bad-tags")) == 2


def test_good_and_absent_tags() -> None:
    for record in (clean(_review={"tags": ["fantasy", "noir"]}), clean(tags=[]),
                   clean(_review={"tags": None}), clean(tags=None), clean(_review="odd")):
        assert of(check_value(record), "bad-tags") == []


# --------------------------------------------------------------------------- config


def test_config_defaults_and_validation() -> None:
    config = ValidationConfig()
    assert (config.short_response, config.split_exchanges) == (20, 8)
    assert config.extra_refusal_patterns == [] and config.extra_leak_patterns == []
    with pytest.raises(ValidationError):
        ValidationConfig(extra_refusal_patterns=["(unclosed"])
    with pytest.raises(ValidationError):
        ValidationConfig(split_exchanges=0)
    with pytest.raises(ValidationError):
        ValidationConfig(unknown=1)  # type: ignore[call-arg]


def test_extra_patterns_extend_the_lists() -> None:
    record = clean(("user", USER), ("assistant", "Per my directives, I shall comply. ~~~"))
    assert names(check_value(record)) & {"refusal", "format-leak"} == set()
    config = ValidationConfig(extra_refusal_patterns=["per my directives"],
                              extra_leak_patterns=[r"~{3,}"])
    assert {"refusal", "format-leak"} <= names(check_value(record, config))


def test_extra_pattern_without_literal_still_works() -> None:
    config = ValidationConfig(extra_refusal_patterns=[r"\b[a-z]{7}\s[a-z]{7}\b"])
    record = clean(("user", USER), ("assistant", "She was quietly singing."))
    assert of(check_value(record, config), "refusal")


def test_make_checker_accepts_configs() -> None:
    record = chat(("user", USER), ("assistant", "Okay then, off we go."))
    assert not of(make_checker()(record), "short-response")
    strict = make_checker(ValidationConfig(short_response=100))
    assert of(strict(record), "short-response")

    class AppConfig:
        def __init__(self) -> None:
            self.validation = {"short_response": 100}

    assert of(make_checker(AppConfig())(record), "short-response")
    assert of(make_checker(object())(record), "short-response") == []


# --------------------------------------------------------------------------- layering


def test_validation_package_does_not_import_textual() -> None:
    package = Path(__file__).parents[1] / "rolethread_tui" / "domain" / "validation"
    for path in package.rglob("*.py"):
        source = path.read_text("utf-8")
        assert "import textual" not in source and "from textual" not in source, path


@pytest.mark.parametrize("record", [
    clean(),
    clean(("user", "more?"), ("assistant", None)),
    clean(("user", [{"type": "text", "text": "part"}, "two"]), ("assistant", "ok then")),
    chat(("User", USER), ("assistant", REPLY)),
    chat(("user", USER), ("gpt", REPLY)),
    share(("human", USER), ("gpt", REPLY)),
    share(("system", SYSTEM), ("user", USER), ("assistant", REPLY)),
    {"conversations": [{"role": "human", "value": USER}, {"from": "gpt", "text": REPLY}]},
    chat(("user", USER), ("assistant", 3)),
    {"messages": [["user", USER], {"role": "assistant", "content": REPLY}]},
    {"messages": []},
    {"text": "no conversation"},
])
def test_turns_handed_over_by_the_checker_are_formats_turns(record: dict) -> None:
    """`check_and_read` gives the very turns `formats.turns` reads, or None."""
    from rolethread_tui.domain.formats import turns
    from rolethread_tui.domain.validation.context import build_context
    from rolethread_tui.domain.validation.runner import check_and_read

    findings, read = check_and_read(record, build_context())
    assert findings == check_value(record)
    assert read is None or read == turns(record)


@settings(max_examples=300, deadline=None)
@given(code=st.text(alphabet="sua?", max_size=80), split=st.integers(1, 9))
def test_kept_order_findings_equal_fresh_ones(code: str, split: int) -> None:
    """`check_order` keeps the findings of short codes; asked twice, or past the kept
    length, it answers as the checks themselves do."""
    from rolethread_tui.domain.validation import runner
    from rolethread_tui.domain.validation.context import build_context

    ctx = build_context(split_exchanges=split)
    fresh: list = []
    runner._check_order(code, split, fresh)
    clean = (code.startswith("su") and code.endswith("a") and code.count("s") == 1
             and "uu" not in code and "aa" not in code and code.count("ua") < split)
    for _ in range(2):
        out: list = []
        runner.check_order(code, ctx, out)
        assert out == ([] if clean else fresh)
