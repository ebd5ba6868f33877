"""`rolethread-tui export FILE -o OUT [--format F] [--where QUERY] [--clean]`.

The summary goes to stderr so that stdout stays clean for pipelines (and
`--json` puts one JSON document there instead).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from ..domain.convert import FORMATS
from ..domain.export import export
from ..domain.wording import os_reason
from ..domain.writer import real_path, temp_prefix
from .common import (
    accept_dash_values,
    add_config_option,
    input_file,
    open_session,
    output_path,
    report_stream,
    stream_output,
    validation_settings,
)
from .errors import UsageError
from .options import add_engine_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="write a training file (optionally filtered, converted or clean)",
        description="Export entries for training tools. Without --format/--clean each "
        "entry's line is copied byte for byte; --format writes one schema (id, "
        "conversation with text content, tags, status, origin). --clean writes only the "
        "conversation (ChatML unless --format says otherwise) of rows every chat template "
        "accepts. Rejected entries, and rows that are not valid, are left out and counted "
        "on stderr.")
    p.add_argument("file")
    add_engine_options(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    p.add_argument("--format", choices=FORMATS, help="convert every entry to this shape")
    p.add_argument("--where", metavar="QUERY", help="only export entries matching QUERY")
    accept_dash_values(p, "--where")
    p.add_argument("--clean", action="store_true",
                   help="only the conversation, roles normalised; no _review or other fields")
    p.add_argument("--include-rejected", action="store_true",
                   help="keep entries whose status is rejected (left out by default)")
    p.add_argument("--report", metavar="FILE",
                   help="write every left-out row (line number and reason, one JSON line each)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    add_config_option(p)
    p.set_defaults(run=run)


def check_output(out: Path, inputs: list[Path], force: bool,
                 others: dict[str, Path] | None = None, name: str = "output") -> None:
    """Refuse to write over an input or another output (`others`, by option: "--report
    is the same file as -o"), over an existing file (without --force), or where no file
    can be made. Checked before anything is written: `export --report` writes two
    files, and a report that fails once OUT is there would leave OUT behind (the
    re-run: "already exists"). A device or FIFO is written into (docs/cli.md):
    neither --force nor a temp file beside it applies."""
    for path in inputs:
        if _same(out, path):
            raise UsageError(f"{out}: {name} is the same file as the input {path}")
    for option, path in (others or {}).items():
        if _same(out, path):
            raise UsageError(f"{out}: {name} is the same file as {option}")
    if stream_output(out):  # a device or FIFO: written into, never replaced
        return
    if out.exists() and not force:
        raise UsageError(f"{out}: already exists (use --force to overwrite)")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such directory")
    check_writable(out)


def _same(out: Path, path: Path) -> bool:
    return out.resolve() == path.resolve() or (out.exists() and path.exists()
                                                and out.samefile(path))


def check_writable(out: Path) -> None:
    """Make and remove a temp file where `out` will be written, as the atomic save
    does (`write_atomic`): a folder that refuses it (no permission, a read-only or
    pseudo file system such as /sys or /proc) fails here, naming `out`."""
    real = real_path(out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(real), suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise UsageError(f"{out}: {os_reason(exc, name=False)}") from exc
    os.close(fd)
    os.unlink(tmp)


def selected(session: Any, where: str | None) -> list[int] | None:
    """Positions matching --where (None: every entry); a bad query is a usage error."""
    if not where:
        return None
    search = getattr(session, "search", None)
    if search is None:
        raise UsageError("--where is not available: this build has no search")
    from ..domain.search import QueryError

    try:
        return search(where)
    except QueryError as exc:
        raise UsageError(f"--where: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        from .engine_dask import run_export

        return run_export(args)
    out = output_path(args.output, "-o/--output")
    report = None if args.report is None else output_path(args.report, "--report")
    source = input_file(args.file)
    check_output(out, [source], args.force)
    if report is not None:
        check_output(report, [source], args.force, {"-o": out}, name="--report")
    settings = validation_settings(args.config)
    with open_session(args.file, validation=settings) as session:
        positions = selected(session, args.where)
        summary = export(session, out, fmt=args.format, positions=positions,
                         clean=args.clean, include_rejected=args.include_rejected,
                         report=report)
    print(summary.render(), file=sys.stderr)
    if args.json:
        print(orjson.dumps(summary.as_dict(), option=orjson.OPT_INDENT_2).decode(),
              file=report_stream(out))
    return 0
