"""A query may start with ``-`` wherever ``--where`` is accepted (docs/query.md, issue 16)."""

from __future__ import annotations

import json

import pytest

from rolethread_tui.cli.common import glue_values
from rolethread_tui.cli.main import main

from .conftest import clean_entry


@pytest.fixture
def reviewed(write):
    rejected = clean_entry(1) | {"_review": {"status": "rejected"}}
    return write([clean_entry(0), rejected, clean_entry(2)])


@pytest.mark.parametrize("form", [["--where", "-status:rejected"], ["--where=-status:rejected"]])
def test_stats_where_negation(reviewed, capsys, form):
    assert main(["stats", str(reviewed), *form, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matched"] == 2


@pytest.mark.parametrize("form", [["--where", "-status:rejected"], ["--where=-status:rejected"]])
def test_export_where_negation(reviewed, tmp_path, form):
    out = tmp_path / "out.jsonl"
    assert main(["export", str(reviewed), "-o", str(out), *form, "--include-rejected"]) == 0
    assert len(out.read_bytes().splitlines()) == 2


def test_where_followed_by_an_option_is_still_a_missing_query(reviewed, capsys):
    assert main(["stats", str(reviewed), "--where", "--json"]) == 2
    assert "expected one argument" in capsys.readouterr().err


def test_glue_values() -> None:
    assert glue_values(["a", "--where", "-x y", "--json"], ["--where"]) == \
        ["a", "--where=-x y", "--json"]
    assert glue_values(["--where", "x", "--", "--where", "-y"], ["--where"]) == \
        ["--where", "x", "--", "--where", "-y"]
    assert glue_values(["--where", "-o"], ["--where"], {"-o"}) == ["--where", "-o"]


def test_where_finds_a_decomposed_accent_typed_composed(write, capsys):
    """Text pasted from a Mac or a PDF holds "café" as e + a combining accent; a
    reviewer types it composed, and each finds the other (docs/query.md)."""
    decomposed = clean_entry(0)
    decomposed["messages"][2]["content"] = "They meet at the cafe\u0301 by the harbour."
    composed = clean_entry(1)
    composed["messages"][2]["content"] = "They meet at the café by the harbour."
    path = write([decomposed, composed, clean_entry(2)])
    for query in ("café", "cafe\u0301", "CAFÉ"):
        assert main(["stats", str(path), "--where", query, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["matched"] == 2, query
