"""Merging reviewed shards (domain/merge.py, cli/merge.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolethread_tui.cli import main as cli_main
from rolethread_tui.domain.merge import CONFLICT_TAG, merge
from rolethread_tui.domain.session import Session

from .conftest import chat, clean_entry


def entry(n: int, **review: object) -> dict:
    record = {"id": f"e{n}", **clean_entry(n)}
    if review:
        record["_review"] = dict(review)
    return record


def rows(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_disjoint_shards_are_concatenated_byte_for_byte(write, tmp_path):
    a = write([entry(1), entry(2), "{broken"], "a.jsonl")
    b = write([entry(3, status="accepted")], "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == a.read_bytes() + b.read_bytes()
    assert report.read == [3, 1] and report.written == 4
    assert not report.conflicts and not report.duplicates


def test_same_entry_with_the_same_decision_is_written_once(write, tmp_path):
    a = write([entry(1, status="accepted", by="ann", at="2026-01-01T00:00:00Z")], "a.jsonl")
    b = write([entry(1, status="accepted", by="bob", at="2026-02-02T00:00:00Z"), entry(2)],
              "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    assert [r["id"] for r in rows(tmp_path / "out.jsonl")] == ["e1", "e2"]
    assert report.identical == 1 and not report.conflicts


def test_one_reviewed_side_completes_an_unreviewed_copy(write, tmp_path):
    a = write([entry(1), entry(2)], "a.jsonl")
    b = write([entry(1), entry(2, status="rejected", flags=["refusal"])], "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    out = rows(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == ["e1", "e2"]  # first-seen order kept
    assert out[1]["_review"]["status"] == "rejected"
    assert report.identical == 1 and report.completed == 1 and not report.conflicts


def test_ids_stamped_by_a_session_match_the_untouched_shard(write, tmp_path):
    plain = clean_entry(7)  # no id anywhere: the id is a hash of the line
    a = write([plain], "a.jsonl")
    b = write([plain], "b.jsonl")
    with Session.open(b) as s:
        s.set_status(0, "accepted")
        s.save()
    report = merge([a, b], tmp_path / "out.jsonl")
    assert report.completed == 1 and report.written == 1
    assert rows(tmp_path / "out.jsonl")[0]["_review"]["status"] == "accepted"


def test_conflicting_decisions_are_reported_and_both_kept(write, tmp_path):
    a = write([entry(1, status="accepted", by="ann")], "a.jsonl")
    b = write([entry(1, status="rejected", flags=["refusal"], by="bob")], "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    [conflict] = report.conflicts
    assert conflict.id == "e1" and conflict.differs == ("review",)
    assert str(conflict.kept) == "a.jsonl:1"
    [written] = rows(tmp_path / "out.jsonl")
    review = written["_review"]
    assert review["status"] == "accepted" and review["by"] == "ann"
    assert review["conflicts"] == [{"file": "b.jsonl", "line": 1, "differs": ["review"],
                                    "review": {"status": "rejected", "flags": ["refusal"],
                                               "by": "bob"}}]
    assert CONFLICT_TAG in review["tags"]
    assert "e1" in report.render() and "1 conflict (" in report.render()


def test_content_conflict_keeps_the_other_text(write, tmp_path):
    edited = entry(1, status="accepted", origin="refined")
    edited["messages"][2]["content"] = "A refined reply."
    a = write([entry(1)], "a.jsonl")
    b = write([edited], "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    [conflict] = report.conflicts
    assert conflict.differs == ("content", "review")
    [written] = rows(tmp_path / "out.jsonl")
    assert written["messages"][2]["content"] == "A refined reply."  # the reviewed version
    [other] = written["_review"]["conflicts"]
    assert other["file"] == "a.jsonl" and other["review"] == {}
    assert other["fields"]["messages"][2]["content"] == entry(1)["messages"][2]["content"]


def test_three_shards_one_conflict_entry_per_id(write, tmp_path):
    a = write([entry(1, status="accepted")], "a.jsonl")
    b = write([entry(1, status="rejected")], "b.jsonl")
    c = write([entry(1, status="rejected")], "c.jsonl")
    d = write([entry(1, status="needs_work")], "d.jsonl")
    report = merge([a, b, c, d], tmp_path / "out.jsonl")
    [conflict] = report.conflicts
    assert [str(p) for p, _ in conflict.others] == ["b.jsonl:1", "d.jsonl:1"]
    assert report.identical == 1 and report.written == 1
    assert len(rows(tmp_path / "out.jsonl")[0]["_review"]["conflicts"]) == 2


def test_an_id_repeated_inside_a_file_is_matched_copy_by_copy(write, tmp_path):
    a = write([entry(1), entry(1), entry(2)], "a.jsonl")
    b = write([entry(1), entry(1, status="accepted"), entry(1)], "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    out = rows(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == ["e1", "e1", "e2", "e1"]  # b's third copy is new
    assert out[1]["_review"]["status"] == "accepted"  # 2nd copy in b completes 2nd in a
    assert report.identical == 1 and report.completed == 1 and not report.conflicts
    [group] = report.duplicates
    assert [str(p) for _, p in group] == ["a.jsonl:1", "b.jsonl:2", "b.jsonl:3"]


def test_same_conversation_under_different_ids_is_reported(write, tmp_path):
    convo = clean_entry(5)
    share = {"id": "s1", "conversations": [
        {"from": {"system": "system", "user": "human", "assistant": "gpt"}[m["role"]],
         "value": m["content"]} for m in convo["messages"]]}
    a = write([{"id": "c1", **convo}, entry(6)], "a.jsonl")
    b = write([share], "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    assert report.written == 3
    [group] = report.duplicates
    assert [(i, str(p)) for i, p in group] == [("c1", "a.jsonl:1"), ("s1", "b.jsonl:1")]


def test_identical_invalid_lines_are_kept_once(write, tmp_path):
    a = write(["{broken", entry(1)], "a.jsonl")
    b = write(["{broken"], "b.jsonl")
    report = merge([a, b], tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_text().splitlines()[0] == "{broken"
    assert report.written == 2 and report.identical == 1


def test_shuffle_is_deterministic_with_a_seed(write, tmp_path):
    a = write([entry(n) for n in range(30)], "a.jsonl")
    b = write([entry(n) for n in range(30, 60)], "b.jsonl")
    one, two, other = (tmp_path / n for n in ("1.jsonl", "2.jsonl", "3.jsonl"))
    assert merge([a, b], one, shuffle=True, seed=7).seed == 7
    merge([a, b], two, shuffle=True, seed=7)
    merge([a, b], other, shuffle=True, seed=8)
    assert one.read_bytes() == two.read_bytes() != other.read_bytes()
    ids = [r["id"] for r in rows(one)]
    assert sorted(ids) == sorted(f"e{n}" for n in range(60)) and ids != [f"e{n}" for n in
                                                                          range(60)]
    drawn = merge([a, b], tmp_path / "4.jsonl", shuffle=True)
    assert drawn.seed is not None  # reported so the order can be reproduced
    merge([a, b], tmp_path / "5.jsonl", shuffle=True, seed=drawn.seed)
    assert (tmp_path / "4.jsonl").read_bytes() == (tmp_path / "5.jsonl").read_bytes()


def test_shuffle_keeps_conflicts_attached(write, tmp_path):
    a = write([entry(n, status="accepted") for n in range(10)], "a.jsonl")
    b = write([entry(3, status="rejected")], "b.jsonl")
    merge([a, b], tmp_path / "out.jsonl", shuffle=True, seed=1)
    with_conflicts = [r["id"] for r in rows(tmp_path / "out.jsonl")
                      if "conflicts" in r["_review"]]
    assert with_conflicts == ["e3"]


def test_merge_refuses_to_write_over_an_input(write):
    a = write([entry(1)], "a.jsonl")
    with pytest.raises(ValueError):
        merge([a], a)


# --------------------------------------------------------------------------- CLI
def cli(*argv: str) -> int:
    """The real `rolethread-tui` entry point (one-line errors, exit codes)."""
    return cli_main.main(list(argv))


def test_cli_merge_reports_on_stderr(write, tmp_path, capsys):
    a = write([entry(1, status="accepted")], "a.jsonl")
    b = write([entry(1, status="rejected"), chat(("user", "x"))], "b.jsonl")
    out = tmp_path / "out.jsonl"
    assert cli("merge", str(a), str(b), "-o", str(out)) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "conflicts" in captured.err
    assert len(rows(out)) == 2


def test_cli_merge_json(write, tmp_path, capsys):
    a = write([entry(1, status="accepted")], "a.jsonl")
    b = write([entry(1, status="rejected")], "b.jsonl")
    assert cli("merge", str(a), str(b), "-o", str(tmp_path / "o.jsonl"), "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["conflicts"][0]["id"] == "e1" and doc["written"] == 1


@pytest.mark.parametrize("case", ["missing", "exists", "same", "seed-alone"])
def test_cli_merge_usage_errors(write, tmp_path, capsys, case):
    a = write([entry(1)], "a.jsonl")
    out = tmp_path / "out.jsonl"
    argv = {
        "missing": ["merge", str(a), str(tmp_path / "nope.jsonl"), "-o", str(out)],
        "exists": ["merge", str(a), "-o", str(a.with_name("exists.jsonl"))],
        "same": ["merge", str(a), "-o", str(a), "--force"],
        "seed-alone": ["merge", str(a), "-o", str(out), "--seed", "3"],
    }[case]
    if case == "exists":
        a.with_name("exists.jsonl").write_text("x\n")
    assert cli(*argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_cli_merge_force_overwrites(write, tmp_path):
    a = write([entry(1)], "a.jsonl")
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    assert cli("merge", str(a), "-o", str(out), "--force") == 0
    assert out.read_bytes() == a.read_bytes()


def test_lines_that_are_not_objects_are_counted_in_the_report(write, tmp_path, capsys):
    """Merged with the rest and said nowhere (QA): the report now counts them."""
    a = write([clean_entry(0)], name="a.jsonl")
    b = tmp_path / "b.jsonl"
    b.write_bytes(json.dumps(clean_entry(1)).encode() + b"\n{broken\n[1, 2]\n")
    out = tmp_path / "out.jsonl"
    assert cli_main.main(["merge", str(a), str(b), "-o", str(out)]) == 0
    assert "2 lines that are not JSON objects, written as read" in capsys.readouterr().err
    assert out.read_bytes().endswith(b"{broken\n[1, 2]\n")
    assert merge([a, b], tmp_path / "again.jsonl").as_dict()["invalid"] == 2


def test_blank_lines_dropped_are_counted_in_the_report(write, tmp_path, capsys):
    """Blank lines were dropped and said nowhere (review): the text and --json count them."""
    a = tmp_path / "a.jsonl"
    a.write_bytes(b"\n" + json.dumps(entry(1)).encode() + b"\n  \t\n\n"
                  + json.dumps(entry(2)).encode() + b"\n\n")
    b = tmp_path / "b.jsonl"
    b.write_bytes(json.dumps(entry(3)).encode() + b"\r\n\r\n" + json.dumps(entry(4)).encode())
    c = write([entry(5)], "c.jsonl")  # none: its files entry says 0
    out = tmp_path / "out.jsonl"
    assert cli_main.main(["merge", str(a), str(b), str(c), "-o", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert "\n5 blank lines dropped (not entries)" in captured.err
    doc = json.loads(captured.out)
    assert doc["blank_lines_dropped"] == 5 and doc["written"] == 5
    assert [f["blank_lines"] for f in doc["files"]] == [4, 1, 0]
    assert [r["id"] for r in rows(out)] == ["e1", "e2", "e3", "e4", "e5"]
    assert b"\n\n" not in out.read_bytes()
    one = tmp_path / "one.jsonl"
    one.write_bytes(json.dumps(entry(6)).encode() + b"\n\n")
    assert "1 blank line dropped" in merge([one, c], tmp_path / "o2.jsonl").render()
    assert "blank line" not in merge([c], tmp_path / "o3.jsonl").render()


def test_identical_lines_in_one_file_are_named_as_the_session_names_them(write, tmp_path):
    """The report gave both copies the shared hash; the session and `validate` call the
    second `<hash>-2` (review)."""
    same = clean_entry(0)
    path = write([same, clean_entry(1), same])
    report = merge([path], tmp_path / "out.jsonl")
    (group,) = report.duplicates
    first, second = (eid for eid, _ in group)
    assert second == f"{first}-2"
    session = Session.open(path)
    session.wait()
    assert [session.entry_id(0), session.entry_id(2)] == [first, second]
    session.close()
