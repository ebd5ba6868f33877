"""`rolethread-tui slop` and `stats --where 'slop:…'` headless."""

from __future__ import annotations

import json

from rolethread_tui.cli.main import main

from .slopgen import make_batch


def _file(tmp_path, n=300, share=0.1):
    batch = make_batch(n, planted_share=share, seed=2)
    return batch, batch.write(tmp_path / "batch.jsonl")


def test_json_has_the_documented_shape(tmp_path, capsys):
    batch, path = _file(tmp_path)
    assert main(["slop", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"entries", "phrases"}
    entries = doc["entries"]
    assert len(entries) == len(batch.entries)  # every entry without --top
    assert sorted(e["entry"] for e in entries) == list(range(len(batch.entries)))
    for e in entries:
        assert set(e) == {"entry", "line", "score", "signals"}
        assert e["line"] == e["entry"] + 1 and 0 <= e["score"] <= 1
        assert all(set(s) == {"name", "evidence"} for s in e["signals"])
    scores = [e["score"] for e in entries]
    assert scores == sorted(scores, reverse=True)
    assert entries[0]["entry"] in batch.planted
    assert all(set(p) == {"text", "entries"} for p in doc["phrases"])
    shared = [p["entries"] for p in doc["phrases"]]
    assert shared and shared == sorted(shared, reverse=True)


def test_top_limits_the_entries_and_lines_count_blank_lines(tmp_path, capsys):
    _batch, path = _file(tmp_path)
    path.write_bytes(b"\n" + path.read_bytes())
    assert main(["slop", str(path), "--json", "--top", "5"]) == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert len(entries) == 5
    assert all(e["line"] == e["entry"] + 2 for e in entries)


def test_text_form_lists_phrases_and_worst_entries(tmp_path, capsys):
    _batch, path = _file(tmp_path)
    assert main(["slop", str(path), "--top", "3"]) == 0
    out = capsys.readouterr()
    assert "repeated phrases" in out.out and "repeated-phrase:" in out.out
    assert out.err == ""


def test_bad_file_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["slop", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    assert main(["slop", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_negative_top_is_a_usage_error(tmp_path, capsys):
    _batch, path = _file(tmp_path, n=20, share=0)
    assert main(["slop", str(path), "--top", "-1"]) == 2


def test_stats_where_slop_counts_the_flagged_entries(tmp_path, capsys):
    batch, path = _file(tmp_path)
    assert main(["stats", str(path), "--json", "--where", "slop:sycophancy,generic-assistant"]) == 0
    matched = json.loads(capsys.readouterr().out)["matched"]
    assert matched == len(batch.planted)
    assert main(["stats", str(path), "--json", "--where", "slop:any"]) == 0
    assert json.loads(capsys.readouterr().out)["matched"] == len(batch.planted)
