"""Near-duplicate verification: walk the LSH bands, verify candidate pairs, join groups.

Split from `dedupe` (the finder): one `groups` run reads the finder's
signatures and spilled texts and unions the pairs that verify.
"""

from __future__ import annotations

import operator
from array import array
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from itertools import compress
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel

from rolethread_tui.domain import dedupe as d

if TYPE_CHECKING:
    from rolethread_tui.domain.dedupe import DuplicateFinder, _UnionFind


class Verifier:
    """One ``groups`` run: walk the LSH bands and verify candidate pairs."""

    def __init__(self, finder: DuplicateFinder, sets: _UnionFind, threshold: float) -> None:
        self.sigs = finder._sigs
        self.sig_rows = finder._sig_rows
        self.sig_lengths = array("I", map(finder._lengths.__getitem__, finder._sig_rows))
        self.sets = sets
        self.threshold = threshold
        # Indel similarity ≤ 2·short/(short + long), so the longer text may be at
        # most this many times the shorter one.
        self.stretch = (2 - threshold) / threshold
        self.tried: set[int] = set()
        self.text = lru_cache(maxsize=d._TEXT_CACHE)(finder._dialogue)

    def run(self, skip: bytearray) -> None:
        active = bytearray(not skip[row] for row in self.sig_rows)
        for band in range(d._BANDS):
            for bucket in _band_buckets(self.sigs, active, band):
                self._bucket(bucket, band, 0)

    def _bucket(self, bucket: list[int], band: int, depth: int) -> None:
        """Pairs of a bucket: all when small; a big one is split on the next band.

        A big bucket is mostly entries that happen to share phrasing in two slots;
        true copies also agree on the following slots, so splitting on them keeps
        copies together while the cost stays linear in the bucket size. Still too
        big after ``d.SPLIT_DEPTH`` splits (a large cluster of copies): each member
        is linked to the first and to its predecessor.
        """
        if len(bucket) <= d.BUCKET_CAP:
            pairs = self._length_pairs(bucket)
        elif depth < d.SPLIT_DEPTH:
            for part in _split(self.sigs, bucket, (band + 2 * depth + 2) % d._BANDS):
                self._bucket(part, band, depth + 1)
            return
        else:
            lengths, stretch = self.sig_lengths, self.stretch
            pairs = (
                (a, b)
                for a, b in _sparse_pairs(bucket)
                if max(lengths[a], lengths[b]) <= stretch * min(lengths[a], lengths[b])
            )
        for a, b in pairs:
            self._pair(a, b)

    def _length_pairs(self, bucket: list[int]) -> Iterator[tuple[int, int]]:
        """All pairs (lower index first) whose lengths allow the threshold."""
        lengths, stretch = self.sig_lengths, self.stretch
        ordered = sorted(bucket, key=lengths.__getitem__)
        for i, a in enumerate(ordered):
            limit = stretch * lengths[a]
            for b in ordered[i + 1 :]:
                if lengths[b] > limit:
                    break
                yield (a, b) if a < b else (b, a)

    def _pair(self, a: int, b: int) -> None:
        """Verify signatures a < b, joining their rows when similar enough.

        Cheapest rejections first: most candidate pairs are chance collisions.
        """
        sigs = self.sigs
        agree = sum(
            map(
                operator.eq,
                sigs[a * d.SIG_SLOTS : (a + 1) * d.SIG_SLOTS],
                sigs[b * d.SIG_SLOTS : (b + 1) * d.SIG_SLOTS],
            )
        )
        if agree < d.MIN_AGREE:
            return
        row_a, row_b = self.sig_rows[a], self.sig_rows[b]
        sets = self.sets
        if sets.find(row_a) == sets.find(row_b):
            return
        key = a << 32 | b
        if key in self.tried:
            return
        self.tried.add(key)
        score = Indel.normalized_similarity(
            self.text(row_a), self.text(row_b), score_cutoff=self.threshold
        )
        if score >= self.threshold:
            sets.union(row_a, row_b, score)


def _band_buckets(sigs: array, active: bytearray, band: int) -> list[list[int]]:
    """Buckets (≥ 2 active signature indexes) of equal values in one band's slots.

    A band is two adjacent 32-bit slots, so reading the signatures as 64-bit words
    gives every band key in one C-level slice; keys are counted with ``Counter``
    and only the few signatures whose key is shared are grouped in Python.
    """
    if not sigs:
        return []
    keys = band_keys(sigs, band)
    shared = {key for key, count in Counter(keys).items() if count > 1}
    buckets: dict[int, list[int]] = {}
    for index in compress(range(len(keys)), map(shared.__contains__, keys)):
        if active[index]:
            buckets.setdefault(keys[index], []).append(index)
    return [bucket for bucket in buckets.values() if len(bucket) > 1]


def band_keys(sigs: array, band: int) -> list[int]:
    """Each signature's key in one band: its two slots read as one 64-bit word."""
    words = memoryview(sigs).cast("B")
    if band % 2:  # an odd band starts mid-word: read the words 4 bytes later
        words = words[4:-4]
    return words.cast("Q")[band // 2 :: d.SIG_SLOTS // 2].tolist()


def _split(sigs: array, bucket: list[int], band: int) -> Iterator[list[int]]:
    """Sub-buckets (≥ 2 members) of a bucket by the values of another band."""
    parts: dict[tuple[int, ...], list[int]] = {}
    for index in bucket:
        base = index * d.SIG_SLOTS + band
        parts.setdefault(tuple(sigs[base : base + d.BAND_ROWS]), []).append(index)
    return (part for part in parts.values() if len(part) > 1)


def _sparse_pairs(bucket: list[int]) -> Iterator[tuple[int, int]]:
    """Links for an oversized bucket: each member to the first and to its predecessor."""
    head = bucket[0]
    for i in range(1, len(bucket)):
        yield head, bucket[i]
        if i > 1:
            yield bucket[i - 1], bucket[i]
