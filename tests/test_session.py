"""The public Session API of docs/architecture.md, as a notebook user would call it."""

from __future__ import annotations

import json

import pytest

from rolethread_tui import Session
from rolethread_tui.domain.ops import OpError
from rolethread_tui.domain.records import RawLine

from .conftest import chat, clean_entry


def open_(path) -> Session:
    s = Session.open(path)
    s.wait()
    return s


def test_open_len_entry_and_raw_lines(write):
    path = write([clean_entry(1), "this is not json", json.dumps([1, 2]), "", clean_entry(2)])
    s = open_(path)
    assert len(s) == 4  # the blank line is not an entry
    assert s.entry(0)["messages"][1]["content"].startswith("Where does")
    raw = s.entry(1)
    assert isinstance(raw, RawLine) and raw == "this is not json" and raw.error
    assert s.entry(2) == [1, 2]
    assert s.line_number(3) == 5


def test_status_flags_note_are_recorded_and_stamped(write):
    s = open_(write([clean_entry()]))
    s.set_status(0, "accepted")
    s.toggle_flag(0, "refusal")
    s.set_note(0, "why")
    review = s.entry(0)["_review"]
    assert review["status"] == "accepted"
    assert review["flags"] == ["refusal"]
    assert review["note"] == "why"
    assert review["by"] == "tester" and review["at"].endswith("Z")
    assert review["id"]
    s.toggle_flag(0, "refusal")
    assert "flags" not in s.entry(0)["_review"]
    assert s.row(0).status == "accepted"


def test_bad_status_is_refused(write):
    s = open_(write([clean_entry()]))
    with pytest.raises(OpError):
        s.set_status(0, "maybe")
    assert not s.dirty


def test_edit_message_tracks_provenance_and_keeps_original(write):
    s = open_(write([clean_entry()]))
    assert s.edit_message(0, 2, "A better reply.")
    s.edit_message(0, 2, "An even better reply.")
    e = s.entry(0)
    review = e["_review"]
    assert e["messages"][2]["content"] == "An even better reply."
    assert review["origin"] == "refined"
    assert review["turns"] == ["generated", "generated", "refined", "generated", "generated"]
    assert review["original"] == {"2": clean_entry()["messages"][2]["content"]}
    s.revert_message(0, 2)
    e = s.entry(0)
    assert e["messages"][2]["content"] == clean_entry()["messages"][2]["content"]
    assert e["_review"]["origin"] == "generated"
    assert "original" not in e["_review"]


def test_reverting_a_fix_by_hand_leaves_the_line_as_written(write):
    """`F` then `R` (QA): the text was back to the model's, yet the saved line gained a
    `_review` naming the fix ("fixed: hidden-characters") and stamps."""
    entry = clean_entry()
    entry["messages"][2]["content"] = "*Mira unrolls\u200b a damp map.*"
    path = write([entry, clean_entry(1)])
    before = path.read_bytes()
    s = open_(path)
    assert s.apply_fixes(0, ["hidden-characters"]) == 1
    assert s.entry(0)["_review"]["fixes"] == ["hidden-characters"]
    assert s.revert_message(0, 2)
    assert "fixes" not in s.entry(0).get("_review", {})
    s.save()
    assert path.read_bytes() == before
    s.undo()  # the revert undone: the fix is back, named
    assert s.entry(0)["_review"]["fixes"] == ["hidden-characters"]


def test_a_revert_keeps_a_fix_that_changed_more_than_texts(write):
    entry = clean_entry()
    entry["messages"][1]["role"] = "Human"  # an unknown role the role fix maps
    entry["messages"][2]["content"] = "  padded reply  "
    s = open_(write([entry]))
    s.apply_fixes(0, ["unknown-role", "edge-whitespace"])
    assert sorted(s.entry(0)["_review"]["fixes"]) == ["edge-whitespace", "unknown-role"]
    s.revert_message(0, 2)
    assert s.entry(0)["_review"]["fixes"] == ["unknown-role"]


def test_turns_stay_aligned_through_insert_delete_move(write):
    s = open_(write([clean_entry()]))
    s.edit_message(0, 4, "edited last")
    s.insert_message(0, 1, "user", "added by hand")
    review = s.entry(0)["_review"]
    assert review["turns"] == ["generated", "human", "generated", "generated", "generated",
                               "refined"]
    assert list(review["original"]) == ["5"]
    s.move_message(0, 5, 2)
    e = s.entry(0)
    assert e["messages"][2]["content"] == "edited last"
    assert e["_review"]["turns"][2] == "refined"
    assert list(e["_review"]["original"]) == ["2"]
    s.delete_message(0, 1)
    e = s.entry(0)
    assert e["_review"]["turns"] == ["generated", "refined", "generated", "generated",
                                     "generated"]
    assert e["_review"]["original"] == {"1": clean_entry()["messages"][4]["content"]}


def test_sharegpt_insert_uses_its_own_vocabulary(write):
    rec = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}
    s = open_(write([rec]))
    s.insert_message(0, 2, "user", "more")
    assert s.entry(0)["conversations"][2] == {"from": "human", "value": "more"}


def test_mark_refined_and_human_entries(write):
    human = chat(("user", "hi"), ("assistant", "hello"), _review={"origin": "human"})
    s = open_(write([clean_entry(), human]))
    s.mark_refined([0, 1])
    assert s.entry(0)["_review"]["origin"] == "refined"
    assert s.entry(1)["_review"]["origin"] == "human"  # a person wrote it: stays human


def test_undo_redo_return_false_when_nothing_to_do(write):
    s = open_(write([clean_entry()]))
    assert s.undo() is False and s.redo() is False
    s.set_status(0, "rejected")
    assert s.dirty
    assert s.undo() is True
    assert not s.dirty
    assert "_review" not in s.entry(0)
    assert s.redo() is True
    assert s.entry(0)["_review"]["status"] == "rejected"
    s.undo()
    s.set_status(0, "accepted")
    assert s.redo() is False  # a new op clears redo


def test_bulk_op_is_one_undo_step(write):
    s = open_(write([clean_entry(i) for i in range(50)] + ["broken"]))
    changed = s.set_status(range(51), "rejected")
    assert changed == 50  # the broken line is skipped, not corrupted
    assert s.counts()["status"]["rejected"] == 50
    s.undo()
    assert s.counts()["status"]["rejected"] == 0
    assert not s.dirty


def test_structural_ops_and_undo(write):
    s = open_(write([clean_entry(i) for i in range(3)]))
    s.duplicate_entry(0)
    assert len(s) == 4
    assert s.entry(1)["_review"]["duplicated_from"] == s.entry_id(0)
    assert s.entry(1)["_review"]["id"] != s.entry_id(0)
    second = s.split_entry(2, 3)
    assert len(s) == 5
    a, b = s.entry(2), s.entry(second)
    assert [m["role"] for m in a["messages"]] == ["system", "user", "assistant"]
    assert [m["role"] for m in b["messages"]] == ["system", "user", "assistant"]
    assert b["_review"]["split_from"] == a["_review"]["id"]
    s.join_entries(2)
    assert len(s) == 4
    assert len(s.entry(2)["messages"]) == 5  # identical system prompt not repeated
    s.delete_entries([0, 3])
    assert len(s) == 2
    while s.undo():
        pass
    assert len(s) == 3
    assert not s.dirty


def test_change_events_name_what_changed(write):
    s = open_(write([clean_entry(i) for i in range(3)]))
    events = []
    s.subscribe(events.append)
    s.set_status(1, "accepted")
    s.undo()
    s.delete_entries([0])
    assert [(e.kind, e.positions) for e in events] == [
        ("change", (1,)), ("change", (1,)), ("change", None)]
    assert events[1].label.startswith("undo")


def test_raw_line_ops_are_refused_but_can_be_rewritten(write):
    s = open_(write(["{broken", clean_entry()]))
    with pytest.raises(OpError, match="not valid JSON"):
        s.set_status(0, "accepted")
    s.replace_line(0, b'{"messages": []}')
    assert s.entry(0) == {"messages": []}
    assert s.row(0).valid


def test_join_of_chatml_and_sharegpt_keeps_one_shape(write):
    share = {"conversations": [{"from": "human", "value": "and then?"},
                               {"from": "gpt", "value": "the end", "weight": 1}]}
    s = open_(write([clean_entry(0), share]))
    s.join_entries(0)
    messages = s.entry(0)["messages"]
    assert messages[-2:] == [{"role": "user", "content": "and then?"},
                             {"role": "assistant", "content": "the end", "weight": 1}]


def test_h_vouches_takes_a_vouch_back_and_refuses_on_an_edited_entry(write):
    from rolethread_tui.domain import OpError

    path = write([clean_entry(0), clean_entry(1)])
    s = Session.open(path, reviewer="me")
    s.wait()
    s.toggle_refined(0)
    assert s.row(0).origin == "refined"
    s.toggle_refined(0)  # only vouched: taken back
    assert s.row(0).origin == "generated"
    s.edit_message(1, 2, "fixed by hand")
    with pytest.raises(OpError, match="stays refined"):
        s.toggle_refined(1)
    assert s.row(1).origin == "refined"
    added = s.add_entry([{"role": "user", "content": "mine"}])
    with pytest.raises(OpError, match="written by a person"):  # was silently nothing
        s.toggle_refined(added)
    assert s.row(added).origin == "human"
    s.close()


def test_a_review_changed_and_changed_back_by_hand_leaves_the_line_as_written(write, tmp_path):
    """A flag toggled on and off (or a status set and set back) wrote a `_review` with
    id/by/at into a line that had none: a diff for a change that is not there."""
    line = json.dumps(clean_entry(0))
    reviewed = json.dumps({**clean_entry(1), "_review": {"status": "rejected", "by": "ana",
                                                          "at": "2026-01-01T00:00:00Z"}})
    path = write([line, reviewed, json.dumps(clean_entry(2))])
    before = path.read_bytes()
    s = Session.open(path, reviewer="me")
    s.wait()
    s.toggle_flag(0, "tone")
    s.toggle_flag(0, "tone")
    s.set_status(1, "accepted")
    s.set_status(1, "rejected")  # back to ana's decision: her stamp stays too
    s.set_status([0, 2], "accepted")  # a bulk change, then one entry put back by hand
    s.set_status(2, None)
    assert s.row(0).status == "accepted" and not s.row(0).flags
    assert s.row(2).status == "unreviewed" and s.row(1).status == "rejected"
    s.save()
    saved = path.read_bytes().split(b"\n")
    assert saved[1:] == before.split(b"\n")[1:]  # entries 1 and 2 byte for byte
    assert json.loads(saved[0])["_review"]["status"] == "accepted"
    while s.undo():
        pass
    assert [s.row(i).status for i in range(3)] == ["unreviewed", "rejected", "unreviewed"]
    s.save()
    assert path.read_bytes() == before
    s.close()
