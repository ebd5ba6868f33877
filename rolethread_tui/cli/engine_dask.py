"""`--engine dask`: the headless commands over many shards, on a Dask cluster (docs/scale.md).

The driver cuts the shards into byte ranges (`domain.shards.partitions`), has
the workers run the per-partition functions of `domain.shards.tasks` — the
single-machine per-line code — and merges their plain answers
(`domain.shards.merging`). Near-duplicates shuffle band keys with a Dask bag
``foldby`` (`domain.shards.bands`). Dask is an optional extra, imported only
here and only when asked for; a missing install or an unreachable scheduler is
a one-line usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..domain.dedupe import DuplicateFinder
from ..domain.export import ExportSummary
from ..domain.line_repeats import nth_id, rank_copies
from ..domain.review import ORIGINS, STATUSES
from ..domain.shards import bands, merging, tasks
from ..domain.shards.partitions import PARTITION_BYTES, Partition, plan, shard_paths
from ..domain.validation import file_notes
from ..domain.wording import count, os_reason
from ..domain.writer import write_atomic
from .common import given_path, output_path, validation_settings
from .errors import UsageError

#: Seconds to wait for a scheduler given with --scheduler.
CONNECT_TIMEOUT = "2s"
PAIRS_PER_TASK = 5000


# ------------------------------------------------------------ cluster and progress
@contextlib.contextmanager
def connect(scheduler: str | None, processes: bool = True) -> Iterator[Any]:
    """A Dask client: to `scheduler`, or to a `LocalCluster` of two single-thread workers."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise UsageError("--engine dask needs Dask: pip install 'rolethread-tui[dask]'") from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # OSError, TimeoutError, a malformed address…
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: "
                             f"{os_reason(exc, name=False)}") from exc
        with client:
            yield client
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def gather(client: Any, futures: list[Any], label: str) -> list[Any]:
    """Results of `futures` in order, counting them on stderr as they finish."""
    from distributed import as_completed

    total = len(futures)
    for done, _ in enumerate(as_completed(futures), 1):
        print(f"\r{label}: {done}/{total}", end="", file=sys.stderr, flush=True)
    if total:
        print(file=sys.stderr)
    return client.gather(futures)


def shards(pattern: str) -> list[Path]:
    """The shards FILE names, or a usage error when it names none."""
    given_path(pattern, "a FILE, folder or glob of shards")
    paths = shard_paths(pattern)
    if not paths:
        raise UsageError(f"{pattern}: no shards (give a file, a directory of .jsonl "
                         "files or a quoted glob)")
    return paths


def _run(args: argparse.Namespace, work: Callable[[Any, list[Path]], int]) -> int:
    paths = shards(args.file)
    with connect(args.scheduler) as client:
        return work(client, paths)


def _refuse(args: argparse.Namespace, *options: str) -> None:
    for option in options:
        if getattr(args, option.lstrip("-").replace("-", "_"), None):
            raise UsageError(f"{option} is not available with --engine dask")


def _print_json(doc: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


# ------------------------------------------------------------ validate
def _entry_ids(client: Any, parts: list, candidates: list[tuple[int, int]]
               ) -> dict[tuple[int, int], str]:
    """Ids of the duplicates and of every copy of an identical line (the k-th is
    `<hash>-<k>`, docs/formats.md), by (partition, entry): read where they are."""
    return {at: nth_id(eid, k) for at, (eid, k) in _copy_ranks(client, parts, candidates).items()}


def _copy_ranks(client: Any, parts: list, candidates: list[tuple[int, int]]
                ) -> dict[tuple[int, int], tuple[str, int]]:
    """(entry id as its line gives it, which copy it is) of each candidate."""
    wanted: dict[int, list[int]] = {}
    for p, k in candidates:
        wanted.setdefault(p, []).append(k)
    found = client.gather([client.submit(tasks.copy_keys, parts[p], ks)
                           for p, ks in wanted.items()])
    keys = {(p, k): key for p, got in zip(wanted, found, strict=True)
            for k, key in got.items()}
    ranks = rank_copies((at, line_hash) for at, (_, line_hash) in sorted(keys.items()))
    return {at: (eid, ranks.get(at, 1)) for at, (eid, _) in keys.items()}


def validate_shards(client: Any, paths: list[Path], validation: Any = None,
                    size: int = PARTITION_BYTES) -> dict[str, Any]:
    """`validate --json`'s document over all shards; findings name file and line."""
    parts = plan(paths, size)
    results = gather(client, client.map(tasks.validate_partition, parts,
                                        validation=validation), "validate")
    duplicates = merging.exact_duplicates(results)
    ids = _entry_ids(client, parts, merging.copy_candidates(results, duplicates))
    names = [str(path) for path in paths]
    findings = merging.findings(parts, results, names, ids)
    seen: dict[str, set[tuple[str, int]]] = {}
    for f in findings:
        seen.setdefault(f["check"], set()).add((f["file"], f["entry"]))
    total = sum(r.entries for r in results)
    notes = file_notes({check: len(s) for check, s in seen.items()}, total)
    severity = Counter(f["severity"] for f in findings)
    return {"files": names, "entries": total, "findings": findings,
            "notes": [note.as_dict() for note in notes],
            "counts": {s: severity[s] for s in ("error", "warning", "info")},
            "by_check": dict(Counter(f["check"] for f in findings).most_common())}


def run_validate(args: argparse.Namespace) -> int:
    _refuse(args, "--fix", "--output")
    settings = validation_settings(args.config)

    def work(client: Any, paths: list[Path]) -> int:
        doc = validate_shards(client, paths, settings)
        if args.json:
            _print_json(doc)
        else:
            for note in doc["notes"]:
                print(f"note: {note['severity']}: {note['text']}")
            wide = {note["check"] for note in doc["notes"]}
            for f in doc["findings"]:
                if f["check"] not in wide:
                    msg = f" message {f['message']}" if f["message"] is not None else ""
                    print(f"{f['file']}:{f['line']}{msg}: {f['severity']}: {f['check']}: "
                          f"{f['text']}")
        c = doc["counts"]
        print(f"{count(c['error'], 'error')}, {count(c['warning'], 'warning')}, "
              f"{c['info']:,} info ({count(doc['entries'], 'entry')} in "
              f"{count(len(paths), 'shard')})", file=sys.stderr)
        return 1 if c["error"] else 0

    return _run(args, work)


# ------------------------------------------------------------ slop
def slop_shards(client: Any, paths: list[Path], top: int | None = None,
                size: int = PARTITION_BYTES) -> dict[str, Any]:
    """`slop --json`'s document over all shards: the single-machine report, entries
    placed by file and line (`entry`: 0-based in its shard, `row`: over all shards)."""
    from ..domain.shards import slop_tasks
    from ..domain.slop.counts import Counts, discover, merge
    from ..domain.slop.report import finish
    from ..domain.slop.source import sample_positions

    parts = plan(paths, size)
    sizes = gather(client, client.map(slop_tasks.slop_sizes, parts), "slop: index")
    place = merging.Placement(parts, sizes)
    wanted: dict[int, list[int]] = {}
    for row in sample_positions(place.total):
        part, local = place.locate(row)
        wanted.setdefault(part, []).append(local)
    samples = client.gather([client.submit(slop_tasks.slop_sample, parts[p], ks)
                             for p, ks in sorted(wanted.items())])
    lexicon = discover(line for lines in samples for line in lines)
    counted = gather(client, client.map(slop_tasks.slop_counts, parts,
                                        [lexicon] * len(parts), place.row_start[:-1]),
                     "slop: count")
    counts = Counts()
    for part_counts in counted:  # in partition order, as the single machine merges
        counts = merge(counts, part_counts)
    report = finish(counts, lexicon)
    names = [str(path) for path in paths]

    def where(row: int) -> dict[str, Any]:
        part, local = place.locate(row)
        line = place.line(part, sizes[part].numbers[local])
        return {"file": names[parts[part].shard], "line": line,
                "entry": place.entry(part, local), "row": row}

    doc = report.as_json(lambda row: None, top)
    for item in doc["entries"]:
        item.update(where(item["entry"]))
    return {"files": names, **doc}


def run_slop(args: argparse.Namespace) -> int:
    def work(client: Any, paths: list[Path]) -> int:
        doc = slop_shards(client, paths, args.top)
        if args.json:
            _print_json(doc)
        else:
            for item in doc["entries"][: args.top or 20]:
                names = ", ".join(s["name"] for s in item["signals"])
                print(f"{item['file']}:{item['line']}  {item['score']:.2f}  {names}")
        return 0

    return _run(args, work)


# ------------------------------------------------------------ stats
def stats_shards(client: Any, paths: list[Path], size: int = PARTITION_BYTES,
                 validation: Any = None) -> dict[str, Any]:
    """`stats --json`'s counts (docs/cli.md keys) summed over all shards."""
    parts = plan(paths, size)
    results = gather(client, client.map(tasks.stats_partition, parts, validation=validation),
                     "stats")
    counts = merging.tallies(results)

    def ranked(name: str) -> dict[str, int]:
        return dict(sorted(counts.get(name, Counter()).items(), key=lambda kv: (-kv[1], kv[0])))

    return {"files": [str(p) for p in paths], "entries": sum(r.entries for r in results),
            "invalid": counts.get("invalid", Counter())["invalid"],
            "status": {s: counts.get("status", Counter())[s] for s in STATUSES},
            "origin": {o: counts.get("origin", Counter())[o] for o in ORIGINS},
            "flags": ranked("flags"), "tags": ranked("tags"), "issues": ranked("issues")}


def run_stats(args: argparse.Namespace) -> int:
    _refuse(args, "--where", "--insights", "--duplicates")
    settings = validation_settings(args.config)

    def work(client: Any, paths: list[Path]) -> int:
        stats = stats_shards(client, paths, validation=settings)
        if args.json:
            _print_json(stats)
        else:
            from .stats import render_text

            print(render_text({**stats, "file": f"{count(len(paths), 'shard')} ({args.file})"}))
        return 0

    return _run(args, work)


# ------------------------------------------------------------ dedupe
def _stop_shingles(client: Any, parts: Sequence[Partition]) -> frozenset[int]:
    """The finder's stop-shingles, from the first distinct dialogues in shard order."""
    finder = DuplicateFinder(text_of=lambda _: "")
    for part in parts:
        prints = client.submit(tasks.warmup_prints, part).result()
        finder.add_fingerprints(len(finder), prints)
        if finder.job is not None:
            break
    return finder.stop_shingles()


def duplicate_groups(client: Any, paths: list[Path], threshold: float = 0.9,
                     size: int = PARTITION_BYTES) -> dict[str, Any]:
    """`dedupe --json`'s groups over all shards; members named by file, line and entry."""
    import dask
    import dask.bag as db

    parts = plan(paths, size)
    stop = client.scatter(_stop_shingles(client, parts), broadcast=True)
    prints = client.map(tasks.fingerprint_partition, parts, stop=stop)
    heads = gather(client, client.map(_head, prints), "fingerprints")
    place = merging.Placement(parts, heads)
    groups = merging.Groups(heads, place)
    skip = client.scatter(frozenset(groups.join_exact()), broadcast=True)
    records = db.from_delayed([dask.delayed(bands.band_records)(f, place.row_start[i], skip)
                               for i, f in enumerate(prints)])
    by_band = records.foldby(bands.band_key, bands.add_record, bands.empty_band,
                             bands.join_bands, bands.empty_band)
    buckets = [(band, bands.band_buckets(band, *kr)) for band, kr in
               client.compute(by_band).result()]
    signed = _fetch(client, place, prints, {r for _, bs in buckets for b in bs for r in b})
    found = gather(client, [client.submit(bands.candidate_pairs, band, bs,
                                          {r: signed[r] for b in bs for r in b}, threshold)
                            for band, bs in buckets if bs], "candidates")
    pairs = sorted(set().union(*found))
    texts = _dialogues(client, parts, place, {r for pair in pairs for r in pair})
    chunks = [pairs[i:i + PAIRS_PER_TASK] for i in range(0, len(pairs), PAIRS_PER_TASK)]
    verified = gather(client, [client.submit(bands.verify_pairs, chunk,
                                             {r: texts[r] for pair in chunk for r in pair},
                                             threshold) for chunk in chunks], "verify")
    groups.join(pair for chunk in verified for pair in chunk)
    names = [str(p) for p in paths]

    def member(row: int) -> dict[str, Any]:
        p, k = place.locate(row)
        return {"file": names[parts[p].shard], "line": place.line(p, heads[p].numbers[k]),
                "entry": place.entry(p, k)}

    return {"threshold": threshold, "files": names, "entries": place.total,
            "candidate_pairs": len(pairs),
            "groups": [{"members": [member(r) for r in g.entries], "exact": g.exact,
                        "score": round(g.score, 4)} for g in groups.groups()]}


def _head(prints: tasks.PartPrints) -> tasks.PartPrints:
    """A partition's fingerprints without signatures: what the driver needs of them."""
    return tasks.PartPrints(prints.index, prints.entries, prints.physical, prints.digests,
                            numbers=prints.numbers)


def _fetch(client: Any, place: merging.Placement, prints: list[Any],
           rows: set[int]) -> dict[int, bands.Signed]:
    """Length and signature of `rows`, each read on the worker that holds its partition."""
    wanted: dict[int, list[int]] = {}
    for row in sorted(rows):
        wanted.setdefault(place.locate(row)[0], []).append(row)
    got = client.gather([client.submit(bands.signatures, prints[p], place.row_start[p], rs)
                         for p, rs in wanted.items()])
    return {row: value for part in got for row, value in part.items()}


def _dialogues(client: Any, parts: Sequence[Partition], place: merging.Placement,
               rows: set[int]) -> dict[int, bytes]:
    """Normalised dialogues of `rows`, re-read from their partitions."""
    wanted: dict[int, list[int]] = {}
    for row in sorted(rows):
        p, k = place.locate(row)
        wanted.setdefault(p, []).append(k)
    got = client.gather([client.submit(tasks.dialogues, parts[p], ks)
                         for p, ks in wanted.items()])
    return {place.row(p, k): text for p, part in zip(wanted, got, strict=True)
            for k, text in part.items()}


def run_dedupe(args: argparse.Namespace) -> int:
    if not 0 < args.threshold <= 1:
        raise UsageError("--threshold must be in (0, 1]")

    def work(client: Any, paths: list[Path]) -> int:
        doc = duplicate_groups(client, paths, args.threshold)
        if args.json:
            _print_json(doc)
            return 0
        for g in doc["groups"]:
            kind = "exact" if g["exact"] else f"near {g['score']:.2f}"
            print(f"{kind}: " + ", ".join(f"{m['file']}:{m['line']}" for m in g["members"]))
        print(f"{count(len(doc['groups']), 'group')}, "
              f"{count(sum(len(g['members']) for g in doc['groups']), 'entry')}")
        return 0

    return _run(args, work)


# ------------------------------------------------------------ export
def output_targets(out: Path, paths: list[Path]) -> list[Path]:
    """One output per shard in directory `out`, or the single file `out` (``*.jsonl``)."""
    if out.suffix == ".jsonl":
        return [out]
    return [out / path.name for path in paths]


def export_shards(client: Any, paths: list[Path], out: Path, *, fmt: str | None = None,
                  clean: bool = False, include_rejected: bool = False,
                  size: int = PARTITION_BYTES, validation: Any = None
                  ) -> tuple[ExportSummary, list[tuple]]:
    """Export every shard (one output per shard, or one file); the summary and left-out rows.

    Workers write their partition's lines to piece files beside the outputs;
    each output is then joined from its pieces by `write_atomic` (temp + rename).
    """
    parts = plan(paths, size)
    targets = output_targets(out, paths)
    single = len(targets) == 1 and out.suffix == ".jsonl"
    newlines = [b"\n" if clean or fmt else tasks.first_newline(p) for p in paths]
    options = [tasks.ExportOptions(fmt, clean, include_rejected, newlines[0 if single else s],
                                   validation) for s in range(len(paths))]
    target_of = [targets[0 if single else part.shard] for part in parts]
    pieces = [str(t.parent / f".{t.name}.part{part.index}.tmp")
              for t, part in zip(target_of, parts, strict=True)]
    try:
        results = gather(client, [client.submit(tasks.export_partition, part,
                                                options[part.shard], piece)
                                  for part, piece in zip(parts, pieces, strict=True)],
                         "export")
        patches = (_copy_patches(client, parts, results, pieces)
                   if fmt is not None and not clean else {})
        for target in targets:
            mine = [pc for pc, t in zip(pieces, target_of, strict=True) if t == target]
            write_atomic(target, _read_pieces(mine, patches))
    finally:
        for piece in pieces:
            with contextlib.suppress(FileNotFoundError):
                Path(piece).unlink()
    summary = ExportSummary(out, fmt or ("chatml" if clean else None), clean)
    place = merging.Placement(parts, results)
    left_out = []
    for part, r in zip(parts, results, strict=True):
        summary.selected += r.selected
        summary.written += r.written
        summary.skipped.update(r.skipped)
        summary.by_status.update(r.by_status)
        summary.by_origin.update(r.by_origin)
        left_out += [(str(paths[part.shard]), place.line(part.index, line),
                      place.entry(part.index, k), reason) for line, k, reason in r.left_out]
    return summary, left_out


def _copy_patches(client: Any, parts: list, results: list,
                  pieces: list[str]) -> dict[str, dict[int, tuple[bytes, bytes]]]:
    """piece → {output line: (id as written, the copy's own id)} for the copies of
    identical lines (docs/formats.md): a worker sees its partition only, so it wrote
    the line's hash; the single machine writes `<hash>-<k>`."""
    candidates = merging.copy_candidates(results, merging.exact_duplicates(results))
    patches: dict[str, dict[int, tuple[bytes, bytes]]] = {}
    left: dict[int, list[int]] = {}  # each partition's entries not written, in order
    for (p, k), (eid, nth) in _copy_ranks(client, parts, candidates).items():
        if p not in left:
            left[p] = sorted(gone for _, gone, _ in results[p].left_out)
        before = bisect_left(left[p], k)
        if nth <= 1 or (before < len(left[p]) and left[p][before] == k):
            continue
        at = k - before  # its line among those written
        patches.setdefault(pieces[p], {})[at] = (orjson.dumps(eid),
                                                 orjson.dumps(nth_id(eid, nth)))
    return patches


def _read_pieces(pieces: list[str], patches: dict[str, dict[int, tuple[bytes, bytes]]]
                 ) -> Iterator[bytes]:
    for piece in pieces:
        with open(piece, "rb") as f:
            if piece in patches:
                yield _patched(f.read(), patches[piece])
                continue
            while block := f.read(8 << 20):
                yield block


def _patched(data: bytes, patches: dict[int, tuple[bytes, bytes]]) -> bytes:
    """The piece with the id (its first key: `export.training_record`) of some lines
    replaced."""
    lines = data.split(b"\n")
    for at, (old, new) in patches.items():
        lines[at] = lines[at].replace(old, new, 1)
    return b"\n".join(lines)


def run_export(args: argparse.Namespace) -> int:
    _refuse(args, "--where")
    from .export import check_output

    out = output_path(args.output, "-o/--output")
    report = None if args.report is None else output_path(args.report, "--report")
    settings = validation_settings(args.config)

    def work(client: Any, paths: list[Path]) -> int:
        if out.suffix != ".jsonl":
            if out.exists() and not out.is_dir():
                raise UsageError(f"{out}: not a directory (give DIR, or FILE.jsonl for one file)")
            out.mkdir(parents=True, exist_ok=True)
        for target in output_targets(out, paths):
            check_output(target, paths, args.force)
        if report is not None:
            check_output(report, paths, args.force, {"-o": out}, name="--report")
        summary, left_out = export_shards(client, paths, out, fmt=args.format,
                                          clean=args.clean,
                                          include_rejected=args.include_rejected,
                                          validation=settings)
        if report is not None:
            write_atomic(report, (orjson.dumps(
                {"file": f, "line": line, "entry": k, "reason": reason}) + b"\n"
                for f, line, k, reason in left_out))
        print(summary.render(), file=sys.stderr)
        if args.json:
            _print_json(summary.as_dict())
        return 0

    return _run(args, work)
