"""The session's search (column arrays by record id, lines split with the helper
process, raw prefilter by probe byte) answers exactly what the reference stages
answer entry by entry: a `Row` object per entry, no prefilter, one parse per line.

The file is `benchmarks/datagen.py`'s output with hard cases planted among it:
escapes (``\\"``, ``\\\\``, ``\\n``, ``\\u00e9``, an escaped ASCII letter), words in
keys rather than values, roles out of the default scope, characters that
casefold into ASCII letters (``ſ``, ``ß``, ``ﬁ``, the Kelvin sign), curly
apostrophes, lone surrogates, and broken or odd lines.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import orjson
import pytest

from rolethread_tui import Session
from rolethread_tui.domain import scan
from rolethread_tui.domain.search import parse
from rolethread_tui.domain.search.evaluate import _check_line

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import datagen  # noqa: E402


def _chat(*turns: tuple[str, str], **extra: object) -> bytes:
    return orjson.dumps({**extra, "messages": [{"role": r, "content": c} for r, c in turns]})


PLANTED: list[bytes] = [
    _chat(("user", "hi"), ("assistant", "She SMILES WARMLY at the lantern keeper.")),
    _chat(("user", "hi"), ("assistant", "\u017fmiles warmly, the ſtrange ﬁre")),  # ſ, ﬁ
    _chat(("user", "hi"), ("assistant", "the \u212aeeper of the Straße")),  # Kelvin sign, ß
    _chat(("user", "İstanbul"), ("assistant", "I\u2019m sorry, I can\u2019t")),
    _chat(("system", "smiles warmly lantern"), ("user", "q"), ("assistant", "a")),
    _chat(("narrator", "The rain smiles warmly"), ("user", "q"), ("assistant", "a")),
    _chat(("user", "smiles"), ("assistant", "warmly")),  # a phrase across two turns
    _chat(("user", 'say "hi" \\ back\\slash'), ("assistant", "caf\u00e9 lantern\nkeeper")),
    _chat(("user", "x"), ("assistant", "y"), smiles_warmly="lantern in a key's value"),
    orjson.dumps({"smiles warmly": 1, "messages": [{"role": "user", "content": "lantern"}]}),
    orjson.dumps({"messages": [{"role": "lantern", "content": "keeper"}]}),
    b'{"messages":[{"role":"user","content":"\\u0053miles warmly, caf\\u00e9"},'
    b'{"role":"assistant","content":"\\u004bEEPER of the \\u006cantern\\n\\"q\\""}]}',
    b'{"messages":[{"role":"user","content":"lone \\ud800 smiles warmly"},'
    b'{"role":"assistant","content":"lantern"}]}',
    b'{"messages":[{"role":"user","content":"big"},{"role":"assistant","content":'
    b'"smiles warmly"}],"n":12345678901234567890123}',
    b'{"messages":[{"role":"user","content":"a"}],"messages":[{"role":"user",'
    b'"content":"lantern keeper"}]}',
    b'{"conversations":[{"from":"human","value":"the lighthouse keeper"},'
    b'{"from":"gpt","value":"smiles warmly"}]}',
    b'{"messages":[{"role":"user","content":[{"type":"text","text":"lantern"}]},'
    b'{"role":"assistant","content":null},{"role":"user","content":12}]}',
    b'{"messages":"nope smiles warmly"}',
    b"[1, 2, 3]",
    b'{"messages":[{"role":"user","content":"truncated smiles warmly',
    b"not json at all: the lighthouse keeper smiles warmly",
    b'{"messages":[{"role":"user","content":"caf\\u00c9 \\u2019 \\u00df"}]}',
]

QUERIES = (
    "smiles", "warmly", '"smiles warmly"', "lantern", "keeper", "fire", "strange", "strasse",
    "istanbul", "café", "cafe", "i’m", '"i\'m sorry"', '"say \\"hi\\""', "back\\\\slash",
    "-lantern", "lantern -smiles", "role:system lantern", "in:all lantern", "role:other rain",
    "in:all smiles warmly", "u00e9", "ud800", "n", "status:accepted", "-status:unreviewed",
    "flag:any", "issue:any", "issue:refusal origin:generated", "turns:>6 len:<3000",
    '"smiles warmly" -flag:refusal', "-flag:refusal smiles", "~the lighthouse keeper",
    "~smiles warmly lantern", '~"lantern" lantern', "turns:>2 ~keeper", "role:system ~lantern",
    "~caf\u00e9",
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fast") / "gen.jsonl"
    datagen.generate(path, 700, seed=7)
    lines = path.read_bytes().splitlines()
    mixed: list[bytes] = []
    for k, line in enumerate(lines):  # planted lines spread through both processes' shares
        mixed.append(line)
        if k % 30 == 0:
            mixed.append(PLANTED[(k // 30) % len(PLANTED)])
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join([*mixed, *PLANTED]) + b"\n")
    return path


def _reference(s: Session, source: str) -> list[int]:
    """Entry by entry, the `RowLike` stage and the parse, without any prefilter."""
    query = parse(source)
    hits = []
    for i in range(len(s)):
        row = s.row(i)
        if not query.matches_columns(row):
            continue
        score = (0.0 if not query.needs_turns else
                 _check_line(query, s.line_bytes(i).removeprefix(b"\xef\xbb\xbf"), row.valid))
        if score is not None:
            hits.append((i, score))
    if query.fuzzy is not None:
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
    return [i for i, _ in hits]


def test_the_session_search_answers_as_the_reference_stages(dataset, monkeypatch):
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)  # the helper takes half the lines
    with Session.open(dataset, parallel=True) as s:
        s.wait()
        for i in range(0, 60, 7):
            s.set_status(i, "accepted")
        s.edit_message(40, 1, "an edited lantern, smiles warmly")  # a line sent as bytes
        assert s.engine._search_helper() is not None
        found = {q: s.search(q) for q in QUERIES}
        expected = {q: _reference(s, q) for q in QUERIES}
    for q in QUERIES:
        assert found[q] == expected[q], q
    # the planted cases do decide something: not every query is empty or everything
    assert any(0 < len(v) < 100 for v in found.values())
    assert json.dumps(found)  # positions only


def test_the_raw_prefilter_never_drops_a_match_of_a_planted_line():
    for source in QUERIES:
        query = parse(source)
        if not query.needs_text:
            continue
        for line in PLANTED:
            if _check_line(query, line, None) is not None:
                assert query.raw_prefilter(line.lower()), (source, line)


def test_the_block_prefilter_lets_through_what_the_line_prefilter_does():
    """`Query.passing` over one lowered block (lines apart, blank lines and lines
    left out between them, a BOM) keeps exactly the lines `raw_prefilter` keeps."""
    block, starts, ends, asked = b"", [], [], []
    for k, line in enumerate([*PLANTED, *PLANTED[::-1]]):
        if k == 3:
            line = b"\xef\xbb\xbf" + line
        block += b"\n  \r\n" if k % 4 == 1 else b"\n"
        if k % 5 == 2:  # a line between the asked ones: its words never count
            block += b'{"messages":[{"role":"user","content":"smiles warmly lantern \\u0053"}]}\n'
        starts.append(len(block))
        block += line
        ends.append(len(block))
        asked.append(line.removeprefix(b"\xef\xbb\xbf").lower())
    for source in (*QUERIES, "sss", "ss", "k", '" "', "u0053", "\\", "smiles warmly lantern",
                   "lantern keeper \u017f", "a e i o u"):
        query = parse(source)
        if not query.needs_text:
            continue
        expected = [k for k, line in enumerate(asked) if query.raw_prefilter(line)]
        assert query.passing(block.lower(), starts, ends) == expected, source
