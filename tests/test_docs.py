"""docs/ keeps up with the code: every binding id, check and query field is documented."""

from __future__ import annotations

import re
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


def test_every_docs_page_and_section_the_code_cites_exists() -> None:
    """Code points the reader at docs/ (never outside the repository): a renamed
    page or heading must not leave a dead pointer behind."""
    cite = re.compile(r'docs/([\w/-]+\.md)(?:[,:]?\s*\(?"([^"\n]+)")?')
    package = DOCS.parent / "rolethread_tui"
    dead = []
    for path in sorted(package.rglob("*.py")) + sorted(package.rglob("*.tcss")):
        for page, section in cite.findall(path.read_text("utf-8")):
            target = DOCS / page
            if not target.exists():
                dead.append(f"{path.name}: docs/{page}")
                continue
            headings = [line.lstrip("#").strip() for line in
                        target.read_text("utf-8").splitlines() if line.startswith("#")]
            if section and not any(h.startswith(section) for h in headings):
                dead.append(f'{path.name}: docs/{page} "{section}"')
    assert dead == []
