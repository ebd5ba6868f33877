"""`rolethread-tui dedupe FILE [--threshold 0.9] [--json]`: duplicate groups."""

from __future__ import annotations

import argparse

import orjson

from ..domain.dedupe_file import file_duplicate_groups
from ..domain.wording import count
from .common import input_file
from .errors import UsageError
from .options import add_engine_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dedupe", help="groups of exact and near-duplicate conversations")
    p.add_argument("file")
    add_engine_options(p)
    p.add_argument("--threshold", type=float, default=0.9,
                   help="similarity 0..1 for near-duplicates (default 0.9)")
    p.add_argument("--json", action="store_true", help="groups as one JSON document")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        from .engine_dask import run_dedupe

        return run_dedupe(args)
    if not 0 < args.threshold <= 1:
        raise UsageError("--threshold must be in (0, 1]")
    groups, numbers = file_duplicate_groups(input_file(args.file), args.threshold)
    lines = [[numbers[p] for p in g.entries] for g in groups]
    if args.json:
        doc = {"threshold": args.threshold, "groups": [
            {"lines": ls, "entries": g.entries, "exact": g.exact, "score": round(g.score, 4)}
            for g, ls in zip(groups, lines, strict=True)]}
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return 0
    for g, ls in zip(groups, lines, strict=True):
        kind = "exact" if g.exact else f"near {g.score:.2f}"
        print(f"{kind}: lines {', '.join(map(str, ls))}")
    print(f"{count(len(groups), 'group')}, "
          f"{count(sum(len(g.entries) for g in groups), 'entry')}")
    return 0
