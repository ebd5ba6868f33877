"""`export --report` naming the file `-o` writes (QA): the message says which two collide."""

from __future__ import annotations

from rolethread_tui.cli.main import main

from .conftest import chat, clean_entry


def test_report_same_as_output_names_both_options(write, tmp_path, capsys):
    src = write([clean_entry(0), chat(("assistant", "first, without a user turn"))])
    out = tmp_path / "out2.jsonl"
    assert main(["export", str(src), "-o", str(out), "--report", str(out), "--clean"]) == 2
    assert capsys.readouterr().err == f"rolethread-tui: {out}: --report is the same file as -o\n"
    assert not out.exists()


def test_report_same_as_input_says_input(write, tmp_path, capsys):
    src = write([clean_entry(0)])
    out = tmp_path / "out.jsonl"
    assert main(["export", str(src), "-o", str(out), "--report", str(src)]) == 2
    err = capsys.readouterr().err
    assert err == f"rolethread-tui: {src}: --report is the same file as the input {src}\n"
    assert not out.exists()
