"""Exporting a (filtered) dataset for training tools, one entry at a time.

Why streaming: an export of a million entries must not hold a million records.
Entries are read from the session by position, turned into one output line
each, and handed to `write_atomic` through a generator, so memory stays flat
whatever the size; the summary counts are all that accumulates.

Three kinds of output (docs/cli.md):

* default (no format, not clean): each selected entry's current line, byte for
  byte — including lines that do not parse (nothing is lost by exporting).
* ``fmt`` given: one schema for every row (`convert.training_record`: id, the
  conversation in that shape with text content, tags as strings, status,
  origin), so a loader infers one schema; lines that are not valid entries are
  left out and counted.
* ``clean``: only the conversation (`convert.template_safe`), roles normalised,
  text content, no `_review`/tags/other fields, and only rows every common chat
  template accepts (optional system, then user/assistant alternating from a
  user turn, at least one assistant turn, no empty content). Entries that do
  not parse, cannot be cleaned without guessing, break the template rules or
  have a finding of error severity are left out and counted by reason.
  ``clean`` without a format writes ChatML, because a mixed file must come out
  in one schema.

Rejected entries are left out (reason ``rejected``) unless `include_rejected`.
Every left-out row can be listed (`report`: line number and reason).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .convert import Format, SkipEntry, template_safe, training_record
from .records import COMPACT, RawLine, encode_value, one_line, parse_line
from .review import ORIGINS, STATUSES
from .store import ENDINGS
from .summary import Row
from .validation.findings import CHECKS
from .writer import write_atomic

#: Every check docs/validation.md rates as an error, most fundamental first: when an
#: entry has several, the first one here names the skip reason.
ERROR_CHECKS: tuple[str, ...] = tuple(c for c, sev in CHECKS.items() if sev == "error")
_CHECK_ORDER = {name: k for k, name in enumerate(CHECKS)}
#: Error checks the clean conversion settles itself: a role that maps (``Human``,
#: ``bot``) is what it normalises, and one that does not makes `convert.clean`
#: skip the entry as ``unknown-role`` — so the finding must not skip it again.
RESOLVED_BY_CLEAN = frozenset({"unknown-role"})


@dataclass
class ExportSummary:
    """What an export did: the figures printed after it, and returned to scripts."""

    out: Path
    fmt: str | None = None
    clean: bool = False
    selected: int = 0
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    by_origin: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    #: (line number or None, entry position, reason) of each left-out row, when asked for.
    left_out: list[tuple[int | None, int, str]] | None = None

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out), "format": self.fmt, "clean": self.clean,
            "selected": self.selected, "written": self.written,
            "skipped": dict(self.skipped.most_common()),
            "status": {s: self.by_status.get(s, 0) for s in STATUSES},
            "origin": {o: self.by_origin.get(o, 0) for o in ORIGINS},
        }

    def render(self) -> str:
        """A few short lines for a person: written, skipped and why, by status and origin."""
        kind = ", ".join(filter(None, ("clean" if self.clean else "", self.fmt or "")))
        lines = [f"wrote {self.written:,} of {self.selected:,} entries to {self.out}"
                 + (f" ({kind})" if kind else "")]
        if self.skipped:
            reasons = ", ".join(f"{name} {n:,}" for name, n in self.skipped.most_common())
            lines.append(f"left out {self.skipped_total:,}: {reasons}")
        for label, counts, names in (("status", self.by_status, STATUSES),
                                     ("origin", self.by_origin, ORIGINS)):
            parts = ", ".join(f"{n} {counts[n]:,}" for n in names if counts.get(n))
            if parts:
                lines.append(f"{label}: {parts}")
        checks = [r.removeprefix("error:") for r in self.skipped if r.startswith("error:")]
        if checks:
            lines.append(f"(list them with --where 'issue:{checks[0]}', or run validate)")
        return "\n".join(lines)


def export(
    session: Any,
    out_path: str | os.PathLike[str],
    *,
    fmt: Format | None = None,
    positions: Iterable[int] | None = None,
    clean: bool = False,
    error_checks: Collection[str] | None = None,
    include_rejected: bool = False,
    report: str | os.PathLike[str] | None = None,
) -> ExportSummary:
    """Write the selected entries (all, in file order, by default) to `out_path`.

    `positions` come from `Session.search` (or any iterable of positions) and
    are consumed lazily. `error_checks` names the checks whose findings make
    ``clean`` skip an entry; None means every error-severity check (docs/validation.md).
    Rejected entries are left out unless `include_rejected`. `report` names a
    file that gets one JSON line per left-out row (``line``, ``entry``, ``reason``).
    The files appear atomically, or not at all.
    """
    session.wait()
    out = Path(out_path)
    refused = export_refusal(session, out)
    if refused:
        raise ValueError(refused)
    if fmt is None and clean:
        fmt = "chatml"
    summary = ExportSummary(out, fmt, clean, left_out=[] if report is not None else None)
    selection = range(len(session)) if positions is None else positions
    checks = None if error_checks is None else frozenset(error_checks)
    newline = b"\n" if clean or fmt else _source_newline(session)
    write_atomic(out, _stream(session, selection, summary, checks, newline, include_rejected))
    if report is not None:
        write_atomic(Path(report), report_lines(summary.left_out or []))
    return summary


def export_refusal(session: Any, out_path: str | os.PathLike[str]) -> str | None:
    """Why an export to `out_path` is refused whatever is answered (None: it is not):
    asked first, a question such as "overwrite it?" would come before a refusal."""
    out = Path(out_path)
    if _same_file(out, Path(session.path)):
        return f"{out}: refusing to export over the file being read"
    return None


def report_lines(left_out: Iterable[tuple[int | None, int, str]]) -> Iterator[bytes]:
    """One JSON line per left-out row: its line number, entry position and reason."""
    for line, entry, reason in left_out:
        yield orjson.dumps({"line": line, "entry": entry, "reason": reason}) + b"\n"


def _stream(session: Any, selection: Iterable[int], summary: ExportSummary,
            checks: frozenset[str] | None, newline: bytes,
            include_rejected: bool = False) -> Iterator[bytes]:
    """One output line per selected entry; the summary is complete once this is exhausted."""
    for i in selection:
        summary.selected += 1
        row = session.row(i)
        try:
            if row.status == "rejected" and not include_rejected:
                raise SkipEntry("rejected")
            line = _output_line(session, i, row, summary, checks)
        except SkipEntry as skip:
            summary.skipped[skip.reason] += 1
            if summary.left_out is not None:
                summary.left_out.append((session.line_number(i), i, skip.reason))
            continue
        summary.written += 1
        summary.by_status[row.status] += 1
        summary.by_origin[row.origin] += 1
        yield line + newline


def _output_line(session: Any, i: int, row: Row, summary: ExportSummary,
                 checks: frozenset[str] | None) -> bytes:
    line = session.line_bytes(i)
    if summary.clean:
        return clean_line(line, row, summary.fmt or "chatml", checks)  # type: ignore[arg-type]
    if summary.fmt is None:
        return one_line(line)
    return converted_line(line, summary.fmt, session.entry_id(i), row)  # type: ignore[arg-type]


def converted_line(line: bytes, fmt: Format, eid: str, row: Row) -> bytes:
    """The entry in the one schema of a `fmt` export, or SkipEntry when it is not valid."""
    value = parse_line(line)
    if isinstance(value, RawLine):
        raise SkipEntry("invalid-json")
    record = training_record(value, fmt, eid, list(row.tags), row.status, row.origin)
    return encode_training(record)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encode_training(record: dict[str, Any]) -> bytes:
    """One line of a trainer-facing export: strict UTF-8 JSON.

    A lone surrogate (possible through the stdlib parse of a ``\\ud800`` escape)
    would be written as an escape that Arrow's JSON reader rejects, failing the
    whole load; such code points become U+FFFD, as a UTF-8 decoder would do.
    """
    try:
        return orjson.dumps(record)
    except (TypeError, orjson.JSONEncodeError):
        return encode_value(_without_surrogates(record), COMPACT)


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def clean_line(line: bytes, row: Row, fmt: Format,
               checks: frozenset[str] | None = None) -> bytes:
    """The clean conversation of one line, or SkipEntry with the reason it is left out.

    Structural reasons (does it parse, can it be cleaned) come first so that
    the reason is the same whether or not validation ran; then findings.
    """
    value = parse_line(line)
    if isinstance(value, RawLine):
        raise SkipEntry("invalid-json")
    if not isinstance(value, dict):
        raise SkipEntry("not-an-object")
    cleaned = template_safe(value, fmt)
    reason = error_reason(row, checks)
    if reason is not None:
        raise SkipEntry(reason)
    return encode_training(cleaned)


def error_reason(row: Row, checks: frozenset[str] | None = None) -> str | None:
    """``error:<check>`` for an entry the clean export leaves out for its findings.

    With `checks` None the summary severity decides: any error-severity
    finding except those in `RESOLVED_BY_CLEAN`. Otherwise any finding named
    in `checks`.
    """
    if checks is None:
        if row.severity != "error":
            return None
        hits = [c for c in row.issues if CHECKS.get(c) == "error" and c not in RESOLVED_BY_CLEAN]
        if not hits:  # an error from a check this table does not know yet: stay safe
            hits = [c for c in row.issues if c not in CHECKS]
    else:
        hits = [c for c in row.issues if c in checks]
    if not hits:
        return None
    return "error:" + min(hits, key=lambda c: (_CHECK_ORDER.get(c, len(_CHECK_ORDER)), c))


def _source_newline(session: Any) -> bytes:
    """The line ending the source file uses (its first line's), LF when it has none."""
    store = session.store
    ending = ENDINGS[store.endings[0]] if store.count else b""
    return ending or b"\n"


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return False
