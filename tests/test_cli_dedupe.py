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
