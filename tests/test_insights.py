"""Insights figures (docs/keys.md, docs/cli.md) on small datasets with answers known by hand."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from rolethread_tui import Session
from rolethread_tui.cli.main import main
from rolethread_tui.domain import insights as ins_mod
from rolethread_tui.domain.insights import (
    Insights,
    bar,
    compute_insights,
    opening_phrase,
    opening_words,
    quoted_share,
    sparkline,
)
from rolethread_tui.domain.search import parse

from .conftest import chat

PROMPT_A = "You are Mira, a wandering cartographer in a rainy port city.\nStay in character."
OTHER_PROMPTS = [f"You are character number {n}, a distinct persona for testing." for n in
                 range(2, 7)]


def review(status: str | None = None, by: str | None = None, **extra: object) -> dict:
    out: dict = dict(extra)
    if status:
        out["status"] = status
    if by:
        out["by"] = by
    return {"_review": out}


def dataset() -> list:
    """10 entries with system prompts (A×4, five others ×1, one A-less prompt-free pair)."""
    entries = [
        # 0-3: prompt A; openings "mira smiles warmly at" ×3
        chat(("system", PROMPT_A), ("user", "hi"),
             ("assistant", '*Mira smiles warmly at you.* "Welcome back."'),
             **review("accepted", "ana", flags=["Style"])),
        chat(("system", PROMPT_A), ("user", "hello"),
             ("assistant", "Mira smiles, warmly at the crowd."),
             **review("accepted", "ana", flags=["style"])),
        chat(("system", PROMPT_A), ("user", "yo"), ("assistant", "She nods."),
             ("user", "and?"), ("assistant", "Mira smiles warmly at nobody."),
             **review("rejected", "bo", origin="refined")),
        chat(("system", PROMPT_A), ("user", "who are you?"),
             ("assistant", "As an AI language model, I cannot roleplay."),
             **review("needs_work")),
        # 4-8: five other prompts
        *[chat(("system", p), ("user", "hi"), ("assistant", '"Yes."')) for p in OTHER_PROMPTS],
        # 9-10: no system prompt
        chat(("user", "tell me"), ("assistant", "ab \"cdef\" gh"), **review(by="cy", note="x")),
        chat(("user", "tell me"), ("assistant", "“Hi there”"), ("user", "ok"),
             ("assistant", 'He said "never'), ("user", "?"), ("assistant", "Fine.")),
        "{not json",
    ]
    return entries


@pytest.fixture
def session(write) -> Session:
    s = Session.open(write(dataset()))
    s.wait()
    yield s
    s.close()


@pytest.fixture
def insights(session: Session) -> Insights:
    return compute_insights(session)


# ---------------------------------------------------------------- text helpers
def test_opening_words_drop_punctuation_and_case():
    assert opening_words('*Mira smiles, warmly at you.* "Hi"') == ["mira", "smiles", "warmly",
                                                                   "at"]
    assert opening_words("You've GOT to be kidding me") == ["you've", "got", "to", "be"]
    assert opening_words("“Oh — hello.”") == ["oh", "hello"]
    assert opening_words("  ...  ") == []


def test_opening_phrase_is_raw_text_and_stops_at_a_line_break():
    assert opening_phrase('*Mira smiles, warmly at you.*') == "Mira smiles, warmly at"
    assert opening_phrase("Ah.\n\nThere you are") == "Ah"


@pytest.mark.parametrize(("text", "expected"), [
    ("She nods.", 0.0),
    ('"Yes."', 4 / 6),
    ('ab "cdef" gh', 4 / 12),
    ("“Hi there”", 8 / 10),
    ('He said "never', 0.0),  # an unclosed quote is not speech we can measure
    ("", 0.0),
])
def test_quoted_share(text, expected):
    assert quoted_share(text) == pytest.approx(expected)


def test_bar_and_sparkline():
    assert bar(0.5, 4) == "██  "
    assert bar(1 / 16, 2) == "▏ "
    assert bar(2.0, 3) == "███"
    assert sparkline([0, 4, 8, 1]) == " ▄█▁"
    assert sparkline([]) == ""


# ---------------------------------------------------------------- figures
def test_counts_and_every_count_figure_query_selects_exactly_its_entries(session, insights):
    assert insights.entries == 12
    figures = [*insights.status, *insights.origin, *insights.flags, *insights.issues,
               *insights.turns_histogram, *insights.length_histogram, insights.refusal_share]
    for figure in figures:
        assert figure.query is not None, figure
        parse(figure.query)
        assert len(session.search(figure.query)) == figure.count, figure
    status = {f.label: f.count for f in insights.status}
    assert status == {"unreviewed": 8, "accepted": 2, "rejected": 1, "needs_work": 1}
    assert {f.label: f.count for f in insights.origin}["refined"] == 1


def test_flag_spellings_are_merged_like_the_flag_filter(session, insights):
    (style,) = insights.flags
    assert (style.count, style.query) == (2, "flag:style")
    assert session.search("flag:style") == [0, 1]


def test_refusal_share(session, insights):
    refusal = insights.refusal_share
    assert refusal.query == "issue:refusal"
    assert refusal.count == 1 and refusal.share == pytest.approx(1 / 12)
    assert session.search(refusal.query) == [3]


def test_turns_histogram_buckets(session, insights):
    by_label = {f.label: f for f in insights.turns_histogram}
    assert by_label["0 turns"].count == 1  # the invalid line
    assert by_label["2 turns"].count == 1  # entry 9
    assert by_label["3–4 turns"].count == 8
    assert by_label["5–6 turns"].count == 2
    assert session.search(by_label["5–6 turns"].query) == [2, 10]


def test_top_openings(session, insights):
    top = insights.top_openings
    assert [(f.label, f.count) for f in top] == [("yes", 5), ("mira smiles warmly at", 3)]
    assert insights.replies == 14
    mira = top[1]
    assert mira.share == pytest.approx(3 / 14)
    # The phrase is the raw text of the first reply that opened this way ...
    assert mira.query == 'in:assistant "Mira smiles warmly at"'
    # ... and finds that spelling anywhere in assistant turns (entry 1 spells it
    # "Mira smiles, warmly at"): a close superset of what was counted.
    assert session.search(mira.query) == [0, 2]
    assert session.search(top[0].query) == [4, 5, 6, 7, 8]
    # The app links to the entries counted, each once, which the query cannot name.
    assert (mira.positions, top[0].positions) == ((0, 1, 2), (4, 5, 6, 7, 8))
    assert "positions" not in json.dumps(insights.as_dict())  # not in `stats --json`


def test_dialogue_balance(insights):
    balance = insights.dialogue_balance
    counts = [f.count for f in balance.buckets]
    # narration: "Mira smiles, ...", "She nods.", "Mira smiles warmly at nobody.", the
    # refusal, the unclosed quote, "Fine."; 20-40%: the first reply and 'ab "cdef" gh';
    # 60-80%: five '"Yes."'; 80-100%: “Hi there”.
    first = quoted_share('*Mira smiles warmly at you.* "Welcome back."')
    assert 0.2 <= first < 0.4
    assert counts == [6, 2, 0, 5, 1]
    assert balance.replies == 14
    assert balance.mean == pytest.approx(
        (first + 4 / 12 + 5 * (4 / 6) + 0.8) / sum(counts))
    assert all(f.query is None for f in balance.buckets)


def test_system_prompt_concentration(session, insights):
    prompts = insights.system_prompts
    assert prompts.with_system == 9
    assert prompts.distinct == 6
    assert [f.count for f in prompts.top] == [4, 1, 1, 1, 1]
    assert prompts.concentration == pytest.approx(8 / 9)
    first = prompts.top[0]
    assert first.label.startswith("You are Mira, a wandering cartographer")
    assert first.query == f'in:system "{PROMPT_A.splitlines()[0]}"'
    assert session.search(first.query) == [0, 1, 2, 3]
    for figure in prompts.top:
        assert len(session.search(figure.query)) == figure.count
        assert figure.positions == tuple(session.search(figure.query))


def test_review_progress_per_reviewer(session, insights):
    review_ = insights.review_progress
    assert (review_.reviewed, review_.total) == (4, 12)
    assert len(session.search(review_.reviewed_query)) == 4
    assert len(session.search(review_.unreviewed_query)) == 8
    per = {f.label: f.count for f in review_.by_reviewer}
    # cy touched entry 9 (a note) without deciding: not a reviewed entry.
    assert per == {"ana": 2, "bo": 1, "(no name)": 1}
    assert sum(f.share for f in review_.by_reviewer) == pytest.approx(1.0)


def test_reply_length_histogram(insights):
    hist = insights.reply_length_histogram
    assert sum(f.count for f in hist) == insights.replies
    assert hist[0].label == "0–49 chars" and hist[0].count == 14
    assert all(f.query is None for f in hist)


def test_as_dict_is_json(insights):
    data = orjson.loads(orjson.dumps(insights.as_dict()))
    assert data["status"][1] == {"label": "accepted", "count": 2, "share": 2 / 12,
                                 "query": "status:accepted"}
    assert data["system_prompts"]["distinct"] == 6
    assert data["complete"] is True


def test_positions_restrict_every_figure(session):
    positions = session.search("status:accepted")
    ins = compute_insights(session, positions=positions)
    assert ins.entries == 2
    assert ins.replies == 2
    assert ins.top_openings[0].count == 2


def test_progress_and_cancel(session, monkeypatch):
    monkeypatch.setattr(ins_mod, "PROGRESS_EVERY", 3)
    seen: list[float] = []
    full = compute_insights(session, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4
    assert full.complete
    partial = compute_insights(session, cancelled=lambda: True)
    assert not partial.complete
    assert partial.replies < full.replies


def test_openings_stay_bounded(session, monkeypatch):
    monkeypatch.setattr(ins_mod, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(ins_mod, "OPENING_CAP", 2)
    ins = compute_insights(session)
    assert ins.openings_approximate
    assert [f.label for f in ins.top_openings] == ["yes", "mira smiles warmly at"]


def test_duplicates_when_the_session_finds_them(write):
    entry = chat(("user", "Tell me about the old lighthouse on the northern cliffs."),
                 ("assistant", "It has stood there for two hundred years, keeping ships safe."))
    other = chat(("user", "Something entirely different about cooking pasta at home."),
                 ("assistant", "Boil plenty of salted water before the pasta goes in."))
    s = Session.open(write([entry, other, entry]))
    s.wait()
    try:
        ins = compute_insights(s, duplicate_groups=s.duplicate_groups())
    finally:
        s.close()
    dup = ins.duplicates
    assert (dup.groups, dup.exact_groups, dup.entries, dup.redundant) == (1, 1, 2, 1)
    if dup.query is not None:
        parse(dup.query)


# ---------------------------------------------------------------- stats CLI
def test_stats_json_always_has_the_column_insights(write, capsys):
    path = write(dataset())
    assert main(["stats", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ins = data["insights"]
    assert ins["entries"] == 12
    assert ins["review_progress"]["reviewed"] == 4
    assert ins["refusal_share"]["count"] == 1
    assert ins["top_openings"] is None  # the text pass needs --insights


def test_stats_insights_flag_adds_the_text_figures(write, capsys):
    path = write(dataset())
    assert main(["stats", str(path), "--json", "--insights", "--where=-status:unreviewed"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["matched"] == 4
    ins = data["insights"]
    assert ins["entries"] == 4
    assert ins["top_openings"][0]["label"] == "mira smiles warmly at"
    assert ins["review_progress"]["by_reviewer"][0] == {
        "label": "ana", "count": 2, "share": 0.5, "query": None}
    assert ins["system_prompts"]["with_system"] == 4


def test_stats_text_form_is_readable(write, capsys):
    path: Path = write(dataset())
    assert main(["stats", str(path), "--insights"]) == 0
    out = capsys.readouterr().out
    for heading in ("Review progress: 4 of 12 reviewed", "Turns per entry", "Top openings",
                    "Dialogue vs narration", "System prompts: 6 distinct"):
        assert heading in out
    assert "status:accepted" in out and 'in:assistant "Mira smiles warmly at"' in out
