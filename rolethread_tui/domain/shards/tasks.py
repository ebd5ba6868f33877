"""The per-partition functions a worker runs: the single-machine per-line code, per range.

Each takes a `Partition` (and plain settings), reads its lines, runs the same
functions the single-machine path runs on every line — `records.parse_line`,
the checker from `validation.make_checker`, `summary.Columns.compute`,
`dedupe.fingerprint_lines`, export's `clean_line` / `converted_line` — and
returns plain data with *local* entry and line numbers (the driver places them,
`merging.place`). Nothing here knows about Dask; any engine that can call a
function on a worker can run them.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import review as rv
from ..convert import SkipEntry
from ..dedupe import WARMUP, _Fingerprint, _fingerprint_line, fingerprint_lines
from ..export import clean_line, converted_line
from ..records import parse_line
from ..summary import Columns
from ..validation import make_checker
from .partitions import Partition, read_partition

#: A finding with local numbers: (entry, line, check, severity, message, fixable, text, id).
LocalFinding = tuple[int, int, str, str, int | None, bool, str, str]


@dataclass(slots=True)
class PartResult:
    """What every task returns besides its own data: how many entries and lines it saw."""

    index: int
    entries: int
    physical: int


@dataclass(slots=True)
class PartFindings(PartResult):
    findings: list[LocalFinding] = field(default_factory=list)
    #: (local entry, conversation digest) of every entry with a conversation
    digests: list[tuple[int, int]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # local line of each entry
    #: (local entry, line length) of every entry without one: with the duplicates,
    #: the only lines that can be copies of another (`line_repeats`)
    empties: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class PartTally(PartResult):
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: as in `PartFindings`: the dataset-level `duplicate` issue needs every shard's
    digests: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class PartPrints(PartResult):
    """Near-duplicate fingerprints of a partition, compact (what the finder keeps)."""

    digests: array = field(default_factory=lambda: array("Q"))
    lengths: array = field(default_factory=lambda: array("I"))
    signed: array = field(default_factory=lambda: array("I"))  # local entry of each signature
    sigs: array = field(default_factory=lambda: array("I"))  # SIG_SLOTS per signature
    numbers: list[int] = field(default_factory=list)


@dataclass(slots=True)
class PartExport(PartResult):
    selected: int = 0
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_origin: Counter[str] = field(default_factory=Counter)
    left_out: list[tuple[int, int, str]] = field(default_factory=list)  # (line, entry, reason)
    #: as in `PartFindings`, when the output carries entry ids (a converted format):
    #: the driver finds the copies of identical lines and gives them their own
    digests: list[tuple[int, int]] = field(default_factory=list)
    empties: list[tuple[int, int]] = field(default_factory=list)


def _rows(lines: list[bytes], validation: Any) -> tuple[Columns, list[object]]:
    """Parsed values and their summary columns, exactly as the scan computes them."""
    columns = Columns(make_checker(validation))
    values = [parse_line(line) for line in lines]
    columns.append_many([columns.compute(value) for value in values])
    return columns, values


def validate_partition(part: Partition, validation: Any = None) -> PartFindings:
    """Every per-entry finding of the partition, and the digests exact duplicates need."""
    got = read_partition(part)
    columns, values = _rows(got.lines, validation)
    out = PartFindings(part.index, len(got.lines), got.physical, numbers=got.numbers)
    _note_digests(out, columns.digest, got.lines)
    for k, found in sorted(columns.findings.items()):  # the rows with findings, in order
        eid = rv.entry_id(values[k], got.lines[k])
        out.findings.extend((k, got.numbers[k], *f, eid) for f in found
                            if f[0] != "duplicate")
    return out


def _note_digests(out: PartFindings | PartExport, digests: Sequence[int],
                  lines: Sequence[bytes]) -> None:
    """Each entry's conversation digest, or the length of a line that has none: what
    the driver's exact-duplicate and identical-line passes read."""
    for k, digest in enumerate(digests):
        if digest:
            out.digests.append((k, digest))
        else:
            out.empties.append((k, len(lines[k])))


def copy_keys(part: Partition, wanted: list[int]) -> dict[int, tuple[str, str | None]]:
    """(entry id, the line's hash when that is its id, else None) of some local
    entries: the candidates for identical lines, ranked by the driver (`line_repeats`)."""
    got = read_partition(part)
    out: dict[int, tuple[str, str | None]] = {}
    for k in wanted:
        line = got.lines[k]
        eid = rv.entry_id(parse_line(line), line)
        out[k] = (eid, eid if eid == rv.line_id(line) else None)
    return out


def stats_partition(part: Partition, validation: Any = None) -> PartTally:
    """The `stats` counts of the partition (`Columns.counts`), as plain dicts."""
    got = read_partition(part)
    columns, _ = _rows(got.lines, validation)
    counts = columns.counts(range(len(columns)))
    return PartTally(part.index, len(got.lines), got.physical,
                     {name: dict(counter) for name, counter in counts.items()},
                     [(k, digest) for k, digest in enumerate(columns.digest) if digest])


def warmup_prints(part: Partition, distinct: int = WARMUP) -> list[_Fingerprint]:
    """Unsigned fingerprints from the partition's start until `distinct` distinct digests.

    The finder fixes its stop-shingles from the first `WARMUP` distinct
    dialogues of the file; the driver feeds these, partition by partition in
    file order, to a finder of its own to get the very same set.
    """
    got = read_partition(part)
    out: list[_Fingerprint] = []
    seen: set[int] = set()
    for line in got.lines:
        fp = _fingerprint_line(line)
        out.append(fp)
        if fp.hashes and fp.digest not in seen:
            seen.add(fp.digest)
            if len(seen) >= distinct:
                break
    return out


def fingerprint_partition(part: Partition, stop: frozenset[int]) -> PartPrints:
    """Digest, length and MinHash signature of every entry (`dedupe.fingerprint_lines`)."""
    got = read_partition(part)
    out = PartPrints(part.index, len(got.lines), got.physical, numbers=got.numbers)
    for k, fp in enumerate(fingerprint_lines(got.lines, False, stop)):
        out.digests.append(fp.digest)
        out.lengths.append(fp.length)
        if fp.signature is not None:
            out.signed.append(k)
            out.sigs.extend(fp.signature)
    return out


def dialogues(part: Partition, wanted: list[int]) -> dict[int, bytes]:
    """The normalised dialogues of some local entries, as the finder verifies them."""
    got = read_partition(part)
    return {k: _fingerprint_line(got.lines[k], True).dialogue or b"" for k in wanted}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """The export settings a worker needs (docs/cli.md `export`)."""

    fmt: str | None = None
    clean: bool = False
    include_rejected: bool = False
    newline: bytes = b"\n"
    validation: Any = None


def export_partition(part: Partition, options: ExportOptions, piece: str) -> PartExport:
    """Write the partition's output lines to the file `piece`; counts and left-out rows back.

    The driver joins the pieces of a shard into its output atomically.
    """
    got = read_partition(part)
    columns, values = _rows(got.lines, options.validation)
    out = PartExport(part.index, len(got.lines), got.physical)
    fmt = options.fmt or ("chatml" if options.clean else None)
    if fmt is not None and not options.clean:  # ids in the output: `PartExport.digests`
        _note_digests(out, columns.digest, got.lines)
    with open(piece, "wb", buffering=1 << 20) as sink:
        for k, line in enumerate(got.lines):
            out.selected += 1
            row = columns.row(k)
            try:
                if row.status == "rejected" and not options.include_rejected:
                    raise SkipEntry("rejected")
                if options.clean:
                    line = clean_line(line, row, fmt)  # type: ignore[arg-type]
                elif fmt is not None:
                    line = converted_line(line, fmt, rv.entry_id(values[k], line), row)  # type: ignore[arg-type]
            except SkipEntry as skip:
                out.skipped[skip.reason] += 1
                out.left_out.append((got.numbers[k], k, skip.reason))
                continue
            out.written += 1
            out.by_status[row.status] += 1
            out.by_origin[row.origin] += 1
            sink.write(line + options.newline)
    return out


def first_newline(path: str | Path) -> bytes:
    """The line ending of a shard's first entry (LF when it has none), as export keeps it."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    got = read_partition(Partition(str(path), 0, 0, 0, len(head)))
    return got.newline or b"\n"
