"""The scan cache: a finished scan kept on disk, so reopening an unchanged file
does not scan it again (docs/architecture.md, "Document, engine, facade": the scan cache).

The scan's rows are a pure function of three things: the file's bytes, the
validation settings and the code that computes them. The cache key holds all
three — the file's identity as the kernel reports it (device, inode, size,
mtime and ctime: every write moves the ctime, to the clock's tick) plus a
digest of its first and last 64 KB and of sampled blocks between, the settings
as canonical JSON, and a digest of the domain layer's sources and the versions
of the libraries whose answers it keeps (`code_version`). A different key is
a miss; so is any segment whose CRC does not match, and the scan then goes on
from the last good segment. The cache never holds
anything else: edits live in the journal, never here.

One file per data path and settings in the user's cache directory (never by the
data: a read-only dataset directory must stay untouched), written to a
temporary name and renamed into place. Each segment is one scan chunk: the
line index and the summary columns, as marshal data with a CRC-32.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson

from .store import LineStore
from .summary import ROW_FIELDS, pack_columns, unpack_columns

T = TypeVar("T")

#: Files smaller than this scan in well under a second: not worth a cache file.
CACHE_MIN_BYTES = 16 << 20
#: The cache directory is pruned, oldest first, to these bounds after each write.
MAX_FILES = 64
MAX_BYTES = 2 << 30
_MAGIC = b"rolethread-scan-cache 2\n"
_RESULT_MAGIC = b"rolethread-scan-result 1\n"
_RECORD = struct.Struct("<IQ")  # CRC-32 and length of one segment; length 0 ends the file
_SUFFIX = ".scan"
_SAMPLES, _SAMPLE_BYTES = 16, 4096  # middle blocks in the key (see `file_key`)

#: One segment: (index bytes: starts, ends, endings, line numbers), the indexed
#: offset before it (segments must follow on), the physical line count and
#: indexed offset after it, and the 13 summary columns.
Segment = tuple[tuple[bytes, bytes, bytes, bytes], int, int, int, list[Any]]


def cache_dir() -> Path | None:
    """Where scans are kept: $ROLETHREAD_CACHE_DIR, else the XDG cache directory;
    None when ROLETHREAD_NO_CACHE is set to anything but empty or 0."""
    if os.environ.get("ROLETHREAD_NO_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("ROLETHREAD_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rolethread-tui" / "scan"


@functools.cache
def code_version() -> str:
    """A digest of what computes a row or a kept result: the domain sources and
    pattern lists, this package's version (for an install without sources), the
    Python version and those of the libraries whose answers they keep: orjson,
    pydantic-core (the Rust matcher), rapidfuzz (duplicate verification) and
    wordfreq (the slop lens's stock words, absent or not)."""
    from .resources import DISTRIBUTION

    libraries = "|".join(_dist_version(n) for n in ("orjson", "pydantic-core", "rapidfuzz",
                                                     "wordfreq"))
    digest = hashlib.sha1(f"{_dist_version(DISTRIBUTION)}|{sys.version}|{libraries}".encode())
    root = Path(__file__).parent
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".txt", ".json")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _dist_version(name: str) -> str:
    """An installed distribution's version, without importing it (wordfreq's import
    is 0.15 s): from its ``NAME-VERSION.dist-info`` folder, the first on `sys.path`
    as `importlib.metadata` finds it; only a distribution installed otherwise asks
    `importlib.metadata`, whose import (~30 ms) every open paid, on the interpreter
    the app's first frame needs (docs/architecture.md, "Start-up")."""
    prefix = name.replace("-", "_").lower() + "-"
    for entry in sys.path:
        for found in _dist_infos(entry):
            if found.lower().startswith(prefix):
                return found[len(prefix):-len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.lru_cache(maxsize=64)
def _dist_infos(entry: str) -> tuple[str, ...]:
    """The ``.dist-info`` folders of one `sys.path` entry, listed once for all the
    distributions `code_version` asks about."""
    try:
        return tuple(n for n in os.listdir(entry or ".") if n.endswith(".dist-info"))
    except OSError:
        return ()


def identity(store: LineStore) -> tuple[int, ...]:
    """The open file as the kernel tells it apart: any write moves its ctime."""
    st = os.fstat(store.fileno())
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def file_key(store: LineStore, ident: tuple[int, ...] | None = None) -> bytes | None:
    """What a result computed from `store`'s bytes alone depends on: the file as
    the kernel tells it apart (`identity`), its first and last 64 KB and 16
    blocks sampled between (ctimes come from a clock that ticks every few ms),
    and the code. None when the file behind the open descriptor is not the one
    stamped at open (it was replaced in between)."""
    stamp, ident = store.stamp, ident or identity(store)
    if ident[1:4] != (stamp.inode, stamp.size, stamp.mtime_ns):
        return None
    digest = hashlib.sha1(repr(ident).encode() + stamp.digest.encode())
    for k in range(1, _SAMPLES + 1):
        digest.update(os.pread(store.fileno(), _SAMPLE_BYTES, stamp.size * k // (_SAMPLES + 1)))
    digest.update(code_version().encode())
    return digest.digest()


def settings_of(validation: dict[str, Any] | None) -> bytes | None:
    """The validation settings as canonical JSON (None when they cannot be written)."""
    try:
        return orjson.dumps(validation, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None


class ScanCache:
    """The cache slot of one data file: its scan, and results computed from its bytes.

    One scan file per data path and settings (`validate` with a config and
    `stats` without one do not overwrite each other's); a newer scan of the
    same path replaces the older. The key inside says which file and code.
    """

    def __init__(self, directory: Path, store: LineStore, base: bytes, settings: bytes,
                 ident: tuple[int, ...]) -> None:
        self.identity = ident  # the file when the key was taken (see `Engine.loaded_intact`)
        self._name = hashlib.sha1(os.fsencode(os.path.realpath(store.path))).hexdigest()
        tag = hashlib.sha1(settings).hexdigest()[:8]
        self.path = directory / f"{self._name}-{tag}{_SUFFIX}"
        self.base = base
        self.key = hashlib.sha1(base + b"|" + settings).digest()
        self.complete = False

    @classmethod
    def of(cls, store: LineStore, validation: dict[str, Any] | None) -> ScanCache | None:
        """The slot for `store`, or None when caching is off or not worth it."""
        directory = cache_dir()
        if directory is None or store.size < CACHE_MIN_BYTES or store.array is not None:
            return None  # an array is indexed whole when opened: its index is not cached
        settings = settings_of(validation)
        try:
            ident = identity(store)
            base = file_key(store, ident)
        except (OSError, ValueError):
            return None
        if base is None or settings is None:
            return None
        return cls(directory, store, base, settings, ident)

    # ------------------------------------------------------------ results
    def _result_path(self, name: str) -> Path:
        return self.path.with_name(f"{self._name}.{hashlib.sha1(name.encode()).hexdigest()[:16]}"
                                   f"{_SUFFIX}")

    def _result_head(self, name: str) -> bytes:
        return _RESULT_MAGIC + self.base + name.encode() + b"\n"

    def has_scan(self) -> bool:
        """Whether a scan is kept for this file, settings and code (its header read,
        no more): `stats --where` then reads it instead of matching lines first."""
        try:
            with open(self.path, "rb") as f:
                return f.read(len(_MAGIC) + len(self.key)) == _MAGIC + self.key
        except OSError:
            return False

    def has_result(self, name: str) -> bool:
        """Whether a result is kept for this file and code (its header read, no more)."""
        head = self._result_head(name)
        try:
            with open(self._result_path(name), "rb") as f:
                return f.read(len(head)) == head
        except OSError:
            return False

    def load_result(self, name: str) -> Any:
        """A result `save_result` kept for this very file and code, or None."""
        path, head = self._result_path(name), self._result_head(name)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(head) or len(data) < len(head) + 4:
            return None
        (crc,), body = struct.unpack_from("<I", data, len(head)), data[len(head) + 4:]
        try:
            if zlib.crc32(body) != crc:
                raise ValueError("damaged")
            value = marshal.loads(body)
            os.utime(path)
        except (ValueError, EOFError, TypeError, OSError):
            _unlink(path)
            return None
        return value

    def save_result(self, name: str, value: Any) -> None:
        """Keep a result computed from the file's bytes (builtins only: marshal)."""
        path = self._result_path(name)
        tmp = None
        try:
            body = marshal.dumps(value)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(self._result_head(name) + struct.pack("<I", zlib.crc32(body)) + body)
            os.replace(tmp, path)
        except (OSError, ValueError):
            if tmp is not None:
                _unlink(tmp)
            return
        prune(path.parent, keep=path)

    def read(self) -> Iterator[Segment]:
        """The cached segments in file order, when the cache matches the key.

        Sets `complete` once the end mark is read; a bad segment ends the
        reading early (and removes the file), so the caller scans the rest.
        """
        try:
            with open(self.path, "rb") as f:
                if f.read(len(_MAGIC) + len(self.key)) != _MAGIC + self.key:
                    return
                while (segment := _read_segment(f)) is not None:
                    yield segment
                self.complete = True
            os.utime(self.path)  # recently used: pruned last
        except FileNotFoundError:
            return
        except Exception:  # damaged, cut short, or not what this code writes
            self.remove()

    def writer(self) -> Writer | None:
        try:
            return Writer(self)
        except OSError:
            return None

    def remove(self) -> None:
        _unlink(self.path)


def _read_segment(f: IO[bytes]) -> Segment | None:
    head = f.read(_RECORD.size)
    if len(head) < _RECORD.size:
        raise EOFError("scan cache cut short")
    crc, size = _RECORD.unpack(head)
    if size == 0:
        return None
    data = f.read(size)
    if len(data) < size or zlib.crc32(data) != crc:
        raise ValueError("scan cache segment damaged")
    index, before, physical, indexed, packed = marshal.loads(data)
    if len(index) != 4 or not isinstance(packed, tuple) or len(packed) != ROW_FIELDS:
        raise ValueError("scan cache segment malformed")
    return tuple(index), before, physical, indexed, unpack_columns(packed)


class Writer:
    """A fresh scan written segment by segment; renamed into place by `finish`.

    Any error writing makes it give up quietly: the cache is only ever a
    shortcut, and a scan must never fail for it.
    """

    def __init__(self, cache: ScanCache) -> None:
        self._cache = cache
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=cache.path.parent)
        self._tmp: Path | None = Path(tmp)
        self._file: IO[bytes] | None = os.fdopen(fd, "wb")
        self._before = 0  # where the index stood before the next segment
        try:
            self._file.write(_MAGIC + cache.key)
        except OSError:
            self.discard()
            raise

    def add(self, store: LineStore, first: int, cols: list[Any],
            indexed: tuple[int, int] | None = None) -> None:
        """One scanned chunk: its records start at `first` in the store's index.

        `indexed`: the store's (physical lines, bytes indexed) just after this
        chunk was indexed, when indexing has moved on since (the scan lands a chunk
        while the next computes); default the store's state now.
        """
        if self._file is None:
            return
        physical, done = indexed if indexed is not None else store.index_state()
        stop = first + len(cols[0])
        index = tuple(column[first:stop].tobytes()
                      for column in (store.starts, store.ends, store.endings, store.lines))
        try:
            data = marshal.dumps((index, self._before, physical, done, pack_columns(cols)))
            self._file.write(_RECORD.pack(zlib.crc32(data), len(data)))
            self._file.write(data)
        except (OSError, ValueError):
            self.discard()
        self._before = done

    def finish(self, store: LineStore) -> None:
        """Close the file and put it in place (the end mark makes it complete).

        Blank lines after the last record were indexed after the last segment:
        an empty one records where indexing ended, so a warm open reads no tail.
        """
        if self._before != store.indexed:
            self.add(store, len(store.starts), [()] * ROW_FIELDS)
        if self._file is None:
            return
        try:
            self._file.write(_RECORD.pack(0, 0))
            self._file.close()
            self._file = None
            os.replace(self._tmp, self._cache.path)
            self._tmp = None
        except OSError:
            self.discard()
            return
        prune(self._cache.path.parent, keep=self._cache.path)

    def discard(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self._tmp is not None:
            _unlink(self._tmp)
            self._tmp = None


def prune(directory: Path, keep: Path, max_files: int = MAX_FILES,
          max_bytes: int = MAX_BYTES) -> None:
    """Remove the least recently used cache files beyond the bounds (never `keep`),
    and temporary files a killed scan left behind more than a day ago."""
    try:
        entries = [(e.name, e.stat()) for e in os.scandir(directory)]
    except OSError:
        return
    stale = time.time() - 86400
    caches = sorted(((st.st_mtime_ns, st.st_size, directory / name) for name, st in entries
                   if name.endswith(_SUFFIX)), reverse=True)
    total, doomed = 0, [directory / name for name, st in entries
                        if name.endswith(".tmp") and st.st_mtime < stale]
    for count, (_, size, path) in enumerate(caches, 1):
        total += size
        if path != keep and (count > max_files or total > max_bytes):
            doomed.append(path)
    for path in doomed:
        _unlink(path)


def _unlink(path: Path | str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


#: The names results are kept under. One name for the headless command and the
#: app: a session whose texts are the file's computes the very same answer.
SLOP_RESULT = "slop"


def groups_result(threshold: float) -> str:
    return f"groups {threshold!r}"


def kept(slot: ScanCache | None, name: str, compute: Callable[[], T],
         dump: Callable[[T], Any], load: Callable[[Any], T],
         valid: Callable[[], bool] = lambda: True) -> T:
    """`compute()`, or the answer kept under `name` for the slot's file and code.

    For results computed from a file's bytes alone (the slop lens, duplicate
    groups): `dump` turns one into builtins, `load` turns them back. `valid()`
    says whether what `compute` reads is still the file's bytes (a session's
    texts may have been edited): only then is an answer read or kept. A kept
    answer that does not load is computed afresh.
    """
    if slot is None or not valid():
        return compute()
    plain = slot.load_result(name)
    if plain is not None:
        try:
            return load(plain)
        except (TypeError, ValueError, IndexError, KeyError):
            pass
    value = compute()
    if valid():
        slot.save_result(name, dump(value))
    return value
