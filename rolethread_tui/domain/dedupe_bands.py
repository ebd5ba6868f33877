"""Near-duplicate verification: walk the LSH bands, verify candidate pairs, join groups.

Split from `dedupe` (the finder): one `groups` run reads the finder's
signatures and spilled texts and unions the pairs that verify.

The walk is the finder's definition of *which* pairs are candidates and in
*which order* they are joined (the order decides a group's reported score, the
weakest link that joined it). Each band runs in passes so that little of it is
a Python loop per pair: the walk lists the band's candidate pairs in order (most
buckets hold two members and take an inline path); repeats within the band are
dropped keeping first occurrences (`dict.fromkeys`); slot agreement is counted
for all of them at once on signatures read as big integers; only the pairs left
— about a third — reach the ordered join, which is the pair-by-pair loop it
always was: skip pairs already joined or already verified, verify, union. A
pair's later occurrence in a band could only repeat what its first did
(agreement is fixed, sets only merge), so the result is the one the
pair-by-pair walk gave. Memory stays at one band's pairs.
"""

from __future__ import annotations

import operator
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import compress, repeat
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel

from rolethread_tui.domain import dedupe as d
from rolethread_tui.domain.scan import Helper, share

if TYPE_CHECKING:
    from rolethread_tui.domain.dedupe import DuplicateFinder, _UnionFind

_LOW = (1 << 32) - 1
_HELPER_MIN_ROWS = 20_000  # below this, sending the signatures is not worth it
_WORD_BYTES = 4 * d.SIG_SLOTS
# Per 32-bit slot: all bits but the top one, and the top one (see `agreeing`).
_SLOT_LOW = int.from_bytes(b"\xff\xff\xff\x7f" * d.SIG_SLOTS, "little")
_SLOT_TOP = int.from_bytes(b"\x00\x00\x00\x80" * d.SIG_SLOTS, "little")


#: Bands the helper process walks while this process walks the first ones and
#: joins their pairs (joining — rapidfuzz on the texts — is the bigger share).
HELPER_BANDS = 20


class Walk:
    """The band walk: each band's candidate pairs, in order; needs no texts, so the
    helper process can walk some bands (`walk_bands`) while the finder joins others."""

    def __init__(self, sigs: array, sig_lengths: array, threshold: float) -> None:
        self.sigs = sigs
        self.sig_lengths = sig_lengths
        self.threshold = threshold
        # Indel similarity ≤ 2·short/(short + long), so the longer text may be at
        # most this many times the shorter one.
        self.stretch = (2 - threshold) / threshold
        self.pairs: list[int] = []  # one band's candidate pairs in walk order, a << 32 | b

    def band_pairs(self, active: bytearray, band: int) -> list[int]:
        """The band's pairs worth verifying (slots agree), first occurrences in walk order."""
        self._walk(_band_buckets(self.sigs, active, band), band)
        ordered = list(dict.fromkeys(self.pairs))
        self.pairs = []
        return agreeing(self.sigs, ordered)

    def _walk(self, buckets: list[list[int]], band: int) -> None:
        """Every bucket of one band through `_bucket`; two-member ones inline."""
        lengths, stretch, out = self.sig_lengths, self.stretch, self.pairs.append
        for bucket in buckets:
            if len(bucket) == 2:  # what `_length_pairs` gives for two members
                a, b = bucket
                la, lb = lengths[a], lengths[b]
                if (lb <= stretch * la) if la <= lb else (la <= stretch * lb):
                    out(a << 32 | b)
            else:
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
        """A candidate pair of signatures a < b, kept for the passes of `run`."""
        self.pairs.append(a << 32 | b)



class Verifier(Walk):
    """One ``groups`` run: walk the LSH bands and verify candidate pairs."""

    def __init__(self, finder: DuplicateFinder, sets: _UnionFind, threshold: float) -> None:
        super().__init__(finder._sigs,
                         array("I", map(finder._lengths.__getitem__, finder._sig_rows)),
                         threshold)
        self.sig_rows = finder._sig_rows
        self.sets = sets
        self.tried: set[int] = set()
        self.text = lru_cache(maxsize=d._TEXT_CACHE)(finder._dialogue)

    def run(self, skip: bytearray, helper: Helper | None = None) -> None:
        """Walk and join every band; with a helper process, it walks the last
        ``HELPER_BANDS`` meanwhile (if it fails, they are walked here)."""
        active = bytearray(not skip[row] for row in self.sig_rows)
        mine = d._BANDS - HELPER_BANDS if helper is not None else d._BANDS
        args = (self.sigs, self.sig_lengths, active, mine, d._BANDS, self.threshold)
        _, theirs, _ = share(
            helper if len(self.sig_rows) >= _HELPER_MIN_ROWS else None,
            lambda: ("bands", *args),
            lambda: [self._join(self.band_pairs(active, band)) for band in range(mine)],
            lambda: walk_bands(*args))
        for pairs in theirs:
            self._join(pairs)

    def _join(self, pairs: list[int]) -> None:
        """Verify the candidate pairs in walk order, joining rows similar enough.

        A pair whose rows are already in one set is not verified: its score
        could not change the group, nor the weakest link that joined it.
        """
        sig_rows, sets, text, threshold = self.sig_rows, self.sets, self.text, self.threshold
        find, tried = sets.find, self.tried
        similarity = Indel.normalized_similarity
        for key in pairs:
            row_a, row_b = sig_rows[key >> 32], sig_rows[key & _LOW]
            if find(row_a) == find(row_b) or key in tried:
                continue
            tried.add(key)
            score = similarity(text(row_a), text(row_b), score_cutoff=threshold)
            if score >= threshold:
                sets.union(row_a, row_b, score)


def walk_bands(sigs: array, sig_lengths: array, active: bytearray, start: int, stop: int,
               threshold: float) -> list[list[int]]:
    """`Walk.band_pairs` of bands ``start..stop``: what the helper process answers."""
    walk = Walk(sigs, sig_lengths, threshold)
    return [walk.band_pairs(active, band) for band in range(start, stop)]


def agreeing(sigs: array, pairs: list[int]) -> list[int]:
    """The pairs (a << 32 | b) whose signatures agree in at least ``MIN_AGREE`` slots.

    Each signature is read as one integer of ``SIG_SLOTS`` 32-bit words; for the
    XOR of two, ``((x & low) + low) | x`` has a word's top bit set exactly when
    that word is non-zero (the addition never carries out of a word), so the
    differing slots are one ``bit_count``. All of it is C-level ``map``s.
    """
    if not pairs:
        return []
    data = memoryview(sigs).cast("B")

    def words(indexes: Iterable[int]) -> Iterator[int]:
        starts = list(map(operator.mul, indexes, repeat(_WORD_BYTES)))
        ends = map(operator.add, starts, repeat(_WORD_BYTES))
        return map(int.from_bytes, map(data.__getitem__, map(slice, starts, ends)),
                   repeat("little"))

    x = list(map(operator.xor, words(map(operator.rshift, pairs, repeat(32))),
                 words(map(operator.and_, pairs, repeat(_LOW)))))
    tops = map(operator.and_, map(operator.or_, map(operator.add, map(
        operator.and_, x, repeat(_SLOT_LOW)), repeat(_SLOT_LOW)), x), repeat(_SLOT_TOP))
    most = d.SIG_SLOTS - d.MIN_AGREE
    return list(compress(pairs, map(most.__ge__, map(int.bit_count, tops))))


def _band_buckets(sigs: array, active: bytearray, band: int) -> list[list[int]]:
    """Buckets (≥ 2 active signature indexes, ascending) of equal values in one band's
    slots, ordered by their first member.

    A band is two adjacent 32-bit slots, so reading the signatures as 64-bit words
    gives every band key in one C-level slice; keys are counted with ``Counter``
    and only the few signatures whose key is shared are grouped in Python (a
    sort-based grouping with no Python loop measured twice as slow).
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
