"""`order:group`: each duplicate group's members side by side (docs/query.md)."""

from __future__ import annotations

import pytest

from rolethread_tui.domain.search import QueryError, Row, parse, select
from rolethread_tui.domain.session import Session

from .dupgen import GROUPED, interleaved

#: What `D` applies (DUPLICATES_QUERY), spelled out so the test reads on its own.
DUPLICATES = "issue:duplicate,near-duplicate order:group"


@pytest.fixture
def session(write):
    opened = Session.open(write(interleaved()))
    opened.wait()
    yield opened
    opened.close()


def test_the_duplicates_view_lists_each_group_together_in_file_order(session):
    session.find_duplicates()
    assert session.search(DUPLICATES) == GROUPED  # file order: 0 1 2 3 4 6 7


def test_without_a_duplicate_search_the_scans_exact_copies_are_grouped(session):
    """Headless (`export --where`, `stats --where`) knows the scan's exact copies:
    the near copy (6) is in no group yet, so it keeps its place in the file."""
    assert session.search("order:group") == [0, 3, 1, 4, 2, 7, 5, 6, 8]
    session.find_duplicates()
    assert session.search("order:group") == [0, 3, 6, 1, 4, 2, 7, 5, 8]


def test_an_edited_member_leaves_its_group(session):
    session.find_duplicates()
    session.edit_message(3, 1, "Something else entirely, about bicycles.")
    assert session.search("order:group") == [0, 6, 1, 4, 2, 7, 3, 5, 8]


def test_the_order_needs_the_group_marks_and_round_trips():
    query = parse("issue:duplicate order:group")
    assert query.needs_groups and not query.needs_slop and parse(str(query)) == query
    assert "duplicate groups together" in query.describe()
    with pytest.raises(ValueError, match="group"):
        select(query, [Row()] * 3, lambda i: b"")
    with pytest.raises(QueryError, match="order:group"):
        parse("-order:group")


def test_grouped_view_tells_each_row_its_group():
    from rolethread_tui.domain.search import GroupedView

    marks = {3: 0, 6: 0, 4: 1, 2: 2, 7: 2}
    positions = select(parse("order:group"), [Row()] * 9, lambda i: b"", groups=marks)
    assert positions == [0, 3, 6, 1, 4, 2, 7, 5, 8]
    view = GroupedView(positions, marks)
    assert view.spans == [(0, 3), (3, 5), (5, 7)] and len(view) == 3
    second = view.at(4)
    assert second is not None and (second.number, second.total, second.members) == (2, 3, 2)
    assert view.at(7) is None and view.at(8) is None
