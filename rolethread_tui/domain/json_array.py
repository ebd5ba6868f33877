"""The entries of a `.json` file holding one top-level array: each element's byte range.

A `.json` file whose first byte (after a BOM and whitespace) is ``[`` is read
element by element, as a JSONL file is read line by line (docs/formats.md):
the store keeps each element's byte range, and the bytes between elements (the
``[``, the separators, whitespace, the ``]``) are kept to be written back
(`writer.pieces`). Finding the ranges needs no parse: strings (with their
escapes) are skipped and brackets counted, by regexes that run in C between
two brackets (for a large file, numpy finds them: `json_array_fast`). The
element is parsed later, by the scan, like any line; one
that does not parse is an entry like a JSONL line that does not.

A file that is not one array of elements — truncated, a separator missing or
doubled, anything after the closing ``]`` — raises `NotAnArrayError` before
anything is read further: no entry is shown, nothing can be written.
"""

from __future__ import annotations

import contextlib
import re
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from .errors import NotAnArrayError

CHUNK = 8 << 20
#: from this size on the elements are found with numpy (`json_array_fast`: ~2.7 ns a
#: byte against ~8.6): below it numpy's import (~0.2 s) costs more than it saves,
#: unless something imported numpy already (then from `FAST_MIN_LOADED`)
FAST_MIN = 32 << 20
FAST_MIN_LOADED = 1 << 20
_WS = re.compile(rb"[ \t\r\n]*")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# from just inside a bracket to the next bracket outside a string (or to an
# unterminated string's quote, where the bytes so far end)
_INNER = re.compile(rb'[^"\[\]{}]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"\[\]{}]*)*', re.DOTALL)
_SCALAR = re.compile(rb'[^\s,\[\]{}"]+')
_OPEN, _FIRST, _ELEMENT, _SEP, _AFTER = range(5)


def holds_array(name: str, head: bytes) -> bool:
    """Whether a file of this name starting with these bytes is read as one array:
    its name ends in ``.json`` (any case) and its first byte after a BOM and
    whitespace is ``[``. A `.json` file of JSON lines stays JSONL."""
    return name.lower().endswith(".json") and head.lstrip(b"\xef\xbb\xbf").lstrip(
        b" \t\r\n").startswith(b"[")


#: a `.json` file read whole to tell one pretty-printed object from JSON lines
OBJECT_READ_MAX = 64 << 20


def check_not_one_object(name: str, read_all: Callable[[], bytes], size: int,
                         head: bytes) -> None:
    """Raise `NotAnArrayError` for a `.json` file holding one JSON object spread over
    lines (a config, a single record written with `indent`): read as JSONL it would
    be a screen of broken lines. A file whose first line is JSON is JSON lines (a
    one-line object is an entry, as before, however long); only when that line does
    not parse is the whole file tried as one object (files up to `OBJECT_READ_MAX`).
    `head` may end inside the first line: then it is parsed again whole, from the
    file read whole."""
    if not name.lower().endswith(".json") or size > OBJECT_READ_MAX:
        return
    if not _strip(head).startswith(b"{") or _first_line_parses(head):
        return
    data = read_all()
    if len(data) > len(head) and _first_line_parses(data):
        return
    with contextlib.suppress(orjson.JSONDecodeError):
        if isinstance(orjson.loads(data.removeprefix(b"\xef\xbb\xbf")), dict):
            raise NotAnArrayError("not a JSON array of entries: it holds one JSON object "
                                  "(put entries in a [...] array, or one per line as JSONL)")


def _strip(data: bytes) -> bytes:
    return data.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n")


def _first_line_parses(data: bytes) -> bool:
    """Whether the first non-blank line of data is one JSON value."""
    try:
        orjson.loads(_strip(data).split(b"\n", 1)[0])
    except orjson.JSONDecodeError:
        return False
    return True


@dataclass(slots=True)
class ArrayIndex:
    """Where the elements are: `starts`/`ends` of each, `head` just past the ``[``,
    `tail` just past the last element (the ``]`` and what follows it begin there)."""

    starts: array
    ends: array
    head: int
    tail: int


def index_array(read: Callable[[int, int], bytes], size: int, begin: int) -> ArrayIndex:
    """The element ranges of the array from offset `begin` (past a BOM) to `size`.

    `read(offset, length)` reads the file. The bytes are read a chunk at a time;
    an element cut by a chunk's end is read again with the next chunk (the read
    doubles, so one huge element costs a few passes, not one per chunk).
    """
    if size - begin >= (FAST_MIN_LOADED if "numpy" in sys.modules else FAST_MIN):
        found = _fast(read, size, begin)
        if found is not None:
            head, starts, ends = found
            tail = ends[-1] if ends else head
            return ArrayIndex(array("q", starts), array("q", ends), head, tail)
    scan = _Scan(read, size, begin)
    return scan.run()


def _fast(read: Callable[[int, int], bytes], size: int,
          begin: int) -> tuple[int, list[int], list[int]] | None:
    """numpy's answer (`json_array_fast`), or None: numpy missing, or the file not one
    the fast path reads (the exact scanner then decides)."""
    try:
        from .json_array_fast import fast_index
    except ImportError:  # pragma: no cover - numpy is a dependency
        return None
    return fast_index(read, size, begin)


class _Scan:
    """The state of one pass over the file: a window of bytes and the elements so far."""

    def __init__(self, read: Callable[[int, int], bytes], size: int, begin: int) -> None:
        self.read, self.size = read, size
        self.buf, self.base = b"", begin  # buf holds the file's bytes [base, base + len)
        self.starts, self.ends = array("q"), array("q")

    def more(self, keep: int) -> bool:
        """Read on, keeping the bytes from offset `keep`; False at the end of the file."""
        end = self.base + len(self.buf)
        if end >= self.size:
            return False
        kept = self.buf[keep - self.base:]
        data = self.read(end, max(CHUNK, len(kept)))
        if not data:
            return False
        self.buf, self.base = kept + data, keep
        return True

    def fail(self, why: str, at: int) -> NotAnArrayError:
        return NotAnArrayError(f"not a JSON array of entries: {why} (byte {at})")

    def run(self) -> ArrayIndex:
        state, i, head, tail = _OPEN, 0, 0, 0
        while True:
            i = _WS.match(self.buf, i).end()  # type: ignore[union-attr]
            if i >= len(self.buf):
                if not self.more(self.base + i):
                    break
                i = 0
                continue
            c, at = self.buf[i], self.base + i
            if state == _OPEN:
                if c != 91:
                    raise self.fail("it does not start with '['", at)
                head, state, i = at + 1, _FIRST, i + 1
            elif state == _AFTER:
                raise self.fail("text after the closing ']'", at)
            elif state == _SEP or (state == _FIRST and c == 93):
                if c == 93:
                    tail = self.ends[-1] if self.ends else head
                    state, i = _AFTER, i + 1
                elif c == 44 and state == _SEP:
                    state, i = _ELEMENT, i + 1
                else:
                    raise self.fail("expected ',' or ']' after an entry", at)
            else:
                end = _element_end(self.buf, i)
                if end == -2:
                    raise self.fail("expected an entry", at)
                if end < 0:
                    if not self.more(at):
                        raise self.fail("the file ends inside an entry", at)
                    i = 0
                    continue
                self.starts.append(at)
                self.ends.append(self.base + end)
                state, i = _SEP, end
        if state != _AFTER:
            where = self.base + len(self.buf)
            raise self.fail("the file ends before the closing ']'" if state != _OPEN
                            else "the file is empty", where)
        return ArrayIndex(self.starts, self.ends, head, tail)


def _element_end(buf: bytes, i: int) -> int:
    """Where the element starting at buf[i] ends; -1 when it runs past the bytes
    (read more), -2 when no element starts there."""
    c = buf[i]
    if c == 123 or c == 91:  # { [
        inner, n, depth = _INNER.match, len(buf), 0
        while i < n:
            c = buf[i]
            if c == 123 or c == 91:
                depth += 1
            elif c == 125 or c == 93:
                depth -= 1
                if not depth:
                    return i + 1
            else:  # an unterminated string: its end is further on
                return -1
            i = inner(buf, i + 1).end()  # type: ignore[union-attr]
        return -1
    if c == 34:  # "
        m = _STRING.match(buf, i)
        return m.end() if m else -1
    m = _SCALAR.match(buf, i)
    if m is None:
        return -2
    return m.end() if m.end() < len(buf) else -1
