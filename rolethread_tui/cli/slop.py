"""`rolethread-tui slop FILE [--json] [--top N]`: the slop lens (docs/slop.md).

Ranks the entries of a generated batch worst first by what the batch repeats
(phrases, openings, stock words) and by sycophantic, generic and "not X, but Y"
phrasing, and lists the repeated phrases. Progress goes to stderr; `--json`
prints one document on stdout.
"""

from __future__ import annotations

import argparse
import sys
from array import array

from ..domain.gc_pause import gc_paused
from ..domain.slop import SlopReport, file_slop
from ..domain.wording import count
from .common import input_file
from .errors import UsageError
from .json_out import Items, write_document
from .options import add_engine_options

TOP_TEXT = 20  # entries shown in the text form without --top
PHRASES_TEXT = 15
EVIDENCE = 70  # characters of one signal's evidence in the text form


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("slop", help="rank entries by repeated, generic or sycophantic phrasing")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="entries and phrases as one JSON document")
    p.add_argument("--top", type=int, metavar="N",
                   help="only the N worst entries (default: every entry in --json, "
                        f"{TOP_TEXT} in the text form)")
    add_engine_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.top is not None and args.top < 0:
        raise UsageError("--top must be 0 or more")
    if args.engine == "dask":
        from .engine_dask import run_slop

        return run_slop(args)
    path = input_file(args.file)
    # A helper process counts and scores half of a large file (one-core machines: none).
    report, lines = file_slop(path, _progress if sys.stderr.isatty() else None, parallel=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        with gc_paused():  # 100k acyclic dicts (see `slop.source.file_slop`)
            ranked, entry, phrases = report.json_parts(_line_of(lines), args.top)
            write_document(sys.stdout.buffer, {"entries": Items(ranked, entry),
                                               "phrases": phrases})
        return 0
    print(render_text(report, lines, TOP_TEXT if args.top is None else args.top))
    return 0


def _line_of(lines: array):  # type: ignore[no-untyped-def]
    return lines.__getitem__


def _progress(done: int, total: int) -> None:
    print(f"\rslop: {done:,}/{count(total, 'entry')}", end="", file=sys.stderr, flush=True)


def render_text(report: SlopReport, lines: array, top: int) -> str:
    """Top phrases, then the worst entries with their signals (file text shown as is)."""
    out = [f"{count(report.total, 'entry')}, {len(report.entries):,} with a signal, "
           f"{count(len(report.phrases), 'repeated phrase')}"]
    if report.phrases:
        out += ["", f"{'entries':>8}  {'x rate':>7}  phrase"]
        out += [f"{p.entries:>8,}  {p.over:>7.1f}  {p.text}"
                for p in report.phrases[:PHRASES_TEXT]]
    worst = [p for p in report.ranked()[:top] if p in report.entries]
    if worst:
        out += ["", f"{'entry':>7} {'line':>7}  {'score':>5}  signals"]
    for position in worst:
        found = report.entries[position]
        first, *rest = [f"{s.name}: {_clip(s.evidence)}" for s in found.signals]
        out.append(f"{position:>7} {lines[position]:>7}  {found.score:>5.2f}  {first}")
        out += [f"{'':>24}{r}" for r in rest]
    return "\n".join(out)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE else text[: EVIDENCE - 1] + "…"
