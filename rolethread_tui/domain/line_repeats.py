"""Byte-identical lines get ids of their own (docs/formats.md, the entry id).

An entry whose line holds no id is known by a hash of that line, so two
identical lines would share one id — and a save would write it into both,
and re-applying by id (docs/safety.md) could not tell them apart. The rule:
among the lines of a file that are byte for byte the same and hold no id, the
first keeps the hash and the k-th (k ≥ 2, in file order) is ``<hash>-<k>``.
It is decided on the file as loaded, so it is the same in every session that
loads the same bytes, and no other entry's id changes.

Finding the copies costs nothing extra: lines with the same bytes have the
same conversation digest (the scan's column), so only the scan's exact
duplicates, and the entries with no conversation (digest 0) of equal length,
are read and compared (by a hash of their bytes).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from . import review as rv
from .store import LineStore


def nth_id(base: str, k: int) -> str:
    """The id of the k-th copy (1: the first, which keeps the hash)."""
    return base if k <= 1 else f"{base}-{k}"


def hash_only(raw: bytes) -> bool:
    """Whether the line's id is the hash of its bytes (it holds none of its own)."""
    return not rv.may_hold_id(raw) or rv.loaded_id(raw) == rv.line_id(raw)


def repeat_map(store: LineStore, digests: Sequence[int], copies: Mapping[int, int],
               count: int) -> tuple[dict[int, int], dict[str, int]]:
    """(rid → k for every k-th copy with k ≥ 2, hash id → number of copies when ≥ 2)
    over the `count` loaded lines. `copies`: rid → first rid with the same nonzero
    digest (`dup_links.earlier_copies` over rids), the only candidates besides
    lines without a conversation."""
    groups: dict[int, list[int]] = {}
    for rid, first in copies.items():
        groups.setdefault(first, [first]).append(rid)
    by_length: dict[int, list[int]] = {}
    for rid in _empty_rows(digests, count):
        by_length.setdefault(store.ends[rid] - store.starts[rid], []).append(rid)
    ranks: dict[int, int] = {}
    sizes: dict[str, int] = {}
    for members in (*groups.values(), *by_length.values()):
        if len(members) > 1:
            _rank(store, sorted(members), ranks, sizes)
    return ranks, sizes


def rank_copies(lines: Iterable[tuple[Any, str | None]]) -> dict[Any, int]:
    """key → k for every k-th copy (k ≥ 2), from (key, the line's hash when that is its
    id, else None) in file order: the same answer as `repeat_map` where the lines are
    read elsewhere (`--engine dask`: hashes come back from the workers)."""
    seen: Counter[str] = Counter()
    ranks: dict[Any, int] = {}
    for key, line_hash in lines:
        if line_hash is not None:
            seen[line_hash] += 1
            if seen[line_hash] > 1:
                ranks[key] = seen[line_hash]
    return ranks


def _empty_rows(digests: Sequence[int], count: int) -> Iterator[int]:
    """Rids with digest 0 (no conversation), found by the array's own search."""
    start = 0
    while True:
        try:
            rid = digests.index(0, start, count)  # type: ignore[call-arg]
        except ValueError:
            return
        yield rid
        start = rid + 1


def _rank(store: LineStore, rids: Iterable[int], ranks: dict[int, int],
          sizes: dict[str, int]) -> None:
    """Lines keyed by a 16-byte hash of their bytes, not the bytes: a group of many
    lines of one length (no conversation, equal sizes) held them all in memory."""
    seen: Counter[bytes] = Counter()
    ids: dict[bytes, str] = {}
    for rid in rids:
        raw = store.line(rid)
        if hash_only(raw):
            key = hashlib.blake2b(raw, digest_size=16).digest()
            seen[key] += 1
            if seen[key] > 1:
                ranks[rid] = seen[key]
                ids.setdefault(key, rv.line_id(raw))
    for key, line_id in ids.items():
        sizes[line_id] = seen[key]


def nth_before(store: LineStore, digests: Sequence[int], rid: int) -> int:
    """k for one loaded line, from the lines before it only (no map needed: what a
    single id asks while the scan still runs). The array's search finds the few
    rows with the same digest; only those of the same length are read."""
    raw, digest = store.line(rid), digests[rid]
    length, k, start = len(raw), 1, 0
    while True:
        try:
            other = digests.index(digest, start, rid)  # type: ignore[call-arg]
        except ValueError:
            return k
        if store.ends[other] - store.starts[other] == length and store.line(other) == raw:
            k += 1
        start = other + 1
