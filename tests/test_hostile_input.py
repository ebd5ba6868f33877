"""Hostile input (issue #8): random bytes, random JSON, huge lines, escape sequences.

Fed to the store (open + save must reproduce the file exactly, and ops then
undo must too), the validator (never raises), the search (only `QueryError`)
and the list rendering (nothing from the content reaches the terminal as a
control sequence). "No hang" is the hypothesis deadline on every example.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rolethread_tui.domain.ops import OpError
from rolethread_tui.domain.search.parser import QueryError
from rolethread_tui.domain.session import Session
from rolethread_tui.domain.validation import check_line, check_value
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets.entry_list import EntryList

FAST = settings(max_examples=60, deadline=timedelta(seconds=3),
                suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------- strategies
NASTY = ["\x1b[31m", "\x1b]0;title\x07", "\x1b[2J", "\x9b31m", "\x07", "\r", "\x00", "\u202e",
         "\u200b", "\ufeff", "[bold]", "[/]", "[link=http://x]", "\\", '"', "\ud800", "\t",
         "{{char}}", "😀", "\u0301"]
text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=5)), max_size=8).map("".join),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(), text)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)
roles = st.one_of(st.sampled_from(["system", "user", "assistant", "gpt", "human", "Narrator",
                                   "tool", " USER "]), text, scalars)
messages = st.lists(st.one_of(
    st.fixed_dictionaries({"role": roles, "content": st.one_of(text, json_values)}),
    st.fixed_dictionaries({"from": roles, "value": st.one_of(text, scalars)}),
    json_values,
), max_size=5)
reviews = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "status": st.one_of(st.sampled_from(["accepted", "rejected", "needs_work"]), text),
        "flags": st.one_of(st.lists(text, max_size=3), json_values),
        "tags": st.one_of(st.lists(text, max_size=3), json_values),
        "note": st.one_of(text, json_values),
        "origin": st.one_of(st.sampled_from(["generated", "refined", "human"]), text),
        "turns": json_values, "original": json_values, "id": st.one_of(text, scalars),
    }),
)
records = st.one_of(
    st.fixed_dictionaries({"messages": messages}, optional={"_review": reviews, "id": scalars}),
    st.fixed_dictionaries({"conversations": messages}, optional={"_review": reviews}),
    json_values,
)


def dumps(value: object, style: int) -> bytes:
    """A JSON line as different tools write it (compact, spaced, ASCII-escaped)."""
    if style == 0:
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if style == 1:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogatepass")
    return json.dumps(value).encode("ascii")


json_lines = st.builds(dumps, records, st.integers(0, 2))
garbage_lines = st.binary(max_size=120).map(lambda b: b.replace(b"\n", b""))
lines = st.one_of(json_lines, json_lines, garbage_lines, st.sampled_from(
    [b"", b"   ", b"\r", b"\t", b"\x1b[31m{", b"[1, 2]", b"null", b'"just a string"', b"{",
     b"\xef\xbb\xbf{}", b"NaN", b'{"a": NaN}', b'{"a": 1, "a": 2}', b"[" * 3000]))


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """Lines with mixed endings, maybe a BOM, maybe no final newline."""
    body = draw(st.lists(lines, max_size=12))
    endings = draw(st.lists(st.sampled_from([b"\n", b"\r\n", b"\n\n"]), min_size=len(body),
                            max_size=len(body)))
    data = b"".join(line + end for line, end in zip(body, endings, strict=True))
    if body and draw(st.booleans()):
        data = data.rstrip(b"\r\n")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@contextlib.contextmanager
def opened(data: bytes) -> Iterator[tuple[Session, Path]]:
    """A session on data in a private temp dir (hypothesis runs many examples per test)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.jsonl"
        path.write_bytes(data)
        session = Session.open(path, reviewer="fuzz")
        try:
            session.wait()
            yield session, Path(tmp)
        finally:
            session.close()


# ----------------------------------------------------------------- the store
@FAST
@given(files())
def test_open_then_save_is_byte_exact(data):
    with opened(data) as (s, tmp):
        out = s.save(tmp / "out.jsonl")
        assert out.read_bytes() == data


OPS = {
    "accept": lambda s, i: s.set_status(i, "accepted"),
    "flag": lambda s, i: s.toggle_flag(i, "refusal"),
    "note": lambda s, i: s.set_note(i, "\x1b[31m[bold]n"),
    "refine": lambda s, i: s.mark_refined(i),
    "tag": lambda s, i: s.add_tag(i, "\x1b]0;t\x07"),
    "edit": lambda s, i: s.edit_message(i, 0, "\x1b[2J edited"),
}


@FAST
@given(files(), st.data())
def test_ops_then_undo_all_is_byte_exact(data, draw):
    with opened(data) as (s, tmp):
        for i in range(len(s)):
            op = draw.draw(st.sampled_from(sorted(OPS)))
            with contextlib.suppress(OpError):  # not an object, no such message: refused
                OPS[op](s, i)
        s.save(tmp / "changed.jsonl")
        while s.undo():
            pass
        assert s.save(tmp / "back.jsonl").read_bytes() == data


# ----------------------------------------------------------------- the validator
@FAST
@given(st.one_of(garbage_lines, json_lines, st.binary(max_size=300)))
def test_check_line_never_raises(raw):
    assert isinstance(check_line(raw), list)


@FAST
@given(st.one_of(records, json_values))
def test_check_value_never_raises(value):
    assert isinstance(check_value(value), list)


# ----------------------------------------------------------------- the search
TOKENS = ["status:", "status:accepted", "status:nope", "origin:refined", "flag:", "flag:refusal",
          "tag:", "issue:", "issue:any", "issue:refusal", "issue:bogus", "turns:>", "turns:>5",
          "turns:<x", "len:<200", "len:>=", "role:system", "in:system,user", "in:", "-", "-x",
          "~", "~mira", '"', '"exact phrase"', "\\", "(", ")", "OR", "*", ":", ">", "<", "=",
          "\x1b[31m", "[bold]", "\u202e", "\x00", "  "]
queries = st.one_of(
    st.text(max_size=30),
    st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), max_size=6).map(" ".join),
    st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=6).map("".join),
)


@pytest.fixture(scope="module")
def hostile_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    path = tmp_path_factory.mktemp("hostile") / "data.jsonl"
    path.write_bytes(HOSTILE)
    session = Session.open(path, reviewer="fuzz")
    session.wait()
    yield session
    session.close()


@settings(max_examples=150, deadline=timedelta(seconds=3),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries)
def test_search_raises_only_query_errors(hostile_session, query):
    try:
        found = hostile_session.search(query)
    except QueryError:
        return
    assert all(0 <= i < len(hostile_session) for i in found)


# ----------------------------------------------------------------- huge lines
def test_huge_lines_round_trip_validate_and_search(tmp_path):
    big_text = ("\x1b[31m[bold]ünïcode \\ \" " * 200_000)[:4_000_000]
    content = [
        json.dumps({"messages": [{"role": "user", "content": big_text},
                                 {"role": "assistant", "content": "ok"}]}).encode(),
        bytes(range(256)).replace(b"\n", b"") * 8_000,                 # 2 MB of raw bytes
        b"[" * 1_000_000,                                              # deep nesting
        b'{"messages": ' + b"[" * 300 + b"]" * 300 + b"}",            # deep, but valid JSON
        json.dumps({"messages": [{"role": "user", "content": "x" * 3_000_000}]},
                   ensure_ascii=True).encode(),
    ]
    data = b"\n".join(content) + b"\n"
    path = tmp_path / "huge.jsonl"
    path.write_bytes(data)
    s = Session.open(path, reviewer="fuzz")
    s.wait()
    try:
        assert len(s) == len(content)
        assert s.save(tmp_path / "out.jsonl").read_bytes() == data
        for raw in content:
            check_line(raw)
        assert s.search("ünïcode") == [0]
        s.set_status(3, "accepted")
        s.set_status(0, "rejected")
        out = s.save(tmp_path / "out2.jsonl").read_bytes().split(b"\n")
        assert out[1:3] == content[1:3] and out[4] == content[4]
        assert json.loads(out[0])["messages"][0]["content"] == big_text
        while s.undo():
            pass
        assert s.save(tmp_path / "out3.jsonl").read_bytes() == data
    finally:
        s.close()


# ----------------------------------------------------------------- the list rendering
HOSTILE_RECORDS: list[object] = [
    {"messages": [{"role": "user", "content": "\x1b[31mred\x1b[0m \x1b]0;owned\x07 [bold]b[/]"},
                  {"role": "assistant", "content": "\x9b2J\u202eevil\r\nline"}],
     "_review": {"tags": ["\x1b[5mtag", "[red]x"], "flags": ["\x1b[1m"], "note": "\x1b[2J"}},
    {"messages": [{"role": "\x1b[1mboss", "content": ["\x1b[7m", {"x": "\x07"}]}]},
    {"conversations": [{"from": "human", "value": "\u200b\u2066hidden\u2069\x00\x7f"}]},
    {"messages": "\x1b[31m not a list"},
    "\x1b[31m a string",
    [1, "\x1b[32m"],
]
HOSTILE = b"\n".join([
    *(json.dumps(r, ensure_ascii=False).encode() for r in HOSTILE_RECORDS),
    b"\x1b[31m{not json \x1b]0;t\x07",
    b"\xff\xfe\x1b[5m invalid utf-8",
    b"[link=file:///etc/passwd]click[/link]",
]) + b"\n"


def list_rows(app) -> str:
    """Every rendered line of the entry list, as the terminal would get it."""
    entries = app.screen.query_one(EntryList)
    return "\n".join("".join(seg.text for seg in entries.render_line(y))
                     for y in range(entries.size.height))


CONTROL = ("\x1b", "\x07", "\x9b", "\x00", "\r")


async def walk_the_list(path: Path, screenshots: bool) -> None:
    """Open the app at 80x24 with the flag sidebar shown, visit every entry, check the screen."""
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.wait()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("f")
        for _ in range(len(app.session)):
            await pilot.pause()
            shown = list_rows(app) + (app.export_screenshot() if screenshots else "")
            found = [(c, shown.index(c)) for c in CONTROL if c in shown]
            assert not found, [shown[max(0, at - 80):at + 80] for _c, at in found]
            await pilot.press("j")
        await pilot.press("q")


def test_list_rendering_of_hostile_content_emits_no_control_codes(tmp_path):
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(HOSTILE)
    asyncio.run(walk_the_list(path, screenshots=True))


@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(json_lines, min_size=1, max_size=8))
def test_list_rendering_of_random_records_emits_no_control_codes(tmp_path, fuzzed):
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        path = Path(tmp) / "data.jsonl"
        path.write_bytes(b"\n".join(fuzzed) + b"\n")
        asyncio.run(walk_the_list(path, screenshots=False))


async def test_sidebar_shows_an_entry_whose_review_holds_anything(write):
    """Hand-edited `_review` values that are not strings: shown as the domain reads them."""
    record = {"messages": [{"role": "user", "content": "hi"}],
              "_review": {"status": {"x": 1}, "origin": ["h"], "flags": [{"a": 1}, ["b"], "style"]}}
    app = create_app(write([record]))
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.wait()
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause(0.1)
        text = app.screen.query_one("FlagSidebar").text
        assert app.is_running
        assert "unreviewed" in text and "generated" in text
