"""Deterministic validation of dataset entries (docs/validation.md). No Textual here.

Per entry: `check_value` (a parsed line) or `check_line` (raw bytes that did not
parse) returns `Finding`s; `fixes` repairs the fixable ones, as pure functions.
`duplicate` / `near-duplicate` are dataset-level and live with dedupe.

Layout, one family of checks per module: `structure` (line, record, message
shape), `roles` (role names and order), `content` (empty, edges, length, the
pattern heuristics), `hidden` (invisible characters), `tags`; `scanner` and
`needles` run the curated ``patterns/*.txt`` lists fast, in the Rust regex
`rust_regex` reaches without importing pydantic-core's package; `speakers` finds the
character's name in a reply's speaker labels; `runner` is the single pass that
ties them together; `config` holds the tunables (a pydantic model) and
`context` their compiled form (no pydantic: the scan reads only this);
`notes` turns a check that fires on most of a file into one file-wide note.
"""

from importlib import import_module
from typing import Any

# Loaded on first use (PEP 562): the query parser and the slop rules need only
# `findings` / `needles`, and `config` brings in pydantic (~0.1 s), which neither
# the first screen nor the scan helper needs.
_HOMES = {
    "Context": "context", "build_context": "context", "ValidationConfig": "config",
    "CHECKS": "findings", "FIXABLE_CHECKS": "findings", "SEVERITIES": "findings",
    "Finding": "findings", "Severity": "findings", "ALL_FIXES": "fixes", "FIXES": "fixes",
    "SAFE_FIXES": "fixes", "fix_all": "fixes", "fix_finding": "fixes", "FileNote": "notes",
    "file_notes": "notes", "file_wide_checks": "notes", "check_dict": "runner",
    "check_line": "runner", "check_record": "runner", "check_value": "runner",
    "make_checker": "runner",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # next time a plain attribute
    return value
