"""Fingerprints of many entries at once: shingles and MinHash signatures in numpy.

Split from `dedupe` (the finder), whose module doc defines what a fingerprint
is; this module computes the very same values for a batch of entries (a step
of ~2000 lines) with array operations instead of per-token Python, because the
per-entry Python of shingling and signing was ~75 % of a `dedupe` run
(README, Performance). numpy is imported here only: the
finder loads this module when it first fingerprints lines, never on the way to
the app's first frame or for `stats` / `validate`.

Exactness, step by step (`dedupe._shingle_hashes` and `dedupe._signature` stay
the reference; tests/test_dedupe_batch.py compares the two on random token lists):

- A token's lane is ``hash(int.from_bytes(token))``: Python hashes a
  non-negative int to its value modulo ``2**61 - 1``. Tokens of up to 8 bytes
  are read as big-endian 64-bit words from the batch's bytes and reduced here;
  longer ones (~4 %) go through Python's own ``hash``.
- A shingle's hash is ``hash((a, b, c))`` of three lanes: CPython's tuple hash
  (xxHash-style, the same from 3.8 to 3.14 on 64-bit builds) reproduced in
  wrapping uint64 arithmetic: per lane ``acc = rotl31(acc + lane * P2) * P1``
  from ``acc = P5``, then ``acc += len ^ (P5 ^ 3527539)``, and ``2**64 - 1``
  becomes 1546275796.
- Signatures take per-slot minima with ``np.minimum.at`` over
  ``entry * SIG_SLOTS + slot`` and apply the same stop-shingle fallback and
  rotation densification as the reference. Half the shingles of generated
  text are stop-shingles; they are looked up in an open-addressing table
  probed a few times over the whole array (`_is_stop`), not by binary searches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from rolethread_tui.domain import dedupe as d
from rolethread_tui.domain.dedupe_text import (
    conversation_text,
)

_U64 = np.uint64
_P1 = _U64(11400714785074694791)
_P2 = _U64(14029467366897019727)
_P5 = _U64(2870177450012600261)
_MERSENNE = _U64((1 << 61) - 1)  # Python hashes ints modulo this
_ALL_ONES = _U64((1 << 64) - 1)
_SIGN = _U64(1 << 63)
_SLOT_SHIFT = _U64(64 - (d.SIG_SLOTS.bit_length() - 1))  # top bits: the slot
_WORD = 8  # bytes per chunk of a token's value
_MAX_CHUNKS = 8  # longer tokens are hashed by Python
_EMPTY = np.zeros(0, dtype=np.int64)
assert d.SHINGLE == 3 and 1 << (d.SIG_SLOTS.bit_length() - 1) == d.SIG_SLOTS
# A batch's arrays are 1–5 MB. glibc maps blocks that big afresh (a page fault
# on every first touch, unmapped when freed) until freeing a mapped block raises
# its threshold to that block's size; one 16 MB block freed now (never touched,
# so no fault) keeps the batches' arrays on the heap: the helper's page faults
# 138k -> 30k, its sys time 0.61 -> 0.29 s at 100k. (A `reduceat` that cast the
# bytes to int64, gone now, used to do this by chance.) Elsewhere: no effect.
np.empty(16 << 20, dtype=np.uint8)


@dataclass(slots=True)
class Prints:
    """Fingerprints of consecutive entries, compact enough to pickle cheaply.

    Per entry: ``digests`` (0: no words) and ``lengths``; ``dialogues`` when
    the finder spills them. Either ``hashes`` (all shingle hashes, entry by
    entry, with ``counts`` per entry) when no stop-shingles were known, or the
    finished signatures: ``signed`` (entries that have one) and ``sigs``
    (a row of ``SIG_SLOTS`` uint32 each).
    """

    digests: list[int]
    lengths: list[int]
    dialogues: list[bytes] | None
    hashes: np.ndarray = field(default_factory=lambda: _EMPTY)
    counts: np.ndarray = field(default_factory=lambda: _EMPTY)
    signed: np.ndarray = field(default_factory=lambda: _EMPTY)
    sigs: np.ndarray = field(default_factory=lambda: np.zeros((0, d.SIG_SLOTS), np.uint32))


def stop_array(stop: frozenset[int]) -> np.ndarray:
    """The stop-shingles as a sorted int64 array (what `sign` looks them up in)."""
    return np.sort(np.fromiter(stop, dtype=np.int64, count=len(stop)))


def fingerprint_batch(lines: list[bytes], keep_dialogue: bool,
                      stop: np.ndarray | None) -> Prints:
    """Fingerprints of raw JSONL lines, equal to `dedupe._fingerprint_line`'s.

    ``stop`` (from `stop_array`): sign now; None: return the shingle hashes.
    """
    digests: list[int] = []
    lengths: list[int] = []
    dialogues: list[bytes] | None = [] if keep_dialogue else None
    blocks: list[bytes] = []  # the blocked text of each entry with a dialogue
    owners: list[int] = []  # and its index in the batch
    for index, line in enumerate(lines):
        digest, normalised = d._digest_and_dialogue(conversation_text(_record(line)))
        digests.append(digest)
        lengths.append(0)
        if normalised is None:
            if dialogues is not None:
                dialogues.append(b"")
            continue
        owners.append(index)
        blocks.append(normalised[: d.MAX_BLOCK_BYTES])
        if dialogues is not None:
            dialogues.append(b"")
        if len(normalised) > d.MAX_BLOCK_BYTES:  # rare: the dialogue is not the block
            joined = b" ".join(normalised.split())
            lengths[index] = len(joined)
            if dialogues is not None:
                dialogues[index] = joined[: d.MAX_VERIFY_BYTES]
    prints = Prints(digests, lengths, dialogues)
    if not blocks:
        return prints
    hashes, owner_of_hash = _shingles(blocks, owners, prints)
    if stop is None:
        prints.hashes = hashes
        prints.counts = np.bincount(owner_of_hash, minlength=len(lines))
    else:
        prints.signed, prints.sigs = sign(hashes, owner_of_hash, len(lines), stop)
    return prints


def _record(line: bytes) -> Any:
    if line.startswith(b"\xef\xbb\xbf"):  # a UTF-8 BOM on the first line
        line = line[3:]
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def _shingles(blocks: list[bytes], owners: list[int], prints: Prints
              ) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of the blocks and the batch index each belongs to (ascending);
    fills in ``prints``' lengths and dialogues of the blocks that are whole dialogues."""
    data = b" ".join(blocks) + b" "  # ends in a space: every word has an end
    buf = np.frombuffer(data, dtype=np.uint8)
    solid = buf != 32  # after normalising, the only byte `bytes.split` splits on
    flips = np.flatnonzero(solid[1:] != solid[:-1]) + 1
    if solid[0]:
        flips = np.concatenate(([0], flips))
    starts, ends = flips[0::2], flips[1::2]
    edges = np.cumsum([0] + [len(block) + 1 for block in blocks])
    tokens = np.diff(np.searchsorted(starts, edges))
    block = np.repeat(np.arange(len(blocks)), tokens)
    sizes = ends - starts
    firsts = np.concatenate(([0], np.cumsum(tokens)))  # each block's first token
    _dialogues(data, solid, ends, tokens, _per_block(sizes, firsts), owners, prints)
    lanes = _lanes(buf, data, starts, ends, sizes)
    longs = sizes >= d.MIN_WORD_LEN  # ≡ int.from_bytes(token) ≥ 2**24: no token has a 0 byte
    long_count = _per_block(longs, firsts)
    whole = long_count < d.SHINGLE  # too few long words: every word counts
    if whole.any():
        chosen = longs | whole[block]
        count = np.where(whole, tokens, long_count)
    else:
        chosen, count = longs, long_count
    lanes, block = lanes[chosen], block[chosen]
    inner = np.flatnonzero(block[:-2] == block[2:])  # shingle starts inside one block
    out = [_tuple_hash([lanes[inner], lanes[inner + 1], lanes[inner + 2]])]
    owner_blocks = [block[inner]]
    first = np.cumsum(count) - count
    for size in (1, 2):  # dialogues of one or two words: the tuple of them
        few = np.flatnonzero(count == size)
        if len(few):
            out.append(_tuple_hash([lanes[first[few] + k] for k in range(size)]))
            owner_blocks.append(few)
    hashes, owner = np.concatenate(out), np.concatenate(owner_blocks)
    if len(out) > 1:
        order = np.argsort(owner, kind="stable")
        hashes, owner = hashes[order], owner[order]
    return hashes, np.asarray(owners, dtype=np.int64)[owner]


def _per_block(values: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """Sums of per-token ``values`` per block (``firsts``: each block's first token,
    then the token count). Over tokens, not bytes (`np.add.reduceat` of the bytes
    was ~5x slower), and without whole-array temporaries, which the allocator
    would map afresh for every batch (page faults cost more than the sums)."""
    empty = firsts[1:] == firsts[:-1]
    if not len(values):
        return np.zeros(len(empty), dtype=np.int64)
    sums = np.add.reduceat(values, np.minimum(firsts[:-1], len(values) - 1), dtype=np.int64)
    sums[empty] = 0  # reduceat gives the value at the index for an empty block
    return sums


def _dialogues(data: bytes, solid: np.ndarray, ends: np.ndarray, tokens: np.ndarray,
               letters: np.ndarray, owners: list[int], prints: Prints) -> None:
    """Length and (when kept) the words joined by single spaces of every block:
    ``b" ".join(normalised.split())``, for the blocks that are whole dialogues
    (`fingerprint_batch` did the others); ``letters``: each block's bytes but spaces."""
    lengths, dialogues = prints.lengths, prints.dialogues
    joined = (letters + tokens - 1).tolist()
    if dialogues is not None:
        keep = solid.copy()
        inner = np.ones(len(ends), dtype=bool)
        inner[(np.cumsum(tokens) - 1)[tokens > 0]] = False  # a block's last word
        keep[ends[inner]] = True  # one space after every other word
        text = np.frombuffer(data, dtype=np.uint8)[keep].tobytes()
    offset = 0
    for owner, size in zip(owners, joined, strict=True):
        size = max(size, 0)
        if not lengths[owner]:  # not set yet: the block is the whole dialogue
            lengths[owner] = size
            if dialogues is not None:
                dialogues[owner] = text[offset : offset + size]
        offset += size


def _lanes(buf: np.ndarray, data: bytes, starts: np.ndarray, ends: np.ndarray,
           sizes: np.ndarray) -> np.ndarray:
    """``hash(int.from_bytes(token))`` of every token, as uint64.

    The big-endian value of a token is a sum of 8-byte chunks from its end,
    chunk k weighted 2**(64k) ≡ 2**(3k mod 61) modulo 2**61 - 1. Every chunk is
    read as one unaligned big-endian word of a byte-strided view, its bytes
    before the token masked off; tokens over ``_MAX_CHUNKS`` chunks (rare) use
    Python's own ``hash``.
    """
    padded = np.concatenate((np.zeros(_WORD, dtype=np.uint8), buf))
    words = np.ndarray((len(buf) + 1,), dtype=">u8", buffer=padded, strides=(1,))
    lanes = _mod(words[ends].astype(_U64) & _low_bytes(sizes))  # chunk 0: the last 8 bytes
    todo = np.flatnonzero(sizes > _WORD)
    left = sizes[todo] - _WORD
    for chunk in range(1, _MAX_CHUNKS):
        more = left > 0
        todo, left = todo[more], left[more]
        if not len(todo):
            break
        value = words[ends[todo] - _WORD * chunk].astype(_U64) & _low_bytes(left)
        lanes[todo] = _mod(lanes[todo] + _rotate(_mod(value), 3 * chunk % 61))
        left -= _WORD
    big = np.flatnonzero(sizes > _WORD * _MAX_CHUNKS)
    if len(big):
        lanes[big] = [hash(int.from_bytes(data[a:b]))
                      for a, b in zip(starts[big].tolist(), ends[big].tolist(), strict=True)]
    return lanes


def _low_bytes(count: np.ndarray) -> np.ndarray:
    """Masks of the low ``min(count, 8)`` bytes (count ≥ 1)."""
    return _ALL_ONES >> (_U64(64) - _U64(8) * np.minimum(count, _WORD).astype(_U64))


def _mod(value: np.ndarray) -> np.ndarray:
    """uint64 values modulo 2**61 - 1: one fold leaves less than 2 · (2**61 - 1), and
    subtracting wraps around to a larger number exactly when it should not happen."""
    folded = (value & _MERSENNE) + (value >> _U64(61))
    return np.minimum(folded, folded - _MERSENNE)


def _rotate(value: np.ndarray, bits: int) -> np.ndarray:
    """value · 2**bits modulo 2**61 - 1, for values below 2**61 - 1."""
    return ((value << _U64(bits)) & _MERSENNE) | (value >> _U64(61 - bits))


def _tuple_hash(lanes: list[np.ndarray]) -> np.ndarray:
    """``hash(tuple)`` of tuples whose items hash to ``lanes`` (one array per item)."""
    acc = np.full(len(lanes[0]), _P5, dtype=_U64)
    for lane in lanes:
        acc += lane * _P2
        acc = (acc << _U64(31)) | (acc >> _U64(33))
        acc *= _P1
    acc += _U64(len(lanes) ^ (int(_P5) ^ 3527539))
    acc[acc == _ALL_ONES] = 1546275796
    return acc.view(np.int64)


def sign(hashes: np.ndarray, owner: np.ndarray, size: int, stop: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """`dedupe._signature` of each entry (0..size) that has hashes: (entries, rows).

    The plain minima (stop-shingles included) are only taken for the entries
    that might fall back to them: those left with few slots.
    """
    slots = d.SIG_SLOTS
    flipped = hashes.view(_U64) ^ _SIGN  # unsigned order = signed order
    key = owner * slots + (flipped >> _SLOT_SHIFT).astype(np.int64)
    entries = np.flatnonzero(np.bincount(owner, minlength=size))
    if not len(stop):
        mins, filled = _minima(flipped, key, size)
    else:
        free = ~_is_stop(hashes, stop)
        mins, filled = _minima(flipped[free], key[free], size)
        have = filled.sum(axis=1)
        check = entries[have[entries] < d.KEEP_FRACTION * slots]
        if len(check):
            mine = np.isin(owner, check)
            every, every_filled = _minima(flipped[mine], key[mine], size)
            total = every_filled[check].sum(axis=1)
            stopped = total - have[check]
            plain = check[(stopped > 0) & (stopped > (1 - d.KEEP_FRACTION) * total)]
            mins[plain], filled[plain] = every[plain], every_filled[plain]
    sig = (mins[entries] & _U64(d._SLOT_MASK)).astype(np.int64)
    filled = filled[entries]
    sig[~filled] = -1
    _densify(sig, filled)
    return entries, sig.astype(np.uint32)


def _is_stop(hashes: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Which hashes are stop-shingles: an open-addressing table (`_stop_table`)
    probed a few times over the whole array — half the shingles are stop ones,
    and binary searches for them (``np.searchsorted``) were ~8 µs an entry."""
    table, probes = _stop_table(stop)
    mask = len(table) - 1
    slot = hashes & mask  # the home slots (low bits, as `_stop_table` placed them)
    read = np.take(table, slot)
    found = read == hashes
    same = np.empty_like(found)
    for _ in range(1, probes):  # in place: fresh temporaries cost page faults
        np.add(slot, 1, out=slot)
        np.bitwise_and(slot, mask, out=slot)
        np.take(table, slot, out=read)
        found |= np.equal(read, hashes, out=same)
    return found


_TABLES: dict[bytes, tuple[np.ndarray, int]] = {}


def _stop_table(stop: np.ndarray) -> tuple[np.ndarray, int]:
    """The stop-shingles by their low bits, in a table 16–32x larger than the set
    (linear probing), and how many slots from its home a lookup must read.
    Empty slots hold a stop-shingle too, so that every match is one. Kept per
    set: a finder signs all its batches with one (the helper gets it anew each time)."""
    key = stop.tobytes()
    if key in _TABLES:
        return _TABLES[key]
    size = 1 << max(4, (16 * len(stop)).bit_length())
    slots: list[int | None] = [None] * size
    probes = 1
    for value in stop.tolist():
        home = value & (size - 1)
        step = 0
        while slots[(home + step) & (size - 1)] is not None:
            step += 1
        slots[(home + step) & (size - 1)] = value
        probes = max(probes, step + 1)
    filler = int(stop[0])
    table = np.array([filler if v is None else v for v in slots], dtype=np.int64)
    _TABLES.clear()  # one set at a time
    _TABLES[key] = table, probes
    return table, probes


def _minima(flipped: np.ndarray, key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per entry and slot: the smallest value and whether there is any."""
    mins = np.full(size * d.SIG_SLOTS, _ALL_ONES, dtype=_U64)
    np.minimum.at(mins, key, flipped)
    filled = np.bincount(key, minlength=size * d.SIG_SLOTS) > 0
    return mins.reshape(size, d.SIG_SLOTS), filled.reshape(size, d.SIG_SLOTS)


def _densify(sig: np.ndarray, filled: np.ndarray) -> None:
    """`dedupe._densify` of every row: an empty slot takes the next filled slot's
    value to the right (circular) mixed with the distance, tagged with bit 31."""
    rows = np.flatnonzero(~filled.all(axis=1) & filled.any(axis=1))
    if not len(rows):
        return
    slots = d.SIG_SLOTS
    twice = np.tile(filled[rows], 2)
    where = np.where(twice, np.arange(2 * slots), 2 * slots)
    nearest = np.minimum.accumulate(where[:, ::-1], axis=1)[:, ::-1][:, :slots]
    row, slot = np.nonzero(~filled[rows])
    source = nearest[row, slot]
    value = sig[rows[row], source % slots].astype(_U64)
    mixed = _tuple_hash([value, (source - slot).astype(_U64)]).view(_U64)
    sig[rows[row], slot] = ((mixed & _U64(d._SLOT_MASK)) | _U64(d._BORROWED)).astype(np.int64)
