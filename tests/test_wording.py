"""Counts of one are singular everywhere a count is said: "1 entry", "1 group",
"1 message" (domain/wording.py, shared by the domain, the commands and the TUI)."""

from __future__ import annotations

import re

import pytest

from rolethread_tui.cli.main import main
from rolethread_tui.domain.merge import merge
from rolethread_tui.domain.wording import count
from rolethread_tui.tui import wording

from .conftest import chat, clean_entry

#: "1 <plural>" in any text a test reads.
ONE_PLURAL = re.compile(r"(?<![\d,.])1 (entries|groups|messages|findings|errors|warnings|files"
                        r"|conflicts|replies|copies|changes|shards|characters|phrases)\b")


def test_count_is_singular_for_one_only() -> None:
    assert count(1, "entry") == "1 entry"
    assert count(0, "entry") == "0 entries"
    assert count(2, "redundant copy") == "2 redundant copies"
    assert count(1, "duplicate group") == "1 duplicate group"
    assert count(12_345, "reply") == "12,345 replies"
    assert count(3, "match") == "3 matches"
    assert wording.count is count  # the TUI says counts the same way


def test_cli_counts_of_one(write, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    pair = [clean_entry(0), clean_entry(0)]
    assert main(["dedupe", str(write(pair, "d.jsonl"))]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 group, 2 entries"
    one = write([chat(("user", "hi"), ("assistant", "ok"), ("tool", "x"))], "one.jsonl")
    main(["validate", str(one)])
    err = capsys.readouterr().err
    assert "1 error, " in err and not ONE_PLURAL.search(err), err
    assert main(["stats", str(one)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{one}: 1 entry, ") and not ONE_PLURAL.search(out), out


def test_merge_report_counts_of_one(write, tmp_path) -> None:
    convo = clean_entry(5)
    a = write([{"id": "c1", **convo}], "a.jsonl")
    b = write([{"id": "s1", **convo}], "b.jsonl")
    text = merge([a, b], tmp_path / "out.jsonl").render()
    assert "1 group of identical conversations" in text
    assert not ONE_PLURAL.search(text), text


async def test_tui_counts_of_one(write) -> None:
    from rolethread_tui.tui.app import create_app

    from .tui_helpers import screen_text, settle

    path = write([chat(("user", " hi ")), clean_entry(1)])  # 1 message; 1 entry per check
    app = create_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        summary = screen_text(app)
        assert re.search(r"\b1 entry\b", summary) and not ONE_PLURAL.search(summary), summary
        await pilot.press("escape", "e")
        await settle(app, pilot)
        editor = screen_text(app)
        assert "1 message" in editor and not ONE_PLURAL.search(editor), editor


async def test_the_read_only_hint_names_a_palette_command_that_exists(write) -> None:
    from rolethread_tui.tui.app import create_app
    from rolethread_tui.tui.commands import EXTRA_COMMANDS

    from .tui_helpers import settle

    path = write([clean_entry(0), clean_entry(1)])
    path.chmod(0o444)  # read-only, even for root (docs/safety.md)
    app = create_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        hints = [str(n.message) for n in app._notifications if "Read-only" in str(n.message)]
    assert hints, [n.message for n in app._notifications]
    named = re.findall(r"'([^']+)'", hints[-1])
    assert named and set(named) <= {title for title, _, _ in EXTRA_COMMANDS}, hints[-1]
