"""`--json` documents written a batch at a time are the bytes `orjson.dumps` writes whole."""

from __future__ import annotations

import io

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui.cli import json_out
from rolethread_tui.cli.json_out import Items, write_document

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # line breaks, quotes, …
_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | _text
_value = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(_text, inner, max_size=4), max_leaves=12)


def _whole(doc: dict) -> bytes:
    plain = {k: [v.make(key) for key in v.keys] if isinstance(v, Items) else v
             for k, v in doc.items()}
    return orjson.dumps(plain, option=orjson.OPT_INDENT_2) + b"\n"


def _written(doc: dict) -> bytes:
    out = io.BytesIO()
    write_document(out, doc)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(_text, st.tuples(st.booleans(), st.lists(_value, max_size=7)),
                              max_size=4),
       batch=st.integers(1, 4))
def test_written_in_batches_is_written_whole(fields, batch) -> None:
    json_out.BATCH = batch  # restored below: hypothesis reruns in one process
    try:
        doc = {key: Items(range(len(items)), items.__getitem__) if lazy else items
               for key, (lazy, items) in fields.items()}
        assert _written(doc) == _whole(doc)
    finally:
        json_out.BATCH = 2000


def test_a_field_of_many_entries_keeps_its_order_across_batches() -> None:
    doc = {"entries": Items(range(4999), lambda n: {"entry": n, "text": f"a\nb {n}"}),
           "phrases": [], "counts": {"error": 1}}
    written = _written(doc)
    assert written == _whole(doc)
    assert [e["entry"] for e in orjson.loads(written)["entries"]] == list(range(4999))
