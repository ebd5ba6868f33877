"""`stats --where` matched first (`domain.where_first`) answers exactly as the full scan.

A generated file (datagen: refusals, `_review` metadata, malformed lines, exact
and near duplicates) plus planted lines that test the reasoning about
duplicates: copies of a conversation spelt differently (key order, spacing,
escapes, another `_review`), lines the search's parse reads differently from
the scan's (NaN, big integers, a lone surrogate, a mid-file BOM), a message
whose content is a number. Every query's `--json` and text output, with and
without `--insights`, must be byte-identical to the full path's.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from rolethread_tui.cli import stats as stats_cli
from rolethread_tui.cli.main import main
from rolethread_tui.domain import where_first
from rolethread_tui.domain.scan import Helper
from rolethread_tui.domain.store import LineStore
from rolethread_tui.domain.where_first import is_odd, quick_where

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import datagen

#: The planted lines NaN, big integers and 1e400 carry `zzodd`: `-zzodd` leaves
#: them unmatched, earlier copies of plain matches (the case `is_odd` is for).
QUERIES = ("lantern -zzodd", "lantern harbor -storm", "lantern -water -zzodd", "secret -sorry",
           '"smiles warmly"', "sorry -zzodd", "in:user,assistant sorry -zzodd",
           "role:system forest", "the -zzodd", "the -a", "lighthouse ~the lighthouse keeper",
           "harbour -zzodd", "in:all tavern", "nope", "rain", "\u00e9t\u00e9 lantern",
           "zzzqqq", "keeper -zzodd ~lantern")
#: Queries the full scan answers (a column, a slop term, nothing to look for in bytes).
FULL_ONLY = ("status:accepted lantern", "issue:refusal", "-lantern", "~lighthouse keeper",
             "slop:any lantern", "turns:>3 the")

_BASE = {"messages": [{"role": "system", "content": "You are a lantern keeper by the harbour."},
                      {"role": "user", "content": "Tell me about the harbour lantern."},
                      {"role": "assistant", "content": "The lantern burns all night, sorry."}]}


def _planted() -> list[bytes]:
    """Copies of one conversation in other spellings, and lines read differently."""
    same = orjson.dumps(_BASE)
    spaced = orjson.dumps(_BASE, option=orjson.OPT_INDENT_2).replace(b"\n", b" ")
    reviewed = orjson.dumps({"_review": {"status": "rejected", "flags": ["dull"]}, **_BASE})
    escaped = same.replace(b"lantern burns", b"l\\u0061ntern burns")
    nan = same[:-1] + b',"zzodd":NaN}'
    big = same[:-1] + b',"zzodd":123456789012345678901234}'
    huge = same[:-1] + b',"zzodd":1e400}'
    number = b'{"messages":[{"role":"user","content":1e5},{"role":"assistant","content":"ok"}]}'
    number_text = (b'{"messages":[{"role":"user","content":"100000.0"},'
                   b'{"role":"assistant","content":"ok"}]}')
    lone = (b'{"messages":[{"role":"user","content":"lone \\ud800 surrogate"},'
            b'{"role":"assistant","content":"ok"}]}')
    bom = b"\xef\xbb\xbf" + same
    # shown as `inf` and `{'a': nan}`: words the earlier copy's bytes do not hold
    inf = b'{"messages":[{"role":"user","content":1e400},{"role":"assistant","content":"ok"}]}'
    inf_text = b'{"messages":[{"role":"user","content":"inf"},{"role":"assistant","content":"ok"}]}'
    obj = (b'{"messages":[{"role":"user","content":{"a":NaN}},'
           b'{"role":"assistant","content":"ok"}]}')
    obj_text = (b'{"messages":[{"role":"user","content":"{\'a\': nan}"},'
                b'{"role":"assistant","content":"ok"}]}')
    dup_keys = same[:-1] + b',"messages":' + orjson.dumps(_BASE["messages"]) + b"}"
    return [nan, same, spaced, big, reviewed, escaped, huge, bom, inf, obj, number, number_text,
            inf_text, obj_text,
            number, lone, lone, dup_keys, same, b"[1, 2, 3]", b'"lantern"', b"{broken lantern",
            b'{"messages":"nope"}', b'{"conversations":[{"from":"human","value":"rain"},'
            b'{"from":"gpt","value":"The rain on the harbour lantern."}]}']


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("where") / "gen.jsonl"
    datagen.generate(path, 1500, seed=7)
    lines = path.read_bytes().splitlines()
    planted = _planted()
    out = [*planted[:6], *lines[:700], *planted[6:], *lines[700:], *planted]
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


def _full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(where_first, "quick_where", lambda *a, **k: None)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("query", QUERIES)
def test_matched_first_prints_what_the_scan_prints(dataset, query, capsys, monkeypatch):
    assert quick_where(dataset, query, None) is not None, "expected the matched-first path"
    forms = (["--json"], [], ["--json", "--insights"], ["--insights"])
    fast = [_run(["stats", str(dataset), "--where", query, *f], capsys) for f in forms]
    _full(monkeypatch)
    full = [_run(["stats", str(dataset), "--where", query, *f], capsys) for f in forms]
    assert fast == full


def _collect(dataset: Path, query: str, **options: Any) -> dict[str, Any]:
    view = quick_where(dataset, query, None, **options)
    assert view is not None
    try:
        return stats_cli.collect(view, query, insights=True)
    finally:
        view.close()


@pytest.fixture
def small_shares(monkeypatch: pytest.MonkeyPatch) -> Callable[[int, int], list[str]]:
    """Requests and pieces of a few lines, the file indexed a few KB at a time (as a
    big file is, 8 MB at a time): returns a setter and the log of what happened.
    The helper's answer is taken after each piece or chunk of the index (as if it
    had always come by then): on a small file this process would be done before
    the helper has started."""
    events: list[str] = []
    monkeypatch.setattr(Helper, "answered", lambda self: True)
    send, receive, publish = Helper.send, Helper.receive, LineStore.publish
    monkeypatch.setattr(Helper, "send", lambda self, r: (events.append("send"), send(self, r)))
    monkeypatch.setattr(Helper, "receive",
                        lambda self: (events.append("answer"), receive(self))[1])
    monkeypatch.setattr(LineStore, "publish",
                        lambda self, n: (events.append("indexed"), publish(self, n)))
    monkeypatch.setattr("rolethread_tui.domain.store.FIRST_CHUNK", 4 << 10)
    monkeypatch.setattr("rolethread_tui.domain.store.CHUNK", 48 << 10)
    monkeypatch.setattr(where_first, "SHARE_MIN", 1)

    def set_sizes(request: int, piece: int) -> list[str]:
        monkeypatch.setattr(where_first, "REQUEST", request)
        monkeypatch.setattr(where_first, "PIECE", piece)
        events.clear()
        return events

    return set_sizes


@pytest.mark.parametrize("query", ["lantern -zzodd", "the -zzodd", "harbour -storm -zzodd",
                                   "lighthouse ~the lighthouse keeper"])
@pytest.mark.parametrize(("request_lines", "piece"), [(37, 5), (1, 1), (700, 300)])
def test_with_the_helper_process(dataset, query, request_lines, piece, small_shares):
    """Lines shared with the helper as on a big file (its first request sent while the
    file is still being indexed) count exactly what this process alone counts."""
    alone = _collect(dataset, query, parallel=False)
    events = small_shares(request_lines, piece)
    shared = _collect(dataset, query, min_bytes=0)
    assert shared == alone
    assert events.count("answer") > 1, "expected the helper to answer"
    assert events.index("send") < events.index("indexed"), "expected a pipelined index"


@pytest.mark.parametrize("query", ["lantern", "zzodd"])
def test_a_match_that_is_not_plain_takes_the_scan_with_the_helper(dataset, query, small_shares):
    """Wherever the match lies (this side's piece or the helper's answer), the
    command goes to the scan; the helper's last request is answered first."""
    events = small_shares(37, 5)
    assert quick_where(dataset, query, None, min_bytes=0) is None
    assert events.count("send") == events.count("answer") > 0


def test_a_helper_that_fails_midway_changes_nothing(dataset, small_shares, monkeypatch):
    """Its lines (the request it never answered) are matched here instead."""
    alone = _collect(dataset, "lantern -zzodd", parallel=False)
    events = small_shares(50, 10)
    receive, answers = Helper.receive, []

    def failing(self: Helper) -> Any:
        answers.append(1)
        if len(answers) == 4:
            raise EOFError("helper process closed its pipe")
        return receive(self)

    monkeypatch.setattr(Helper, "receive", failing)
    assert _collect(dataset, "lantern -zzodd", min_bytes=0) == alone
    assert events.count("send") == 4  # closed after its third answer: nothing more sent


@pytest.mark.parametrize("query", FULL_ONLY)
def test_queries_that_need_the_scan_take_it(dataset, query):
    assert quick_where(dataset, query, None) is None


@pytest.mark.parametrize("query", ["100000.0", "lantern", "surrogate", "zzodd", "inf",
                                   "\"'a': nan\""])
def test_a_match_that_is_not_plain_takes_the_scan(dataset, query):
    """A match whose parse may differ (NaN: the search reads its raw text), or
    whose text may be a number's `str` (`100000.0`: an earlier 1e5 hides it)."""
    assert quick_where(dataset, query, None) is None


def test_odd_lines():
    assert is_odd(b'{"a":NaN}') and is_odd(b'{"a":-Infinity}')
    assert is_odd(b'{"a":1e400}') and is_odd(b'{"a":-2.5E+308}')
    assert is_odd(b'{"a":1234567890123456789}') and is_odd(b'{"a":"\\udc00"}')
    assert not is_odd(b'{"id":"5e84435f-12b6-4b8f","b":1e5,"c":"Nana"}')
    assert not is_odd(b'{"id":"x-5e843-1","n":123456789012345678}')


def test_a_warm_scan_cache_is_used(dataset, monkeypatch, tmp_path):
    """With a kept scan, the session answers (quicker still): nothing matched first."""
    monkeypatch.setattr("rolethread_tui.domain.scan_cache.CACHE_MIN_BYTES", 0)
    monkeypatch.setenv("ROLETHREAD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROLETHREAD_NO_CACHE", raising=False)
    assert quick_where(dataset, "lantern -zzodd", None) is not None
    assert main(["stats", str(dataset)]) == 0  # keeps the scan
    assert quick_where(dataset, "lantern -zzodd", None) is None


def test_the_collector_is_back_on_after_the_command(dataset, capsys):
    """The command pauses the cyclic GC while it matches (its rows live until the
    process exits); a caller running it in-process gets it back enabled."""
    assert gc.isenabled()
    assert _run(["stats", str(dataset), "--where", "lantern -zzodd"], capsys)
    assert gc.isenabled()
