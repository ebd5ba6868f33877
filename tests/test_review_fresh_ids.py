"""Copies get fresh foreign ids (docs/formats.md): another tool must see two entries, not one."""

from __future__ import annotations

import uuid

import orjson
import pytest

from rolethread_tui.domain.review import with_fresh_ids
from rolethread_tui.domain.session import Session

LITE = {"id": 7, "messages": [{"role": "user", "content": "Hello there, captain."},
                              {"role": "assistant", "content": "Welcome aboard, sailor."},
                              {"role": "user", "content": "Where are we headed?"},
                              {"role": "assistant", "content": "North, to the ice."}],
        "_rolethread": {"entry_uuid": "3f2b8c1e-4a5d-4e6f-9a7b-1c2d3e4f5a6b", "v": 2},
        "source": "lite"}


def test_every_id_field_is_fresh_and_keeps_its_kind() -> None:
    fresh = with_fresh_ids(LITE)
    assert list(fresh) == list(LITE) and fresh["source"] == "lite"
    assert isinstance(fresh["id"], int) and fresh["id"] != 7 and 0 <= fresh["id"] < 2**62
    new_uuid = fresh["_rolethread"]["entry_uuid"]
    assert new_uuid != LITE["_rolethread"]["entry_uuid"] and uuid.UUID(new_uuid)
    assert fresh["_rolethread"]["v"] == 2 and list(fresh["_rolethread"]) == ["entry_uuid", "v"]
    assert LITE["id"] == 7  # the input is not changed


@pytest.mark.parametrize("record", [
    {"messages": []},
    {"id": None, "_rolethread": "not an object"},
    {"id": True, "_rolethread": {"other": 1}},
])
def test_records_without_usable_ids_are_left_as_they_are(record: dict) -> None:
    assert with_fresh_ids(record) == record


def test_string_ids_stay_strings() -> None:
    assert isinstance(with_fresh_ids({"id": "row-12"})["id"], str)
    assert with_fresh_ids({"id": "row-12"})["id"] != "row-12"


@pytest.fixture
def lite_file(tmp_path):
    path = tmp_path / "lite.jsonl"
    path.write_bytes(orjson.dumps(LITE) + b"\n")
    return path


def test_duplicate_and_split_get_fresh_foreign_ids(lite_file) -> None:
    with Session.open(lite_file) as s:
        s.wait()
        copy = s.duplicate_entry(0)
        part = s.split_entry(0, 2)
        entries = [s.entry(i) for i in range(len(s))]
    uuids = [e["_rolethread"]["entry_uuid"] for e in entries]
    ids = [e["id"] for e in entries]
    assert len(set(uuids)) == len(set(ids)) == len(entries) == 3
    assert entries[0]["_rolethread"]["entry_uuid"] == LITE["_rolethread"]["entry_uuid"]
    assert entries[0]["id"] == 7
    assert copy == part == 1  # the split part lands between the entry and its copy
    assert entries[2]["_review"]["duplicated_from"] == LITE["_rolethread"]["entry_uuid"]
