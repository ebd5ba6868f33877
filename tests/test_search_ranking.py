"""The `~` ranking's fast path scores every line exactly as `Query.score(turns)` does.

`search.ranking` reads the ranked text straight from the parsed message list;
these lines are planted where it could differ from `formats.turns` + `score`:
escapes, non-ASCII, role aliases and unknown roles, non-string roles and texts,
both conversation shapes, scopes, short texts, broken and non-object lines.
"""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui.domain import formats
from rolethread_tui.domain.search import parse
from rolethread_tui.domain.search.evaluate import check_lines
from rolethread_tui.domain.search.ranking import ScopedText

KEEPER = "The lighthouse keeper climbed the stair; the lamp was out."


def _chat(*pairs: tuple[object, object], key: str = "messages", keys: tuple[str, str] = (
        "role", "content")) -> bytes:
    return orjson.dumps({key: [{keys[0]: r, keys[1]: t} for r, t in pairs]})


PLANTED: list[bytes] = [
    _chat(("user", "Tell me of the lighthouse."), ("assistant", KEEPER)),
    _chat(("system", KEEPER), ("user", "hi"), ("assistant", "Bread and salt.")),
    _chat(("Human", "the lighthouse keeper?"), ("GPT", "Yes, the lighthouse keeper.")),
    _chat(("narrator", KEEPER), ("user", "the light house keeper")),
    _chat((None, KEEPER), ("assistant", "keeper")),
    _chat((3, KEEPER), ("assistant", "the lighthouse keeper")),  # role not a string
    _chat(("user", ["the lighthouse", "keeper"]), ("assistant", "x")),  # content parts
    _chat(("user", [{"type": "text", "text": "the lighthouse keeper"}]),),
    _chat(("user", None), ("assistant", 12)),
    _chat(("human", "the lighthouse keeper"), ("gpt", "ok"), key="conversations",
          keys=("from", "value")),
    _chat(("user", "the lighthouse keeper"), key="conversations", keys=("role", "content")),
    _chat(("speaker", "the lighthouse keeper"), key="conversations", keys=("speaker", "text")),
    b'{"messages":[{"role":"user","content":"the lighth\\u00f6use k\\u00e9eper"},'
    b'{"role":"assistant","content":"\\"The\\" \\\\lighthouse\\\\ \\n\\tkeeper\\/"}]}',
    b'{"messages":[{"role":"user","content":"lone \\ud800 surrogate lighthouse keeper"}]}',
    _chat(("user", "ＴＨＥ ＬＩＧＨＴＨＯＵＳＥ ＫＥＥＰＥＲ"),
          ("assistant", "Der Leuchtturmwärter, ß")),
    _chat(("user", "İstanbul lighthouse keeper — «the» keeper…"), ("assistant", "灯台守")),
    _chat(("user", "keeper"), ("assistant", "the")),  # shorter than the query
    _chat(("user", ""), ("assistant", "")),
    _chat(),
    b'{"messages":"nope","conversations":[{"from":"gpt","value":"the lighthouse keeper"}]}',
    b'{"messages":[{"role":"user","content":"a"}],"messages":[{"role":"user",'
    b'"content":"the lighthouse keeper"}]}',
    b'{"messages":[{"role":"user","content":"x","role":"assistant"},"the lighthouse keeper"]}',
    b'{"messages":[{"content":"the lighthouse keeper"}]}',
    b'{"id":1}',
    b"[1, 2, 3]",
    b'"the lighthouse keeper"',
    b'{"messages": [the lighthouse keeper broken',
    b"\xff\xfe the lighthouse keeper, not UTF-8",
]
QUERIES = ["~the lighthouse keeper", "~lighthouse", "~keeper", "~the lighthouse keeper climbed",
           "role:system ~the lighthouse keeper", "in:all ~lighthouse keeper",
           "role:other ~the lighthouse keeper", "in:user,other ~keeper",
           "lighthouse ~the lighthouse keeper", "-bread ~keeper", "~ÄÖ lighthouse",
           "~İstanbul", "~灯台"]


def _valid(line: bytes) -> bool:
    try:
        return type(orjson.loads(line)) is dict
    except orjson.JSONDecodeError:
        return False


def _reference(query_text: str, lines: list[bytes], valids: list[bool | None]
               ) -> list[tuple[int, float]]:
    """What ranking gave before the fast path: `score(turns)`, or `score_raw` of a line
    that does not parse to an object (`evaluate._matched`)."""
    query = parse(query_text)
    out = []
    for i, (line, valid) in enumerate(zip(lines, valids, strict=True)):
        value = None
        if valid is not False:
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                value = None
        if value is not None and (valid or type(value) is dict):
            turns = formats.turns(value)
            if query.matches_text(turns):
                out.append((i, query.score(turns)))
        else:
            text = line.decode("utf-8", "replace")
            if query.matches_raw(text):
                out.append((i, query.score_raw(text)))
    return out


@pytest.mark.parametrize("query_text", QUERIES)
@pytest.mark.parametrize("known", [True, False])
def test_planted_lines_score_as_score_of_turns(query_text: str, known: bool) -> None:
    """``known``: the scan's valid column is given, or not (`where_first` passes None)."""
    valids: list[bool | None] = [_valid(line) if known else None for line in PLANTED]
    todo = [(i, line, valid) for i, (line, valid) in enumerate(zip(PLANTED, valids, strict=True))]
    assert check_lines(parse(query_text), todo) == _reference(query_text, PLANTED, valids)


def test_some_planted_lines_do_score() -> None:
    """The planted lines are not all noise: the comparison covers real scores."""
    scores = dict(_reference("~the lighthouse keeper", PLANTED, [_valid(x) for x in PLANTED]))
    assert sum(s >= 60 for s in scores.values()) >= 5


def test_many_batches_keep_positions_and_scores() -> None:
    lines = [PLANTED[i % len(PLANTED)] for i in range(2600)]  # over two batches of 1024
    valids: list[bool | None] = [_valid(line) for line in lines]
    todo = list(enumerate(zip(lines, valids, strict=True)))
    found = check_lines(parse("~the lighthouse keeper"), [(i, x, v) for i, (x, v) in todo])
    assert found == _reference("~the lighthouse keeper", lines, valids)


def test_scoped_text_is_ranked_text_or_none() -> None:
    for query_text in QUERIES:
        query = parse(query_text)
        for line in PLANTED:
            if not _valid(line):
                continue
            value = orjson.loads(line)
            text = ScopedText(query.scope).text(value)
            if text is not None:
                assert text == query.ranked_text(formats.turns(value))


def test_role_names_remembered_are_capped() -> None:
    scoped = ScopedText(parse("~x").scope)
    many = {"messages": [{"role": f"char{i}", "content": "x"} for i in range(5000)]}
    assert scoped.text(many) == ""
    assert len(scoped._keep) <= 4096


ROLES = st.sampled_from(["user", "assistant", "system", "Human", "gpt", "narrator", " User ",
                         "", "model", "tool"])
TEXTS = st.text(st.sampled_from("the lighthouse keper\n\"\\/\tÉéß—İ灯"), max_size=60)
MESSAGE = st.one_of(
    st.tuples(ROLES, TEXTS).map(lambda rt: {"role": rt[0], "content": rt[1]}),
    st.tuples(ROLES, TEXTS).map(lambda rt: {"from": rt[0], "value": rt[1]}),
    st.just({"role": None, "content": "keeper"}),
    st.just("the lighthouse"),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(MESSAGE, max_size=5), min_size=1, max_size=6),
       st.sampled_from(QUERIES), st.booleans())
def test_generated_lines_score_as_score_of_turns(conversations, query_text, sharegpt) -> None:
    key = "conversations" if sharegpt else "messages"
    lines = [json.dumps({key: messages}).encode() for messages in conversations]
    valids: list[bool | None] = [True] * len(lines)
    todo = [(i, line, True) for i, line in enumerate(lines)]
    assert check_lines(parse(query_text), todo) == _reference(query_text, lines, valids)
