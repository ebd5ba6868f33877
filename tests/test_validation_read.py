"""The lean read of the usual conversation (`runner._read_plain`) against the
general loop (`runner._read_messages`): whatever the messages, the findings and
turns must be the very same as when the general loop reads every entry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui.domain.validation import runner
from rolethread_tui.domain.validation.context import build_context, resolve

_NAMES = ["system", "user", "assistant", "human", "gpt", "User", " assistant", "bot",
          "Mara", "narrator", "{{char}}", ""]
_SAMPLES = st.sampled_from([
    "hello there, traveller", "", "  padded  ", "short", "As an AI, I can't.", "x\u200by",
    "I\u2019m an AI language model", "Mara: hi", "<|im_end|>", "user: hi", "\ud800 lone",
    "a\n\nb", "You are Mara.", "You are Mara.\u200b", "fine.\nMara: then"])
_TEXTS = st.one_of(_SAMPLES, st.text(max_size=40))
_VALUES = st.one_of(_TEXTS, _TEXTS, _TEXTS, st.none(), st.integers(),
                    st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _TEXTS}),
                             max_size=2))


@st.composite
def _message(draw: st.DrawFn, shape: str) -> object:
    if draw(st.integers(0, 19)) == 0:  # now and then not an object at all
        return draw(st.one_of(st.none(), st.text(max_size=5), st.lists(st.integers(), max_size=2)))
    role_keys = ["role"] if shape == "chatml" else ["from", "role", "speaker"]
    text_keys = ["content"] if shape == "chatml" else ["value", "content", "text"]
    message: dict[str, object] = {}
    if draw(st.integers(0, 9)):  # usually the shape's first keys
        role_key, text_key = role_keys[0], text_keys[0]
    else:
        role_key, text_key = draw(st.sampled_from(role_keys)), draw(st.sampled_from(text_keys))
    if draw(st.integers(0, 14)):
        message[role_key] = draw(st.one_of(st.sampled_from(_NAMES), st.sampled_from(_NAMES),
                                           st.integers(), st.none()))
    if draw(st.integers(0, 14)):
        message[text_key] = draw(_VALUES)
    return message


@st.composite
def _record(draw: st.DrawFn) -> dict:
    shape = draw(st.sampled_from(["chatml", "sharegpt"]))
    messages = draw(st.lists(_message(shape), max_size=9))
    if draw(st.booleans()):  # the usual: system, then alternating user and assistant
        user, reply = ("user", "assistant") if shape == "chatml" else ("human", "gpt")
        key, text = ("role", "content") if shape == "chatml" else ("from", "value")
        names = ["system"] + [user, reply] * draw(st.integers(0, 5))
        messages = [{key: n, text: draw(_SAMPLES)} for n in names]
    return {"messages" if shape == "chatml" else "conversations": messages}


def _general(record: dict, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as patch:
        patch.setattr(runner, "_read_plain", lambda messages, shape: None)
        return runner.check_and_read(record, resolve(None))


@settings(max_examples=400, deadline=None)
@given(record=_record())
def test_lean_read_gives_the_general_result(record: dict) -> None:
    monkeypatch = pytest.MonkeyPatch()
    assert runner.check_and_read(record, resolve(None)) == _general(record, monkeypatch)


def test_lean_read_takes_the_usual_and_leaves_the_rest() -> None:
    usual = [{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
             {"role": "assistant", "content": "a"}]
    codes, texts, reply_at, replies, other_at, others, system = runner._read_plain(usual, "chatml")
    assert (codes, texts, replies, others, system) == (list("sua"), ["s", "q", "a"], ["a"],
                                                      ["s", "q"], "s")
    assert reply_at is None and other_at is None  # found from the code when needed
    for odd in ([{"role": "bot", "content": "a"}], [{"role": "user", "content": None}],
                [{"content": "a"}], ["text"], [{"from": "gpt", "text": "a"}]):
        assert runner._read_plain(odd, "chatml") is None
        assert runner._read_plain(odd, "sharegpt") is None


def test_findings_carry_the_message_index_found_from_the_code() -> None:
    """A finding on the lean path names the same message as on the general one."""
    record = {"messages": [{"role": "system", "content": "You are Mara."},
                           {"role": "user", "content": "hi"},
                           {"role": "assistant", "content": "As an AI language model, no."},
                           {"role": "user", "content": "again"},
                           {"role": "assistant", "content": "Mara: fine\u200b."}]}
    found = runner.check_and_read(record, build_context())[0]
    assert {(f.check, f.message) for f in found} >= {("refusal", 2), ("format-leak", 4),
                                                      ("hidden-characters", 4)}
