"""Every command that counts findings reads the config the app reads.

A reviewer who raises `short_response` or adds a refusal phrase sees the new
findings in the app; `validate`, `stats` and `export --where 'issue:…'` must count
the same ones, whether the config is named (`--config`) or found
(`$ROLETHREAD_CONFIG`, the XDG location) — not the defaults behind their back.
"""

from __future__ import annotations

import json

import pytest

from rolethread_tui.cli.main import main

from .conftest import chat, clean_entry

CONFIG = """
short_response = 100
extra_refusal_patterns = ["salt flats"]
"""


@pytest.fixture
def data(write):
    brief = chat(("user", "Ready?"), ("assistant", "Yes, let us go before the rain."))
    return write([clean_entry(1), clean_entry(2), brief])


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) in (0, 1)
    return json.loads(capsys.readouterr().out)


def issue_counts(capsys, data, *config: str) -> tuple[dict, dict]:
    """(stats' issue counts, validate's findings per check) with these config options."""
    stats = run_json(capsys, "stats", str(data), "--json", *config)["issues"]
    found = run_json(capsys, "validate", str(data), "--json", *config)["findings"]
    by_check: dict[str, int] = {}
    for f in found:
        by_check.setdefault(f["check"], set()).add(f["entry"])  # type: ignore[attr-defined]
    return stats, {check: len(entries) for check, entries in by_check.items()}


def test_stats_and_validate_count_the_named_configs_findings(capsys, data, config):
    default_stats, default_found = issue_counts(capsys, data)
    assert "refusal" not in default_stats and "short-response" not in default_stats
    assert default_stats == default_found
    stats, found = issue_counts(capsys, data, "--config", str(config))
    assert stats["refusal"] == found["refusal"] == 2           # "salt flats" in two replies
    assert stats["short-response"] == found["short-response"] == 3   # every reply < 100
    assert stats == found                                       # the same findings, all of them


def test_the_config_the_app_finds_counts_too(capsys, monkeypatch, data, config):
    monkeypatch.setenv("ROLETHREAD_CONFIG", str(config))
    stats, found = issue_counts(capsys, data)
    assert stats["refusal"] == found["refusal"] == 2


def test_export_where_selects_by_the_configs_findings(capsys, tmp_path, data, config):
    out = tmp_path / "refusals.jsonl"
    summary = run_json(capsys, "export", str(data), "-o", str(out), "--where", "issue:refusal",
                       "--config", str(config), "--json")
    assert summary["written"] == 2
    assert all("salt flats" in line for line in out.read_text(encoding="utf-8").splitlines())


def test_a_broken_config_warns_once_and_counts_with_the_defaults(capsys, tmp_path, data):
    broken = tmp_path / "broken.toml"
    broken.write_text("short_response = 'many'\n", encoding="utf-8")
    assert main(["stats", str(data), "--json", "--config", str(broken)]) == 0
    captured = capsys.readouterr()
    assert "short-response" not in json.loads(captured.out)["issues"]
    assert captured.err.count("\n") == 1 and "short_response" in captured.err
