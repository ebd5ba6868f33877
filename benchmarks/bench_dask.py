"""Whole-process timings of the headless commands, single machine vs `--engine dask`.

Why whole-process: a user runs the command, so the Dask figure includes starting
the local cluster (2 worker processes) and the driver's merge. The same data is
read both ways: the single-machine command gets the whole file, the Dask one
the shards that file was cut into (docs/scale.md has the figures).

Usage::

    python benchmarks/bench_dask.py -n 1000000 [--shards 8] [--only stats,dedupe]

Data goes to benchmarks/data/ (git-ignored) and is reused when already there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
COMMANDS = {
    "stats": ["stats", "{input}", "--json"],
    "validate": ["validate", "{input}", "--json"],
    "dedupe": ["dedupe", "{input}", "--json"],
    "export-clean": ["export", "{input}", "-o", "{output}", "--clean", "--force"],
}


def prepare(n: int, shards: int) -> tuple[Path, Path]:
    """The whole batch and a folder of `shards` shards cut from it at line boundaries."""
    whole = DATA / f"batch{n}.jsonl"
    folder = DATA / f"shards{n}x{shards}"
    DATA.mkdir(exist_ok=True)
    if not whole.exists():
        subprocess.run([sys.executable, str(HERE / "datagen.py"), str(whole), "-n", str(n),
                        "--seed", "1"], check=True)
    if not folder.exists():
        folder.mkdir()
        lines = whole.stat().st_size // shards
        with open(whole, "rb") as source:
            for k in range(shards):
                with open(folder / f"part-{k:03d}.jsonl", "wb") as out:
                    out.write(source.read(lines) if k < shards - 1 else source.read())
                    if k < shards - 1:
                        out.write(source.readline())  # finish the line cut in half
    return whole, folder


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rolethread_tui", *argv],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed: {done.stderr.decode()[-300:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="entries")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--only", help="comma-separated: " + ",".join(COMMANDS))
    parser.add_argument("--engines", default="local,dask")
    args = parser.parse_args()
    whole, folder = prepare(args.n, args.shards)
    names = args.only.split(",") if args.only else list(COMMANDS)
    print(f"{args.n:,} entries, {whole.stat().st_size / 1e9:.2f} GB, {args.shards} shards")
    for name in names:
        for engine in args.engines.split(","):
            dask = engine == "dask"
            out = DATA / ("out-dask" if dask else "out-local.jsonl")
            argv = [a.format(input=str(folder) if dask else str(whole), output=out)
                    for a in COMMANDS[name]]
            if dask:
                out.mkdir(exist_ok=True)
                argv += ["--engine", "dask"]
            seconds = timed(argv)
            print(f"{name:<13} {engine:<6} {seconds:7.1f} s  {args.n / seconds:9,.0f} entries/s",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
