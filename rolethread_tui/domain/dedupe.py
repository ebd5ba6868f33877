"""Exact and near-duplicate conversations (docs/validation.md; the `dedupe` command: docs/cli.md).

Generated batches repeat themselves: the same sample written twice, a regenerated
reply that differs by a few words, a copy with different spacing or capitals.
Training on such repeats over-weights them, so the reviewer needs *groups* of
entries that say the same thing — fast enough for 100k entries (≤ 8 s, README Performance) and
with memory that stays bounded at 1M.

How it works:

1. **Text.** :func:`conversation_text` renders an entry as its turns, in order,
   each as a one-character role mark plus the content, so that the finder can
   set the system prompt apart. Normalisation (:func:`normalise`: NFKC, casefold,
   punctuation and whitespace → one space) makes copies that differ only in
   case, spacing or punctuation compare equal.
2. **Exact duplicates.** A 64-bit blake2b digest of the whole conversation
   (system prompt and role marks included, turn order kept) reduced to its
   letters and digits is stored per entry — 8 bytes, never the text. Equal
   digests form an exact group (collision odds at 1M entries ~1e-8). Dropping
   the spaces too costs nothing in practice ("can not" ≡ "cannot") and saves a
   tokenising pass.
3. **Near-duplicate candidates (blocking).** Only the *dialogue* (every turn but
   system ones) is used: a batch shares its system prompts by design, and
   counting them would make every pair of entries with the same long character
   card look alike. Words of 4+ characters (the short ones are what distinct texts
   share most) form word 3-shingles, hashed deterministically (tuples of ints, no
   per-process seed). A one-permutation MinHash signature keeps, for each of
   ``SIG_SLOTS`` equal ranges of the hash space, the smallest shingle hash that
   falls in it (empty ranges borrow from their right neighbour: "rotation
   densification"). Two signatures agree in a slot with probability ≈ the Jaccard
   similarity of the shingle sets.

   *Stop-shingles.* The first ``WARMUP`` distinct dialogues are held back while
   the document frequency of their shingles is counted; shingles in at least
   ``STOP_FRACTION`` of them are the stock phrasing of the batch ("smiles
   softly and glances toward") and are skipped when a slot takes its minimum.
   Without this, distinct entries agree on the slots that stock phrases win and
   candidate pairs explode. An entry whose slots would nearly all come from stock
   phrasing keeps its plain signature (it is stock text, or one of a large
   cluster of copies, and either way that signature is what finds its copies).

   *Banding.* A band is two adjacent slots; bands overlap (slots 0-1, 1-2, …,
   30-31: 31 bands), which for a pair agreeing on 8 of 32 slots raises the chance
   that some band agrees whole from ~0.69 (16 disjoint bands) to ~0.91 at no
   extra signature cost. Entries with equal band values share a bucket; buckets
   are built one band at a time (memory: one list of n keys). Small buckets give
   their pairs; a bucket larger than ``BUCKET_CAP`` is split on the values of a
   further band (true copies agree there too, chance members do not), up to
   ``SPLIT_DEPTH`` times; what is still too big — a large cluster of copies — is
   linked member-to-first and member-to-predecessor: O(size), not O(size²).
4. **Verification.** Cheapest test first: a length bound (Indel similarity can
   never exceed 2·short/(short + long)), agreement in ``MIN_AGREE`` of the 32
   slots (chance collisions agree in 2–4, copies in far more), then the threshold
   with ``rapidfuzz.distance.Indel.normalized_similarity`` (the measure behind
   ``fuzz.ratio``) on the normalised dialogues. Indel similarity is order- and
   length-sensitive: a conversation that is a truncated part of another, or uses
   the same words in another order, is *not* a duplicate — token-set measures
   would call both identical. Verified pairs are joined by union-find.

Reporting: one :class:`DupGroup` per connected component. ``exact`` is true only
when every member has the same normalised conversation; a component that mixes an
exact subgroup with near members is one near group. ``score`` is 1.0 for exact
groups, else the smallest verified similarity among the links that joined the
group (each member is at least that similar to some other member; for a pair it
is simply their similarity, for a bigger group it depends on which links were
verified, so treat it as a lower bound). Two entries
whose dialogue is identical but whose system prompts differ form a near group of
score 1.0.

Memory: per entry, 8 bytes of digest, 8 of entry id, 4 of length and a 128-byte
signature (~150 MB at 1M). Verification needs texts again, for candidates only:
pass ``text_of(entry)`` to re-read them (a lazy store can), or the finder spills
the normalised dialogues to an anonymous temporary file.

Speed: the per-entry functions here (:func:`_shingle_hashes`, :func:`_signature`,
:func:`_densify`; :meth:`DuplicateFinder.add` uses them) are the reference.
:meth:`DuplicateFinder.add_lines` fingerprints ``BATCH`` lines at once instead
(:mod:`~rolethread_tui.domain.dedupe_batch`, numpy, loaded only then): the
per-entry Python is parsing and normalising; words, shingles and signatures
are array operations that reproduce Python's int and tuple hashes exactly, so
signatures — and groups — are the reference's (tests/test_dedupe_batch.py).
Normalising skips Unicode's NFKC pass for a text whose non-ASCII characters
are all *plain* (`dedupe_text._char`: NFKC-stable starters that compose with
nothing, or "…", no-break spaces and ligatures, whose NFKC forms are ASCII and
are replaced on the bytes): 62 % of generated texts failed the NFKC quick check
only for those, and the pass cost them ~12 µs each.
Once the warm-up has fixed the stop-shingles no shared state is needed:
:func:`~rolethread_tui.domain.dedupe_file.add_entries` gives 45 % of each step
to the scan's helper process (:class:`~rolethread_tui.domain.scan.Helper`,
which reads its lines from the file itself) and does the rest meanwhile.
Verification (:mod:`~rolethread_tui.domain.dedupe_bands`) forms each band's
buckets and pairs in bulk before the ordered join; the helper walks the last
bands and verifies their pairs (reading the spill file) while this process
walks and joins the first ones.

Limits, by design: blocking is tuned for thresholds around 0.8–0.95. Copies
with a few words changed, a sentence dropped, another system prompt or other
spacing are all found in the benchmark; copies whose differences are spread
thinly over the whole text (every 12th word replaced, similarity 0.92–0.95)
share few shingles, and ~4 % of those are missed. Texts without spaces between
words (CJK) shingle coarsely. Dialogues longer than ``MAX_VERIFY_BYTES`` are
verified on that many leading bytes, and blocked on ``MAX_BLOCK_BYTES``.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, filterfalse, islice, repeat
from operator import gt
from typing import TYPE_CHECKING

import orjson

from rolethread_tui.domain.dedupe_store import _TextSpill, _UnionFind
from rolethread_tui.domain.dedupe_text import (
    _CODE_BYTES,
    _STRUCT_TABLE,
    MAX_VERIFY_BYTES,
    OTHER_MARK,
    ROLE_MARKS,
    TURN_SEP,
    _norm_bytes,
    _strip_system,
    conversation_text,
    dialogue_bytes,
    normalise,
    similarity,
)

if TYPE_CHECKING:
    import numpy as np

    from rolethread_tui.domain.dedupe_batch import Prints
    from rolethread_tui.domain.scan import Helper

__all__ = ["OTHER_MARK", "ROLE_MARKS", "TURN_SEP", "DupGroup", "DuplicateFinder",
           "conversation_text", "dialogue_bytes", "fingerprint_lines", "normalise",
           "similarity"]


# Tuning (measured with benchmarks/bench_dedupe.py; see the module doc).
SIG_SLOTS = 32  # MinHash slots: 128 bytes per entry; 48 found little more, far slower
BAND_ROWS = 2  # slots per band; fixed, a band is read as one 64-bit word
SHINGLE = 3  # words per shingle; 2 raised chance collisions more than recall
MIN_WORD_LEN = 4  # shorter words are left out of shingles (not of the verified text)
BUCKET_CAP = 12  # larger buckets are split rather than expanded into all pairs
SPLIT_DEPTH = 3
MIN_AGREE = 5  # of 32 slots; at 4, 99.9 % of verifications failed
WARMUP = 1000  # distinct dialogues counted to find the stop-shingles
STOP_FRACTION = 0.01  # a shingle in ≥ 1 % of them is stock phrasing…
STOP_MIN_DF = 10  # …and in at least this many (small batches)
KEEP_FRACTION = 0.25  # below this share of non-stop slots, ignore the stop-shingles
MAX_BLOCK_BYTES = 64 * 1024
BATCH = 2000  # lines fingerprinted at once (`dedupe_batch`): ~25 MB of arrays at most

_BANDS = SIG_SLOTS - 1  # overlapping: band b is slots b and b + 1
_SLOT_MASK = (1 << 31) - 1
_BORROWED = 1 << 31
_BIN_BOUNDS = tuple(-(1 << 63) + (((i + 1) << 64) // SIG_SLOTS) for i in range(SIG_SLOTS))
_LONG_ID = (1 << (8 * (MIN_WORD_LEN - 1))).__le__
_TEXT_CACHE = 32768  # ~1.5 KB each: ≤ 50 MB, and most verifications hit it


@dataclass(frozen=True, slots=True)
class DupGroup:
    """Entries (0-based, sorted) that repeat one conversation.

    ``exact``: all members are identical after normalisation. ``score``: 1.0 when
    exact, else the lowest verified similarity (0..1) of the links in the group.
    """

    entries: list[int]
    exact: bool
    score: float


@dataclass(frozen=True, slots=True)
class _Fingerprint:
    """What the finder keeps of one entry; small and picklable (workers make them).

    ``digest`` 0 means "no words at all" (never reported). ``hashes`` are the
    shingle hashes of the dialogue (empty: no dialogue), or ``signature``
    the finished MinHash when the stop-shingles were known. ``length`` is the
    normalised dialogue's length; ``dialogue`` its normalised bytes, when the
    finder needs them for its spill file.
    """

    digest: int
    length: int
    hashes: list[int]
    dialogue: bytes | None = None
    signature: list[int] | None = None




def _fingerprint(
    text: str, keep_dialogue: bool = False, stop: frozenset[int] | None = None
) -> _Fingerprint:
    """Everything the finder needs of one entry's :func:`conversation_text`.

    Pure, so it can run in worker processes; with ``stop`` known it also
    finishes the signature there.
    """
    digest, normalised = _digest_and_dialogue(text)
    if normalised is None:
        return _Fingerprint(digest, 0, [], b"" if keep_dialogue else None)
    tokens = normalised.split()
    length = len(normalised) - normalised.count(b" ") + len(tokens) - 1
    dialogue = b" ".join(tokens)[:MAX_VERIFY_BYTES] if keep_dialogue else None
    if len(normalised) > MAX_BLOCK_BYTES:
        tokens = normalised[:MAX_BLOCK_BYTES].split()
    hashes = _shingle_hashes(tokens)
    if stop is None:
        return _Fingerprint(digest, length, hashes, dialogue)
    return _Fingerprint(digest, length, [], dialogue, _signature(hashes, stop))


def _digest_and_dialogue(text: str) -> tuple[int, bytes | None]:
    """The digest of a :func:`conversation_text` (0: no words) and its normalised
    dialogue with uncollapsed spaces (None: no words in it); one normalising pass
    serves both."""
    whole = _norm_bytes(text, _STRUCT_TABLE)
    solid = whole.translate(None, b" ")  # letters, digits and role marks
    if not solid.strip(_CODE_BYTES):  # nothing but role marks
        return 0, None
    digest = int.from_bytes(hashlib.blake2b(solid, digest_size=8).digest()) or 1
    normalised = _strip_system(whole)
    if not normalised.strip(_CODE_BYTES + b" "):
        return digest, None
    return digest, normalised


def _fingerprint_line(
    line: bytes, keep_dialogue: bool = False, stop: frozenset[int] | None = None
) -> _Fingerprint:
    """:func:`_fingerprint` of one raw JSONL line (unparseable → no words)."""
    if line.startswith(b"\xef\xbb\xbf"):  # a UTF-8 BOM on the first line
        line = line[3:]
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        record = None
    return _fingerprint(conversation_text(record), keep_dialogue, stop)


def fingerprint_lines(
    lines: Iterable[bytes], keep_dialogue: bool, stop: frozenset[int] | None
) -> list[_Fingerprint]:
    """Fingerprints of raw lines; what a helper process computes for a finder's ``job``."""
    return [_fingerprint_line(line, keep_dialogue, stop) for line in lines]


def _shingle_hashes(tokens: list[bytes]) -> list[int]:
    """64-bit hashes of the word 3-shingles of the longer tokens, in text order.

    Tokens become ints with ``int.from_bytes`` (big-endian, so a value ≥ 2**24
    means 4+ bytes: the length filter is a comparison) and shingles are hashed as
    tuples of ints. Both are deterministic across processes, unlike ``hash(str)``,
    and every step runs in C through ``map``/``filter``/``zip``. Unsorted: only
    `_signature` needs order, and only among the hashes it keeps.
    """
    ids = list(filter(_LONG_ID, map(int.from_bytes, tokens)))
    if len(ids) < SHINGLE:
        ids = list(map(int.from_bytes, tokens))
    if len(ids) < SHINGLE:
        return [hash(tuple(ids))] if ids else []
    return list(map(hash, zip(*(ids[i:] for i in range(SHINGLE)), strict=False)))


def _signature(hashes: list[int], stop: frozenset[int]) -> list[int]:
    """One-permutation MinHash: per hash range, the smallest non-stop hash (31 bits).

    The non-stop hashes are sorted and cut at the range bounds (C-level bisects):
    a range's first one is its minimum. Falls back to ignoring ``stop`` when it
    would empty most slots (see module doc): ``KEEP_FRACTION`` of the slots that
    hold any hash at all — which is only worth counting when few slots are kept.
    """
    kept = sorted(filterfalse(stop.__contains__, hashes) if stop else hashes)
    ends = list(map(bisect_left, repeat(kept, SIG_SLOTS), _BIN_BOUNDS))
    sig = [kept[lo] & _SLOT_MASK if hi > lo else -1
           for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]
    if stop and (SIG_SLOTS - sig.count(-1)) < KEEP_FRACTION * SIG_SLOTS:
        every = sorted(hashes)
        bounds = list(map(bisect_left, repeat(every, SIG_SLOTS), _BIN_BOUNDS))
        filled = sum(map(gt, bounds, [0, *bounds[:-1]]))
        stopped = filled - (SIG_SLOTS - sig.count(-1))
        if stopped and stopped > (1 - KEEP_FRACTION) * filled:
            return _signature(hashes, frozenset())
    if -1 in sig:
        _densify(sig)
    return sig


def _densify(sig: list[int]) -> None:
    """Fill empty slots from the next filled slot to the right (circular).

    The borrowed value is mixed with the distance and tagged with bit 31, so two
    entries agree on a borrowed slot only when they borrowed the same value from
    the same distance — which keeps agreement ≈ Jaccard for short dialogues.
    """
    size = len(sig)
    for slot in range(size):
        if sig[slot] >= 0:
            continue
        for dist in range(1, size):
            value = sig[(slot + dist) % size]
            if 0 <= value < _BORROWED:
                sig[slot] = (hash((value, dist)) & _SLOT_MASK) | _BORROWED
                break


class DuplicateFinder:
    """Collects entries one by one, then reports duplicate groups.

    ``add`` keeps only compact per-entry data (digest, MinHash signature, length).
    Verification needs candidate texts again: with ``text_of(entry)`` (returning
    :func:`conversation_text` of the entry) they are re-read on demand, so a lazy
    store keeps memory bounded; without it the normalised dialogues are spilled to
    a temporary file as they are added. ``groups`` may be called repeatedly, with
    different thresholds, and more entries may be added in between.
    """

    def __init__(self, text_of: Callable[[int], str] | None = None) -> None:
        self._text_of = text_of
        self._spill = None if text_of is not None else _TextSpill()
        self._entries = array("q")
        self._digests = array("Q")
        self._lengths = array("I")
        self._sig_rows = array("I")  # row of each stored signature
        self._sigs = array("I")  # SIG_SLOTS values per signature, row-major
        self._stop: frozenset[int] | None = None  # None while warming up
        self._stop_array: np.ndarray | None = None  # the same, for `dedupe_batch`
        self._warm: list[tuple[int, array]] = []
        self._warm_df: Counter[int] = Counter()
        self._warm_digests: set[int] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def __enter__(self) -> DuplicateFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the temporary text file (also happens when the finder is collected)."""
        if self._spill is not None:
            self._spill.close()

    def add(self, entry: int, text: str) -> None:
        """Record one entry (0-based index); ``text`` is its :func:`conversation_text`.

        Each entry is added once. Entries without any words are never reported.
        """
        self._add(entry, _fingerprint(text, self._spill is not None, self._stop))

    def add_lines(self, lines: Iterable[bytes], start: int | None = None) -> int:
        """Add raw JSONL lines as consecutive entries from ``start`` (default: ``len(self)``).

        Unparseable lines are entries without words; blank lines are not entries,
        so leave them out. Returns the number of lines added.
        """
        from rolethread_tui.domain.dedupe_batch import fingerprint_batch  # numpy: lazily

        first = len(self) if start is None else start
        added = 0
        todo = iter(lines)
        while batch := list(islice(todo, BATCH)):
            self.add_prints(first + added, fingerprint_batch(batch, self.keeps_texts,
                                                             self.job_stop()))
            added += len(batch)
        return added

    @property
    def keeps_texts(self) -> bool:
        """Whether fingerprints must carry the normalised dialogues (the spill file)."""
        return self._spill is not None

    def job_stop(self) -> np.ndarray | None:
        """The stop-shingles as `dedupe_batch.fingerprint_batch` takes them (None
        during the warm-up)."""
        if self._stop is not None and self._stop_array is None:
            from rolethread_tui.domain.dedupe_batch import stop_array

            self._stop_array = stop_array(self._stop)
        return self._stop_array

    @property
    def job(self) -> tuple[bool, frozenset[int]] | None:
        """What another process needs to fingerprint lines for this finder
        (``fingerprint_lines(lines, *job)``); None during the warm-up, when
        entries must be added in order here."""
        return None if self._stop is None else (self._spill is not None, self._stop)

    def stop_shingles(self) -> frozenset[int]:
        """The stop-shingles, ending the warm-up now if it is still on (for a driver
        that has other machines sign the rest of the entries with them)."""
        if self._stop is None:
            self._end_warmup()
        assert self._stop is not None
        return self._stop

    def add_fingerprints(self, start: int, fingerprints: Iterable[_Fingerprint]) -> None:
        """Add entries from ``start`` whose fingerprints were computed for ``job``."""
        for entry, fp in enumerate(fingerprints, start):
            self._add(entry, fp)

    def add_prints(self, start: int, prints: Prints) -> None:
        """Add entries from ``start`` fingerprinted in one batch (`dedupe_batch`)."""
        first = len(self._entries)
        count = len(prints.digests)
        self._entries.extend(range(start, start + count))
        self._digests.extend(prints.digests)
        self._lengths.extend(prints.lengths)
        if self._spill is not None:
            assert prints.dialogues is not None
            self._spill.extend(prints.dialogues)
        if not len(prints.counts):  # signed already (or nothing to sign)
            self._sig_rows.extend((prints.signed + first).tolist())
            self._sigs.frombytes(prints.sigs.tobytes())
            return
        ends = prints.counts.cumsum().tolist()
        for index, (end, size) in enumerate(zip(ends, prints.counts.tolist(), strict=True)):
            if self._stop is not None:  # the warm-up ended within this batch
                self._sign_batch(first + index, prints.hashes[end - size :],
                                 prints.counts[index:])
                return
            if size:
                self._warm_up(first + index, prints.digests[index],
                              prints.hashes[end - size : end].tolist())

    def _add(self, entry: int, fp: _Fingerprint) -> None:
        row = len(self._entries)
        self._entries.append(entry)
        self._digests.append(fp.digest)
        self._lengths.append(fp.length)
        if self._spill is not None:
            self._spill.append(fp.dialogue or b"")
        if fp.signature is not None:
            self._sig_rows.append(row)
            self._sigs.extend(fp.signature)
        elif not fp.hashes:
            return
        elif self._stop is not None:
            self._store_signature(row, fp.hashes)
        else:
            self._warm_up(row, fp.digest, fp.hashes)

    def _warm_up(self, row: int, digest: int, hashes: list[int]) -> None:
        """Hold an entry back and count its shingles until WARMUP distinct dialogues."""
        self._warm.append((row, array("q", hashes)))
        if digest not in self._warm_digests:
            self._warm_digests.add(digest)
            self._warm_df.update(set(hashes))
            if len(self._warm_digests) >= WARMUP:
                self._end_warmup()

    def _end_warmup(self) -> None:
        """Fix the stop-shingles and sign the entries held back meanwhile."""
        floor = max(STOP_MIN_DF, STOP_FRACTION * len(self._warm_digests))
        self._stop = frozenset(h for h, df in self._warm_df.items() if df >= floor)
        warm, self._warm, self._warm_df, self._warm_digests = self._warm, [], Counter(), set()
        if not warm:
            return
        import numpy

        rows = [row for row, _ in warm]
        hashes = numpy.frombuffer(b"".join(h.tobytes() for _, h in warm), dtype=numpy.int64)
        self._sign_batch(rows, hashes, numpy.array([len(h) for _, h in warm]))

    def _sign_batch(self, rows: int | list[int], hashes: np.ndarray, counts: np.ndarray
                    ) -> None:
        """Sign entries at once (`dedupe_batch.sign`): ``counts[i]`` of ``hashes``
        belong to row ``rows[i]`` (or ``rows + i``); entries without hashes get no
        signature, as in `_add`."""
        import numpy

        from rolethread_tui.domain.dedupe_batch import sign

        stop = self.job_stop()
        assert stop is not None
        owner = numpy.repeat(numpy.arange(len(counts)), counts)
        signed, sigs = sign(hashes[: len(owner)], owner, len(counts), stop)
        rows = numpy.asarray(rows) if isinstance(rows, list) else rows + numpy.arange(len(counts))
        self._sig_rows.extend(rows[signed].tolist())
        self._sigs.frombytes(sigs.tobytes())

    def _store_signature(self, row: int, hashes: list[int]) -> None:
        assert self._stop is not None
        self._sig_rows.append(row)
        self._sigs.extend(_signature(hashes, self._stop))

    def groups(self, threshold: float = 0.9, helper: Helper | None = None) -> list[DupGroup]:
        """Duplicate groups at this similarity threshold (0 < threshold ≤ 1), by first entry.

        ``helper`` (a `scan.Helper`, optional) walks some of the bands meanwhile.
        """
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if self._stop is None:
            self._end_warmup()
        sets = _UnionFind(len(self._entries))
        skip = self._join_exact(sets)
        from rolethread_tui.domain.dedupe_bands import Verifier  # needs this module

        Verifier(self, sets, threshold).run(skip, helper)
        return self._collect(sets)

    def _join_exact(self, sets: _UnionFind) -> bytearray:
        """Union rows with equal digests; mark all but one row per digest to skip."""
        digests = self._digests
        skip = bytearray(len(digests))
        order = sorted(compress(range(len(digests)), digests), key=digests.__getitem__)
        previous = -1
        for row in order:
            if previous >= 0 and digests[row] == digests[previous]:
                sets.union(previous, row, 1.0)
                skip[row] = 1
            else:
                previous = row
        return skip

    def _collect(self, sets: _UnionFind) -> list[DupGroup]:
        members: dict[int, list[int]] = {}
        find = sets.find
        for row in range(len(self._entries)):
            root = find(row)
            if root != row:  # the root is the smallest row of its set, so seen first
                members.setdefault(root, [root]).append(row)
        out = []
        for root, rows in members.items():
            exact = len({self._digests[r] for r in rows}) == 1
            score = 1.0 if exact else sets.weakest.get(root, 1.0)
            out.append(DupGroup(sorted(self._entries[r] for r in rows), exact, score))
        out.sort(key=lambda g: g.entries[0])
        return out

    def _dialogue(self, row: int) -> bytes:
        """The normalised dialogue of a row, re-read from the spill file or the caller."""
        if self._spill is not None:
            text = self._spill.read(row)
        else:
            assert self._text_of is not None
            text = dialogue_bytes(self._text_of(self._entries[row]))
        return text[:MAX_VERIFY_BYTES]


def find_duplicate_groups(
    records: Iterable[tuple[int, object]], threshold: float = 0.9
) -> list[DupGroup]:
    """Duplicate groups of ``(entry, parsed record)`` pairs, in one call."""
    with DuplicateFinder() as finder:
        for entry, record in records:
            finder.add(entry, conversation_text(record))
        return finder.groups(threshold)
