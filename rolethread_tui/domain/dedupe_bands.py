"""Near-duplicate verification: walk the LSH bands, verify candidate pairs, join groups.

Split from `dedupe` (the finder): one `groups` run reads the finder's
signatures and spilled texts and unions the pairs that verify.

The walk is the finder's definition of *which* pairs are candidates and in
*which order* they are joined (the order decides a group's reported score, the
weakest link that joined it): buckets by their first member, within a bucket
`_length_pairs`' order (a big bucket: `_bucket`'s splits). Each band runs as
array passes (numpy, imported inside the functions that use it so that the
commands importing this module for the Dask engine never load it): one stable
sort of the band's keys gives the buckets; buckets of up to ``BUCKET_CAP``
members — nearly all — are paired and length-checked at once per bucket size,
bigger ones go through `_bucket` in Python; the pairs are put in walk order by
a stable sort on their bucket's first member, repeats dropped keeping first
occurrences, and slot agreement counted on the signatures as a uint32 matrix.
Only the pairs left reach the ordered join, the pair-by-pair loop it always
was: skip pairs already joined or already verified, verify, union. A pair's
later occurrence in a band could only repeat what its first did (agreement is
fixed, sets only merge), so the result is the one the pair-by-pair walk gave.

With the helper process (`Verifier.run`), it walks the last ``HELPER_BANDS``
bands and verifies their pairs with a join of its own, reading the finder's
spill file through /proc (`dedupe_store._SpillReader`); this process walks
and joins the first bands meanwhile, then joins the helper's pairs in order,
taking its scores instead of verifying again (`_Joiner` says why that is the
same result). Where the file cannot be opened there, the helper only walks.
Memory stays at one band's pairs.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel

from rolethread_tui.domain import dedupe as d
from rolethread_tui.domain.dedupe_store import _SpillReader, _UnionFind
from rolethread_tui.domain.scan import Helper, share

if TYPE_CHECKING:
    import numpy as np

    from rolethread_tui.domain.dedupe import DuplicateFinder

_LOW = (1 << 32) - 1
_HELPER_MIN_ROWS = 20_000  # below this, sending the signatures is not worth it


#: Bands the helper process walks and verifies while this process walks and
#: joins the first ones (then joins the helper's with its scores): 16 of 31
#: balanced the two processes' CPU at 100k (2.7 s and 2.4 s on a loaded machine).
HELPER_BANDS = 16


class Walk:
    """The band walk: each band's candidate pairs, in order; needs no texts, so the
    helper process can walk some bands (`walk_bands`) while the finder joins others."""

    matrix: np.ndarray | None = None  # the signatures, one row each (set by __init__)
    _split_keys: dict[int, memoryview] | None = None  # `_keys`' last bands

    def __init__(self, sigs: array, sig_lengths: array, threshold: float) -> None:
        import numpy as np  # lazily: see the module doc

        self.sigs = sigs
        self.sig_lengths = sig_lengths
        self.threshold = threshold
        # Indel similarity ≤ 2·short/(short + long), so the longer text may be at
        # most this many times the shorter one.
        self.stretch = (2 - threshold) / threshold
        self.pairs: list[int] = []  # one bucket's candidate pairs in walk order, a << 32 | b
        self.matrix = np.frombuffer(sigs, dtype=np.uint32).reshape(-1, d.SIG_SLOTS).copy()
        self.float_lengths = np.frombuffer(sig_lengths, dtype=np.uint32).astype(np.float64)
        self._active: np.ndarray | None = None

    def _keys(self, band: int) -> memoryview:
        """Every signature's key in a band (its two slots as one 64-bit word), for
        `_split`: indexing a memoryview gives plain ints, ~2x faster than slicing
        the signatures into tuples (`_split`: 0.55 -> 0.28 s of the walk at 100k).
        The last four bands' are kept (800 KB each at 100k): a band splits on
        the bands 2, 4 and 6 further."""
        import numpy as np  # lazily: see the module doc

        if self._split_keys is None:
            self._split_keys = {}
        keys = self._split_keys.get(band)
        if keys is None:
            if len(self._split_keys) >= 4:
                del self._split_keys[next(iter(self._split_keys))]
            matrix = self.matrix
            if matrix is None:  # a walk of a few buckets (`shards.bands`): no matrix
                matrix = np.frombuffer(self.sigs, dtype=np.uint32).reshape(-1, d.SIG_SLOTS)
            keys = memoryview(matrix[:, band].astype(np.uint64) << np.uint64(32)
                              | matrix[:, band + 1])
            self._split_keys[band] = keys
        return keys

    def band_pairs(self, active: bytearray, band: int) -> np.ndarray:
        """The band's pairs worth verifying (slots agree), first occurrences in walk order.

        Buckets come from one stable sort of the band's keys; buckets of up to
        ``BUCKET_CAP`` members (nearly all) are paired and length-checked in bulk,
        bigger ones go through `_bucket`; the pairs are then put in walk order (by
        their bucket's first member) before repeats are dropped.
        """
        import numpy as np  # lazily: see the module doc

        members, firsts, sizes = self._buckets(active, band)
        pairs, order_keys = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for size in np.unique(sizes[sizes <= d.BUCKET_CAP]).tolist():
            bucket_pairs, heads = self._small_buckets(members, firsts[sizes == size], size)
            pairs.append(bucket_pairs)
            order_keys.append(heads)
        big, heads = [], []
        for first, size in zip(firsts[sizes > d.BUCKET_CAP].tolist(),
                               sizes[sizes > d.BUCKET_CAP].tolist(), strict=True):
            bucket = members[first : first + size].tolist()
            self._bucket(bucket, band, 0)
            big += self.pairs
            heads += [bucket[0]] * len(self.pairs)
            self.pairs = []
        pairs.append(np.array(big, dtype=np.int64))
        order_keys.append(np.array(heads, dtype=np.int64))
        walk = np.concatenate(pairs)[np.argsort(np.concatenate(order_keys), kind="stable")]
        _, first_seen = np.unique(walk, return_index=True)
        return agreeing(self.matrix, walk[np.sort(first_seen)])

    def _small_buckets(self, members: np.ndarray, firsts: np.ndarray, size: int
                       ) -> tuple[np.ndarray, np.ndarray]:
        """`_length_pairs` of buckets of one size, at once: each bucket sorted by
        length (stably), then every pair i < j in that order whose longer text may
        reach the threshold (sorted, so `_length_pairs`' break is this filter).
        Returns the pairs, bucket by bucket, and each one's bucket's first member."""
        import numpy as np  # lazily: see the module doc

        buckets = members[firsts[:, None] + np.arange(size)]
        lengths = self.float_lengths[buckets]
        order = np.argsort(lengths, axis=1, kind="stable")
        buckets = np.take_along_axis(buckets, order, axis=1)
        lengths = np.take_along_axis(lengths, order, axis=1)
        i, j = np.triu_indices(size, 1)  # row-major: i, then j, as the loops run
        fits = lengths[:, j] <= self.stretch * lengths[:, i]
        a, b = buckets[:, i], buckets[:, j]
        keys = np.minimum(a, b) << 32 | np.maximum(a, b)
        heads = np.broadcast_to(members[firsts][:, None], keys.shape)
        return keys[fits], heads[fits]

    def _buckets(self, active: bytearray, band: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Active signatures grouped by the band's key: ``members`` (ascending within
        a bucket) and each bucket of ≥ 2 (its start in ``members`` and its size)."""
        import numpy as np  # lazily: see the module doc

        if self._active is None:
            self._active = np.flatnonzero(np.frombuffer(active, dtype=np.uint8))
        rows = self._active
        keys = (self.matrix[rows, band].astype(np.uint64) << np.uint64(32)
                | self.matrix[rows, band + 1])
        order = np.argsort(keys, kind="stable")
        keys, members = keys[order], rows[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        sizes = np.diff(np.append(starts, len(keys)))
        big = sizes >= 2
        return members, starts[big], sizes[big]

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
            for part in _split(self._keys((band + 2 * depth + 2) % d._BANDS), bucket):
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
        self.joiner = _Joiner(finder._sig_rows, sets, finder._dialogue, threshold)
        self.texts = finder._spill.shared() if finder._spill is not None else None

    def run(self, skip: bytearray, helper: Helper | None = None) -> None:
        """Walk and join every band; with a helper process, it walks the last
        ``HELPER_BANDS`` meanwhile and verifies their pairs as far as it can tell
        (`walk_bands`); if it fails, they are walked here."""
        active = bytearray(not skip[row] for row in self.sig_rows)
        mine = d._BANDS - HELPER_BANDS if helper is not None else d._BANDS
        args = (self.sigs, self.sig_lengths, active, mine, d._BANDS, self.threshold)
        texts = None if self.texts is None else (*self.texts, self.sig_rows)
        join = self.joiner.join
        _, theirs, _ = share(
            helper if len(self.sig_rows) >= _HELPER_MIN_ROWS else None,
            lambda: ("bands", *args, texts),
            lambda: [join(self.band_pairs(active, band)) for band in range(mine)],
            lambda: walk_bands(*args))
        for pairs, scores in theirs:
            join(pairs, scores)


class _Joiner:
    """Verifies candidate pairs in walk order and joins the rows similar enough.

    A pair whose rows are already in one set, or that was verified before, is
    not verified: its score could not change the group, nor the weakest link
    that joined it. The helper process runs one over its bands with sets of its
    own: a pair it skips is one this process skips too (its joins are a subset
    of ours, made in the same order), so its scores can stand in for ours.
    """

    def __init__(self, sig_rows: array, sets: _UnionFind, text: Callable[[int], bytes],
                 threshold: float) -> None:
        self.sig_rows, self.sets, self.threshold = sig_rows, sets, threshold
        self.text = lru_cache(maxsize=d._TEXT_CACHE)(text)
        self.tried: set[int] = set()

    def join(self, pairs: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
        """Join the pairs that verify (``known``: scores from the helper, NaN where it
        did not verify); returns the scores verified here (NaN elsewhere)."""
        import numpy as np  # lazily: see the module doc

        sig_rows, sets, text, threshold = self.sig_rows, self.sets, self.text, self.threshold
        find, tried = sets.find, self.tried
        similarity = Indel.normalized_similarity
        scores = [math.nan] * len(pairs)
        given = known.tolist() if known is not None else scores
        for index, key in enumerate(pairs.tolist()):
            row_a, row_b = sig_rows[key >> 32], sig_rows[key & _LOW]
            if find(row_a) == find(row_b) or key in tried:
                continue
            tried.add(key)
            score = given[index]
            if score != score:  # NaN: not verified by the helper
                score = scores[index] = similarity(text(row_a), text(row_b),
                                                   score_cutoff=threshold)
            if score >= threshold:
                sets.union(row_a, row_b, score)
        return np.array(scores)


def walk_bands(sigs: array, sig_lengths: array, active: bytearray, start: int, stop: int,
               threshold: float, texts: tuple[str, bytes, array] | None = None
               ) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """`Walk.band_pairs` of bands ``start..stop``, each with its pairs' scores
    (`_Joiner.join`) when ``texts`` (the finder's spill file as
    `dedupe_store._TextSpill.shared` names it, and its signature rows) can be
    read here: what the helper process answers."""

    walk = Walk(sigs, sig_lengths, threshold)
    bands = [walk.band_pairs(active, band) for band in range(start, stop)]
    reader = _SpillReader.open(*texts[:2]) if texts is not None else None
    if reader is None:
        return [(pairs, None) for pairs in bands]
    with reader:
        joiner = _Joiner(texts[2], _UnionFind(len(reader)), reader.read, threshold)
        return [(pairs, joiner.join(pairs)) for pairs in bands]


def agreeing(matrix: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The pairs (a << 32 | b) whose signatures (rows of ``matrix``) agree in at
    least ``MIN_AGREE`` slots."""

    same = matrix[pairs >> 32] == matrix[pairs & _LOW]
    return pairs[same.sum(axis=1) >= d.MIN_AGREE]


def band_keys(sigs: array, band: int) -> list[int]:
    """Each signature's key in one band: its two slots read as one 64-bit word."""
    words = memoryview(sigs).cast("B")
    if band % 2:  # an odd band starts mid-word: read the words 4 bytes later
        words = words[4:-4]
    return words.cast("Q")[band // 2 :: d.SIG_SLOTS // 2].tolist()


def _split(keys: memoryview, bucket: list[int]) -> Iterator[list[int]]:
    """Sub-buckets (≥ 2 members) of a bucket by its members' ``keys`` in another
    band (`Walk._keys`), in the order of their first members."""
    parts: dict[int, list[int]] = {}
    for index in bucket:
        parts.setdefault(keys[index], []).append(index)
    return (part for part in parts.values() if len(part) > 1)


def _sparse_pairs(bucket: list[int]) -> Iterator[tuple[int, int]]:
    """Links for an oversized bucket: each member to the first and to its predecessor."""
    head = bucket[0]
    for i in range(1, len(bucket)):
        yield head, bucket[i]
        if i > 1:
            yield bucket[i - 1], bucket[i]
