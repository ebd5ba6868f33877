"""Near-duplicates across partitions: band keys → buckets → candidate pairs → verified pairs.

The finder's method (`dedupe`'s module doc) cut where data must move between
machines. Each function runs on a worker and takes or returns plain data:

1. `band_records`: a partition's signatures as ``(band, (keys, rows))`` — the
   band keys (`dedupe_bands.band_keys`) of every signature that is not an exact
   copy of an earlier entry; an engine groups them by band (the shuffle).
2. `band_buckets`: one band's keys from every partition → buckets of global
   rows sharing a key (the finder's `_band_buckets`, over all shards).
3. `candidate_pairs`: buckets with their members' lengths and signatures →
   pairs, by the finder's own `Verifier._bucket` (small buckets in full, big
   ones split on further bands, huge ones linked sparsely) and its cheap
   rejections (length bound, ``MIN_AGREE`` slots).
4. `verify_pairs`: pairs with their normalised dialogues → the pairs whose Indel
   similarity reaches the threshold (rapidfuzz, as `Verifier._pair`).
"""

from __future__ import annotations

import operator
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

from rapidfuzz.distance import Indel

from .. import dedupe as d
from ..dedupe_bands import Verifier, band_keys
from .tasks import PartPrints

BandRecord = tuple[int, tuple[list[int], list[int]]]
#: (length, signature) of a global row
Signed = tuple[int, tuple[int, ...]]


def band_records(prints: PartPrints, row_start: int, skip: frozenset[int]) -> list[BandRecord]:
    """One record per band: the band keys and global rows of the active signatures."""
    rows = [row_start + k for k in prints.signed]
    active = [row not in skip for row in rows]
    out: list[BandRecord] = []
    for band in range(d._BANDS):
        keys = band_keys(prints.sigs, band) if rows else []
        out.append((band, ([key for key, on in zip(keys, active, strict=True) if on],
                           [row for row, on in zip(rows, active, strict=True) if on])))
    return out


def band_key(record: BandRecord) -> int:
    return record[0]


def add_record(acc: tuple[list[int], list[int]], record: BandRecord
               ) -> tuple[list[int], list[int]]:
    """foldby's binop: one partition's keys and rows added to a band's (`empty_band`'s
    fresh lists, so extending them in place is safe)."""
    acc[0].extend(record[1][0])
    acc[1].extend(record[1][1])
    return acc


def join_bands(a: tuple[list[int], list[int]], b: tuple[list[int], list[int]]
               ) -> tuple[list[int], list[int]]:
    """foldby's combine: two partial bands joined (new lists: the inputs are task results)."""
    return a[0] + b[0], a[1] + b[1]


def empty_band() -> tuple[list[int], list[int]]:
    return [], []


def band_buckets(band: int, keys: Sequence[int], rows: Sequence[int]) -> list[list[int]]:
    """Buckets (≥ 2 rows, sorted) of rows sharing a key in one band, by first row."""
    shared = {key for key, count in Counter(keys).items() if count > 1}
    buckets: dict[int, list[int]] = {}
    for key, row in zip(keys, rows, strict=True):
        if key in shared:
            buckets.setdefault(key, []).append(row)
    return sorted((sorted(bucket) for bucket in buckets.values() if len(bucket) > 1),
                  key=operator.itemgetter(0))


class _Candidates(Verifier):
    """The finder's bucket walk over a few buckets, keeping pairs instead of verifying.

    Signatures are indexed locally (0..m-1, in global row order, so a bucket's
    order — which decides the sparse links of a huge one — is the finder's).
    """

    def __init__(self, rows: list[int], signed: dict[int, Signed], threshold: float) -> None:
        self.rows = rows
        self.sigs = array("I")
        self.sig_lengths = array("I")
        for row in rows:
            length, sig = signed[row]
            self.sig_lengths.append(length)
            self.sigs.extend(sig)
        self.threshold = threshold
        self.stretch = (2 - threshold) / threshold
        self.found: set[tuple[int, int]] = set()

    def _pair(self, a: int, b: int) -> None:
        slots = d.SIG_SLOTS
        agree = sum(map(operator.eq, self.sigs[a * slots : (a + 1) * slots],
                        self.sigs[b * slots : (b + 1) * slots]))
        if agree >= d.MIN_AGREE:
            self.found.add((self.rows[a], self.rows[b]))


def candidate_pairs(band: int, buckets: list[list[int]], signed: dict[int, Signed],
                    threshold: float) -> set[tuple[int, int]]:
    """Pairs of global rows (lower first) worth verifying, from one band's buckets."""
    rows = sorted({row for bucket in buckets for row in bucket})
    index = {row: k for k, row in enumerate(rows)}
    walk = _Candidates(rows, signed, threshold)
    for bucket in buckets:
        walk._bucket([index[row] for row in bucket], band, 0)
    return walk.found


def signatures(prints: PartPrints, row_start: int, wanted: Iterable[int]) -> dict[int, Signed]:
    """(length, signature) of some global rows of this partition."""
    where = {k: s for s, k in enumerate(prints.signed)}
    slots = d.SIG_SLOTS
    out: dict[int, Signed] = {}
    for row in wanted:
        s = where[row - row_start]
        out[row] = (prints.lengths[row - row_start],
                    tuple(prints.sigs[s * slots : (s + 1) * slots]))
    return out


def verify_pairs(pairs: Sequence[tuple[int, int]], texts: dict[int, bytes],
                 threshold: float) -> list[tuple[int, int, float]]:
    """The pairs similar enough, with their similarity (the finder's verification)."""
    out = []
    for a, b in pairs:
        score = Indel.normalized_similarity(texts[a], texts[b], score_cutoff=threshold)
        if score >= threshold:
            out.append((a, b, score))
    return out
