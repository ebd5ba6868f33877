"""A review-only change (status, flag, note, tag) changes only `_review`'s bytes in the
saved line: escapes, spacing and key order elsewhere stay as they were read."""

from __future__ import annotations

import json

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui import Session
from rolethread_tui.domain.records import detect_style, parse_line, raw_dels
from rolethread_tui.domain.review import set_review
from rolethread_tui.domain.review_splice import spliced

REVIEW = {"id": "r1", "status": "accepted", "flags": ["tone"]}


def _splice(line: bytes, review: dict | None) -> bytes | None:
    return spliced(line, parse_line(line), review, detect_style(line))


def test_a_new_review_goes_before_the_closing_brace_and_nothing_else_moves() -> None:
    line = rb'  {"messages":[{"role":"user","content":"caf\u00e9 \/ x"}],"id":"a"}  ' + b"\t"
    out = _splice(line, REVIEW)
    assert out == line[:-4] + b',"_review":' + orjson.dumps(REVIEW) + line[-4:]


def test_a_review_in_the_middle_is_replaced_in_place() -> None:
    head = b'{"messages": [{"role": "user", "content": "caf\\u00e9"}], "_review": '
    tail = b', "source": "gen \\/ 7"}'
    line = head + b'{"status": "rejected", "flags": ["x"], "note": "a } b"}' + tail
    out = _splice(line, REVIEW)
    assert out == head + json.dumps(REVIEW, separators=(", ", ": ")).encode() + tail


def test_a_review_taken_away_takes_its_comma_with_it() -> None:
    assert _splice(b'{"a":1,"_review":{"status":"x"}}', None) == b'{"a":1}'
    assert _splice(b'{"_review":{"status":"x"}, "a":1}', None) == b'{"a":1}'
    assert _splice(b'{"_review":null}', None) == b"{}"
    assert _splice(b'{"a":1}', None) == b'{"a":1}'


def test_an_empty_object_and_scalar_reviews() -> None:
    assert _splice(b"{}", REVIEW) == b'{"_review":' + orjson.dumps(REVIEW) + b"}"
    assert _splice(b'{"_review":"odd","a":[1]}', REVIEW) == \
        b'{"_review":' + orjson.dumps(REVIEW) + b',"a":[1]}'


def test_a_nested_review_key_is_never_the_one_replaced() -> None:
    line = b'{"_review":{"status":"x"},"messages":[{"role":"user","content":"q","_review":1}]}'
    out = _splice(line, REVIEW)  # the last "_review" is nested: re-encoded whole instead
    assert out is None


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | _text
_json = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_text, inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(record=st.dictionaries(_text, _json, max_size=5), review=st.none() | st.dictionaries(
    st.sampled_from(["status", "flags", "note", "by"]), _json, max_size=3),
       spaced=st.booleans(), ascii_only=st.booleans())
def test_whatever_comes_back_is_the_record_with_that_review(record, review, spaced,
                                                            ascii_only) -> None:
    separators = (", ", ": ") if spaced else (",", ":")
    line = json.dumps(record, separators=separators, ensure_ascii=ascii_only).encode()
    out = _splice(line, review)
    if out is not None:
        assert orjson.loads(out) == set_review(parse_line(line), review)
    elif "_review" not in json.dumps(record) and review is not None:
        raise AssertionError(f"a plain record must splice: {line!r}")


@settings(max_examples=300, deadline=None)
@given(record=st.dictionaries(_text.filter(lambda k: k != "_review"), _json, min_size=1,
                              max_size=5),
       review=st.dictionaries(st.sampled_from(["status", "flags", "note", "by"]), _json,
                              max_size=3),
       indent=st.sampled_from([1, 2, 4, "\t"]), depth=st.integers(0, 2))
def test_a_pretty_element_takes_its_review_in_its_own_layout(record, review, indent,
                                                              depth) -> None:
    """An array's pretty-printed element (its bytes from `{`, nested `depth` levels):
    the review added, then replaced, reads as `json.dumps(indent=...)` would write it."""
    step = indent if isinstance(indent, str) else " " * indent
    escaped = raw_del = False  # an all-ASCII line with `\u` escapes keeps to ASCII,
    # and a DEL it holds raw stays raw (records.py)

    def laid_out(value: dict) -> bytes:
        text = json.dumps(value, indent=indent, ensure_ascii=escaped)
        text = raw_dels(text) if raw_del else text
        return text.replace("\n", "\n" + step * depth).encode()

    line = laid_out(record)
    escaped, raw_del = detect_style(line).ascii_only, detect_style(line).raw_del
    added = _splice(line, review)
    assert added == laid_out(set_review(record, review))
    again = _splice(added, {"status": "rejected"})
    assert again == laid_out(set_review(record, {"status": "rejected"}))
    assert _splice(again, None) == line


def test_an_irregular_pretty_element_takes_its_review_compact() -> None:
    line = b'{\n  "a": 1,\n  "b": [2]}'  # the brace ends a member's line: no layout to follow
    assert _splice(line, REVIEW) == line[:-1] + b',"_review":' + orjson.dumps(REVIEW) + b"}"


def test_saving_an_accept_changes_only_the_review_member(tmp_path) -> None:
    first = (b'{"messages":[{"role":"user","content":"caf\\u00e9 \\/ x"},'
             b'{"role":"assistant","content":"ok \\u2014 fine"}],"id":"e1"}')
    second = b'  {"messages": [{"role": "user", "content": "hi"}], "_review": {"note": "n"}}\t'
    path = tmp_path / "d.jsonl"
    path.write_bytes(first + b"\n" + second + b"\n")
    with Session.open(path) as session:
        session.wait()
        session.set_status(0, "accepted")
        session.toggle_flag(1, "tone")
        session.save()
    saved = path.read_bytes().split(b"\n")
    assert saved[0].startswith(first[:-1] + b',"_review":{') and b"\\u00e9" in saved[0]
    assert saved[1].startswith(b'  {"messages": [{"role": "user", "content": "hi"}], '
                               b'"_review": {') and saved[1].endswith(b"}\t")
    assert parse_line(saved[1])["_review"]["note"] == "n"



def test_a_raw_del_in_a_pretty_element_stays_raw_next_to_its_review() -> None:
    """`{"\\u001f\x7f": ...}` holds an escape and a raw DEL: its bytes stay as read, and
    a DEL in the review is written raw too (found by the property test above)."""
    record, review = {"\x1f\x7f": None}, {"note": "a\x7f"}
    line = raw_dels(json.dumps(record, indent=1))
    assert _splice(line.encode(), review) == raw_dels(json.dumps(
        set_review(record, review), indent=1)).encode()


def test_a_key_spelt_with_a_colon_does_not_hide_the_elements_separator() -> None:
    """The separator is read after the first key *string*: a key `":"` once made a
    pretty element take its review compact (found by the property test above)."""
    line = json.dumps({":": None, "a": 1}, indent=2).encode()
    assert _splice(line, {}) == json.dumps({":": None, "a": 1, "_review": {}},
                                           indent=2).encode()


def test_a_line_whose_first_key_holds_a_colon_keeps_its_spaced_separators() -> None:
    """A JSONL line's style is read after its first key string too: `{":": 1, ...}`
    was taken for a compact line, and its edits written without the spaces."""
    style = detect_style(b'{":": 1, "messages": []}')
    assert (style.key_sep, style.item_sep) == (": ", ", ")
    assert detect_style(b'{"a\\"":1, "b": 2}').key_sep == ":"  # an escaped quote in a key


def test_a_space_before_the_colon_is_kept_in_the_new_member() -> None:
    """`"k" : v`, as some writers lay keys out: the new member is written the same way."""
    line = json.dumps({"a": 1}, indent=2, separators=(",", " : ")).encode()
    assert _splice(line, {}) == json.dumps({"a": 1, "_review": {}}, indent=2,
                                           separators=(",", " : ")).encode()
    assert detect_style(b'{"a" : 1, "b" : 2}').key_sep == " : "
