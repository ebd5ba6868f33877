"""`file_notes`: a check firing on more than half of the entries is one file-wide note."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rolethread_tui.domain.validation import file_notes, file_wide_checks


def test_more_than_half_is_a_note_most_widespread_first() -> None:
    notes = file_notes({"missing-system": 998, "starts-with-assistant": 600, "refusal": 500},
                       1000)
    assert [(n.check, n.entries, n.severity) for n in notes] == [
        ("missing-system", 998, "info"), ("starts-with-assistant", 600, "warning")]
    assert "998 of 1,000" in notes[0].text and "issue:missing-system" in notes[0].text
    assert notes[0].as_dict()["total"] == 1000


def test_an_error_is_never_a_note() -> None:
    """Each broken line is listed with its number, however many there are."""
    assert [n.check for n in file_notes({"invalid-json": 2, "missing-system": 3}, 3)] == [
        "missing-system"]


def test_empty_file_has_no_notes() -> None:
    assert file_notes({"refusal": 0}, 0) == []


@given(st.dictionaries(st.sampled_from(["refusal", "format-leak", "missing-system", "x",
                                       "invalid-json"]),
                       st.integers(0, 50)), st.integers(0, 50))
def test_note_iff_over_half(counts: dict[str, int], total: int) -> None:
    wide = file_wide_checks(counts, total)
    assert wide == {c for c, n in counts.items() if total and 2 * n > total
                    and c != "invalid-json"}  # an error is never a note
