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


def test_an_edit_keeps_a_raw_del_in_messages_nobody_touched(tmp_path: Path):
    """A writer that escapes non-ASCII but leaves DEL (0x7f) raw: an edit of one reply
    rewrote the DEL of another message as \\u007f (QA), a change nobody made."""
    path = tmp_path / "d.jsonl"
    line = json.dumps(chat(("user", "caf\u00e9 \x7f here, and a literal \\u007f"),
                           ("assistant", "ok")))
    raw = line.replace("\\u007f here", "\x7f here").encode()
    assert b"\x7f" in raw and b"\\u00e9" in raw
    path.write_bytes(raw + b"\n")
    s = Session.open(path)
    s.wait()
    s.edit_message(0, 1, "edited")
    s.save()
    saved = path.read_bytes()
    assert b"caf\\u00e9 \x7f here, and a literal \\\\u007f" in saved
    assert parse_line(saved.rstrip())["messages"][0] == json.loads(line)["messages"][0]


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
    assert isinstance(s.rids(), range)  # the file's own order: the save's quick walk again
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


def _hostile_saved(tmp_path: Path, edit: bool) -> tuple[bytes, bytes]:
    """HOSTILE saved untouched, then with entry 1 accepted (and entry 9's first message
    edited when `edit`): the bytes of both saves."""
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(HOSTILE)
    with Session.open(path) as s:
        s.wait()
        s.save(tmp_path / "same.jsonl")
        s.set_status(1, "accepted")
        if edit:
            s.edit_message(9, 0, "edited")
        s.save(tmp_path / "edited.jsonl")
    return (tmp_path / "same.jsonl").read_bytes(), (tmp_path / "edited.jsonl").read_bytes()


@pytest.mark.parametrize("way", ["kernel copy", "no kernel copy", "kernel copy fails midway"])
def test_a_save_copies_the_untouched_bytes_whichever_way_it_copies(tmp_path: Path, monkeypatch,
                                                                   way):
    """Unchanged runs are copied by the kernel (`os.copy_file_range`), written back to the
    disk as the copy goes (a kick every `KICK` bytes), and read and written where the
    kernel cannot copy — before or midway: the same bytes every way."""
    from rolethread_tui.domain import writer

    monkeypatch.setattr(writer._Output, "KICK", 4096)  # many kicks on a small file
    monkeypatch.setattr(writer._Output, "BUFFER", 100)
    real = getattr(writer.os, "copy_file_range", None)
    calls = []

    def copy(*args: int) -> int:
        calls.append(args)
        if way == "no kernel copy" or (way == "kernel copy fails midway" and len(calls) > 2):
            raise OSError(18, "Invalid cross-device link")
        return real(*args)  # type: ignore[misc]

    if real is None:
        pytest.skip("no os.copy_file_range here")
    monkeypatch.setattr(writer.os, "copy_file_range", copy)
    same, edited_bytes = _hostile_saved(tmp_path, edit=True)
    assert same == HOSTILE
    edited = edited_bytes.split(b"\n")
    before = HOSTILE.split(b"\n")
    assert [k for k, (a, b) in enumerate(zip(before, edited, strict=True)) if a != b] == [3, 11]
    assert len(calls) >= (1 if way == "no kernel copy" else 3)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.sampled_from([b'{"a":1}', b'{"b":2}', b"", b"   ", b"{broken"]),
                      min_size=1, max_size=14),
       endings=st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=14, max_size=14),
       bom=st.booleans(), final=st.booleans(), data=st.data())
def test_a_save_visiting_only_the_edited_entries_writes_what_visiting_all_writes(
        tmp_path: Path, lines, endings, bom, final, data):
    """`pieces` with the edited records known (`_key_positions`) gives the bytes of the
    entry-by-entry walk: blank lines, CRLF, a BOM, a last line without an ending."""
    from rolethread_tui.domain import writer
    from rolethread_tui.domain.store import LineStore
    from rolethread_tui.domain.writer import FileRange, pieces

    keyed = writer.KEYED_SHARE
    writer.KEYED_SHARE = 1.0  # the keyed walk whatever the share edited (restored below)

    raw = (b"\xef\xbb\xbf" if bom else b"") + b"".join(
        line + ending for line, ending in zip(lines, endings, strict=False))
    if not final:
        raw = raw.rstrip(b"\r\n")
    path = tmp_path / "p.jsonl"
    path.write_bytes(raw)
    store = LineStore(path)
    try:
        store.publish(sum(len(spans) for _, spans in store.index_chunks()))
        assert store.count == sum(1 for line in lines if line.strip())
        edited = data.draw(st.sets(st.integers(0, max(store.count - 1, 0))))
        new = {r: b'{"edited":%d}' % r for r in edited if r < store.count}

        def written(known: set[int] | None) -> bytes:
            out = pieces(store, range(store.count), store.count, new.get, known)
            return b"".join(b"".join(p.read()) if isinstance(p, FileRange) else p for p in out)
        assert written(set(new)) == written(None)
        if not new:
            assert written(set()) == raw
    finally:
        writer.KEYED_SHARE = keyed
        store.close()


def test_a_save_whose_writeback_fails_fails_and_leaves_the_file(tmp_path: Path, monkeypatch):
    """The thread that writes a big save back while it is copied (`writer._Flusher`)
    meets a disk error: the save raises it, no temp file stays, the file is as it was."""
    import errno

    from rolethread_tui.domain import writer

    monkeypatch.setattr(writer._Output, "KICK", 4096)

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writer, "_datasync", broken)
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(HOSTILE)
    with Session.open(path) as s:
        s.wait()
        s.set_status(0, "accepted")
        with pytest.raises(OSError, match="Input/output"):
            s.save()
    assert path.read_bytes() == HOSTILE
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rolethread", "hostile.jsonl"]


def test_a_kernel_copy_that_copies_nothing_short_of_the_end_falls_back_to_reading(
        tmp_path: Path, monkeypatch):
    """`copy_file_range` may answer 0 before the source's end where a file system cannot
    copy between these files (documented for some kernels and special files): the rest
    of the range is read and written, not dropped from the saved file."""
    from rolethread_tui.domain import writer

    if not hasattr(writer.os, "copy_file_range"):
        pytest.skip("no os.copy_file_range here")
    monkeypatch.setattr(writer.os, "copy_file_range", lambda *args: 0)
    same, edited = _hostile_saved(tmp_path, edit=False)
    assert same == HOSTILE
    assert len(edited) > len(HOSTILE) and edited.endswith(HOSTILE.split(b"\n")[-1])


def test_a_save_of_many_short_runs_reads_them_and_copies_the_long_ones(tmp_path: Path,
                                                                       monkeypatch):
    """Runs shorter than `_Output.SMALL` are read into the buffer (a kernel copy per
    entry cost twice the CPU of a save with every third entry deleted); the long one
    (the 3 MB line) is still copied by the kernel; the bytes are the same either way."""
    from rolethread_tui.domain import writer

    real = getattr(writer.os, "copy_file_range", None)
    if real is None:
        pytest.skip("no os.copy_file_range here")
    sizes: list[int] = []

    def copy(src: int, dst: int, count: int, *offsets: int) -> int:
        sizes.append(count)
        return real(src, dst, count, *offsets)

    monkeypatch.setattr(writer.os, "copy_file_range", copy)
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(HOSTILE)
    with Session.open(path) as s:
        s.wait()
        kept = [s.line_bytes(i) for i in range(len(s)) if i % 3]
        s.delete_entries([i for i in range(len(s)) if i % 3 == 0])
        s.save(tmp_path / "fewer.jsonl")
    saved = (tmp_path / "fewer.jsonl").read_bytes()
    assert [line.strip() for line in saved.removeprefix(b"\xef\xbb\xbf").splitlines()
            if line.strip()] == [line.strip() for line in kept]
    assert sizes and all(n >= writer._Output.SMALL for n in sizes)
