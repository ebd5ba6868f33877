"""`rolethread-tui stats FILE [--json] [--where QUERY] [--insights] [--duplicates]`.

Counts for pipelines, plus the insights figures (docs/keys.md): the ones the summary
columns give are always there (they cost nothing); those that need the text of
every entry (reply lengths, openings, quoted speech, system prompts, reviewers)
add a full parse of the file (~2-3 s per 100k entries), so they come with
`--insights`, and duplicate groups (the slow near-duplicate scan) with
`--duplicates`. In `--json` they sit under `"insights"`; a figure not computed
is null.
"""

from __future__ import annotations

import argparse
import gc
from typing import Any

import orjson

from ..domain.review import ORIGINS, STATUSES
from ..domain.wording import count
from .common import (
    accept_dash_values,
    add_config_option,
    input_file,
    open_session,
    validation_settings,
)
from .options import add_engine_options

LABEL = 30  # width of a figure's label in the text form
BAR = 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="counts by status, origin, flag and issue, and insights")
    p.add_argument("file")
    add_engine_options(p)
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--where", metavar="QUERY", help="only count entries matching QUERY")
    accept_dash_values(p, "--where")
    p.add_argument("--insights", action="store_true",
                   help="also read every entry: reply lengths, openings, dialogue share, "
                        "system prompts, reviewers (a few seconds per 100k entries)")
    p.add_argument("--duplicates", action="store_true",
                   help="also count duplicate groups (the slower near-duplicate scan)")
    add_config_option(p)
    p.set_defaults(run=run)


def collect(session: Any, where: str | None, *, insights: bool = False,
            duplicates: bool = False) -> dict[str, Any]:
    """The figures `stats --json` prints (docs/cli.md keys, plus `insights`).
    The insights module is imported here, not with this one: `stats --where`
    starts its helper process before it (docs/architecture.md)."""
    from ..domain.insights import compute_insights

    positions = None
    matched = None
    if where:
        positions = session.search(where)
        rids = [session.rid(p) for p in positions]
        matched = len(rids)
    else:
        rids = session.rids()
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
    groups = _duplicate_groups(session, positions) if duplicates else None
    out["insights"] = compute_insights(session, positions=positions, content=insights,
                                       duplicate_groups=groups, counts=counts).as_dict()
    return out


def _duplicate_groups(session: Any, positions: list[int] | None) -> list[Any] | None:
    """Duplicate groups, restricted to `positions` (a group needs two members left)."""
    finder = getattr(session, "duplicate_groups", None)
    if finder is None:
        return None
    groups = finder()
    if positions is None:
        return groups
    keep = set(positions)
    out = []
    for group in groups:
        members = [e for e in group.entries if e in keep]
        if len(members) > 1:
            out.append(type(group)(members, group.exact, group.score))
    return out


# ---------------------------------------------------------------- text form
def render_text(stats: dict[str, Any]) -> str:
    if "matched" in stats:  # every count below is of the matches, `invalid` too
        lines = [f"{stats['file']}: {count(stats['entries'], 'entry')}",
                 f"matched: {stats['matched']}, {stats['invalid']} invalid"]
    else:
        lines = [f"{stats['file']}: {count(stats['entries'], 'entry')}, "
                 f"{stats['invalid']} invalid"]
    for key in ("status", "origin", "flags", "tags", "issues"):
        if stats[key]:
            parts = ", ".join(f"{k} {v}" for k, v in stats[key].items())
            lines.append(f"{key}: {parts}")
    if stats.get("insights"):
        lines.append("")
        lines.extend(render_insights(stats["insights"]))
    return "\n".join(lines)


def _row(figure: dict[str, Any]) -> str:
    from ..domain.insights import bar

    label = figure["label"].replace("\n", " ")
    label = label if len(label) <= LABEL else label[: LABEL - 1] + "…"
    query = f"  {figure['query']}" if figure["query"] else ""
    return (f"  {label:<{LABEL}} {bar(figure['share'], BAR)} {figure['count']:>9,}"
            f" {figure['share']:>6.1%}{query}")


def _section(title: str, figures: list[dict[str, Any]], spark: bool = False) -> list[str]:
    from ..domain.insights import sparkline

    head = title + (f"  {sparkline([f['count'] for f in figures])}" if spark else "")
    return [head, *(_row(f) for f in figures)] if figures else [f"{title}: none"]


def render_insights(ins: dict[str, Any]) -> list[str]:
    """The insights as readable lines: label, bar, count, share, and the list query."""
    from ..domain.insights import share

    review = ins["review_progress"]
    reviewed = {"label": "reviewed", "count": review["reviewed"],
                "share": share(review["reviewed"], review["total"]),
                "query": review["reviewed_query"]}
    lines = [f"Review progress: {review['reviewed']:,} of {review['total']:,} reviewed",
             _row(reviewed)]
    if review["by_reviewer"]:
        lines += _section("Reviewed per reviewer", review["by_reviewer"])[1:]
    lines.append("")
    lines += _section("Status", ins["status"]) + _section("Origin", ins["origin"])
    lines += _section("Flags", ins["flags"]) + _section("Validation checks", ins["issues"])
    lines += _section("Refusals", [{**ins["refusal_share"], "label": "share of entries"}])
    lines += _section("Turns per entry", ins["turns_histogram"], spark=True)
    lines += _section("Entry length (user + assistant chars)", ins["length_histogram"],
                      spark=True)
    lines += _content_lines(ins)
    lines += _duplicate_lines(ins["duplicates"])
    return lines


def _content_lines(ins: dict[str, Any]) -> list[str]:
    if ins["replies"] is None:
        return ["(reply lengths, openings, dialogue share, system prompts, reviewers: "
                "add --insights)"]
    lines = _section(f"Assistant reply length (chars, {count(ins['replies'], 'reply')})",
                     ins["reply_length_histogram"], spark=True)
    approx = " (approximate)" if ins["openings_approximate"] else ""
    lines += _section(f"Top openings of assistant replies{approx}", ins["top_openings"])
    balance = ins["dialogue_balance"]
    lines += _section(f"Dialogue vs narration (share of reply inside quotes, "
                      f"mean {balance['mean']:.0%})", balance["buckets"])
    prompts = ins["system_prompts"]
    lines += _section(
        f"System prompts: {prompts['distinct']:,} distinct; top {len(prompts['top'])} = "
        f"{prompts['concentration']:.1%} of {count(prompts['with_system'], 'entry')} with one",
        prompts["top"])
    if not ins["complete"]:
        lines.append("(interrupted: figures cover part of the file)")
    return lines


def _duplicate_lines(dup: dict[str, Any] | None) -> list[str]:
    if dup is None:
        return []
    query = f"  {dup['query']}" if dup["query"] else ""
    return [f"Duplicates: {count(dup['groups'], 'group')} ({dup['exact_groups']:,} exact), "
            f"{count(dup['entries'], 'entry')}, {count(dup['redundant'], 'redundant copy')}"
            f"{query}"]


def _matched_first(args: argparse.Namespace, validation: Any) -> dict[str, Any] | None:
    """`--where` on a file without a kept scan: the figures from the matches alone
    (`domain.where_first`, docs/architecture.md), or None when the scan must answer.
    Duplicate groups need every entry's text: they take the scan.

    The cyclic GC is paused meanwhile, and what was built is frozen after: this
    command's rows live until the process exits, so a collection frees nothing,
    but the first one after the matching walked all of them (~35 ms at 32k
    matches) and the one at exit again."""
    if not args.where or args.duplicates:
        return None
    from ..domain.where_first import quick_where

    paused = gc.isenabled()
    gc.disable()
    try:
        view = quick_where(input_file(args.file), args.where, validation)
        if view is None:
            return None
        try:
            return collect(view, args.where, insights=args.insights)
        finally:
            view.close()
    finally:
        if paused:
            gc.freeze()
            gc.enable()


def run(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        from .engine_dask import run_stats

        return run_stats(args)
    validation = validation_settings(args.config)
    stats = _matched_first(args, validation)
    if stats is None:
        with open_session(args.file, validation=validation) as session:
            stats = collect(session, args.where, insights=args.insights,
                            duplicates=args.duplicates)
    if args.json:
        print(orjson.dumps(stats, option=orjson.OPT_INDENT_2).decode())
    else:
        print(render_text(stats))
    return 0
