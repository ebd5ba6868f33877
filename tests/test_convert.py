"""ChatML <-> ShareGPT conversion and the clean conversation (domain/convert.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolethread_tui.domain import formats
from rolethread_tui.domain.convert import (
    PARTS_KEY,
    SkipEntry,
    clean,
    clean_conversation,
    skip_reason,
    to_chatml,
    to_sharegpt,
)

from .conftest import chat, clean_entry

PARTS = [{"type": "text", "text": "first part"}, {"type": "text", "text": "second"}]


def test_chatml_to_sharegpt_keeps_other_fields_and_their_order():
    record = {"id": "a1", **clean_entry(), "source": "gen", "_review": {"status": "accepted"}}
    out = to_sharegpt(record)
    assert list(out) == ["id", "conversations", "source", "_review"]
    assert out["_review"] == {"status": "accepted"} and out["source"] == "gen"
    assert [t["from"] for t in out["conversations"]] == [
        "system", "human", "gpt", "human", "gpt"]
    assert out["conversations"][1]["value"] == record["messages"][1]["content"]


def test_sharegpt_to_chatml_maps_every_speaker_and_text_key():
    record = {"conversations": [
        {"from": "System", "value": "be kind"},
        {"role": " human ", "content": "hi"},
        {"speaker": "GPT", "text": "hello", "weight": 0},
    ]}
    out = to_chatml(record)
    assert out == {"messages": [
        {"role": "system", "content": "be kind"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello", "weight": 0},
    ]}


def test_unknown_roles_are_kept_verbatim_in_whole_record_conversion():
    record = chat(("user", "hi"), ("Narrator", "The door creaks."), ("{{char}}", "Hm?"))
    there = to_sharegpt(record)
    assert [t["from"] for t in there["conversations"]] == ["human", "Narrator", "{{char}}"]
    assert to_chatml(there) == record


def test_record_already_in_target_shape_is_returned_unchanged():
    record = chat(("Assistant", "odd spelling kept"))
    assert to_chatml(record) is record
    share = {"conversations": [{"from": "GPT", "value": "x"}]}
    assert to_sharegpt(share) is share


def test_content_parts_flattened_for_sharegpt_and_restored_on_the_way_back():
    record = chat(("user", PARTS), ("assistant", None))
    there = to_sharegpt(record)
    turn = there["conversations"][0]
    assert turn["value"] == "first part\nsecond" and turn[PARTS_KEY] == PARTS
    assert there["conversations"][1]["value"] is None  # null is not flattened
    assert to_chatml(there) == record


def test_edited_sharegpt_text_wins_over_stale_parts():
    share = {"conversations": [{"from": "human", "value": "edited", PARTS_KEY: PARTS}]}
    out = to_chatml(share)
    assert out["messages"][0]["content"] == "edited"
    assert out["messages"][0][PARTS_KEY] == PARTS  # kept, not lost


def test_colliding_field_is_kept_under_an_original_suffix():
    record = {"messages": [{"role": "user", "content": "hi", "from": "alice"}]}
    out = to_sharegpt(record)
    assert out["conversations"][0] == {"from": "human", "value": "hi", "from_original": "alice"}
    both = {"conversations": ["old"], "messages": [{"role": "user", "content": "x"}]}
    assert to_sharegpt(both)["conversations_original"] == ["old"]


def test_non_records_pass_through():
    assert to_chatml({"text": "no conversation"}) == {"text": "no conversation"}


# --------------------------------------------------------------------------- clean
def test_clean_keeps_only_the_conversation_with_normalised_roles():
    record = {"id": 1, "tags": ["x"], "_review": {"status": "accepted"},
              "conversations": [{"from": "Human", "value": "hi", "weight": 1},
                                {"from": "bot", "value": PARTS}, {"from": "gpt", "value": None}]}
    assert clean(record, "chatml") == {"messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "first part\nsecond"},
        {"role": "assistant", "content": ""},
    ]}
    assert clean(record, "sharegpt") == {"conversations": [
        {"from": "human", "value": "hi"},
        {"from": "gpt", "value": "first part\nsecond"},
        {"from": "gpt", "value": ""},
    ]}


@pytest.mark.parametrize(("record", "reason"), [
    ("not a dict", "not-an-object"),
    ([1, 2], "not-an-object"),
    ({"text": "x"}, "no-messages"),
    ({"messages": []}, "no-messages"),
    (chat(("user", "hi"), ("Narrator", "...")), "unknown-role"),
    (chat(("tool", "{}")), "unknown-role"),
    ({"messages": ["just a string"]}, "malformed-message"),
    ({"messages": [{"content": "no role"}]}, "malformed-message"),
    ({"messages": [{"role": "user"}]}, "malformed-message"),
    (chat(("user", {"a": 1})), "malformed-message"),
    (chat(("user", [{"type": "image_url", "image_url": "x"}])), "non-text-content"),
])
def test_clean_skips_with_a_reason(record, reason):
    assert clean_conversation(record) is None
    assert skip_reason(record) == reason
    with pytest.raises(SkipEntry) as info:
        clean(record)
    assert info.value.reason == reason


def test_clean_of_a_clean_entry_has_no_skip_reason():
    assert skip_reason(clean_entry()) is None


# --------------------------------------------------------------------------- round trips
ROLES = st.sampled_from(["system", "user", "assistant", "narrator", "Kael"])
CONTENT = st.one_of(
    st.text(max_size=30), st.none(),
    st.lists(st.builds(lambda t: {"type": "text", "text": t}, st.text(max_size=10)),
             max_size=3),
)
EXTRA = st.dictionaries(st.sampled_from(["name", "weight"]), st.integers(), max_size=2)
MESSAGE = st.builds(lambda r, c, e: {"role": r, "content": c, **e}, ROLES, CONTENT, EXTRA)
RECORD = st.builds(
    lambda msgs, extra: {**extra, "messages": msgs},
    st.lists(MESSAGE, max_size=6),
    st.dictionaries(st.sampled_from(["id", "source", "_review"]), st.text(max_size=5),
                    max_size=3),
)


@given(RECORD)
def test_chatml_sharegpt_chatml_round_trip_is_exact(record):
    assert to_chatml(to_sharegpt(record)) == record


@given(RECORD)
def test_round_trip_keeps_the_read_model(record):
    assert formats.turns(to_sharegpt(record)) == formats.turns(record)


@given(st.lists(st.tuples(st.sampled_from(["system", "user", "assistant"]),
                          st.one_of(st.text(max_size=20), st.none())), min_size=1, max_size=6))
def test_clean_round_trip_chatml_sharegpt_chatml(pairs):
    record = chat(*pairs)
    once = clean(record, "chatml")
    assert clean(clean(once, "sharegpt"), "chatml") == once
