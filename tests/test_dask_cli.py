"""`--engine dask` from the command line: the local process cluster, and how it fails.

The equality of the answers is in test_dask_equality.py; here the CLI runs
once on a real `LocalCluster` of two worker processes, and every way of asking
for Dask that cannot work ends in one line on stderr and exit 2.
"""

from __future__ import annotations

import json
import socket
import sys

import pytest

from rolethread_tui.cli.main import main

from .conftest import chat, clean_entry


@pytest.fixture
def shards(tmp_path):
    """Two shards; the second repeats the first's first conversation (a cross-shard copy)."""
    folder = tmp_path / "shards"
    folder.mkdir()
    first = [clean_entry(0), clean_entry(1), chat(("assistant", "hi"), ("user", "x"))]
    second = [clean_entry(2), clean_entry(0)]
    for name, entries in (("a.jsonl", first), ("b.jsonl", second)):
        (folder / name).write_text("".join(json.dumps(e) + "\n" for e in entries))
    with open(folder / "b.jsonl", "a") as f:
        f.write("\n{not json\n")  # line 4 (line 3 is blank)
    return folder


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_validate_on_a_local_process_cluster_names_shard_and_line(shards, capsys):
    pytest.importorskip("distributed")
    code = main(["validate", str(shards / "*.jsonl"), "--engine", "dask", "--json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert code == 1  # b.jsonl line 4 is not JSON: an error
    where = {(f["file"].rsplit("/", 1)[1], f["line"], f["check"]) for f in doc["findings"]}
    assert ("b.jsonl", 2, "duplicate") in where
    assert ("b.jsonl", 4, "invalid-json") in where
    dup = next(f for f in doc["findings"] if f["check"] == "duplicate")
    assert dup["text"] == f"same conversation as {shards / 'a.jsonl'} entry 1"
    assert any(check == "starts-with-assistant" and (name, line) == ("a.jsonl", 3)
               for name, line, check in where)
    assert "validate: 2/2" in err  # the progress counter, on stderr only


def test_unreachable_scheduler_is_one_line_and_exit_2(shards, capsys):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{unused_port()}"
    code = main(["stats", str(shards), "--engine", "dask", "--scheduler", address])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"rolethread-tui: cannot reach the Dask scheduler at {address}")
    assert "Traceback" not in err


def test_without_dask_installed_the_error_says_how_to_get_it(shards, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if absent
    code = main(["dedupe", str(shards), "--engine", "dask"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == ("rolethread-tui: --engine dask needs Dask: "
                           "pip install 'rolethread-tui[dask]'")


@pytest.mark.parametrize("argv", [
    ["stats", "{s}", "--where", "status:accepted"],
    ["validate", "{s}", "--fix", "-o", "{s}/out.jsonl"],
    ["export", "{s}", "-o", "{s}/out", "--where", "origin:human"],
])
def test_options_the_dask_engine_lacks_are_refused(shards, capsys, argv):
    code = main([a.format(s=shards) for a in argv] + ["--engine", "dask"])
    assert code == 2
    assert "not available with --engine dask" in capsys.readouterr().err


def test_a_pattern_naming_no_shards_is_a_usage_error(tmp_path, capsys):
    code = main(["stats", str(tmp_path / "none-*.jsonl"), "--engine", "dask"])
    assert code == 2
    assert "no shards" in capsys.readouterr().err
