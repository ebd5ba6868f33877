"""`slop:NAME|any` and `order:slop` in the query language (docs/query.md)."""

from __future__ import annotations

import pytest

from rolethread_tui.domain.search import QueryError, Row, apply_slop, parse, select
from rolethread_tui.domain.session import Session

from .slopgen import make_batch

MARKS = {
    1: (0.9, frozenset({"sycophancy", "repeated-phrase"})),
    3: (0.4, frozenset({"stock-words"})),
    4: (0.95, frozenset({"repeated-opening"})),
}


@pytest.mark.parametrize("text", ["slop:any", "-slop:stock-words", "order:slop",
                                  "slop:repeated-phrase,sycophancy order:slop dragon"])
def test_slop_terms_round_trip(text):
    query = parse(text)
    assert query.needs_slop and parse(str(query)) == query


@pytest.mark.parametrize("text", ["slop:sloppy", "order:length", "-order:slop", "slop:"])
def test_bad_slop_terms_are_errors(text):
    with pytest.raises(QueryError):
        parse(text)


def test_underscore_spelling_is_accepted():
    assert parse("slop:not_x_but_y") == parse("slop:not-x-but-y")


@pytest.mark.parametrize(("text", "expected"), [
    ("slop:any", [1, 3, 4]),
    ("-slop:any", [0, 2, 5]),
    ("slop:sycophancy", [1]),
    ("slop:stock-words,repeated-opening", [3, 4]),
    ("order:slop", [4, 1, 3, 0, 2, 5]),
    ("slop:any order:slop", [4, 1, 3]),
])
def test_filters_and_order(text, expected):
    rows = [Row()] * 6
    assert select(parse(text), rows, lambda i: b"", slop=MARKS) == expected


def test_slop_terms_need_marks():
    with pytest.raises(ValueError, match="slop"):
        apply_slop(parse("slop:any"), [0, 1], None)
    assert apply_slop(parse("status:accepted"), [0, 1], None) == [0, 1]


def test_column_filters_still_apply_beside_slop_terms():
    rows = [Row(status="accepted"), Row(), Row(), Row(status="accepted"), Row(), Row()]
    assert select(parse("status:accepted slop:any"), rows, lambda i: b"", slop=MARKS) == [3]


def test_session_search_ranks_worst_first_and_forgets_after_a_change(tmp_path):
    batch = make_batch(200, planted_share=0.1, seed=4)
    session = Session.open(batch.write(tmp_path / "b.jsonl"))
    try:
        session.wait()
        flagged = session.search("slop:any")
        assert set(flagged) == batch.planted
        ranked = session.search("order:slop")
        assert set(ranked[:len(batch.planted)]) == batch.planted and len(ranked) == 200
        report = session.slop()
        assert session.slop() is report
        first = min(batch.planted)
        session.delete_entries([first])
        assert session.slop() is not report
        assert len(session.search("slop:any")) == len(batch.planted) - 1
    finally:
        session.close()
