""".json files holding one top-level array: read element by element, saved back in
the same shape with every untouched byte kept (docs/formats.md, "Input: a JSON array")."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolethread_tui import Session
from rolethread_tui.cli.main import main
from rolethread_tui.domain import DomainError
from rolethread_tui.domain.opening import close, open_for_review
from rolethread_tui.domain.records import RawLine, parse_line

from .conftest import chat, clean_entry
from .test_crash_recovery import _dead_lock
from .test_roundtrip import OPS, _apply


def pretty(entries: list, bom: bool = False) -> bytes:
    """The file a script writes with `json.dump(entries, f, indent=2)`."""
    text = json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def element(entry: object) -> bytes:
    """An entry's bytes inside `pretty`'s array: indented one level, from its `{`."""
    text = json.dumps(entry, indent=2, ensure_ascii=False)
    return textwrap.indent(text, "  ")[2:].encode()


def loads(data: bytes) -> list:
    return json.loads(data.decode("utf-8-sig"))


ENTRIES = [clean_entry(i) | {"n": i} for i in range(6)]


def test_a_pretty_printed_array_is_reviewed_and_saved_in_its_own_shape(tmp_path: Path):
    path = tmp_path / "data.json"
    original = pretty(ENTRIES, bom=True)
    path.write_bytes(original)
    s = Session.open(path)
    s.wait()
    assert len(s) == 6 and all(s.row(i).valid for i in range(6))
    assert s.line_number(4) == 5  # findings name the element, from 1
    s.set_status(0, "accepted")
    s.edit_message(1, 2, "A better reply.")
    s.delete_entries([3])
    s.add_entry([{"role": "user", "content": "added"}], after=3)
    s.save()
    saved = path.read_bytes()
    assert saved.startswith(b"\xef\xbb\xbf[\n  {") and saved.endswith(b"\n]\n")
    values = loads(saved)
    assert [v.get("n") for v in values] == [0, 1, 2, 4, None, 5]
    assert values[0]["_review"]["status"] == "accepted"
    assert values[1]["messages"][2]["content"] == "A better reply."
    assert values[4]["messages"] == [{"role": "user", "content": "added"}]
    for untouched in (2, 4, 5):  # their bytes, indentation and all
        assert element(ENTRIES[untouched]) in saved
    edited = saved.split(b"\n")[saved.split(b"\n").index(b"  },") + 1]
    assert edited.startswith(b'  {"messages":') and edited.endswith(b"},")  # compact, in place
    while s.undo():
        pass
    s.save()
    assert path.read_bytes() == original
    s.close()


@pytest.mark.parametrize("indent", [2, 4, "\t"])
def test_a_review_added_to_a_pretty_element_is_indented_like_its_other_keys(
        tmp_path: Path, indent: int | str):
    """An accept on a pretty-printed element wrote `"_review":{...}` compact after its
    last key (review): now the member and its value are laid out as the element's
    other keys, so the file reads as `json.dump(..., indent=N)` would write it."""
    path = tmp_path / "data.json"
    original = (json.dumps(ENTRIES[:4], indent=indent, ensure_ascii=False) + "\n").encode()
    path.write_bytes(original)
    s = Session.open(path)
    s.wait()
    s.set_status(1, "accepted")
    s.toggle_flag(1, "unsafe")
    s.save()
    saved = path.read_bytes()
    values = json.loads(saved)  # still one valid array
    assert values[1]["_review"]["status"] == "accepted" and "_review" not in values[2]
    assert saved == (json.dumps(values, indent=indent, ensure_ascii=False) + "\n").encode()
    step = indent if isinstance(indent, str) else " " * indent
    assert f'\n{step * 2}"_review": {{\n{step * 3}"id": '.encode() in saved
    for untouched in (0, 2, 3):  # byte-identical
        text = json.dumps(ENTRIES[untouched], indent=indent, ensure_ascii=False)
        assert textwrap.indent(text, step).encode() in saved
    s.set_status(1, "rejected")  # a review already there is replaced in the same layout
    s.save()
    saved = path.read_bytes()
    assert saved == (json.dumps(json.loads(saved), indent=indent, ensure_ascii=False)
                     + "\n").encode()
    while s.undo():
        pass
    s.save()
    assert path.read_bytes() == original
    s.close()


@pytest.mark.parametrize("text", [
    "[]", "[]\n", "[\n]", " [ ] ", "[{\"a\": 1}]", '[{"a":1},{"b":2}]',
    '[\r\n\t{"a": [1, {"b": "]}[{\\"\\\\"}]}\r\n\t, "x" ,\n 12.5e3,null , [1,[2]]]\r\n',
])
def test_an_array_saved_untouched_is_byte_identical(tmp_path: Path, text: str):
    path = tmp_path / "a.json"
    path.write_bytes(text.encode())
    s = Session.open(path)
    s.wait()
    s.save(tmp_path / "out.json")
    assert (tmp_path / "out.json").read_bytes() == text.encode()
    assert len(s) == len(json.loads(text))
    s.close()


def test_separators_follow_the_entries_whichever_go(tmp_path: Path):
    path = tmp_path / "a.json"
    path.write_bytes(b'[ {"messages": []},\n  {"messages": [], "k": 1} , {"messages": [], "k": 2}]')
    s = Session.open(path)
    s.wait()
    s.delete_entries([0])
    s.save(tmp_path / "first-gone.json")
    assert (tmp_path / "first-gone.json").read_bytes() == (
        b'[ {"messages": [], "k": 1} , {"messages": [], "k": 2}]')
    s.delete_entries([1])
    s.save(tmp_path / "last-gone.json")
    assert (tmp_path / "last-gone.json").read_bytes() == b'[ {"messages": [], "k": 1}]'
    s.delete_entries([0])
    s.save(tmp_path / "empty.json")
    assert loads((tmp_path / "empty.json").read_bytes()) == []
    s.add_entry([{"role": "user", "content": "x"}])
    s.add_entry([{"role": "user", "content": "y"}], after=0)
    s.save(tmp_path / "refilled.json")
    assert [v["messages"][0]["content"] for v in loads(
        (tmp_path / "refilled.json").read_bytes())] == ["x", "y"]
    s.close()


def test_a_duplicate_and_a_split_get_their_separators(tmp_path: Path):
    path = tmp_path / "a.json"
    path.write_bytes(pretty(ENTRIES[:2]))
    s = Session.open(path)
    s.wait()
    s.duplicate_entry(1)
    s.split_entry(0, 3)
    s.save()
    values = loads(path.read_bytes())
    assert [v.get("n") for v in values] == [0, 0, 1, 1]
    assert [len(v["messages"]) for v in values] == [3, 3, 5, 5]  # the system prompt twice
    s.close()


def test_elements_that_are_not_objects_are_entries_flagged_like_lines(tmp_path: Path):
    path = tmp_path / "mixed.json"
    path.write_bytes(b'[1, "two", {"messages": [{"role": "user", "content": "hi"}]}, [3]]')
    s = Session.open(path)
    s.wait()
    assert len(s) == 4
    assert [s.row(i).issues == ("not-an-object",) for i in range(4)] == [True, True, False, True]
    s.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, bom=st.booleans())
def test_any_ops_save_a_valid_array_and_undo_all_gives_back_the_bytes(tmp_path: Path, ops,
                                                                       bom: bool):
    path = tmp_path / "p.json"
    path.write_bytes(pretty([clean_entry(i) for i in range(4)] + [chat(("user", "é"))], bom))
    original = path.read_bytes()
    s = Session.open(path, claim_lock=False)
    s.wait()
    assert len(s) == 5 and all(s.row(i).valid for i in range(5))  # entries, not lines
    for op in ops:
        _apply(s, *op)
    s.save(tmp_path / "mid.json")
    lines = [s.doc.original(r) if s.doc.state(r) is None else s.doc.save_line(r)
             for r in s.rids()]
    if not any(isinstance(parse_line(line), RawLine) for line in lines):  # "raw" may
        assert loads((tmp_path / "mid.json").read_bytes()) == [json.loads(x) for x in lines]
    while s.undo():
        pass
    assert not s.dirty
    s.save(tmp_path / "back.json")
    assert (tmp_path / "back.json").read_bytes() == original
    s.close()


@pytest.mark.parametrize(("text", "why"), [
    (b'[{"a": 1}, {"b": 2}', "ends before the closing ']'"),
    (b'[{"a": 1}, {"b": "cut', "ends inside an entry"),
    (b'[{"a": 1} {"b": 2}]', "expected ',' or ']'"),
    (b'[{"a": 1},, {"b": 2}]', "expected an entry"),
    (b'[{"a": 1},]', "expected an entry"),
    (b'[{"a": 1}]\n[{"b": 2}]\n', "text after the closing ']'"),
    (b'{\n  "messages": []\n}\n', "one JSON object"),
])
def test_a_json_file_that_is_not_an_array_of_entries_is_refused(tmp_path: Path, capsys,
                                                                 text: bytes, why: str):
    path = tmp_path / "bad.json"
    path.write_bytes(text)
    with pytest.raises(DomainError, match=why):
        Session.open(path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and why in err and "bad.json" in err
    assert path.read_bytes() == text


def test_json_lines_in_a_json_file_stay_json_lines(tmp_path: Path):
    path = tmp_path / "lines.json"
    raw = b"".join(json.dumps(e).encode() + b"\n" for e in ENTRIES[:3])
    path.write_bytes(raw)
    s = Session.open(path)
    s.wait()
    assert len(s) == 3
    s.save()
    assert path.read_bytes() == raw
    s.close()


def _as_jsonl(tmp_path: Path, entries: list) -> tuple[Path, Path]:
    lines = tmp_path / "d.jsonl"
    lines.write_bytes(b"".join(json.dumps(e).encode() + b"\n" for e in entries))
    arr = tmp_path / "d.json"
    arr.write_bytes(pretty(entries))
    return lines, arr


def _flawed() -> list:
    return [clean_entry(0), clean_entry(0), chat(("user", "hi")),
            chat(("assistant", "As an AI, I cannot")),
            {"messages": [{"role": "narrator", "content": ""}]}, {"nothing": 1}, 7,
            clean_entry(3) | {"_review": {"status": "accepted", "flags": ["style"]}}]


def _run(capsys, *args: str) -> str:
    assert main(list(args)) in (0, 1)
    return capsys.readouterr().out


def test_headless_commands_count_an_array_as_its_json_lines(tmp_path: Path, capsys):
    lines, arr = _as_jsonl(tmp_path, _flawed())
    for command in (["stats", "--json"], ["validate", "--json"]):
        a, b = (json.loads(_run(capsys, command[0], str(p), *command[1:])) for p in (lines, arr))
        if command[0] == "validate":  # element n is line n of the JSON lines
            a, b = ([(f["line"], f["check"]) for f in x["findings"]] for x in (a, b))
        else:
            a, b = ({k: v for k, v in x.items() if k != "file"} for x in (a, b))
        assert a == b and a
    for fmt in ([], ["--format", "chatml"], ["--clean"]):
        for p in (lines, arr):
            _run(capsys, "export", str(p), "-o", str(tmp_path / f"{p.suffix[1:]}.out.jsonl"),
                 "--force", *fmt)
        from_lines, from_array = ([json.loads(x) for x in (tmp_path / name).read_bytes().split(
            b"\n") if x] for name in ("jsonl.out.jsonl", "json.out.jsonl"))
        if fmt:  # an entry without an id of its own is named by a hash of its bytes
            for record in from_lines + from_array:
                record.pop("id", None)
        assert from_lines == from_array and from_lines


def test_a_crash_is_recovered_from_the_kept_copy_of_an_array(tmp_path: Path):
    path = tmp_path / "data.json"
    path.write_bytes(pretty(ENTRIES))
    opened = open_for_review(path, reviewer="carol")
    opened.session.set_status(2, "rejected")
    opened.session.delete_entries([0])
    opened.session.save()  # in place: the journal replays onto its kept copy of the array
    opened.session.edit_message(0, 2, "after the save")
    expected = opened.session.save(tmp_path / "expected.json").read_bytes()
    opened.session.journal.close()
    opened.lock.lock.info = None  # as if the process died
    _dead_lock(path)
    again = open_for_review(path, reviewer="tester", recover=lambda p: True)
    assert again.recovered_changes == 1  # the edit after the save
    again.session.save()
    close(again)
    assert path.read_bytes() == expected
    values = loads(expected)
    assert [v["n"] for v in values] == [1, 2, 3, 4, 5]
    assert values[0]["messages"][2]["content"] == "after the save"


async def test_the_app_opens_an_array_and_shows_its_rows(tmp_path: Path):
    from rolethread_tui.tui.app import create_app

    from .tui_helpers import screen_text, settle

    path = tmp_path / "shown.json"
    path.write_bytes(pretty([clean_entry(i) for i in range(3)]
                            + [chat(("user", "Elevenses at the lighthouse?"))]))
    app = create_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert len(app.session) == 4
        assert "Elevenses at the lighthouse?" in screen_text(app)
        await pilot.press("a")
        await pilot.press("s")
        await settle(app, pilot)
    assert loads(path.read_bytes())[0]["_review"]["status"] == "accepted"


def test_validate_names_a_finding_by_its_element(tmp_path: Path, capsys):
    path = tmp_path / "d.json"
    path.write_bytes(pretty([clean_entry(0), {"nothing": 1}]))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "element 2: error: no-messages" in out and "line 2" not in out


def test_the_dask_engine_refuses_an_array_shard_in_one_line(tmp_path: Path, capsys):
    from rolethread_tui.domain.shards.partitions import shard_paths

    path = tmp_path / "shard.json"
    path.write_bytes(pretty([clean_entry(0)]))
    with pytest.raises(DomainError, match="reads JSON lines"):
        shard_paths(str(path))
    assert main(["validate", str(path), "--engine", "dask"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


async def test_the_app_refuses_to_switch_to_a_broken_array_and_keeps_its_file(tmp_path: Path):
    from rolethread_tui.tui.app import create_app

    from .tui_helpers import settle

    good = tmp_path / "good.json"
    good.write_bytes(pretty([clean_entry(0)]))
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'[{"messages": []},')
    app = create_app(good)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        session = app.session
        await app.action_open_file(str(bad))
        await settle(app, pilot)
        assert app.session is session and not session.read_only
        shown = [n.message for n in app._notifications]
        assert any("Not opened" in m and "ends before the closing ']'" in m for m in shown)
        bad.write_bytes(b"[1] 2")
        good.write_bytes(b"[1] 2")
        await app.action_reload()
        await pilot.pause()
        assert app.session is session
        assert any("Not reloaded" in n.message and "after the closing" in n.message
                   for n in app._notifications)
    assert bad.read_bytes() == b"[1] 2"


_TEXT = st.text(alphabet=st.sampled_from(list('ab "\\[]{},:\n\t\u00e9')), max_size=8)
_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(_VALUE, max_size=6), indent=st.sampled_from([None, 0, 1, 2]),
       cut=st.integers(0, 400), flip=st.integers(0, 400), chunk=st.integers(1, 9))
def test_both_ways_of_finding_elements_agree_and_refuse_alike(entries, indent, cut, flip, chunk,
                                                               monkeypatch):
    """numpy's element finder (large files) answers exactly what the exact scanner
    answers, or leaves the file to it; on valid arrays, damaged ones, and with chunks
    of a few bytes (every carry across a chunk's end)."""
    from rolethread_tui.domain import json_array, json_array_fast

    monkeypatch.setattr(json_array, "CHUNK", chunk)
    monkeypatch.setattr(json_array_fast, "CHUNK", chunk)
    text = json.dumps(entries, indent=indent, ensure_ascii=False).encode()
    flips = [text[:flip] + b + text[flip + 1:] for b in (b"]", b"}")]
    for data in (text, text[:cut], *flips, text + b" x"):
        def read(offset: int, length: int, data: bytes = data) -> bytes:
            return data[offset:offset + length]
        try:
            exact = json_array._Scan(read, len(data), 0).run()
        except DomainError:
            exact = None
        fast = json_array_fast.fast_index(read, len(data), 0)
        if fast is not None:
            assert exact is not None
            assert (fast[0], fast[1], fast[2]) == (exact.head, list(exact.starts),
                                                   list(exact.ends))
        if data == text:
            assert exact is not None and len(exact.starts) == len(entries)
            assert [json.loads(data[a:b]) for a, b in zip(exact.starts, exact.ends,
                                                           strict=True)] == entries
            if all(isinstance(e, (dict, list)) for e in entries):
                assert fast is not None


@pytest.mark.parametrize("data", [b'[{"a":1},{"b":2}}', b'{{"a":1},{"b":2}]',
                                  b'[{"a":1},{"b":2}}\n'])
def test_the_fast_finder_refuses_a_wrong_outer_bracket_as_the_exact_one_does(data: bytes):
    from rolethread_tui.domain import json_array, json_array_fast

    def read(offset: int, length: int) -> bytes:
        return data[offset:offset + length]
    with pytest.raises(DomainError):
        json_array._Scan(read, len(data), 0).run()
    assert json_array_fast.fast_index(read, len(data), 0) is None


def test_a_large_array_is_found_by_numpy_and_read_alike(tmp_path: Path, monkeypatch):
    from rolethread_tui.domain import json_array, json_array_fast

    entries = [clean_entry(i) | {"text": 'a \\ "quoted" [bracket} \\"'} for i in range(2000)]
    path = tmp_path / "big.json"
    path.write_bytes(pretty(entries))
    assert path.stat().st_size > 1 << 20
    monkeypatch.setattr(json_array, "FAST_MIN", 1 << 20)
    monkeypatch.setattr(json_array, "FAST_MIN_LOADED", 1 << 20)
    monkeypatch.setattr(json_array_fast, "CHUNK", 1 << 16)
    used = []
    real = json_array_fast.fast_index
    monkeypatch.setattr(json_array_fast, "fast_index",
                        lambda *a: used.append(1) or real(*a))
    s = Session.open(path)
    s.wait()
    assert used and len(s) == 2000 and s.view(1999).messages
    assert json.loads(s.line_bytes(1234)) == entries[1234]
    s.close()


def test_reload_and_reapply_writes_the_array_as_it_is_now_with_our_changes(tmp_path: Path):
    import os

    entries = [clean_entry(n) | {"id": f"e{n}"} for n in range(5)]
    path = tmp_path / "data.json"
    path.write_bytes(pretty(entries))
    s = Session.open(path, reviewer="me")
    s.wait()
    s.set_status(0, "accepted")
    s.edit_message(2, 1, "ours")
    s.delete_entries(3)
    s.add_entry([{"role": "user", "content": "hand-written"}], after=0)
    on_disk = [dict(e) for e in entries]
    theirs = on_disk[2] = on_disk[2] | {"messages": [{"role": "user", "content": "theirs"}]}
    del on_disk[0]
    on_disk.append(clean_entry(9) | {"id": "e9"})
    fresh = tmp_path / "fresh.json"
    fresh.write_bytes(pretty(on_disk))
    os.replace(fresh, path)
    report = s.reload_and_reapply()
    s.close()
    result = loads(path.read_bytes())
    assert [e.get("id", "new") for e in result] == ["e1", "e2", "e4", "e9", "new"]
    assert result[1]["messages"] == [{"role": "user", "content": "theirs"}]
    assert report.conflict_file.suffix == ".jsonl"  # lines: one entry each
    aside = report.conflict_file.read_bytes().splitlines()
    assert [json.loads(x)["id"] for x in aside] == ["e0", "e2"]
    assert element(theirs) in path.read_bytes()  # theirs, as they wrote it


def test_merge_writes_an_array_s_entries_as_json_lines(tmp_path: Path, capsys):
    arr = tmp_path / "a.json"
    arr.write_bytes(pretty([clean_entry(n) | {"id": f"a{n}"} for n in range(3)]))
    lines = tmp_path / "b.jsonl"
    lines.write_bytes(json.dumps(clean_entry(7) | {"id": "b7"}).encode() + b"\n")
    out = tmp_path / "out.jsonl"
    assert main(["merge", str(arr), str(lines), "-o", str(out)]) == 0
    written = out.read_bytes().split(b"\n")
    assert written[-1] == b"" and [json.loads(x)["id"] for x in written[:-1]] == [
        "a0", "a1", "a2", "b7"]


async def test_a_copy_of_an_array_is_an_array_that_validates_and_merges(tmp_path: Path, capsys):
    """The save question's "save a copy" (`c`) for a `.json` array: the copy keeps the
    data's suffix and shape, so `validate` reads it and the merge the app suggests keeps
    the decision."""
    from rolethread_tui.tui.app import create_app

    from .test_crash_recovery import notices, replace_file, settle

    entries = [clean_entry(n) | {"id": f"e{n}"} for n in range(3)]
    path = tmp_path / "arr.json"
    path.write_bytes(pretty(entries))
    app = create_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        replace_file(path, pretty([*entries, clean_entry(9) | {"id": "e9"}]))
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        shown = notices(app)
        await pilot.press("q", "d")
        await pilot.pause()
    copy = tmp_path / "arr.rolethread-conflict.json"
    assert f"Saved a copy to {copy}. " in shown
    assert [e["id"] for e in loads(copy.read_bytes())] == ["e0", "e1", "e2"]
    capsys.readouterr()
    assert main(["validate", str(copy)]) == 0
    merged = tmp_path / "merged.jsonl"
    assert f"merge {path.name} {copy.name} -o OUT" in shown
    assert main(["merge", str(path), str(copy), "-o", str(merged)]) == 0
    out = [json.loads(x) for x in merged.read_bytes().splitlines()]
    assert [e["id"] for e in out] == ["e0", "e1", "e2", "e9"]
    assert out[0]["_review"]["status"] == "accepted"


async def test_reload_of_a_deleted_file_says_why_and_keeps_the_session(tmp_path: Path):
    """Reload (and Open recent) of a file that is gone or cannot be read: one line
    saying why, no errno, and the file open now stays open."""
    from rolethread_tui.domain import why_unreadable
    from rolethread_tui.tui.app import create_app

    from .tui_helpers import settle

    path = tmp_path / "gone.json"
    path.write_bytes(pretty([clean_entry(0), clean_entry(1)]))
    app = create_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        session = app.session
        path.unlink()
        await app.action_reload()
        await pilot.pause()
        assert app.session is session and len(session) == 2
        shown = [n.message for n in app._notifications]
        assert "Not reloaded: No such file or directory (gone.json)" in shown
        assert not any("Errno" in m for m in shown)
    why = why_unreadable(tmp_path)  # a folder: Open recent asks the same question
    assert why is not None and why.endswith(f"({tmp_path.name})") and "Errno" not in why


@pytest.mark.parametrize("more", [b"", b"\n", json.dumps(clean_entry(1)).encode() + b"\n"])
def test_a_json_line_longer_than_the_first_read_is_an_entry(tmp_path: Path, more: bytes):
    """A `.json` file of JSON lines whose first (or only) line is over 64 KB is JSON
    lines, as a short one is: not refused as "one JSON object"."""
    big = clean_entry(0) | {"note": "x" * (70 << 10)}
    path = tmp_path / "one.json"
    path.write_bytes(json.dumps(big).encode() + b"\n" + more)
    s = Session.open(path)
    s.wait()
    assert len(s) == (2 if more.strip() else 1)
    assert json.loads(s.line_bytes(0)) == big
    s.close()
