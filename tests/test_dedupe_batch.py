"""The numpy batch path of the duplicate finder equals its per-entry reference.

`dedupe_batch` recomputes, for many entries at once, what `dedupe._shingle_hashes`
and `dedupe._signature` compute per entry with Python's own ``hash``: any
divergence would change signatures, hence candidate pairs and groups. Each step
is compared with the reference on random input (hypothesis), whole fingerprints
on odd lines, and a finder fed both ways on a generated batch.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui.domain import dedupe as d
from rolethread_tui.domain import dedupe_batch as b
from rolethread_tui.domain.dedupe import DuplicateFinder, conversation_text
from tests.test_dedupe import change_words, make_conversation

# Normalised text never holds NUL (it becomes a space) nor ASCII whitespace but the
# space; any other byte may appear in a word (UTF-8 of any script, role marks).
WORD_BYTES = [c for c in range(1, 256) if c not in b" \t\n\r\x0b\x0c"]
words = st.binary(min_size=1, max_size=80).map(
    lambda raw: bytes(WORD_BYTES[c % len(WORD_BYTES)] for c in raw))
short_words = st.lists(st.sampled_from([b"a", b"an", b"the", b"\x12to", b"\xc3\xa9t\xc3\xa9"]),
                       max_size=6)
word_lists = st.one_of(st.lists(words, max_size=40), short_words,
                       st.lists(st.one_of(words, st.sampled_from([b"ok", b"no"])), max_size=8))
spaces = st.integers(min_value=1, max_value=3).map(lambda n: b" " * n)


@st.composite
def texts(draw: st.DrawFn) -> tuple[list[bytes], bytes]:
    """A word list and a text of it with uneven spacing (what `bytes.split` undoes)."""
    tokens = draw(word_lists)
    parts = [draw(spaces) if draw(st.booleans()) else b""]
    for index, token in enumerate(tokens):
        if index:
            parts.append(draw(spaces))
        parts.append(token)
    parts.append(draw(spaces) if draw(st.booleans()) else b"")
    return tokens, b"".join(parts)


def _batch_hashes(blocks: list[bytes]) -> tuple[list[list[int]], b.Prints]:
    count = len(blocks)
    prints = b.Prints([1] * count, [0] * count, [b""] * count)
    hashes, owner = b._shingles(blocks, list(range(count)), prints)
    per_entry: list[list[int]] = [[] for _ in blocks]
    for value, entry in zip(hashes.tolist(), owner.tolist(), strict=True):
        per_entry[entry].append(value)
    return per_entry, prints


@settings(max_examples=300, deadline=None)
@given(st.lists(texts(), min_size=1, max_size=6))
def test_shingle_hashes_lengths_and_dialogues_equal_the_reference(cases):
    cases = [(tokens, text) for tokens, text in cases if tokens]  # a block has words
    if not cases:
        return
    per_entry, prints = _batch_hashes([text for _, text in cases])
    for (tokens, text), got, length, dialogue in zip(
            cases, per_entry, prints.lengths, prints.dialogues or [], strict=True):
        assert text.split() == tokens
        assert got == d._shingle_hashes(tokens)  # same values, same (text) order
        assert dialogue == b" ".join(tokens) and length == len(dialogue)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=60))
def test_word_lanes_are_pythons_int_hash(tokens):
    data = b" ".join(tokens) + b" "
    starts, at = [], 0
    for token in tokens:
        starts.append(at)
        at += len(token) + 1
    begin = np.array(starts)
    end = begin + np.array([len(t) for t in tokens])
    lanes = b._lanes(np.frombuffer(data, dtype=np.uint8), data, begin, end, end - begin)
    assert lanes.tolist() == [hash(int.from_bytes(t)) for t in tokens]


# Values at the modulus' edges: 2**61 - 1 itself, just above and below, all ones,
# and long words whose chunks reduce to the edge (bytes 0x1f / 0xff runs).
EDGE_WORDS = [(1 << 61) - 1, (1 << 61), (1 << 61) - 2, (1 << 64) - 1, (1 << 62) - 2]
EDGE_WORDS_BYTES = [value.to_bytes(8) for value in EDGE_WORDS] + [
    b"\x1f" + b"\xff" * 15, b"\xff" * 9, b"\xff" * 64, b"\xff" * 65,
    b"\x01" + b"\x00" * 7 + b"\x01",
    b"\x1f\xff\xff\xff\xff\xff\xff\xff\xff", bytes(range(1, 9)) * 9]


def test_word_lanes_at_the_modulus_edges():
    tokens = [t.replace(b" ", b"!") for t in EDGE_WORDS_BYTES if b"\x00" not in t[:1]]
    test_word_lanes_are_pythons_int_hash.hypothesis.inner_test(tokens)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=(1 << 61) - 2), min_size=1, max_size=3),
       st.integers(min_value=1, max_value=50))
def test_tuple_hash_is_pythons(items, rows):
    """Ints below 2**61 - 1 hash to themselves, so they are their own lanes."""
    lanes = [np.full(rows, item, dtype=np.uint64) for item in items]
    assert set(b._tuple_hash(lanes).tolist()) == {hash(tuple(items))}


hash_values = st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(hash_values, max_size=50), min_size=1, max_size=8), st.data())
def test_signatures_equal_the_reference(entries, data):
    """Including stop-shingles that empty most slots (the fallback) and entries
    with a handful of hashes (densification)."""
    pool = sorted({h for hashes in entries for h in hashes})
    stop = frozenset(data.draw(st.lists(st.sampled_from(pool), max_size=len(pool)))
                     if pool else [])
    hashes = np.array([h for one in entries for h in one], dtype=np.int64)
    owner = np.repeat(np.arange(len(entries)), [len(one) for one in entries])
    signed, sigs = b.sign(hashes, owner, len(entries), b.stop_array(stop))
    assert signed.tolist() == [i for i, one in enumerate(entries) if one]
    for row, entry in zip(sigs.tolist(), signed.tolist(), strict=True):
        assert row == d._signature(entries[entry], stop)


def _odd_lines() -> list[bytes]:
    rng = random.Random(7)
    vocabulary = ["lighthouse", "keeper", "a", "of", "Ünïcödé", "naïve", "ﬁne", "x" * 70,
                  "supercalifragilistic", "…", "日本語の文章", "can't", "\u00a0", "to"]

    def chat(*turns: tuple[str, str]) -> bytes:
        return json.dumps({"messages": [{"role": r, "content": c} for r, c in turns]}).encode()

    lines = [b"{not json", b"", b"\xef\xbb\xbf" + chat(("user", "bom first")), b"[]",
             chat(("system", "only a system prompt")), chat(("user", "hi")),
             chat(("user", "one two")), chat(("user", "...!!!")), chat(),
             chat(("user", "word " * 20000), ("assistant", "tail " * 10)),  # > 64 KB
             chat(("user", "short"), ("system", "middle system"), ("assistant", "words"))]
    for _ in range(60):
        turns = [(rng.choice(["user", "assistant", "system", "narrator"]),
                  " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 30))))
                 for _ in range(rng.randint(1, 4))]
        lines.append(chat(*turns))
    return lines


@pytest.mark.parametrize("signed", [False, True])
def test_batch_fingerprints_equal_per_line_ones(signed):
    lines = _odd_lines()
    reference = [d._fingerprint_line(line, True) for line in lines]
    stop = frozenset(h for fp in reference[:30] for h in fp.hashes[:3])
    prints = b.fingerprint_batch(lines, True, b.stop_array(stop) if signed else None)
    if signed:
        reference = [d._fingerprint_line(line, True, stop) for line in lines]
    assert prints.digests == [fp.digest for fp in reference]
    assert prints.lengths == [fp.length for fp in reference]
    assert prints.dialogues == [fp.dialogue for fp in reference]
    if signed:
        assert prints.signed.tolist() == [i for i, fp in enumerate(reference) if fp.signature]
        assert prints.sigs.tolist() == [fp.signature for fp in reference if fp.signature]
    else:
        ends = np.cumsum(prints.counts).tolist()
        got = [prints.hashes[end - size:end].tolist()
               for end, size in zip(ends, prints.counts.tolist(), strict=True)]
        assert got == [fp.hashes for fp in reference]


@pytest.mark.parametrize("warmup", [50, d.WARMUP])
def test_lines_in_batches_give_the_reference_finders_signatures_and_groups(
        warmup, monkeypatch):
    """`add_lines` (batches; the warm-up ending inside one, or at `groups`)
    against `add` (per entry)."""
    monkeypatch.setattr(d, "WARMUP", warmup)
    monkeypatch.setattr(d, "BATCH", 128)
    rng = random.Random(3)
    records = [make_conversation(rng) for _ in range(300)]
    records += [change_words(rng, records[k], 2) for k in range(0, 300, 7)]
    lines = [json.dumps(record).encode() for record in records] + _odd_lines()
    with DuplicateFinder() as one_by_one, DuplicateFinder() as batched:
        for entry, line in enumerate(lines):
            one_by_one.add(entry, conversation_text(b._record(line)))
        batched.add_lines(lines)
        assert batched._sig_rows == one_by_one._sig_rows
        assert batched._sigs == one_by_one._sigs
        assert batched._lengths == one_by_one._lengths
        assert batched.groups(0.85) == one_by_one.groups(0.85)


def test_the_helpers_scores_are_verified_on_the_finders_texts():
    """`walk_bands` with the spill file (what the helper process answers) reads the
    finder's texts through /proc and scores pairs exactly as the finder would."""
    from rapidfuzz.distance import Indel

    from rolethread_tui.domain.dedupe_bands import Verifier, walk_bands
    from rolethread_tui.domain.dedupe_store import _UnionFind

    rng = random.Random(5)
    records = [make_conversation(rng) for _ in range(200)]
    records += [change_words(rng, records[k], 2) for k in range(0, 200, 5)]
    with DuplicateFinder() as finder:
        finder.add_lines([json.dumps(record).encode() for record in records])
        finder.stop_shingles()
        walk = Verifier(finder, _UnionFind(len(finder)), 0.85)
        assert walk.texts is not None
        active = bytearray(b"\x01" * len(finder._sig_rows))
        answer = walk_bands(walk.sigs, walk.sig_lengths, active, 0, d._BANDS, 0.85,
                            (*walk.texts, finder._sig_rows))
        verified = 0
        for pairs, scores in answer:
            assert scores is not None and len(scores) == len(pairs)
            for key, score in zip(pairs.tolist(), scores.tolist(), strict=True):
                if score == score:
                    a, b_ = finder._sig_rows[key >> 32], finder._sig_rows[key & 0xFFFFFFFF]
                    assert score == Indel.normalized_similarity(
                        finder._dialogue(a), finder._dialogue(b_), score_cutoff=0.85)
                    verified += 1
        assert verified >= 40


def test_numpy_stays_out_of_the_commands_that_need_no_duplicates():
    """numpy is for the duplicate finder only: importing the CLI (every command's
    module, the Dask engine included) and a session must not load it."""
    import subprocess
    import sys

    code = ("import sys, rolethread_tui.cli.main, rolethread_tui.cli.engine_dask, "
            "rolethread_tui.domain.session, rolethread_tui.domain.dedupe_file; "
            "assert 'numpy' not in sys.modules, 'numpy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1), min_size=1,
                max_size=60, unique=True),
       st.lists(st.integers(min_value=0, max_value=15), max_size=200),
       st.lists(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1), max_size=50))
def test_stop_lookup_equals_set_membership(stop, low_bits, others):
    """`_is_stop` (an open-addressing table) says exactly what ``in stop`` says,
    also where many stop-shingles share a home slot (equal low bits)."""
    stop = stop + [(value & ~15) | bits for value, bits in zip(stop, low_bits, strict=False)]
    stop = list(dict.fromkeys(stop))
    queries = stop + others + [value ^ 1 for value in stop]
    found = b._is_stop(np.array(queries, dtype=np.int64), b.stop_array(frozenset(stop)))
    assert found.tolist() == [value in set(stop) for value in queries]
