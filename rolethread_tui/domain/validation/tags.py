"""`bad-tags`: tags must be a list of distinct, non-empty, trimmed strings.

An entry's own tags live in ``record["_review"]["tags"]``; a top-level
``record["tags"]`` written by another tool is checked too, since exports and
filters read it. ``null`` counts as no tags. Tags may hold any JSON value (docs/validation.md), and
normalising (the fix) always yields a list of distinct, trimmed, non-empty
strings: a lone string or number becomes a one-item list, a number in the list
its JSON text (``3`` -> ``"3"``), and what has no text form (``null``,
booleans, objects, arrays) is dropped. The fix is undoable and shows in the
diff like any other.
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
    """(what is wrong, whether normalising fixes it — always), or None for good tags."""
    if isinstance(value, str):
        return "is a string, not a list", True
    if not isinstance(value, list):
        return f"is {a_json_type(value)}, not a list", True
    seen: set[str] = set()
    for n, tag in enumerate(value):
        if not isinstance(tag, str):
            return f"tag {n} is {a_json_type(tag)}, not a string", True
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


def normalise_tags(value: object) -> list[str]:
    """Trimmed, non-empty, first-seen-order unique strings from any JSON value."""
    items = value if isinstance(value, list) else [value]
    texts = (_tag_text(item) for item in items)
    return list(dict.fromkeys(text for text in texts if text))


def _tag_text(item: object) -> str:
    """A tag's text: a string trimmed, a number as JSON writes it, else "" (dropped)."""
    if isinstance(item, str):
        return item.strip()
    if isinstance(item, int | float) and not isinstance(item, bool) and item == item \
            and item not in (float("inf"), float("-inf")):
        return str(item)
    return ""
