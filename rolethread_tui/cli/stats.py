"""`rolethread-tui stats FILE [--json] [--where QUERY]`: counts for pipelines."""

from __future__ import annotations

import argparse
from typing import Any

import orjson

from ..domain.review import ORIGINS, STATUSES
from .common import open_session


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="counts by status, origin, flag and issue")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--where", metavar="QUERY", help="only count entries matching QUERY")
    p.set_defaults(run=run)


def collect(session: Any, where: str | None) -> dict[str, Any]:
    """The figures `stats --json` prints (DESIGN §7 keys)."""
    rids = session.rids()
    matched = None
    if where:
        positions = session.search(where)
        rids = [session.rid(p) for p in positions]
        matched = len(rids)
    counts = session.columns.counts(rids)
    out: dict[str, Any] = {
        "file": str(session.path),
        "entries": len(session),
        "invalid": counts["invalid"]["invalid"],
        "status": {s: counts["status"].get(s, 0) for s in STATUSES},
        "origin": {o: counts["origin"].get(o, 0) for o in ORIGINS},
        "flags": dict(counts["flags"].most_common()),
        "tags": dict(counts["tags"].most_common()),
        "issues": dict(counts["issues"].most_common()),
    }
    if matched is not None:
        out["matched"] = matched
    return out


def render_text(stats: dict[str, Any]) -> str:
    lines = [f"{stats['file']}: {stats['entries']} entries, {stats['invalid']} invalid"]
    if "matched" in stats:
        lines.append(f"matched: {stats['matched']}")
    for key in ("status", "origin", "flags", "tags", "issues"):
        if stats[key]:
            parts = ", ".join(f"{k} {v}" for k, v in stats[key].items())
            lines.append(f"{key}: {parts}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    with open_session(args.file) as session:
        stats = collect(session, args.where)
    if args.json:
        print(orjson.dumps(stats, option=orjson.OPT_INDENT_2).decode())
    else:
        print(render_text(stats))
    return 0
