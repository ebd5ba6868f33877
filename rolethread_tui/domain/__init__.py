"""The domain's port: the only names the TUI may import (docs/architecture.md).

Screens and widgets write `from ...domain import Session, EntryView, ...`,
never `from ...domain.<module> import ...` (tests/test_layering.py fails on
that). Names load lazily through `__getattr__`, so importing the port costs
nothing and the first frame does not wait for modules it does not draw
(insights, export, search).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: name → the module (under this package) that defines it.
_EXPORTS: dict[str, str] = {
    # the facade, its value types and events
    "Session": "session", "EntryFinding": "engine", "SessionEvent": "events",
    "EntryView": "reading", "MessageView": "reading", "Row": "summary",
    # errors
    "DomainError": "errors", "ReadOnlyError": "errors", "SaveInProgressError": "errors",
    "FileChangedError": "errors", "ScanError": "errors", "OpError": "ops",
    "QueryError": "search", "JournalError": "journal",
    # review vocabulary
    "STATUSES": "review", "ORIGINS": "review",
    # validation
    "Finding": "validation", "CHECKS": "validation", "FIXABLE_CHECKS": "validation",
    "SAFE_FIXES": "validation", "file_notes": "validation",
    # search
    "Query": "search", "parse_query": "search", "apply_slop": "search",
    "apply_groups": "search", "GroupedView": "search", "GroupAt": "search",
    "DUPLICATES_QUERY": "dup_links",
    "SlopReport": "slop",
    # opening, recovery, lock
    "Opened": "opening", "Opening": "opening", "begin": "opening", "close": "opening",
    "why_unreadable": "opening",
    "describe_pending": "opening", "PendingJournal": "journal", "conflict_path": "reapply",
    # config, themes, UI state
    "Config": "config", "effective_reviewer": "config", "DEFAULT_THEME": "config",
    "display_path": "config", "ThemeSpec": "themes", "bundled_themes_dir": "themes",
    "discover_themes": "themes", "user_themes_dir": "themes", "UiState": "state",
    "preferred_theme": "state", "load_state": "state", "save_state": "state",
    "remember_file": "state", "remember_theme": "state", "remember_search": "state",
    "remember_position": "state", "last_position": "state", "write_state": "state",
    "sample_label": "sample",
    # insights and export
    "Figure": "insights", "Insights": "insights", "add_content": "insights",
    "add_duplicates": "insights", "bar": "insights", "basic_insights": "insights",
    "share": "insights", "sparkline": "insights", "export_entries": "export",
    "export_refusal": "export",
    # wording
    "count": "wording",
    "os_reason": "wording",
    "cannot_write": "wording",
}
# a submodule binds its own name on the package when imported, so a function
# named like its module (`export.export`) is exported under another name
_ALIASES = {"parse_query": "parse", "export_entries": "export"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), _ALIASES.get(name, name))
    globals()[name] = value  # next time, a plain module attribute
    return value

