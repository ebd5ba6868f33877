"""The elements of a large `.json` array found with numpy: positions, not bytes, in Python.

`json_array.index_array`'s scanner skips strings with regexes, ~6 ns a byte (~2 s
for 100k entries of ~2 KB, pretty-printed). Here each chunk is searched for its
quotes and brackets in C (`flatnonzero`); a bracket is inside a string when an
odd number of unescaped quotes precede it (`searchsorted`), and the depth is a
running sum over the brackets left — some 40 per entry, not 2,000 bytes. The
bytes between the elements are then read once to check that they are only
whitespace and one comma (~0.6 s for the same file).

Anything this path does not expect — an element that is not an object or an
array, a backslash outside a string, a file that is not one array — makes it
answer None, and the exact scanner reads the file instead (and names the fault).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .store import read_in_blocks  # imported when store is (json_array imports this late)

CHUNK = 8 << 20
_WS = b" \t\r\n"
_QUOTE, _BACKSLASH, _OPENS, _CLOSES = 34, 92, (123, 91), (125, 93)


class _Lost(Exception):
    """The file is not what this path reads: the exact scanner takes over."""


def fast_index(read: Callable[[int, int], bytes], size: int,
               begin: int) -> tuple[int, list[int], list[int]] | None:
    """(offset past the `[`, element starts, element ends), or None (see the module)."""
    try:
        walk = _Walk(read, size, begin)
        return walk.run()
    except _Lost:
        return None


class _Walk:
    """One pass: the quote parity and bracket depth carried from chunk to chunk."""

    def __init__(self, read: Callable[[int, int], bytes], size: int, begin: int) -> None:
        self.read, self.size, self.begin = read, size, begin
        self.odd = self.depth = 0
        self.head = self.close = -1
        self.starts: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []

    def run(self) -> tuple[int, list[int], list[int]]:
        pos = self.begin
        while pos < self.size:
            chunk = self._chunk(pos)
            self._brackets(np.frombuffer(chunk, np.uint8), chunk, pos)
            pos += len(chunk)
        if self.head < 0 or self.close < 0 or self.depth or self.odd:
            raise _Lost
        starts = np.concatenate(self.starts).tolist() if self.starts else []
        ends = np.concatenate(self.ends).tolist() if self.ends else []
        self._check_gaps(starts, ends)
        return self.head, starts, ends

    def _chunk(self, pos: int) -> bytes:
        """The next chunk, never cut inside a run of backslashes (an escape stays whole)."""
        length = CHUNK
        while True:
            chunk = self.read(pos, length)
            if not chunk:
                raise _Lost
            if pos + len(chunk) >= self.size:
                return chunk
            n = len(chunk)
            while n and chunk[n - 1] == _BACKSLASH:
                n -= 1
            if n:
                return chunk[:n] if n < len(chunk) else chunk
            length *= 2  # nothing but backslashes: read on to the end of the run

    def _brackets(self, a: np.ndarray, chunk: bytes, pos: int) -> None:
        quotes = _unescaped_quotes(a, chunk)
        if _outside(np.flatnonzero(a == _BACKSLASH), quotes, self.odd).any():
            raise _Lost  # a backslash outside a string: not JSON this path reads
        found = np.flatnonzero((a == 123) | (a == 91) | (a == 125) | (a == 93))
        found = found[_outside(found, quotes, self.odd)]
        self.odd = (self.odd + len(quotes)) & 1
        if not len(found):
            return
        kind = a[found]
        opening = (kind == 123) | (kind == 91)
        depth = np.cumsum(np.where(opening, 1, -1), dtype=np.int64) + self.depth
        if depth.min() < 0:
            raise _Lost
        heads, closes = found[opening & (depth == 1)], found[~opening & (depth == 0)]
        if (a[heads] != 91).any() or (a[closes] != 93).any():
            raise _Lost  # the array's own brackets are `[` and `]`, not `{` or `}`
        self.head = _once(self.head, heads + pos + 1)
        self.close = _once(self.close, closes + pos)
        self.starts.append(found[opening & (depth == 2)] + pos)
        self.ends.append(found[~opening & (depth == 1)] + pos + 1)
        self.depth = int(depth[-1])

    def _check_gaps(self, starts: list[int], ends: list[int]) -> None:
        """Before the `[` and after the `]` whitespace; between two elements whitespace
        and one comma; between the `[`, the first, the last and the `]` whitespace."""
        if starts and (starts[0] < self.head or ends[-1] > self.close):
            raise _Lost
        froms = [self.begin, self.head, *ends, self.close + 1]
        tos = [self.head - 1, *starts, self.close, self.size]
        if any(b < a for a, b in zip(froms, tos, strict=True)):
            raise _Lost
        same = None
        inner = range(2, len(starts) + 1)  # gaps between two elements
        for k, gap in enumerate(read_in_blocks(froms, tos, lambda a, b: self.read(a, b - a))):
            if gap == same:
                continue
            if gap.strip(_WS) != (b"," if k in inner else b""):
                raise _Lost
            if k in inner:
                same = gap  # most separators are alike: one comparison each


def _unescaped_quotes(a: np.ndarray, chunk: bytes) -> np.ndarray:
    """Positions of the quotes that open or close a string (not preceded by an odd run
    of backslashes)."""
    quotes = np.flatnonzero(a == _QUOTE)
    after = quotes[quotes > 0]
    after = after[a[after - 1] == _BACKSLASH]
    if not len(after):
        return quotes
    one = a[np.maximum(after - 2, 0)] != _BACKSLASH  # `\"`: escaped, no more to look at
    one &= after >= 2
    escaped = after[one].tolist()
    for p in after[~one].tolist():  # `\\"`, `\\\"`: count the run (rare)
        run = 0
        while p - run - 1 >= 0 and chunk[p - run - 1] == _BACKSLASH:
            run += 1
        if run % 2:
            escaped.append(p)
    keep = np.ones(len(quotes), bool)
    keep[np.searchsorted(quotes, np.array(escaped, np.int64))] = False
    return quotes[keep]


def _outside(positions: np.ndarray, quotes: np.ndarray, odd: int) -> np.ndarray:
    """Which positions are outside every string: an even number of quotes before them."""
    return ((np.searchsorted(quotes, positions) + odd) & 1) == 0


def _once(seen: int, found: np.ndarray) -> int:
    """The one offset of the array's `[` (or `]`): a second one is not one array."""
    if not len(found):
        return seen
    if seen >= 0 or len(found) > 1:
        raise _Lost
    return int(found[0])
