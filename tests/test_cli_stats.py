"""`rolethread-tui stats` as a pipeline would run it."""

from __future__ import annotations

import json
import subprocess
import sys

from rolethread_tui.cli.main import main

from .conftest import chat, clean_entry


def test_stats_json_has_the_documented_keys(write, capsys):
    reviewed = clean_entry(2) | {"_review": {"status": "accepted", "origin": "refined",
                                             "flags": ["style"]}}
    path = write([clean_entry(1), reviewed, "{oops", chat(("user", "hi"))])
    assert main(["stats", str(path), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entries"] == 4
    assert stats["invalid"] == 1
    assert stats["status"] == {"unreviewed": 3, "accepted": 1, "rejected": 0, "needs_work": 0}
    assert stats["origin"] == {"generated": 3, "refined": 1, "human": 0}
    assert stats["flags"] == {"style": 1}
    assert stats["issues"]["invalid-json"] == 1


def test_stats_text_form(write, capsys):
    path = write([clean_entry(1)])
    assert main(["stats", str(path)]) == 0
    assert ": 1 entry, " in capsys.readouterr().out


def test_with_where_the_text_form_says_the_invalid_count_is_of_the_matches(write, capsys):
    """"18 entries, 0 invalid" read as the file's, where it counted the matches (QA)."""
    path = write([chat(("user", "the lantern"), ("assistant", "here")), "{oops",
                  clean_entry(2), "{broken"])
    assert main(["stats", str(path), "--where", "lantern"]) == 0
    first, second = capsys.readouterr().out.splitlines()[:2]
    assert first.endswith(": 4 entries") and second == "matched: 1, 0 invalid"


def test_missing_file_is_one_line_and_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "rolethread_tui", "stats", str(tmp_path / "nope.jsonl")],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_file_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "rolethread_tui", "stats", str(tmp_path)],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "is a directory" in proc.stderr


def test_exact_duplicates_are_counted_after_the_scan(write, capsys):
    path = write([clean_entry(1), clean_entry(2), clean_entry(1), clean_entry(1)])
    assert main(["stats", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["issues"]["duplicate"] == 2
    assert main(["stats", str(path), "--json", "--where", "issue:duplicate"]) == 0
    assert json.loads(capsys.readouterr().out)["matched"] == 2
