"""Exact and near-duplicate conversations (DESIGN §5 `duplicate` / `near-duplicate`, §7 `dedupe`).

Generated batches repeat themselves: the same sample written twice, a regenerated
reply that differs by a few words, a copy with different spacing or capitals.
Training on such repeats over-weights them, so the reviewer needs *groups* of
entries that say the same thing — fast enough for 100k entries (≤ 20 s, §8) and
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

Speed: ~75 % of a scan is per-entry fingerprinting (normalise, shingle, sign),
which needs no shared state once the warm-up has fixed the stop-shingles:
:func:`add_entries` then gives half of each chunk to the scan's helper process
(:class:`~rolethread_tui.domain.scan.Helper`, which reads its lines from the
file itself) and does the other half meanwhile.

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
import operator
import os
import pickle
import re
import tempfile
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, repeat
from typing import IO, Any, Final

import orjson
from rapidfuzz.distance import Indel

from rolethread_tui.domain import formats
from rolethread_tui.domain.scan import Given, Helper, Span
from rolethread_tui.domain.store import LineStore

TURN_SEP = "\x1e"
ROLE_MARKS = {"system": "\x11", "user": "\x12", "assistant": "\x13"}
OTHER_MARK = "\x14"

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
MAX_VERIFY_BYTES = 64 * 1024

_BANDS = SIG_SLOTS - 1  # overlapping: band b is slots b and b + 1
_SLOT_MASK = (1 << 31) - 1
_BORROWED = 1 << 31
_BIN_BOUNDS = tuple(-(1 << 63) + (((i + 1) << 64) // SIG_SLOTS) for i in range(SIG_SLOTS))
_LONG_ID = (1 << (8 * (MIN_WORD_LEN - 1))).__le__
_TEXT_CACHE = 32768  # ~1.5 KB each: ≤ 50 MB, and most verifications hit it
_CODES = "".join(ROLE_MARKS.values()) + OTHER_MARK + TURN_SEP
_CODE_BYTES = _CODES.encode()
_CODES_RE = re.compile(f"[{_CODES}]")
_SEP = TURN_SEP.encode()
_SYSTEM_MARK = ROLE_MARKS["system"].encode()
_SYSTEM_TURN = _SEP + _SYSTEM_MARK


def _table(keep: bytes) -> bytes:
    """bytes.translate table: ASCII letters lower-cased, digits and ``keep`` kept,
    other ASCII → space; bytes ≥ 0x80 (UTF-8 of non-ASCII) are left as they are."""
    out = bytearray(range(256))
    for c in range(128):
        if 65 <= c <= 90:
            out[c] = c + 32
        elif not (48 <= c <= 57 or 97 <= c <= 122 or c in keep):
            out[c] = 32
    return bytes(out)


_PLAIN_TABLE = _table(b"")
_STRUCT_TABLE = _table(_CODE_BYTES)


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
    sorted shingle hashes of the dialogue (empty: no dialogue), or ``signature``
    the finished MinHash when the stop-shingles were known. ``length`` is the
    normalised dialogue's length; ``dialogue`` its normalised bytes, when the
    finder needs them for its spill file.
    """

    digest: int
    length: int
    hashes: list[int]
    dialogue: bytes | None = None
    signature: list[int] | None = None


def conversation_text(record: object) -> str:
    """The text duplicates are judged on: every turn's role and content, in order.

    Each turn is a role mark (``ROLE_MARKS``, ``OTHER_MARK`` for unknown roles)
    followed by its content; turns are joined by ``TURN_SEP``. The marks are
    control characters, taken out of the content first, so the finder can tell
    the system prompt apart. No conversation → "".
    """
    turns = formats.turns(record)
    contents = [text for _, text in turns]
    blob = "".join(contents)
    if any(code in blob for code in _CODES):  # rare: hidden control characters
        contents = [_CODES_RE.sub(" ", text) for text in contents]
    marks = [ROLE_MARKS.get(role or "", OTHER_MARK) for role, _ in turns]
    return TURN_SEP.join(map(operator.add, marks, contents))


def normalise(text: str) -> str:
    """Text reduced to what makes two conversations the same: lower-case words.

    NFKC folds compatibility forms (full-width letters, ligatures), casefold folds
    case, every run of punctuation, symbols, underscores or whitespace becomes one
    space ("Hello,world" and "hello world" agree; "don't" becomes "don t").
    """
    return b" ".join(_norm_bytes(text, _PLAIN_TABLE).split()).decode()


def _norm_bytes(text: str, table: bytes) -> bytes:
    """Normalised UTF-8 with separators as (uncollapsed) spaces; ASCII runs in C.

    Past the NFKC pass, casefolding and blanking non-word characters are both
    per-character maps, so they are applied once per *distinct* non-ASCII
    character (a handful per entry) as byte replacements, rather than as a regex
    and a casefold over the whole text: 2x faster on prose with curly quotes,
    dashes and accented names.
    """
    if text.isascii():
        return text.encode().translate(table)
    if not unicodedata.is_normalized("NFKC", text):  # the C quick check is ~20x cheaper
        text = _nfkc(text)
    raw = text.encode("utf-8", "surrogatepass")
    for char in set(raw.translate(None, _ASCII).decode("utf-8", "surrogatepass")):
        swap = _SWAPS.get(char, _UNSEEN)
        if swap is _UNSEEN:
            swap = _swap(char)
        if swap is not None:
            raw = raw.replace(*swap)
    return raw.translate(table)


_ASCII = bytes(range(128))
# Compatibility characters common in generated prose whose NFKC form is plain
# ASCII. Decomposing them first is what NFKC does anyway (ASCII never composes
# with a neighbour), and usually leaves the text normalised: "…" alone sends
# most replies through a full NFKC pass (~18 µs each) otherwise.
_ASCII_COMPAT = tuple((char, unicodedata.normalize("NFKC", char))
                      for char in "\u2026\u00a0\u202f\u2002\u2003\u2009\u200a\ufb01\ufb02")


_UNSEEN: Final = ()
_SWAPS: dict[str, tuple[bytes, bytes] | None] = {}


def _nfkc(text: str) -> str:
    """NFKC of a text the quick check refused, skipping the full pass when the
    refusal came only from ``_ASCII_COMPAT`` characters."""
    for char, plain in _ASCII_COMPAT:
        if char in text:
            text = text.replace(char, plain)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _swap(char: str) -> tuple[bytes, bytes] | None:
    """What one non-ASCII character becomes: casefolded, with non-word characters
    (those a ``\\W`` regex matches) blanked; as (old, new) UTF-8, None if kept."""
    new = char.casefold()
    if not new.isalnum():
        new = "".join(c if c.isalnum() else " " for c in new)
    swap = None if new == char else (
        char.encode("utf-8", "surrogatepass"), new.encode("utf-8", "surrogatepass"))
    if len(_SWAPS) < 1 << 16:  # bounded: texts use few distinct characters
        _SWAPS[char] = swap
    return swap


def _strip_system(data: bytes) -> bytes:
    """A normalised conversation without its system turns (usually one, at the start)."""
    if data.startswith(_SYSTEM_MARK):
        cut = data.find(_SEP)
        data = data[cut + 1 :] if cut >= 0 else b""
    while _SYSTEM_TURN in data:
        start = data.index(_SYSTEM_TURN)
        end = data.find(_SEP, start + 1)
        data = data[:start] + (data[end:] if end >= 0 else b"")
    return data


def dialogue_bytes(text: str) -> bytes:
    """The normalised dialogue of a :func:`conversation_text`, as verified."""
    return b" ".join(_strip_system(_norm_bytes(text, _STRUCT_TABLE)).split())


def similarity(text_a: str, text_b: str) -> float:
    """The verified similarity (0..1) of two :func:`conversation_text` values.

    Indel similarity of the normalised dialogues, as ``groups`` measures it.
    """
    a, b = (dialogue_bytes(text)[:MAX_VERIFY_BYTES] for text in (text_a, text_b))
    return Indel.normalized_similarity(a, b)


def _fingerprint(
    text: str, keep_dialogue: bool = False, stop: frozenset[int] | None = None
) -> _Fingerprint:
    """Everything the finder needs of one entry's :func:`conversation_text`.

    Pure, so it can run in worker processes; with ``stop`` known it also
    finishes the signature there.
    """
    whole = _norm_bytes(text, _STRUCT_TABLE)  # one pass serves digest and dialogue
    solid = whole.translate(None, b" ")  # letters, digits and role marks
    empty = b"" if keep_dialogue else None
    if len(solid.translate(None, _CODE_BYTES)) == 0:
        return _Fingerprint(0, 0, [], empty)
    digest = int.from_bytes(hashlib.blake2b(solid, digest_size=8).digest()) or 1
    normalised = _strip_system(whole)
    if not normalised.translate(None, _CODE_BYTES + b" "):
        return _Fingerprint(digest, 0, [], empty)
    tokens = normalised.split()
    length = len(normalised) - normalised.count(b" ") + len(tokens) - 1
    dialogue = b" ".join(tokens)[:MAX_VERIFY_BYTES] if keep_dialogue else None
    if len(normalised) > MAX_BLOCK_BYTES:
        tokens = normalised[:MAX_BLOCK_BYTES].split()
    hashes = _shingle_hashes(tokens)
    if stop is None:
        return _Fingerprint(digest, length, hashes, dialogue)
    return _Fingerprint(digest, length, [], dialogue, _signature(hashes, stop))


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
    """Sorted 64-bit hashes of the word 3-shingles of the longer tokens.

    Tokens become ints with ``int.from_bytes`` (big-endian, so a value ≥ 2**24
    means 4+ bytes: the length filter is a comparison) and shingles are hashed as
    tuples of ints. Both are deterministic across processes, unlike ``hash(str)``,
    and every step runs in C through ``map``/``filter``/``zip``.
    """
    ids = list(filter(_LONG_ID, map(int.from_bytes, tokens)))
    if len(ids) < SHINGLE:
        ids = list(map(int.from_bytes, tokens))
    if len(ids) < SHINGLE:
        return [hash(tuple(ids))] if ids else []
    return sorted(map(hash, zip(*(ids[i:] for i in range(SHINGLE)), strict=False)))


def _signature(hashes: list[int], stop: frozenset[int]) -> list[int]:
    """One-permutation MinHash: per hash range, the smallest non-stop hash (31 bits).

    Falls back to ignoring ``stop`` when it would empty most slots (see module doc).
    """
    ends = list(map(bisect_left, repeat(hashes, SIG_SLOTS), _BIN_BOUNDS))
    sig: list[int] = []
    lo = 0
    stopped = filled = 0
    for hi in ends:
        value = -1
        if hi > lo:
            filled += 1
            for i in range(lo, hi):
                if hashes[i] not in stop:
                    value = hashes[i] & _SLOT_MASK
                    break
            else:
                stopped += 1
        sig.append(value)
        lo = hi
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


class _TextSpill:
    """Normalised dialogues kept in an anonymous temporary file, not in RAM."""

    def __init__(self) -> None:
        # Lives as long as the finder; closed by close() or when collected.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="rolethread-dedupe-")  # noqa: SIM115
        self._offsets = array("Q", [0])
        self._dirty = False

    def append(self, data: bytes) -> None:
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))
        self._dirty = True

    def read(self, row: int) -> bytes:
        if self._dirty:
            self._file.flush()
            self._dirty = False
        start = self._offsets[row]
        return os.pread(self._file.fileno(), self._offsets[row + 1] - start, start)

    def close(self) -> None:
        self._file.close()


class _UnionFind:
    """Disjoint sets over rows, remembering each set's weakest verified link.

    The root of a set is always its smallest row.
    """

    def __init__(self, size: int) -> None:
        self.parent = array("q", range(size))
        self.weakest: dict[int, float] = {}

    def find(self, row: int) -> int:
        parent = self.parent
        root = row
        while parent[root] != root:
            root = parent[root]
        while parent[row] != root:
            parent[row], row = root, parent[row]
        return root

    def union(self, a: int, b: int, score: float) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        weakest = self.weakest
        weakest[ra] = min(weakest.pop(ra, 1.0), weakest.pop(rb, 1.0), score)


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
        first = len(self) if start is None else start
        keep = self._spill is not None
        added = 0
        for line in lines:
            self._add(first + added, _fingerprint_line(line, keep, self._stop))
            added += 1
        return added

    @property
    def job(self) -> tuple[bool, frozenset[int]] | None:
        """What another process needs to fingerprint lines for this finder
        (``fingerprint_lines(lines, *job)``); None during the warm-up, when
        entries must be added in order here."""
        return None if self._stop is None else (self._spill is not None, self._stop)

    def add_fingerprints(self, start: int, fingerprints: Iterable[_Fingerprint]) -> None:
        """Add entries from ``start`` whose fingerprints were computed for ``job``."""
        for entry, fp in enumerate(fingerprints, start):
            self._add(entry, fp)

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
            self._warm_up(row, fp)

    def _warm_up(self, row: int, fp: _Fingerprint) -> None:
        """Hold an entry back and count its shingles until WARMUP distinct dialogues."""
        self._warm.append((row, array("q", fp.hashes)))
        if fp.digest not in self._warm_digests:
            self._warm_digests.add(fp.digest)
            self._warm_df.update(set(fp.hashes))
            if len(self._warm_digests) >= WARMUP:
                self._end_warmup()

    def _end_warmup(self) -> None:
        """Fix the stop-shingles and sign the entries held back meanwhile."""
        floor = max(STOP_MIN_DF, STOP_FRACTION * len(self._warm_digests))
        self._stop = frozenset(h for h, df in self._warm_df.items() if df >= floor)
        for row, hashes in self._warm:
            self._store_signature(row, hashes.tolist())
        self._warm, self._warm_df, self._warm_digests = [], Counter(), set()

    def _store_signature(self, row: int, hashes: list[int]) -> None:
        assert self._stop is not None
        self._sig_rows.append(row)
        self._sigs.extend(_signature(hashes, self._stop))

    def groups(self, threshold: float = 0.9) -> list[DupGroup]:
        """Duplicate groups at this similarity threshold (0 < threshold ≤ 1), by first entry."""
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if self._stop is None:
            self._end_warmup()
        sets = _UnionFind(len(self._entries))
        skip = self._join_exact(sets)
        _Verifier(self, sets, threshold).run(skip)
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


class _Verifier:
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
        self.text = lru_cache(maxsize=_TEXT_CACHE)(finder._dialogue)

    def run(self, skip: bytearray) -> None:
        active = bytearray(not skip[row] for row in self.sig_rows)
        for band in range(_BANDS):
            for bucket in _band_buckets(self.sigs, active, band):
                self._bucket(bucket, band, 0)

    def _bucket(self, bucket: list[int], band: int, depth: int) -> None:
        """Pairs of a bucket: all when small; a big one is split on the next band.

        A big bucket is mostly entries that happen to share phrasing in two slots;
        true copies also agree on the following slots, so splitting on them keeps
        copies together while the cost stays linear in the bucket size. Still too
        big after ``SPLIT_DEPTH`` splits (a large cluster of copies): each member
        is linked to the first and to its predecessor.
        """
        if len(bucket) <= BUCKET_CAP:
            pairs = self._length_pairs(bucket)
        elif depth < SPLIT_DEPTH:
            for part in _split(self.sigs, bucket, (band + 2 * depth + 2) % _BANDS):
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
                sigs[a * SIG_SLOTS : (a + 1) * SIG_SLOTS],
                sigs[b * SIG_SLOTS : (b + 1) * SIG_SLOTS],
            )
        )
        if agree < MIN_AGREE:
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
    words = memoryview(sigs).cast("B")
    if band % 2:  # an odd band starts mid-word: read the words 4 bytes later
        words = words[4:-4]
    keys: list[int] = words.cast("Q")[band // 2 :: SIG_SLOTS // 2].tolist()
    shared = {key for key, count in Counter(keys).items() if count > 1}
    buckets: dict[int, list[int]] = {}
    for index in compress(range(len(keys)), map(shared.__contains__, keys)):
        if active[index]:
            buckets.setdefault(keys[index], []).append(index)
    return [bucket for bucket in buckets.values() if len(bucket) > 1]


def _split(sigs: array, bucket: list[int], band: int) -> Iterator[list[int]]:
    """Sub-buckets (≥ 2 members) of a bucket by the values of another band."""
    parts: dict[tuple[int, ...], list[int]] = {}
    for index in bucket:
        base = index * SIG_SLOTS + band
        parts.setdefault(tuple(sigs[base : base + BAND_ROWS]), []).append(index)
    return (part for part in parts.values() if len(part) > 1)


def _sparse_pairs(bucket: list[int]) -> Iterator[tuple[int, int]]:
    """Links for an oversized bucket: each member to the first and to its predecessor."""
    head = bucket[0]
    for i in range(1, len(bucket)):
        yield head, bucket[i]
        if i > 1:
            yield bucket[i - 1], bucket[i]


def find_duplicate_groups(
    records: Iterable[tuple[int, object]], threshold: float = 0.9
) -> list[DupGroup]:
    """Duplicate groups of ``(entry, parsed record)`` pairs, in one call."""
    with DuplicateFinder() as finder:
        for entry, record in records:
            finder.add(entry, conversation_text(record))
        return finder.groups(threshold)


#: Entries per step of :func:`add_entries`: small enough that the warm-up ends
#: early in the first step, big enough that a request's overhead is noise.
STEP = 2000
#: The helper's share of each step: reading its lines and pickling its answer
#: cost it more per entry than adding and spilling cost the main process
#: (main waited 1.5 s at 0.5, 2.9 s at 0.6 and 0.5 s at 0.45, 100k entries).
HELPER_SHARE = 0.45
#: Files this big get a helper for the headless command (~4k entries, ~0.6 s).
HELPER_MIN_BYTES = 8 << 20


def add_entries(
    finder: DuplicateFinder,
    count: int,
    lines: Callable[[int, int], list[bytes]],
    spans: Callable[[int, int], tuple[list[Span], list[Given]]],
    helper: Helper | None,
) -> None:
    """Add entries ``0..count`` to the finder, using the helper process when there is one.

    ``lines(start, stop)`` gives entries' current lines; ``spans(start, stop)``
    describes the same entries for the helper: untouched ones as
    ``(entry, file start, file end, _)`` it reads through the file it inherited,
    edited ones as ``(entry, line, _)`` bytes. Fingerprints come back in entry
    order whatever the mix. If the helper dies, the rest is computed here.
    """
    for start in range(0, count, STEP):
        stop = min(start + STEP, count)
        job = finder.job
        if helper is None or not helper.active or job is None:
            finder.add_lines(lines(start, stop), start)
            continue
        split = stop - int((stop - start) * HELPER_SHARE)
        request = ("fingerprint", *job, *spans(split, stop))
        theirs: Any = _FAILED
        with helper.lock:  # a search must not interleave on the helper's pipes
            asked = _exchange(helper, helper.send, request) is not _FAILED
            try:
                finder.add_lines(lines(start, split), start)
            except BaseException:
                helper.close()  # its unread answer would go to the next request
                raise
            if asked:
                theirs = _exchange(helper, helper.receive)
        if theirs is _FAILED:  # the helper died: finish here
            finder.add_lines(lines(split, stop), split)
        else:
            finder.add_fingerprints(split, (fp for _, fp in sorted(theirs, key=_first)))


_FAILED: Final = object()


def _exchange(helper: Helper, step: Callable[..., Any], *args: Any) -> Any:
    """One step of talking to the helper; on failure it is closed and _FAILED returned."""
    try:
        return step(*args)
    except (OSError, EOFError, pickle.UnpicklingError):
        helper.close()
        return _FAILED


def _first(pair: tuple[int, _Fingerprint]) -> int:
    return pair[0]


def file_duplicate_groups(
    path: str | os.PathLike[str], threshold: float = 0.9, parallel: bool = True
) -> tuple[list[DupGroup], array]:
    """Duplicate groups of a JSONL file as it is on disk, and each entry's line number.

    Headless ``dedupe`` needs no summary columns, so it only indexes the file
    (~0.5 s at 100k, where the full scan takes ~3 s) before fingerprinting.
    Entries are numbered in file order (0-based); blank lines are not entries.
    """
    store = LineStore(path)
    helper = None
    try:
        for _ in store.index_chunks():
            pass
        count = len(store.starts)
        store.publish(count)
        helper = Helper(store.size, None, parallel, fd=store.fileno(),
                        min_bytes=HELPER_MIN_BYTES)

        def lines(start: int, stop: int) -> list[bytes]:
            base = store.starts[start]
            block = store.read_range(base, store.ends[stop - 1])
            return [block[store.starts[r] - base : store.ends[r] - base]
                    for r in range(start, stop)]

        def spans(start: int, stop: int) -> tuple[list[Span], list[Given]]:
            return [(r, store.starts[r], store.ends[r], True) for r in range(start, stop)], []

        with DuplicateFinder() as finder:
            add_entries(finder, count, lines, spans, helper)
            return finder.groups(threshold), store.lines
    finally:
        if helper is not None:
            helper.close()
        store.close()
