"""`rolethread-tui validate FILE [--json] [--fix -o OUT]`: the checks of docs/validation.md.

With --fix the findings listed are FILE's (what was found, and fixed), and the exit
code is OUT's: 1 only if an error-severity finding is left in the file written
(docs/cli.md) — a CI step that fixes and goes on with OUT passes when OUT is clean.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ..domain.session import EntryFinding
from ..domain.validation import FileNote, file_notes
from ..domain.wording import count
from .common import (
    add_config_option,
    open_session,
    output_path,
    report_stream,
    stream_output,
    validation_settings,
)
from .errors import UsageError
from .json_out import Items, write_document
from .options import add_engine_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check every entry; exit 1 on error findings")
    p.add_argument("file")
    add_engine_options(p)
    p.add_argument("--json", action="store_true", help="findings as one JSON document")
    p.add_argument("--fix", action="store_true",
                   help="apply the safe fixes and write the result to -o OUT")
    p.add_argument("-o", "--output", help="where --fix writes (never the input)")
    p.add_argument("--force", action="store_true", help="overwrite an existing OUT")
    add_config_option(p)
    p.set_defaults(run=run)


def _check_args(args: argparse.Namespace) -> Path | None:
    if not args.fix:
        if args.output is not None:
            raise UsageError("-o/--output is only used with --fix")
        return None
    if args.output is None:
        raise UsageError("--fix needs -o OUT (the input file is never modified)")
    out = output_path(args.output, "-o/--output")
    if out.exists() and out.resolve() == Path(args.file).resolve():
        raise UsageError("-o must not be the input file")
    if not stream_output(out) and out.exists() and not args.force:
        raise UsageError(f"{out}: exists (use --force to overwrite)")
    return out


def run(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        from .engine_dask import run_validate

        return run_validate(args)
    out = _check_args(args)
    with open_session(args.file, validation=validation_settings(args.config)) as session:
        findings = session.validate()
        total = len(session)
        unit = "element" if session.store.array is not None else "line"  # a .json array
        fixed, judged = 0, findings
        if out is not None:
            fixable = sorted({f.entry for f in findings if f.fixable})
            fixed = session.apply_fixes(fixable)
            session.save(out)
            judged = session.validate()  # OUT's findings: what the exit code answers for
    _report(findings, notes_of(findings, total), args.json, fixed, out, unit,
            judged if out is not None else None)
    return 1 if any(f.severity == "error" for f in judged) else 0


def notes_of(findings: list[EntryFinding], total: int) -> list[FileNote]:
    """File-wide notes: checks that fire on more than half of the entries (docs/validation.md)."""
    entries: dict[str, set[int]] = {}
    for f in findings:
        entries.setdefault(f.check, set()).add(f.entry)
    return file_notes({check: len(seen) for check, seen in entries.items()}, total)


def _report(findings: list[EntryFinding], notes: list[FileNote], as_json: bool, fixed: int,
            out: Path | None, unit: str = "line",
            in_out: list[EntryFinding] | None = None) -> None:
    """`--json`: every finding plus ``notes``; text: one note line replaces a file-wide check's
    per-entry lines (the counts on stderr still include them). `unit` names what `line`
    counts: the file's lines, or a `.json` array's elements (docs/formats.md). With --fix,
    `in_out` (OUT's findings) are counted too: the exit code answers for them (docs/cli.md)."""
    stream = report_stream(out)  # stderr when OUT is standard output itself (`-o -`)
    if as_json:
        doc: dict[str, Any] = {
            "findings": Items(findings, EntryFinding.as_dict),
            "notes": [note.as_dict() for note in notes],
            "counts": _counts(findings),
            "by_check": dict(Counter(f.check for f in findings).most_common())}
        if out is not None:
            doc["fixed_entries"] = fixed
            doc["output"] = str(out)
            doc["output_counts"] = _counts(in_out or [])
        stream.flush()
        write_document(stream.buffer, doc)
        return
    for note in notes:
        print(f"note: {note.severity}: {note.text}", file=stream)
    wide = {note.check for note in notes}
    for f in findings:
        if f.check in wide:
            continue
        where = f"{unit} {f.line}" if f.line is not None else f"entry {f.entry + 1}"
        msg = f" message {f.message}" if f.message is not None else ""
        print(f"{where}{msg}: {f.severity}: {f.check}: {f.text}", file=stream)
    print(_tally(findings), file=sys.stderr)
    if out is not None:
        print(f"fixed {count(fixed, 'entry')} → {out}: {_tally(in_out or [])} left",
              file=sys.stderr)


def _counts(findings: list[EntryFinding]) -> dict[str, int]:
    by_severity = Counter(f.severity for f in findings)
    return {"error": by_severity["error"], "warning": by_severity["warning"],
            "info": by_severity["info"]}


def _tally(findings: list[EntryFinding]) -> str:
    """"3 errors, 1 warning, 12 info": the counts a run ends with on stderr."""
    n = _counts(findings)
    return f"{count(n['error'], 'error')}, {count(n['warning'], 'warning')}, {n['info']:,} info"
