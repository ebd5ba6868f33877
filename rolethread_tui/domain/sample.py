"""The bundled sample batch, opened as the user's own copy, never in place.

`rolethread-tui` with no FILE opens the sample. Reviewing writes beside the file
(the `.rolethread/` journal, lock and backups) and saving writes the file
itself; inside an installed package that would modify site-packages (or fail
there), so the app opens a copy in `$XDG_DATA_HOME/rolethread-tui/sample/`
(default `~/.local/share/rolethread-tui/sample/`).

The copy is made once and is the user's from then on: later starts open it with
the reviews saved in it. A hidden stamp beside it records the SHA-256 of the
bundled file it came from, so a new release with a different sample can tell:

- the copy is still byte-for-byte what was bundled, with no journal of unsaved
  work: it is replaced by the new sample (nothing of the user's is lost);
- the user saved reviews into it (or has unsaved work in its journal): it is
  kept, and a note says how to get the new sample (delete the folder).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .config import APP_DIR_NAME, display_path, xdg_dir
from .journal import journal_path
from .resources import bundled_dir
from .writer import write_atomic

SAMPLE_NAME = "batch.jsonl"
STAMP_NAME = ".bundled-sha256"


@dataclass(frozen=True)
class SampleCopy:
    """The copy to open, and what the app may tell the user about it."""

    path: Path
    note: str | None = None  # set when a newer bundled sample was not copied over user work

    @property
    def label(self) -> str:
        """What a status bar shows so nobody mistakes the copy for their own data."""
        return f"sample copy: {display_path(self.path)}"


def bundled_sample() -> Path:
    """The sample batch shipped with the package (read-only by intent)."""
    return bundled_dir("sample_data") / SAMPLE_NAME


def sample_dir() -> Path:
    """`$XDG_DATA_HOME/rolethread-tui/sample/`, else `~/.local/share/rolethread-tui/sample/`."""
    return xdg_dir("XDG_DATA_HOME", ".local/share") / APP_DIR_NAME / "sample"


def sample_label(path: Path) -> str | None:
    """"sample copy: …" when `path` is the user's copy of the bundled sample, else None:
    the status bar says so, so nobody mistakes it for their own data."""
    try:
        is_copy = Path(path).resolve() == (sample_dir() / SAMPLE_NAME).resolve()
    except OSError:
        return None
    return SampleCopy(Path(path)).label if is_copy else None


def prepare_sample_copy(source: Path | None = None, folder: Path | None = None) -> SampleCopy:
    """Make sure the user's copy of the sample exists and return it (see the module docstring).

    Raises OSError (with the file name) when the bundled sample is missing or
    the copy cannot be written: the caller reports it in one line.
    """
    source = source or bundled_sample()
    folder = folder or sample_dir()
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    copy, stamp = folder / SAMPLE_NAME, folder / STAMP_NAME
    if not copy.exists():
        _install(folder, data, digest)
        return SampleCopy(copy)
    copied_from = _read_stamp(stamp)
    if copied_from == digest:
        return SampleCopy(copy)
    if _untouched(copy, {copied_from, digest}):
        _install(folder, data, digest)
        return SampleCopy(copy)
    return SampleCopy(copy, note=(
        f"this version bundles a different sample; your reviewed copy is kept "
        f"(delete {display_path(folder)} to get the new one)"))


def _read_stamp(stamp: Path) -> str | None:
    try:
        return stamp.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _untouched(copy: Path, bundled: set[str | None]) -> bool:
    """Still bytes that were bundled (the stamped or the current sample; a start killed
    between copy and stamp leaves the latter), with no journal of unsaved work on it."""
    if journal_path(copy).exists():
        return False
    try:
        return hashlib.sha256(copy.read_bytes()).hexdigest() in bundled
    except OSError:
        return False


def _install(folder: Path, data: bytes, digest: str) -> None:
    """Write the copy, then its stamp, each atomically: a start killed half-way leaves
    either no copy (made again next time) or a whole one."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / SAMPLE_NAME, [data])
    write_atomic(folder / STAMP_NAME, [f"{digest}\n".encode("ascii")])
