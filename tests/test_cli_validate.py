"""`rolethread-tui validate` exit codes, JSON shape and safe fixes."""

from __future__ import annotations

import json

from rolethread_tui.cli.main import main

from .conftest import chat, clean_entry


def test_clean_file_exits_0(write, capsys):
    assert main(["validate", str(write([clean_entry(i) for i in range(3)]))]) == 0


def test_json_findings_have_the_documented_fields(write, capsys):
    path = write([clean_entry(0), "{broken", chat(("user", "hi"), ("Seraphina", "hello")),
                  clean_entry(0)])
    assert main(["validate", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    checks = {(f["check"], f["line"], f["entry"]) for f in doc["findings"]}
    assert ("invalid-json", 2, 1) in checks
    assert ("unknown-role", 3, 2) in checks
    assert ("duplicate", 4, 3) in checks
    first = doc["findings"][0]
    assert set(first) >= {"check", "severity", "line", "entry", "message", "fixable", "text"}
    role = next(f for f in doc["findings"] if f["check"] == "unknown-role")
    assert role["message"] == 1 and role["fixable"] is False


def test_fix_writes_only_safe_fixes_and_leaves_other_lines_identical(write, tmp_path):
    messy = chat(("system", "Be Mira."), ("User", "  hi there  "), ("assistant", "Hello\u200b!"))
    path = write([clean_entry(0), messy, "{broken"])
    out = tmp_path / "fixed.jsonl"
    assert main(["validate", str(path), "--fix", "-o", str(out)]) == 1  # broken line remains
    before = path.read_bytes().split(b"\n")
    after = out.read_bytes().split(b"\n")
    assert after[0] == before[0] and after[2] == before[2]
    fixed = json.loads(after[1])
    assert [m["role"] for m in fixed["messages"]] == ["system", "user", "assistant"]
    assert fixed["messages"][1]["content"] == "hi there"
    assert fixed["messages"][2]["content"] == "Hello!"
    assert path.read_bytes().split(b"\n")[1] == before[1]  # the input is untouched


def test_fix_needs_an_output_and_never_overwrites(write, capsys):
    path = write([clean_entry(0)])
    assert main(["validate", str(path), "--fix"]) == 2
    assert "-o" in capsys.readouterr().err
    assert main(["validate", str(path), "--fix", "-o", str(path)]) == 2


def _no_system(i: int) -> dict:
    return chat(("user", f"Question number {i}, please?"),
                ("assistant", f"Here is a long enough answer to question {i}."))


def test_check_on_most_entries_is_one_note_in_text_output(write, capsys):
    path = write([_no_system(i) for i in range(5)] + [clean_entry(0)])
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line for line in lines if "missing-system" in line] == \
        ["note: info: missing-system on 5 of 6 entries (83%): a property of this file "
         "(list them with issue:missing-system)"]
    assert "5 info" in captured.err  # the counts still include every finding


def test_json_keeps_per_entry_findings_and_adds_notes(write, capsys):
    path = write([_no_system(i) for i in range(5)] + [clean_entry(0)])
    assert main(["validate", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [f["entry"] for f in doc["findings"] if f["check"] == "missing-system"] == \
        [0, 1, 2, 3, 4]
    [note] = doc["notes"]
    assert (note["check"], note["entries"], note["total"]) == ("missing-system", 5, 6)


def test_half_is_not_file_wide(write, capsys):
    path = write([_no_system(i) for i in range(3)] + [clean_entry(i) for i in range(3)])
    main(["validate", str(path), "--json"])
    assert json.loads(capsys.readouterr().out)["notes"] == []
