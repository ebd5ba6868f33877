"""docs/ keeps up with the code: every binding id, check and query field is documented."""

from __future__ import annotations

from pathlib import Path

from rolethread_tui.domain.search.terms import FIELD_ALIASES, FIELDS
from rolethread_tui.domain.validation.findings import CHECKS
from rolethread_tui.tui.app import KEYMAP_SCREENS
from rolethread_tui.tui.keymap import default_keys

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_rebindable_binding_id_is_in_keys_md() -> None:
    text = (DOCS / "keys.md").read_text("utf-8")
    ids = set(default_keys(KEYMAP_SCREENS))
    assert {"accept", "toggle_flag_9", "editor_edit_message"} <= ids
    missing = sorted(i for i in ids if f"`{i}`" not in text
                     and not (i.startswith("toggle_flag_") and "`toggle_flag_1` …" in text))
    assert missing == []


def test_every_check_is_in_validation_md() -> None:
    text = (DOCS / "validation.md").read_text("utf-8")
    assert [c for c in CHECKS if f"`{c}`" not in text] == []


def test_every_query_field_is_in_query_md() -> None:
    text = (DOCS / "query.md").read_text("utf-8")
    assert [f for f in (*FIELDS, *FIELD_ALIASES) if f"`{f}:" not in text] == []
