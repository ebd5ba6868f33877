"""`LineStore.lines_of`: many lines read in blocks are exactly the lines read one by one.

`validate` reads the line of every entry with a finding this way (for its id);
blocks join lines close together and stop at a size, so every gap, every block
edge and every ending (CRLF, blank runs, a last line without a newline) must
give back the very bytes `line` gives.
"""

from __future__ import annotations

from hypothesis import given, settings
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
