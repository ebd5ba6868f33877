"""`rolethread-tui merge FILE FILE... -o OUT [--shuffle --seed N]`: combine reviewed shards.

Conflicts (same entry, different decisions or content) are reported on
stderr and kept visible in the output (`_review.conflicts`); exit 0 either
way, since nothing was lost. `--json` prints the full report on stdout.
"""

from __future__ import annotations

import argparse
import sys

import orjson

from ..domain.merge import merge
from .common import input_file, output_path, report_stream
from .errors import UsageError
from .export import check_output


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("merge", help="combine reviewed shards; report conflicts",
                       description="Combine JSONL files in the order given. The same entry "
                       "in several files is written once; differing decisions are reported "
                       "and kept under _review.conflicts.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    p.add_argument("--shuffle", action="store_true", help="shuffle the merged entries")
    p.add_argument("--seed", type=int, help="seed for --shuffle (reproducible order)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.seed is not None and not args.shuffle:
        raise UsageError("--seed only makes sense with --shuffle")
    files = [input_file(f) for f in args.files]
    out = output_path(args.output, "-o/--output")
    check_output(out, files, args.force)
    report = merge(files, out, shuffle=args.shuffle, seed=args.seed)
    print(report.render(), file=sys.stderr)
    if args.json:
        print(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode(),
              file=report_stream(out))
    return 0
