"""Benchmark the slop lens (`slop --json` on 100k entries ≤ 10 s whole process: README).

Two figures:

- **speed**: `rolethread-tui slop FILE --json` as a fresh process on a datagen
  file (~2 KB/entry; made with ``benchmarks/datagen.py`` when missing), wall
  time, CPU time (both processes) and peak RSS, over ``--runs`` runs;
- **quality**: on planted data from ``tests/slopgen.py`` (catchphrases, stock
  openers and generic closers in 10 % of entries of varied human-like prose),
  precision of the top-k ranking at k = planted count, and whether every planted
  phrase is in the phrase table's top 15.

Usage::

    python benchmarks/bench_slop.py                    # 100k entries
    python benchmarks/bench_slop.py -n 20000 --runs 1
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from slopgen import PLANTED_PHRASES, make_batch  # noqa: E402

from rolethread_tui.domain.slop import file_slop  # noqa: E402


def data_file(n: int) -> Path:
    """benchmarks/data/datagen-N.jsonl, generated with datagen.py (seed 1) when missing."""
    path = ROOT / "benchmarks" / "data" / f"datagen-{n}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "datagen.py"), str(path),
                        "-n", str(n), "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    return path


def speed(path: Path, runs: int) -> None:
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rolethread_tui.cli.main", "slop", str(path),
                        "--json"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"slop --json, whole process: {wall:.2f} s wall, {cpu:.2f} s CPU, "
              f"peak RSS {after.ru_maxrss / 1024:.0f} MB (largest child so far)")


def quality(n: int = 3000) -> None:
    batch = make_batch(n, planted_share=0.1, seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        report = file_slop(batch.write(Path(tmp) / "planted.jsonl"))[0]
    k = len(batch.planted)
    precision = len(set(report.ranked()[:k]) & batch.planted) / k
    rows = [p.text.removesuffix(" …") for p in report.phrases[:15]]
    found = sum(any(_words(ph).startswith(r) or r in _words(ph) for r in rows)
                for ph in PLANTED_PHRASES)
    print(f"planted: precision@{k} = {precision:.2f}; planted phrases in top 15: "
          f"{found}/{len(PLANTED_PHRASES)}")


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="entries (default 100000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    quality()
    speed(data_file(args.n), args.runs)


if __name__ == "__main__":
    main()
