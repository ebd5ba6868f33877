"""Deterministic validation of dataset entries (DESIGN.md §5). No Textual here.

Per entry: `check_value` (a parsed line) or `check_line` (raw bytes that did not
parse) returns `Finding`s; `fixes` repairs the fixable ones, as pure functions.
`duplicate` / `near-duplicate` are dataset-level and live with dedupe.

Layout, one family of checks per module: `structure` (line, record, message
shape), `roles` (role names and order), `content` (empty, edges, length, the
pattern heuristics), `hidden` (invisible characters), `tags`; `scanner` and
`needles` run the curated ``patterns/*.txt`` lists fast; `speakers` finds the
character's name in a reply's speaker labels; `runner` is the single pass that
ties them together; `config` holds the tunables; `notes` turns a check that
fires on most of a file into one file-wide note.
"""

from .config import Context, ValidationConfig, build_context
from .findings import CHECKS, FIXABLE_CHECKS, SEVERITIES, Finding, Severity
from .fixes import ALL_FIXES, FIXES, SAFE_FIXES, fix_all, fix_finding
from .notes import FileNote, file_notes, file_wide_checks
from .runner import check_dict, check_line, check_record, check_value, make_checker

__all__ = [
    "ALL_FIXES",
    "CHECKS",
    "FIXABLE_CHECKS",
    "FIXES",
    "SAFE_FIXES",
    "SEVERITIES",
    "Context",
    "FileNote",
    "Finding",
    "Severity",
    "ValidationConfig",
    "build_context",
    "check_dict",
    "check_line",
    "check_record",
    "check_value",
    "file_notes",
    "file_wide_checks",
    "fix_all",
    "fix_finding",
    "make_checker",
]
