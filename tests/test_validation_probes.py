"""Precision and recall of the content checks on real-shaped data (docs/validation.md).

A check that fires on every fenced coding answer or every e-mail's ``Subject:``
drowns the reviewer; these probes pin both what must be found and what must not.
"""

from __future__ import annotations

import pytest

from rolethread_tui.domain.validation import ValidationConfig, check_value

from .probes.corpus import CONTENT_CHECKS, MARKDOWN_PROBES, PROBES, Probe


@pytest.mark.parametrize("item", PROBES, ids=lambda p: p.name)
@pytest.mark.parametrize("sharegpt", [False, True], ids=["chatml", "sharegpt"])
def test_probe_content_findings(item: Probe, sharegpt: bool) -> None:
    found = {f.check for f in check_value(item.record(sharegpt))} & set(CONTENT_CHECKS)
    assert found == set(item.flags)


def test_probes_cover_both_sides() -> None:
    flagged = [p for p in PROBES if p.flags]
    assert len(flagged) >= 10 and len(PROBES) - len(flagged) >= 10


@pytest.mark.parametrize(("reply", "fires"), MARKDOWN_PROBES)
def test_markdown_check_is_opt_in(reply: str, fires: bool) -> None:
    record = {"messages": [{"role": "user", "content": "Explain it, please."},
                           {"role": "assistant", "content": reply}]}
    assert not [f for f in check_value(record) if f.check == "markdown"]
    on = [f for f in check_value(record, ValidationConfig(markdown=True)) if f.check == "markdown"]
    assert bool(on) is fires
    assert all(f.severity == "info" and f.message == 1 for f in on)
