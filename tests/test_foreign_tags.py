"""Another tool's top-level `tags` can be removed (docs/provenance.md, "Foreign metadata").

RoleThread Lite writes tags at the top level; we show them beside `_review.tags`.
The first tag edit of an entry moves them into `_review.tags` and drops the old
key from that line only, so every tag a reviewer sees is one they can remove.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from rolethread_tui.domain import Session

LITE = (b'{"id":"g1","messages":[{"role":"user","content":"Hi"},'
        b'{"role":"assistant","content":"Hello there, traveller."}],"tags":["greeting","lite"]}')
OTHER = (b'{"id":"g2","messages":[{"role":"user","content":"Bye"},'
         b'{"role":"assistant","content":"Farewell, friend."}],"tags":["greeting"]}')
JUNK = (b'{"id":"g3","messages":[{"role":"user","content":"Hm"},'
        b'{"role":"assistant","content":"Indeed it is so."}],"tags":["greeting",7]}')


def _open(tmp_path: Path, *lines: bytes) -> tuple[Session, Path]:
    path = tmp_path / "lite.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    session = Session.open(path)
    session.wait()
    return session, path


def test_clearing_tags_removes_foreign_ones_from_that_line_only(tmp_path: Path) -> None:
    session, path = _open(tmp_path, LITE, OTHER)
    assert session.search("tag:greeting") == [0, 1]
    assert session.set_tags(0, []) == 1
    assert session.row(0).tags == ()
    assert session.search("tag:greeting") == [1]
    session.save()
    first, second = path.read_bytes().splitlines()
    assert "tags" not in orjson.loads(first) and "tags" not in orjson.loads(first)["_review"]
    assert second == OTHER  # the other line is not touched


def test_adding_a_tag_keeps_foreign_tags_in_order_and_undo_gives_the_bytes_back(
        tmp_path: Path) -> None:
    session, path = _open(tmp_path, LITE)
    session.add_tag(0, "checked")
    assert session.row(0).tags == ("greeting", "lite", "checked")
    session.add_tag(0, "lite", on=False)
    assert session.row(0).tags == ("greeting", "checked")
    session.save()
    value = orjson.loads(path.read_bytes())
    assert value["_review"]["tags"] == ["greeting", "checked"] and "tags" not in value
    session.undo()
    session.undo()
    session.save()
    assert path.read_bytes() == LITE + b"\n"


def test_a_tag_edit_that_changes_nothing_leaves_the_line_as_written(tmp_path: Path) -> None:
    session, _ = _open(tmp_path, LITE)
    assert session.add_tag(0, "greeting") == 0
    assert session.set_tags(0, ["greeting", "lite"]) == 0
    assert not session.dirty


def test_a_list_with_non_text_items_is_left_for_bad_tags(tmp_path: Path) -> None:
    session, path = _open(tmp_path, JUNK)
    session.add_tag(0, "checked")
    session.save()
    value = orjson.loads(path.read_bytes())
    assert value["tags"] == ["greeting", 7] and value["_review"]["tags"] == ["checked"]


def test_bulk_tag_over_mixed_entries(tmp_path: Path) -> None:
    plain = (b'{"messages":[{"role":"user","content":"Yo"},'
             b'{"role":"assistant","content":"Hey you."}]}')
    session, path = _open(tmp_path, LITE, plain)
    assert session.add_tag([0, 1], "batch-3") == 2
    assert session.row(0).tags == ("greeting", "lite", "batch-3")
    assert session.row(1).tags == ("batch-3",)
    session.undo()
    session.save()
    assert path.read_bytes() == LITE + b"\n" + plain + b"\n"
