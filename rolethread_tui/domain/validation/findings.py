"""What a validation check reports, and the check table of docs/validation.md.

A `Finding` knows nothing about where its entry lives in the file: the session
adds the line and entry numbers, because the same record can move (shuffle,
split, join) and be re-checked without re-validating anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Severity = Literal["error", "warning", "info"]

ERROR: Final = "error"
WARNING: Final = "warning"
INFO: Final = "info"

#: Most severe first; index with ``SEVERITY_RANK[severity]`` to sort findings.
SEVERITIES: Final[tuple[Severity, ...]] = ("error", "warning", "info")
SEVERITY_RANK: Final[dict[str, int]] = {name: rank for rank, name in enumerate(SEVERITIES)}

#: Check name -> severity, exactly as the docs/validation.md table (plus the opt-in
#: `markdown` check docs/validation.md describes). `duplicate` and
#: `near-duplicate` are dataset-level (dedupe) but listed so every check has one home.
CHECKS: Final[dict[str, Severity]] = {
    "invalid-json": ERROR,
    "not-an-object": ERROR,
    "no-messages": ERROR,
    "malformed-message": ERROR,
    "unknown-role": ERROR,
    "empty-content": ERROR,
    "misplaced-system": WARNING,
    "ends-with-user": WARNING,
    "no-assistant": WARNING,
    "role-alternation": WARNING,
    "missing-system": INFO,
    "refusal": WARNING,
    "format-leak": WARNING,
    "edge-whitespace": INFO,
    "hidden-characters": WARNING,
    "short-response": INFO,
    "split-candidate": INFO,
    "duplicate": WARNING,
    "near-duplicate": WARNING,
    "bad-tags": INFO,
    "starts-with-assistant": WARNING,
    "duplicate-keys": WARNING,
    "non-standard-json": WARNING,
    "markdown": INFO,
}

#: Checks for which an automatic fix can exist (docs/validation.md, the table's fix
#: column). Whether a given finding is fixable is still decided per finding (a
#: character-name role is not).
FIXABLE_CHECKS: Final = frozenset(
    {"unknown-role", "misplaced-system", "edge-whitespace", "hidden-characters", "bad-tags"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one entry.

    ``message`` is the index in the entry's message list the finding is about, or
    None when it is about the whole entry. ``fixable`` says whether
    `fixes.fix_finding` can repair it without guessing.
    """

    check: str
    severity: str
    message: int | None
    fixable: bool
    text: str


def finding(check: str, text: str, message: int | None = None, *,
            fixable: bool = False) -> Finding:
    """A `Finding` with the severity the check table gives its check."""
    return Finding(check, CHECKS[check], message, fixable, text)
