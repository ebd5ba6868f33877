"""`rolethread-tui dedupe`: groups of line numbers, exact and near."""

from __future__ import annotations

import json

from rolethread_tui.cli.main import main

from .conftest import chat, clean_entry

TOPICS = [
    ("Where is the lighthouse keeper tonight?", "He rowed out past the breakwater at dusk, "
     "muttering about the lamp oil and the gulls that steal his bread."),
    ("Can you teach me the old sailor knots?", "Sit. First the bowline: the rabbit comes out "
     "of the hole, round the tree, and back down again. Tighter than that."),
    ("What happened to the merchant's ship?", "It struck the reef in the fog. The cargo of "
     "saffron washed ashore for weeks and the whole town smelled of it."),
    ("Why are the bells ringing so late?", "A wedding, they say, though nobody has seen the "
     "bride. The priest looks like he has not slept in three days."),
    ("Tell me about the smuggler's tunnels.", "They run under the fish market, damp and "
     "narrow, and only old Hesper remembers which turnings flood at high tide."),
    ("Is the harbour safe after dark?", "Safe enough if you keep to the lamps and do not "
     "answer anyone who calls your name from the water."),
]


def test_dedupe_json_lists_groups_of_line_numbers(write, capsys):
    base = [chat(("user", q), ("assistant", a)) for q, a in TOPICS]
    near = chat(("user", TOPICS[3][0]), ("assistant", TOPICS[3][1].replace("late", "late")
                                                        .replace("three", "four")))
    lines = [*base, base[1], near]
    assert main(["dedupe", str(write(lines)), "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    found = {tuple(g["lines"]): g["exact"] for g in groups}
    assert found[(2, 7)] is True
    assert (4, 8) in found and found[(4, 8)] is False


def test_bad_threshold_is_a_usage_error(write, capsys):
    assert main(["dedupe", str(write([clean_entry(0)])), "--threshold", "3"]) == 2


def test_line_numbers_count_every_physical_line(write, capsys):
    """BOM, blank lines, CRLF and a broken line between copies: the numbers are
    the lines an editor shows, and the broken line is in no group."""
    a, b = (json.dumps(chat(("user", q), ("assistant", r))).encode() for q, r in TOPICS[:2])
    data = (b"\xef\xbb\xbf" + a + b"\n\n" + b + b"\r\n" + b'{"messages": [' + b"\n"
            + b"   \n" + a + b"\n" + b + b"\n")
    assert main(["dedupe", str(write(data)), "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert [(g["lines"], g["entries"], g["exact"]) for g in groups] == [
        ([1, 6], [0, 3], True), ([3, 7], [1, 4], True)]


def test_missing_file_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["dedupe", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_found_groups_show_in_each_members_findings_until_it_changes(write):
    """After `D`, the preview's findings say which entries an entry repeats —
    with the numbers the entries have now, and only partners still the same."""
    from rolethread_tui import Session

    base = [chat(("user", q), ("assistant", a)) for q, a in TOPICS]
    near = chat(("user", TOPICS[3][0]), ("assistant", TOPICS[3][1].replace("three", "four")))
    with Session.open(write([*base, base[1], near])) as session:
        session.wait()
        session.find_duplicates()
        notes = {f.check: f.text for f in session.findings(3)}
        assert notes["near-duplicate"].startswith("nearly the same as entry 8 (similarity ≥ 0.9")
        assert "same conversation as entry 2" in {f.text for f in session.findings(6)}
        assert "near-duplicate" in session.row(7).issues

        session.delete_entries([0])  # everything moves up one
        assert "nearly the same as entry 7" in session.findings(2)[-1].text
        assert "same conversation as entry 1" in {f.text for f in session.findings(5)}

        session.edit_message(6, 1, "Something else entirely now.")  # the near copy
        assert "near-duplicate" not in {f.check for f in session.findings(6)}
        assert "near-duplicate" not in session.row(6).issues
        assert "near-duplicate" not in {f.check for f in session.findings(2)}  # its partner

        session.find_duplicates()  # found again: no group is left for entry 3's family
        assert session.row(2).issues == ("missing-system",)
        assert session.row(2).issue_count == 1
        marked = [i for i in range(len(session)) if set(session.row(i).issues) - {"missing-system"}]
        assert marked == [0, 5]  # the exact pair is all that is left
