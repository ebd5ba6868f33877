"""`LineStore.lines_of`: many lines read in blocks are exactly the lines read one by one.

`validate` reads the line of every entry with a finding this way (for its id);
blocks join lines close together and stop at a size, so every gap, every block
edge and every ending (CRLF, blank runs, a last line without a newline) must
give back the very bytes `line` gives.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolethread_tui.domain.store import LineStore

LINE = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))
ENDING = st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\n \n"])


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.tuples(LINE.filter(bytes.strip), ENDING), min_size=1, max_size=40),
       keep=st.lists(st.booleans(), min_size=40, max_size=40),
       block=st.integers(min_value=1, max_value=300), near=st.booleans(),
       last_newline=st.booleans())
def test_lines_of_gives_the_lines_one_by_one(tmp_path_factory, lines, keep, block, near,
                                             last_newline):
    data = b"".join(line + ending for line, ending in lines)
    if not last_newline:
        data = data.rstrip(b"\r\n")
    path = tmp_path_factory.mktemp("s") / "data.jsonl"
    path.write_bytes(data)
    store = LineStore(path)
    try:
        for _ in store.index_chunks():
            pass
        store.publish(len(store.starts))
        rids = [r for r in range(store.count) if keep[r % len(keep)]]
        got = list(store.lines_of(rids, block=block, near=64 << 10 if near else 1))
        assert got == [store.line(r) for r in rids]
    finally:
        store.close()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # same patch each time
@given(sizes=st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=60),
       early=st.lists(st.booleans(), min_size=1, max_size=20))
def test_chunks_indexed_ahead_are_the_chunks_and_states_of_plain_indexing(
        tmp_path_factory, monkeypatch, sizes, early):
    """The scan indexes the next chunk while the helper computes (`ChunksAhead`):
    each chunk, its spans and the index state recorded for its scan-cache segment
    must be what indexing one chunk at a time gives, whenever `ahead` is called —
    a wrong state would make the next warm open refuse the cache, or misplace rows."""
    import rolethread_tui.domain.store as store_module
    from rolethread_tui.domain.store import ChunksAhead

    monkeypatch.setattr(store_module, "FIRST_CHUNK", 4096)  # many chunks from a small file
    monkeypatch.setattr(store_module, "CHUNK", 8192)
    data = b"".join(b'{"k": "' + b"x" * n + b'"}\n' + (b"\n" if n % 7 == 0 else b"")
                    for n in sizes)
    path = tmp_path_factory.mktemp("a") / "data.jsonl"
    path.write_bytes(data)
    plain = LineStore(path)
    expected = [(chunk, spans, plain.index_state()) for chunk, spans in plain.index_chunks()]
    store = LineStore(path)
    chunks = ChunksAhead(store)
    got = []
    for k, item in enumerate(chunks):
        got.append(item)
        if early[k % len(early)]:
            chunks.ahead()
            chunks.ahead()  # twice: the same next chunk, indexed once
        # "nothing left" (the scan's last requests are sized by it) never comes early
        assert not chunks.exhausted or k == len(expected) - 1
    assert chunks.exhausted
    assert got == expected
    assert (store.starts, store.ends, store.index_state()) == (
        plain.starts, plain.ends, plain.index_state())


def test_an_arrays_chunks_are_known_to_be_all_once_the_last_element_is_out(tmp_path,
                                                                          monkeypatch):
    """A `.json` array's index stops before its `]`: "nothing left" must still come
    with the last chunk, or the scan's last request is sized as if more followed
    (review: the helper then worked alone at the end)."""
    import json

    import rolethread_tui.domain.store as store_module
    from rolethread_tui.domain.store import ChunksAhead

    monkeypatch.setattr(store_module, "FIRST_CHUNK", 2048)
    monkeypatch.setattr(store_module, "CHUNK", 4096)
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"messages": [{"role": "user", "content": "x" * 50}]}] * 300,
                               indent=2))
    chunks = ChunksAhead(LineStore(path))
    seen = [chunks.exhausted for _ in chunks]
    assert len(seen) > 3 and seen == [False] * (len(seen) - 1) + [True]
