"""`bad-tags`: tags must be a list of distinct, non-empty, trimmed strings.

An entry's own tags live in ``record["_review"]["tags"]``; a top-level
``record["tags"]`` written by another tool is checked too, since exports and
filters read it. ``null`` counts as no tags. Normalising (the fix) trims each
string, drops empty ones and duplicates, and makes a lone string a one-item
list; a tag that is not a string (a number, an object) is reported but not
fixable, because turning it into text would be a guess.
"""

from __future__ import annotations

from typing import Any

from .findings import Finding, finding
from .structure import a_json_type

REVIEW_KEY = "_review"
TAGS_KEY = "tags"


def tag_locations(record: dict[str, Any]) -> list[tuple[str, Any]]:
    """(label, value) of each tags field present: ``_review.tags``, then ``tags``."""
    out = []
    review = record.get(REVIEW_KEY)
    if isinstance(review, dict) and review.get(TAGS_KEY) is not None:
        out.append(("_review.tags", review[TAGS_KEY]))
    if record.get(TAGS_KEY) is not None:
        out.append(("tags", record[TAGS_KEY]))
    return out


def tags_problem(value: object) -> tuple[str, bool] | None:
    """(what is wrong, whether normalising fixes it), or None for good tags."""
    if isinstance(value, str):
        return "is a string, not a list", True
    if not isinstance(value, list):
        return f"is {a_json_type(value)}, not a list", False
    seen: set[str] = set()
    for n, tag in enumerate(value):
        if not isinstance(tag, str):
            return f"tag {n} is {a_json_type(tag)}, not a string", False
        if not tag.strip():
            return f"tag {n} is empty", True
        if tag != tag.strip():
            return f"tag {n} ({tag!r}) has surrounding whitespace", True
        if tag in seen:
            return f"tag {n} ({tag!r}) is a duplicate", True
        seen.add(tag)
    return None


def check_tags(record: dict[str, Any]) -> list[Finding]:
    """`bad-tags` for each tags field of `record` that is not a clean list of strings."""
    if REVIEW_KEY not in record and TAGS_KEY not in record:
        return []
    out = []
    for label, value in tag_locations(record):
        problem = tags_problem(value)
        if problem is not None:
            why, fixable = problem
            out.append(finding("bad-tags", f"{label} {why}", fixable=fixable))
    return out


def normalise_tags(value: str | list[str]) -> list[str]:
    """Trimmed, non-empty, first-seen-order unique strings (caller checked fixability)."""
    items = [value] if isinstance(value, str) else value
    return list(dict.fromkeys(tag.strip() for tag in items if tag.strip()))
