"""The byte-offset index of a JSONL file (or of a `.json` array's elements) and
on-demand reads of its lines.

The file is never held in memory: it is read in large chunks with `pread` to
find line boundaries (an mmap whose pages all get touched would count the whole
file in RSS), and a line is read back by offset when it is needed. Blank lines
are not entries; the bytes between entries (blank lines, a BOM) are kept so a
save can write them back where they were.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import NotAnArrayError
from .json_array import ArrayIndex, check_not_one_object, holds_array, index_array
from .special import kind, not_regular, require_regular

BOM = b"\xef\xbb\xbf"
CHUNK = 8 << 20
FIRST_CHUNK = 256 << 10
ENDINGS = (b"", b"\n", b"\r\n")
_BLANK = b" \t\r\f\v"
#: the journal's kept copy of a loaded file (`journal_records.BASE_SUFFIX`): read
#: in the shape of the file it copies
_KEPT_BASE = ".journal.base"


@dataclass(frozen=True, slots=True, eq=False)
class FileStamp:
    """What the file looked like when read, to notice a change made behind our back.

    Equality compares size, mtime, inode, the edge bytes and the ctime:
    restoring the mtime after an in-place rewrite (`touch -r`) cannot
    restore the ctime, which the kernel sets on every write. A ctime change
    that comes with a new link count is ours, not an edit: the first save
    hard-links the file into `.rolethread/` (backup, journal base) before
    replacing it, and a save that fails after that must not then find its
    own file "changed". `same_file` leaves the ctime out entirely, for the
    journal. 0 in ctime_ns or nlink means not recorded.
    """

    size: int
    mtime_ns: int
    inode: int
    digest: str
    ctime_ns: int = 0
    nlink: int = 0

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        """Raises OSError for a pipe or device (`special`): its edge bytes cannot be re-read."""
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(path, kind(st.st_mode) or "")
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, _edge_digest(path, st.st_size),
                   st.st_ctime_ns, st.st_nlink)

    def same_file(self, other: FileStamp | None) -> bool:
        """Same inode, size, mtime and edge bytes (ctime aside)."""
        return other is not None and (self.size, self.mtime_ns, self.inode, self.digest) == (
            other.size, other.mtime_ns, other.inode, other.digest)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileStamp):
            return NotImplemented
        return self.same_file(other) and (
            self.ctime_ns == other.ctime_ns or not (self.nlink and other.nlink)
            or self.nlink != other.nlink)

    def __hash__(self) -> int:
        return hash((self.size, self.mtime_ns, self.inode, self.digest))


def _edge_digest(path: Path, size: int, span: int = 1 << 16) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        h.update(f.read(span))
        if size > span:
            f.seek(max(span, size - span))
            h.update(f.read(span))
    return h.hexdigest()


class LineStore:
    """Offsets of every non-blank line of one file, filled in by `index_chunks`.

    `starts[r]`/`ends[r]` delimit record r's content (without its line ending);
    `endings[r]` indexes `ENDINGS`. Records are appended only by the indexing
    thread; readers use `count` (published after the arrays grow) as the bound.

    A `.json` file holding one array (`json_array.holds_array`) is indexed as a
    whole when opened (`array`: a file that is not one array raises
    `NotAnArrayError` here, before anything is shown); its records are the
    array's elements, with no line ending, and `lines` numbers them from 1.
    The bytes between them (the `[`, the separators, the `]`) stay in the file
    for a save to copy (`writer.pieces`).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        require_regular(self.path)  # before opening: a FIFO with no writer would hang
        self._fd = os.open(self.path, os.O_RDONLY)
        self.stamp = FileStamp.of(self.path)
        self.size = self.stamp.size
        self.starts = array("q")
        self.ends = array("q")
        self.endings = array("b")
        self.lines = array("q")  # 1-based physical line number of each record
        self._physical = 0
        self.indexed = 0  # file offset up to which lines are indexed (see index_chunks)
        self.count = 0
        self.bom = self._read(0, 3) == BOM
        self._lock = threading.Lock()
        self.array: ArrayIndex | None = None
        name, head = _data_name(self.path), self._read(0, 1 << 16)
        try:
            if holds_array(name, head):
                self.array = index_array(self._read, self.size, len(BOM) if self.bom else 0)
            else:
                check_not_one_object(name, lambda: self.read_range(0, self.size), self.size,
                                     head)
        except NotAnArrayError as exc:
            self.close()
            raise NotAnArrayError(f"{self.path}: {exc}") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def fileno(self) -> int:
        return self._fd

    def _read(self, offset: int, length: int) -> bytes:
        return os.pread(self._fd, length, offset)

    def read_range(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file as loaded (large reads come back whole)."""
        parts = []
        while start < end:
            part = self._read(start, min(end - start, 1 << 30))
            if not part:
                break
            parts.append(part)
            start += len(part)
        return b"".join(parts)

    def line(self, rid: int) -> bytes:
        """Record rid's content bytes, without the line ending."""
        return self.read_range(self.starts[rid], self.ends[rid])

    def lines_of(self, rids: Sequence[int], block: int = 4 << 20,
                 near: int = 64 << 10) -> Iterator[bytes]:
        """The lines of `rids` (in file order, as `validate` walks them), read a block at
        a time: lines at most `near` bytes apart come from one read (reading the gap
        is cheaper than another read), up to `block` bytes; one block in memory."""
        starts, ends = self.starts, self.ends
        yield from read_in_blocks([starts[r] for r in rids], [ends[r] for r in rids],
                                  self.read_range, block, near)

    def line_end(self, rid: int) -> int:
        """Offset just past record rid's line ending."""
        return self.ends[rid] + len(ENDINGS[self.endings[rid]])

    def head_end(self) -> int:
        """Where the bytes before the first record's gap end: past the BOM, or for
        an array past its `[`."""
        if self.array is not None:
            return self.array.head
        return len(BOM) if self.bom else 0

    def gap_start(self, rid: int) -> int:
        """Where the blank bytes before record rid begin (after the BOM for the first).
        In an array they hold the `,` before it (none for the first element)."""
        if rid == 0:
            return self.head_end()
        return self.line_end(rid - 1)

    def tail_start(self) -> int:
        return self.line_end(self.count - 1) if self.count else self.head_end()

    def separator(self) -> bytes:
        """An array's separator between two elements, as the file writes it: the bytes
        between its first two, else `,` and the whitespace before its first."""
        if self.count > 1:
            return self.read_range(self.ends[0], self.starts[1])
        return b"," + self.first_gap()

    def first_gap(self) -> bytes:
        """The whitespace between an array's `[` and its first element."""
        return self.read_range(self.head_end(), self.starts[0]) if self.count else b""

    def index_state(self) -> tuple[int, int]:
        """(physical lines, bytes) indexed so far: where a scan-cache segment of the
        chunk just indexed ends (`scan_cache.Writer.add`)."""
        return self._physical, self.indexed

    def index_chunks(self) -> Iterator[tuple[bytes, list[tuple[int, int]]]]:
        """Index the file chunk by chunk, yielding each chunk and its new records.

        Each yielded span is (start, end) relative to the chunk, so the caller
        can parse lines from the chunk it already has instead of reading twice.
        A line longer than a chunk is carried over until its end is found.
        It goes on from where indexing stopped (`indexed`), so a scan that
        adopted part of the index from the scan cache resumes after it.
        """
        if self.array is not None:
            yield from self._array_chunks(self.array)
            return
        offset = self.indexed or (len(BOM) if self.bom else 0)
        carry = b""
        step = FIRST_CHUNK  # small first: the first screen needs only a few rows
        while offset < self.size or carry:
            data = self._read(offset, max(step, len(carry))) if offset < self.size else b""
            step = CHUNK
            base = offset - len(carry)
            offset += len(data)
            chunk = carry + data if carry else data
            at_eof = offset >= self.size
            spans, consumed = self._split(chunk, base, at_eof)
            carry = chunk[consumed:]
            self.indexed = base + consumed
            if spans:
                yield chunk, spans
            if at_eof:
                break

    def _array_chunks(self, index: ArrayIndex) -> Iterator[tuple[bytes, list[tuple[int, int]]]]:
        """`index_chunks` of an array: its elements, found when the file was opened, a
        chunk of them at a time (from where indexing stands)."""
        starts, ends = index.starts, index.ends
        k, step = len(self.starts), FIRST_CHUNK
        while k < len(starts):
            j, base = k + 1, starts[k]
            while j < len(starts) and ends[j] - base <= step:
                j += 1
            chunk = self.read_range(base, ends[j - 1])
            spans = [(starts[r] - base, ends[r] - base) for r in range(k, j)]
            with self._lock:
                self.starts.extend(starts[k:j])
                self.ends.extend(ends[k:j])
                self.endings.extend(array("b", bytes(j - k)))
                self.lines.extend(array("q", range(k + 1, j + 1)))
                self._physical = j
            self.indexed = ends[j - 1]
            k, step = j, CHUNK
            yield chunk, spans
        self.indexed = self.size

    def prepare_index(self, index: tuple[bytes, bytes, bytes, bytes], before: int,
                      physical: int, indexed: int) -> tuple[list[array], int, int]:
        """Index entries read back from the scan cache, checked to follow on from
        the index so far (`adopt` appends them); raises ValueError when not.

        `index` holds the raw bytes of starts, ends, endings and line numbers;
        `before` is where indexing stood before them (it must be where it stands
        now), `physical`/`indexed` where it stood after them. That the
        cache belongs to this very file is `scan_cache`'s key to check.
        """
        parts = [array(a.typecode, raw) for a, raw in
                 zip((self.starts, self.ends, self.endings, self.lines), index, strict=True)]
        n, starts, ends = len(parts[0]), parts[0], parts[1]
        if (before != self.indexed or any(len(p) != n for p in parts)
                or not self.indexed <= indexed <= self.size
                or (n and not self.indexed <= starts[0] <= ends[-1] <= indexed)):
            raise ValueError("scan cache index does not fit the file")
        return parts, physical, indexed

    def adopt(self, prepared: tuple[list[array], int, int]) -> int:
        """Append entries from `prepare_index`; how many."""
        parts, physical, indexed = prepared
        with self._lock:
            for target, part in zip((self.starts, self.ends, self.endings, self.lines),
                                    parts, strict=True):
                target.extend(part)
            self._physical = physical
            self.indexed = indexed
        return len(parts[0])

    def _split(
        self, chunk: bytes, base: int, at_eof: bool
    ) -> tuple[list[tuple[int, int]], int]:
        spans: list[tuple[int, int]] = []
        starts, ends, endings, lines = [], [], [], []
        physical = self._physical
        pos, n, find = 0, len(chunk), chunk.find
        while pos < n:
            nl = find(b"\n", pos)
            if nl < 0:
                if not at_eof:
                    break
                nl, ending = n, 0
                end = n
            elif nl > pos and chunk[nl - 1] == 13:
                end, ending = nl - 1, 2
            else:
                end, ending = nl, 1
            first = chunk[pos] if pos < end else 10
            if first == 123 or chunk[pos:end].strip(_BLANK) != b"":  # 123 = "{"
                spans.append((pos, end))
                starts.append(base + pos)
                ends.append(base + end)
                endings.append(ending)
                lines.append(physical + 1)
            physical += 1
            pos = nl + 1
        with self._lock:
            self.starts.extend(starts)
            self.ends.extend(ends)
            self.endings.extend(endings)
            self.lines.extend(lines)
            self._physical = physical
        return spans, min(pos, n)

    def publish(self, count: int) -> None:
        """Make records below `count` visible to readers (after their columns exist)."""
        self.count = count


def _data_name(path: Path) -> str:
    """The name of the data file whose shape `path` holds (the journal's kept base
    of `x.json` is read as `x.json`)."""
    name = path.name
    return name[:-len(_KEPT_BASE)] if name.endswith(_KEPT_BASE) else name


def read_in_blocks(starts: Sequence[int], ends: Sequence[int],
                   read_range: Callable[[int, int], bytes], block: int = 4 << 20,
                   near: int = 64 << 10) -> Iterator[bytes]:
    """The byte ranges [starts[k], ends[k]) in order (ascending, not overlapping), read a
    block at a time: ranges at most `near` bytes apart come from one read (reading the gap
    is cheaper than another read), up to `block` bytes; one block in memory. The store
    reads its lines so, and the helper process the lines it is sent (`scan.serve`)."""
    k = 0
    while k < len(starts):
        base, j = starts[k], k + 1
        while (j < len(starts) and 0 <= starts[j] - ends[j - 1] < near
               and ends[j] - base <= block):
            j += 1
        data = read_range(base, ends[j - 1])
        yield from (data[a - base:b - base] for a, b in zip(starts[k:j], ends[k:j], strict=True))
        k = j


class ChunksAhead:
    """`LineStore.index_chunks` with each chunk's index state, and the next chunk
    indexed early on request (`ahead`).

    The scan indexes chunk c+1 while the helper process computes its share of
    chunk c: indexing 8 MB is ~5 ms of Python, and the helper had nothing to do
    meanwhile — its next request waited for the index (~10 % of each chunk's time
    at 100k, measured per chunk; docs/architecture.md, "Document, engine, facade").
    """

    def __init__(self, store: LineStore) -> None:
        self._store = store
        self._chunks = store.index_chunks()
        self._next: tuple[bytes, list[tuple[int, int]], tuple[int, int]] | None = None
        self._done = False

    def ahead(self) -> None:
        """Index the next chunk now; nothing when it is indexed or none is left."""
        if self._next is None and not self._done:
            got = next(self._chunks, None)
            if got is None:
                self._done = True
            else:  # the state just after *this* chunk: where its cache segment ends
                self._next = (*got, self._store.index_state())

    @property
    def exhausted(self) -> bool:
        """No chunk is left to pop: the whole file is indexed and handed out (an
        array's last element indexed: its ``]`` is no record)."""
        if self._next is not None:
            return False
        store = self._store
        if store.array is not None:
            return self._done or len(store.starts) >= len(store.array.starts)
        return self._done or store.indexed >= store.size

    def pop(self) -> tuple[bytes, list[tuple[int, int]], tuple[int, int]] | None:
        """The next chunk, its spans and index state (indexed now unless it was
        indexed ahead); None at the end of the file."""
        self.ahead()
        item, self._next = self._next, None
        return item

    def __iter__(self) -> Iterator[tuple[bytes, list[tuple[int, int]], tuple[int, int]]]:
        while (item := self.pop()) is not None:
            yield item
