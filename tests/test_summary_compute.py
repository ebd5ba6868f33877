"""`Columns.compute` takes shortcuts for the usual record (no `_review`, no `tags`,
a first user turn); these tests hold it to the plain definition of every column,
written here with the generic readers, on usual and unusual records alike."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui.domain import formats
from rolethread_tui.domain.records import RawLine, parse_line
from rolethread_tui.domain.review import (
    ORIGINS,
    STATUSES,
    flags_of,
    origin_of,
    review_of,
    status_of,
    tags_of,
)
from rolethread_tui.domain.summary import Columns, conversation_digest, preview_of
from rolethread_tui.domain.validation import make_checker


def reference(value: object) -> tuple:
    """Every column by its definition: generic readers, no shortcut."""
    findings = make_checker(None)(value)
    turns = formats.turns(value)
    review = review_of(value)
    codes = tuple(sorted({f.check for f in findings}))
    order = ("", "info", "warning", "error")
    return (
        isinstance(value, dict),
        STATUSES.index(status_of(review)),
        ORIGINS.index(origin_of(review)),
        flags_of(review),
        tags_of(value, review),
        len(turns),
        sum(len(t) for r, t in turns if r in ("user", "assistant")),
        preview_of(value, turns),
        codes,
        len(findings),
        max((order.index(f.severity) for f in findings), default=0),
        conversation_digest(turns),
        tuple((f.check, f.severity, f.message, f.fixable, f.text) for f in findings),
    )


def _chat(*turns: tuple[str, object], **extra: object) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


CASES = [
    _chat(("system", "You are Mara."), ("user", "  hi\nthere"), ("assistant", "Hello, traveller.")),
    _chat(("assistant", "first"), ("user", "q"), ("assistant", "a reply long enough")),
    _chat(("system", "s"), ("assistant", "no user turn at all here")),
    _chat(("user", "  \n\n second line first"), ("assistant", "x" * 30)),
    _chat(("user", "q"), ("assistant", "a reply long enough"),
          _review={"status": "accepted", "origin": "human", "flags": ["style", 3],
                   "tags": ["b", "a", "b", " "]}),
    _chat(("user", "q"), ("assistant", "a reply long enough"), _review="legacy text"),
    _chat(("user", "q"), ("assistant", "a reply long enough"), _review=None),
    _chat(("user", "q"), ("assistant", "a reply long enough"),
          _review={"status": ["odd"], "origin": {"x": 1}, "flags": "one", "tags": "t"}),
    _chat(("user", "q"), ("assistant", "a reply long enough"), tags=["foreign", "x", "x"]),
    _chat(("user", "q"), ("assistant", "a reply long enough"), tags=[]),
    _chat(("user", "q"), ("assistant", "a reply long enough"), tags=None),
    _chat(("user", "q"), ("assistant", "a reply long enough"), tags="lone"),
    _chat(("narrator", "The rain"), ("user", " hi "), ("human", "?"), ("gpt", "answer here")),
    _chat(("user", ["part", {"type": "text", "text": "two"}]), ("assistant", None)),
    _chat(("user", ""), ("assistant", "")),
    {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello there!"}]},
    {"conversations": [{"role": "user", "text": "hi"}, {"speaker": "gpt", "content": "yo yo yo"}]},
    {"conversations": [{"value": "no role"}, {"from": "gpt"}, "not a message", 7]},
    {"messages": "nope"},
    {"messages": []},
    {"messages": [], "_review": {"status": "rejected"}},
    {"other": 1},
    [1, 2, 3],
    "a string",
    None,
    RawLine(b'{"messages": [', "unexpected end"),
]


@pytest.mark.parametrize("value", CASES, ids=range(len(CASES)))
def test_compute_equals_the_plain_definition(value: object) -> None:
    assert Columns(make_checker(None)).compute(value) == reference(value)


_text = st.lists(st.sampled_from([*"ab :\n\t ’\u200b", "As an AI", "User:"]),
                 max_size=12).map("".join)
_role = st.sampled_from(["system", "user", "assistant", "human", "gpt", "narrator", ""])
_message = st.one_of(
    st.fixed_dictionaries({"role": _role, "content": _text}),
    st.fixed_dictionaries({"from": _role, "value": _text}),
    st.dictionaries(st.sampled_from(["role", "content", "from", "value", "text"]),
                    st.one_of(_role, _text, st.none(), st.integers(-99, 99)), max_size=3),
)
_review = st.one_of(
    st.none(), st.text(max_size=3),
    st.fixed_dictionaries({}, optional={
        "status": st.sampled_from([*STATUSES, "odd", 3]),
        "origin": st.sampled_from([*ORIGINS, "odd"]),
        "flags": st.lists(st.sampled_from(["a", "b", 1]), max_size=3),
        "tags": st.one_of(st.lists(st.sampled_from(["a", "b", " ", 2]), max_size=3), _text)}),
)


@settings(max_examples=300, deadline=None)
@given(messages=st.lists(_message, max_size=6), key=st.sampled_from(["messages", "conversations"]),
       review=_review, tags=st.one_of(st.none(), st.lists(st.sampled_from(["x", "y", " "]))),
       has_review=st.booleans(), has_tags=st.booleans())
def test_compute_equals_the_definition_on_generated_records(messages, key, review, tags,
                                                            has_review, has_tags) -> None:
    value: dict = {key: messages}
    if has_review:
        value["_review"] = review
    if has_tags:
        value["tags"] = tags
    value = parse_line(orjson.dumps(value))  # as the scan sees it
    assert Columns(make_checker(None)).compute(value) == reference(value)


@settings(max_examples=300, deadline=None)
@given(messages=st.lists(_message, max_size=6))
def test_sharegpt_first_keys_shortcut_reads_as_the_generic_reader(messages) -> None:
    """The pass reads ``from``/``value`` directly; a message without them goes through
    `_read`, as every message did before: same findings and turns either way."""
    from rolethread_tui.domain.validation import runner
    from rolethread_tui.domain.validation.context import resolve

    value = {"conversations": messages}
    fast = runner.check_and_read(value, resolve(None))
    saved = runner._SHAREGPT_KEYS
    runner._SHAREGPT_KEYS = ("\0no role key", "\0no text key")  # every message: `_read`
    try:
        generic = runner.check_and_read(value, resolve(None))
    finally:
        runner._SHAREGPT_KEYS = saved
    assert fast == generic


_names = st.lists(st.one_of(st.sampled_from(["human", "gpt", "Human", "GPT", " user ", "assistant",
                                             "Bot", "Mara", "narrator", "system"]),
                            st.text(max_size=4), st.integers(0, 3), st.none()), max_size=8)


@settings(max_examples=300, deadline=None)
@given(names=_names, role=st.sampled_from(["system", "user", "assistant"]),
       key=st.sampled_from([None, "from", "role", "speaker"]))
def test_cached_sharegpt_vocabulary_answers_as_the_uncached_rule(names, role, key) -> None:
    """`roles.canonical_name` keeps the vocabulary answer per cast (the scan asks once
    per odd role); it names what the rule read fresh each time names."""
    from rolethread_tui.domain.validation import roles

    def vocabulary(seen: set[str]) -> bool | None:
        if seen & {"human", "gpt"}:
            return True
        return False if seen & {"user", "assistant"} else None

    exact = [n for n in names if isinstance(n, str)]
    sharegpt = vocabulary(set(exact))
    if sharegpt is None:
        sharegpt = vocabulary({n.strip().lower() for n in exact})
    if sharegpt is None:
        sharegpt = key in (None, "from")
    want = (roles.SHAREGPT_NAMES if sharegpt else roles.CHATML_NAMES)[role]
    for _ in range(2):  # asked again: the kept answer
        assert roles.canonical_name(role, "sharegpt", key, names) == want


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.sampled_from(["human", "gpt", "Mara", "GPT", "Bot", "narrator", 7]),
                      min_size=1, max_size=8),
       key=st.sampled_from(["from", "role", "speaker"]))
def test_role_findings_read_the_names_once_as_each_time(names, key) -> None:
    """The checker reads a record's role names once for all its odd roles: the
    findings are those `roles.check_role` gives with the names read for each."""
    from rolethread_tui.domain.validation import roles, runner
    from rolethread_tui.domain.validation.context import resolve

    messages = [{key: n, "value": f"text {k}"} for k, n in enumerate(names)]
    found = [f for f in runner.check_and_read({"conversations": messages}, resolve(None))[0]
             if f.check == "unknown-role"]
    fresh = []
    for k, m in enumerate(messages):
        name = m[key]
        if not isinstance(name, str) or name in roles.ACCEPTED["sharegpt"]:
            continue
        if k == 0 and roles.mislabelled_system(messages, 0, "sharegpt"):
            fresh.append(roles.check_mislabelled_system(name))
        else:
            fresh.append(roles.check_role(k, name, "sharegpt", key,
                                          roles.role_names(messages, "sharegpt")))
    assert sorted(found, key=lambda f: f.message) == sorted(fresh, key=lambda f: f.message)
