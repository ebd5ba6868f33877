"""What a duplicate finder keeps besides signatures: spilled texts, and sets of rows.

Split from `dedupe` (the finder; its module doc has the whole method): the
normalised dialogues wait in a temporary file for verification, and verified
pairs are joined by union-find.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from typing import IO


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

    def extend(self, many: list[bytes]) -> None:
        self._file.write(b"".join(many))
        end = self._offsets[-1]
        offsets = self._offsets
        for data in many:
            end += len(data)
            offsets.append(end)
        self._dirty = True

    def read(self, row: int) -> bytes:
        if self._dirty:
            self._file.flush()
            self._dirty = False
        start = self._offsets[row]
        return os.pread(self._file.fileno(), self._offsets[row + 1] - start, start)

    def shared(self) -> tuple[str, bytes]:
        """How another process reads these texts (`_SpillReader`): the file by its
        /proc path (the file has no name; Linux) and the row offsets."""
        self._file.flush()
        self._dirty = False
        return f"/proc/{os.getpid()}/fd/{self._file.fileno()}", self._offsets.tobytes()

    def close(self) -> None:
        self._file.close()


class _SpillReader:
    """Another process's view of a `_TextSpill` (the helper verifying pairs)."""

    def __init__(self, fd: int, offsets: bytes) -> None:
        self._fd = fd
        self._offsets = array("Q")
        self._offsets.frombytes(offsets)

    @classmethod
    def open(cls, path: str, offsets: bytes) -> _SpillReader | None:
        """The reader, or None when the file cannot be opened (not Linux, gone)."""
        try:
            return cls(os.open(path, os.O_RDONLY), offsets)
        except OSError:
            return None

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __enter__(self) -> _SpillReader:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)

    def read(self, row: int) -> bytes:
        start = self._offsets[row]
        return os.pread(self._fd, self._offsets[row + 1] - start, start)


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
