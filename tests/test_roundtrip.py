"""Nothing is lost: byte-exact saves, and any op sequence undone gives the file back."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolethread_tui import Session
from rolethread_tui.domain.ops import OpError
from rolethread_tui.domain.records import parse_line

from .conftest import chat, clean_entry

HOSTILE = (
    b"\xef\xbb\xbf"
    + json.dumps(clean_entry(0)).encode() + b"\r\n"
    + b"\n   \n"
    + b'{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":null}]}\n'
    + b'{"messages":[{"role":"user","content":[{"type":"text","text":"parts"}]}],"a":1,"a":2}\n'
    + b"{truncated\n"
    + b'{"messages":[{"role":"user","content":"bad \xff\xfe utf8"}]}\n'
    + b'{"messages":[{"role":"user","content":"nul \x00 raw"}]}\n'
    + b'{"messages":[{"role":"assistant","content":"[bold red]x[/] \\u001b[31m esc"}]}\n'
    + b'"just a string"\n'
    + b'{"messages":[{"role":"user","content":"' + b"x" * 3_000_000 + b'"}]}\n'
    + b'{"messages":[{"role":"user","content":"caf\\u00e9"}], "n": 1e400}\n'
    + b'{"messages": [{"role": "user", "content": "last, no newline"}]}'
)


def test_hostile_file_loads_and_saves_identically(tmp_path: Path):
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(HOSTILE)
    s = Session.open(path)
    s.wait()
    assert len(s) == 11
    assert [i for i in range(len(s)) if not s.row(i).valid] == [3, 4, 5, 7]
    s.save()
    assert path.read_bytes() == HOSTILE
    out = tmp_path / "copy.jsonl"
    s.save(out)
    assert out.read_bytes() == HOSTILE


def test_save_after_edits_changes_exactly_those_lines(tmp_path: Path):
    path = tmp_path / "d.jsonl"
    original = [json.dumps(clean_entry(i)) for i in range(40)]
    path.write_text("\n".join(original) + "\n")
    s = Session.open(path)
    s.wait()
    touched = {3, 17, 29}
    s.set_status(3, "accepted")
    s.toggle_flag(17, "repetitive")
    s.edit_message(29, 2, "Nicht übel — ein besserer Satz.")
    s.save()
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    changed = {i for i, (a, b) in enumerate(zip(original, lines, strict=False)) if a != b}
    assert changed == touched
    assert "übel" in lines[29]  # non-ASCII kept raw, not \u-escaped
    head = lines[3].split('"_review"')[0]
    assert head == original[3][:-1] + ", "  # key order and spacing kept


def test_changed_line_keeps_its_line_ending_and_escape_style(tmp_path: Path):
    path = tmp_path / "d.jsonl"
    line = json.dumps(chat(("user", "café"), ("assistant", "ok")))  # ensure_ascii style
    path.write_bytes(line.encode() + b"\r\n" + line.encode() + b"\r\n")
    s = Session.open(path)
    s.wait()
    s.set_status(0, "accepted")
    s.save()
    data = path.read_bytes()
    first, second, rest = data.split(b"\r\n")
    assert b"caf\\u00e9" in first and b'"status": "accepted"' in first
    assert second == line.encode() and rest == b""


OPS = st.lists(
    st.tuples(
        st.sampled_from([
            "status", "flag", "note", "tags", "refined", "edit", "role", "insert", "delete_msg",
            "move", "revert", "duplicate", "delete", "split", "join", "undo", "redo", "raw",
            "add", "bulk_status", "bulk_delete", "fix", "unvouch",
        ]),
        st.integers(0, 30), st.integers(0, 8), st.text(max_size=12),
    ),
    max_size=25,
)


def _apply(s: Session, op: str, i: int, m: int, text: str) -> None:
    if len(s) == 0:
        return
    i %= len(s)
    calls = {
        "status": lambda: s.set_status(i, ["accepted", "rejected", "needs_work", None][m % 4]),
        "flag": lambda: s.toggle_flag(i, ["refusal", "style"][m % 2]),
        "note": lambda: s.set_note(i, text),
        "tags": lambda: s.set_tags(i, [text, "x"]),
        "refined": lambda: s.mark_refined(i),
        "edit": lambda: s.edit_message(i, m, text),
        "role": lambda: s.set_role(i, m, "user"),
        "insert": lambda: s.insert_message(i, m, "assistant", text),
        "delete_msg": lambda: s.delete_message(i, m),
        "move": lambda: s.move_message(i, m, 0),
        "revert": lambda: s.revert_message(i, m),
        "duplicate": lambda: s.duplicate_entry(i),
        "delete": lambda: s.delete_entries([i]),
        "split": lambda: s.split_entry(i, m),
        "join": lambda: s.join_entries(i),
        "undo": s.undo,
        "redo": s.redo,
        "raw": lambda: s.replace_line(i, text.replace("\n", " ").encode()),
        "add": lambda: s.add_entry([{"role": "user", "content": text}], after=i),
        "bulk_status": lambda: s.set_status(range(0, len(s), 2), "rejected"),
        "bulk_delete": lambda: s.delete_entries([i, (i + m) % len(s)]),
        "fix": lambda: s.apply_fixes(range(len(s))),
        "unvouch": lambda: s.toggle_refined(i),
    }
    with contextlib.suppress(OpError, IndexError):
        calls[op]()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_ops_then_undo_all_gives_back_the_bytes(tmp_path: Path, ops):
    path = tmp_path / "p.jsonl"
    path.write_bytes(HOSTILE[:2000] + b"\n" + b"\n".join(
        json.dumps(clean_entry(i), ensure_ascii=i % 2 == 0).encode() for i in range(6)))
    original = path.read_bytes()
    s = Session.open(path)
    s.wait()
    for op in ops:
        _apply(s, *op)
    s.save(tmp_path / "mid.jsonl")
    while s.undo():
        pass
    assert not s.dirty
    s.save(tmp_path / "back.jsonl")
    assert (tmp_path / "back.jsonl").read_bytes() == original
    s.close()


def test_big_integers_survive_an_edit(tmp_path: Path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"messages":[{"role":"user","content":"hi"}],'
                     b'"n":123456789012345678901234567890,"m":-18446744073709551616}\n')
    s = Session.open(path)
    s.wait()
    s.set_status(0, "accepted")
    s.save()
    line = path.read_bytes()
    assert b'"n":123456789012345678901234567890' in line
    assert b'"m":-18446744073709551616' in line and b"accepted" in line


@pytest.mark.parametrize(("raw", "exact"), [
    (b'{"n": 12345678901234567890}', 12345678901234567890),        # 20 digits: beyond 2**64
    (b'{"n": -9223372036854775809}', -9223372036854775809),        # 19 digits, below int64
    (b'{"n": 123456789012345678}', 123456789012345678),            # 18 digits: orjson's own
    (b'{"s": "12345678901234567890", "f": 1.5e300}', None),         # digits in a string
])
def test_integers_keep_every_digit_whatever_the_buffer(raw, exact):
    for buffer in (raw, memoryview(b"xx" + raw)[2:]):
        value = parse_line(buffer)
        if exact is None:
            assert value == {"s": "12345678901234567890", "f": 1.5e300}
        else:
            assert value == {"n": exact} and type(value["n"]) is int
