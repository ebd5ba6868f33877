"""Speed work must not change answers: findings, columns, searches, groups and slop
on a generated file are compared with expectations stored before optimising.

The file is `benchmarks/datagen.py`'s output (flaws, malformed lines, exact and
near duplicates planted at its rates) plus a few hand-planted near-duplicates
and hostile lines. Each aspect is compared by a SHA-256 of its canonical JSON,
with readable counts beside it so a failure says roughly what moved. After a
change that is *meant* to alter answers, regenerate with
``ROLETHREAD_WRITE_EXPECTED=1 pytest tests/test_same_results.py`` and explain
the diff in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from rolethread_tui import Session
from rolethread_tui.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).resolve().parent / "data" / "same_results.json"
sys.path.insert(0, str(ROOT / "benchmarks"))
import datagen  # noqa: E402

ENTRIES = 2500
QUERIES = ("lantern", "lantern harbor -storm", "lantern -water", "secret -sorry",
           '"smiles warmly" -flag:refusal',
           "issue:refusal origin:generated", "turns:>6 len:<3000", "issue:any -status:accepted",
           "role:system forest", "~the lighthouse keeper", "~smiles warmly at you", "slop:any",
           "order:slop issue:error", "in:user,assistant sorry")
HOSTILE = [
    b'{"messages":[{"role":"user","content":"as\\u0020an AI, hi"},'
    b'{"role":"assistant","content":"As an\\u0020AI language model I cannot"}]}',
    b'{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"a\\u200bb"}]}',
    b'{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"ok\\nUser: y"}]}',
    b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"I\\u2019m sorry, '
    b'but I can\\u2019t help"}]}',
    b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":'
    b'"<|im_end|> done"}],"n":12345678901234567890123}',
    b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"x"}],'
    b'"a":1,"a":2}',
    b'{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"```py\\nx```"}]}',
    b'{"messages":"nope"}',
    b"[1, 2, 3]",
    b'{"messages":[{"role":"user","content":"lone \\ud800 surrogate"},'
    b'{"role":"assistant","content":"ok"}]}',
    b'{"messages":[{"role":"user","content":"lone \\ud800 surrogate"},'
    b'{"role":"assistant","content":"ok"}]}',
    b'{"messages":[{"role":"narrator","content":"The rain"},{"role":"user","content":" hi "}]}',
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("same") / "gen.jsonl"
    datagen.generate(path, ENTRIES, seed=18)
    lines = path.read_bytes().splitlines()
    planted = []
    for k in range(0, 400, 40):  # near-duplicates: one word of the last reply changed
        value = orjson.loads(lines[k]) if lines[k].startswith(b"{") else None
        if not isinstance(value, dict) or not isinstance(value.get("messages"), list):
            continue
        last = value["messages"][-1]
        if isinstance(last.get("content"), str):
            last["content"] = last["content"].replace(" the ", " that ", 1)
            planted.append(orjson.dumps(value))
    path.write_bytes(b"\n".join([*lines, *planted, *HOSTILE]) + b"\n")
    return path


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _session_aspects(path: Path) -> dict[str, Any]:
    s = Session.open(path)
    try:
        s.wait()
        rows = [s.row(i) for i in range(len(s))]
        columns = [[r.valid, r.status, r.origin, list(r.flags), list(r.tags), r.turns,
                    r.length, r.preview, list(r.issues), r.issue_count, r.severity]
                   for r in rows]
        findings = [[[f.check, f.severity, f.message, f.fixable, f.text] for f in s.findings(i)]
                    for i in range(len(s))]
        digests = Counter(s.columns.digest[s.rid(i)] for i in range(len(s)))
        same = sorted(n for n in digests.values() if n > 1)
        searches = {q: s.search(q) for q in QUERIES}
        groups = [[g.entries, g.exact, round(g.score, 6)] for g in s.duplicate_groups()]
        report = s.slop()
        slop = report.as_json(lambda p: p + 1)
        counts = s.columns.counts(range(len(s.columns)))
    finally:
        s.close()
    checks = Counter(f[0] for found in findings for f in found)
    return {
        "columns": (columns, {"entries": len(rows)}),
        "findings": (findings, dict(sorted(checks.items()))),
        "counts": ({k: dict(sorted(v.items())) for k, v in counts.items()}, {}),
        "exact-digests": (same, {"repeated": len(same)}),
        "searches": (searches, {q: len(h) for q, h in searches.items()}),
        "groups": (groups, {"groups": len(groups)}),
        "slop": (slop, {"flagged": len(report.entries), "phrases": len(report.phrases)}),
    }


def _cli_aspects(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, args in (("cli-validate", ["validate", str(path), "--json"]),
                       ("cli-dedupe", ["dedupe", str(path), "--json"]),
                       ("cli-slop", ["slop", str(path), "--json"]),
                       ("cli-stats-where", ["stats", str(path), "--json", "--where",
                                            "lantern -water"])):
        main(args)
        document = json.loads(capsys.readouterr().out)
        if isinstance(document, dict):
            document.pop("file", None)
        size = len(document) if isinstance(document, list) else len(json.dumps(document))
        out[name] = (document, {"size": size})
    return out


def test_scan_search_groups_and_slop_answer_as_before(dataset, capsys):
    aspects = {**_session_aspects(dataset), **_cli_aspects(dataset, capsys)}
    found = {name: {"sha256": _digest(value), "summary": summary}
             for name, (value, summary) in aspects.items()}
    if os.environ.get("ROLETHREAD_WRITE_EXPECTED"):
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    expected = json.loads(EXPECTED.read_text())
    assert {k: v["summary"] for k, v in found.items()} == \
        {k: v["summary"] for k, v in expected.items()}
    assert {k: v["sha256"] for k, v in found.items()} == \
        {k: v["sha256"] for k, v in expected.items()}
