"""`order:group` keeps exact copies together as they are now, not as the scan saw them.

The scan tied each later copy to the FIRST copy only (one link per copy, so a
file of 10,000 identical entries cost 10,000 links, not 10^8), which made the
group hang on that first copy: once it was edited, the copies left behind were
in no group any more, and their findings said nothing of each other. The copies
of a group now share one tuple of its members (still one per group). The exact
groups are the entries sharing a conversation digest now (docs/query.md
`order:group`); `D`'s groups still hold as found.
"""

from __future__ import annotations

import pytest

from rolethread_tui.domain.search import GroupedView
from rolethread_tui.domain.session import Session

from .dupgen import entry

KEYS = "abcaxya"  # 0 3 6: three exact copies of one conversation; the others alone


@pytest.fixture
def session(write):
    opened = Session.open(write([entry(key) for key in KEYS]))
    opened.wait()
    yield opened
    opened.close()


def _spans(session: Session) -> list[list[int]]:
    """The groups `order:group` shows, as lists of positions (top to bottom)."""
    positions = session.search("order:group")
    view = GroupedView(positions, session.duplicate_group_marks())
    return [positions[start:end] for start, end in view.spans]


def test_the_scans_copies_are_one_group(session):
    assert session.search("order:group") == [0, 3, 6, 1, 2, 4, 5]
    assert _spans(session) == [[0, 3, 6]]


def test_editing_the_first_copy_leaves_the_other_two_grouped(session):
    session.edit_message(0, 1, "Something else entirely, about bicycles.")
    assert session.search("order:group") == [0, 1, 2, 3, 6, 4, 5]
    assert _spans(session) == [[3, 6]]


def test_editing_a_later_copy_leaves_the_rest_grouped(session):
    session.edit_message(3, 1, "Something else entirely, about bicycles.")
    assert session.search("order:group") == [0, 6, 1, 2, 3, 4, 5]
    assert _spans(session) == [[0, 6]]


def test_an_edit_that_makes_a_copy_groups_it(session):
    """Entry 2 becomes the same conversation as entry 5: a new group, side by side."""
    target = session.entry(5)["messages"]
    for m, message in enumerate(target):
        session.edit_message(2, m, message["content"])
    assert session.search("order:group") == [0, 3, 6, 1, 2, 5, 4]
    assert _spans(session) == [[0, 3, 6], [2, 5]]


def test_an_undone_edit_regroups(session):
    session.edit_message(0, 1, "Something else entirely, about bicycles.")
    assert session.undo() is True
    assert _spans(session) == [[0, 3, 6]]


def test_found_groups_and_exact_copies_join(session):
    """After `D`, a group it found and the copies made since are one group."""
    session.find_duplicates()
    session.edit_message(0, 1, "Something else entirely, about bicycles.")
    target = session.entry(3)["messages"]
    for m, message in enumerate(target):
        session.edit_message(2, m, message["content"])
    assert _spans(session) == [[2, 3, 6]]


def test_joined_marks_make_one_group_of_groups_sharing_a_member():
    from rolethread_tui.domain.search.grouped import joined_marks

    assert joined_marks({5: 2}, {2: 0, 7: 6}, {9: 7}) == {2: 0, 5: 0, 7: 6, 9: 6}
    assert joined_marks({}, {}) == {}


def _duplicate_note(session: Session, position: int) -> str | None:
    return next((f.text for f in session.findings(position) if f.check == "duplicate"), None)


def test_the_copies_left_still_say_they_are_copies_after_the_first_is_edited(session):
    """The findings panel and `=` follow the copies that remain (the scan's link to
    the first copy alone made both go silent once that one was edited)."""
    assert _duplicate_note(session, 0) is None  # the first copy is the original
    assert _duplicate_note(session, 3) == "same conversation as entries 1, 7"
    session.edit_message(0, 1, "Something else entirely, about bicycles.")
    assert _duplicate_note(session, 3) == "same conversation as entry 7"
    assert _duplicate_note(session, 6) == "same conversation as entry 4"
    assert session.duplicate_partners(3) == [6]
    session.edit_message(6, 1, "And this one about kites.")
    assert _duplicate_note(session, 3) is None  # no copy left unchanged
    assert session.duplicate_partners(3) == []


def test_a_big_group_of_copies_is_read_once_per_version_not_per_entry(write, monkeypatch):
    """Each copy's note read the whole group (sorted) on every cursor move, and
    `validate` did it for every copy: 17 s for one group of 10k copies (review)."""
    from rolethread_tui.domain import engine

    calls = []
    members_now = engine.members_now
    monkeypatch.setattr(engine, "members_now",
                        lambda *a: calls.append(1) or members_now(*a))
    s = Session.open(write([entry("a")] * 300))
    s.wait()
    try:
        assert len(s.validate()) >= 299 and calls == []  # told from the copies' map
        notes = [_duplicate_note(s, i) for i in range(1, 300)]
        assert notes[0] == "same conversation as entries 1, 3, 4, 5, 6, …"
        assert len(calls) == 1  # one read for the group, then kept
        s.edit_message(7, 1, "Something else entirely, about bicycles.")
        assert _duplicate_note(s, 8) == "same conversation as entries 1, 2, 3, 4, 5, …"
        assert len(calls) == 2  # read again once the document changed
    finally:
        s.close()


def test_a_near_duplicates_score_is_cut_not_rounded_up_to_identical():
    """"similarity ≥ 1.00" for a pair a word apart read as identical (QA pass)."""
    from rolethread_tui.domain.dup_links import DupLink, note

    said = [note(DupLink("near-duplicate", score, 1, ()), 0, [0, 3])
            for score in (0.9961, 0.29, 0.9)]
    assert said == [f"nearly the same as entry 4 (similarity ≥ {s})"
                    for s in ("0.99", "0.29", "0.90")]


def test_a_copy_left_without_partners_loses_its_issue_and_an_undo_gives_it_back(session):
    """The list's issue count kept `duplicate` for a copy whose partners were all
    edited or deleted: `!1` with no finding shown (QA pass)."""
    def flagged(position: int) -> bool:
        return "duplicate" in session.row(position).issues

    session.edit_message(0, 1, "Something else entirely, about bicycles.")
    assert flagged(3) and flagged(6)  # still copies of each other
    session.edit_message(6, 1, "And this one about kites.")
    assert not flagged(3) and _duplicate_note(session, 3) is None
    session.undo()
    assert flagged(3) and flagged(6)
    session.delete_entries([6])
    assert not flagged(3)
    session.undo()
    assert flagged(3) and flagged(6)
    assert session.search("issue:duplicate") == [3, 6]
