"""Measure `export` (DESIGN.md §7 / the export issue): time, and that memory stays flat.

    python benchmarks/bench_export.py -n 100000
    python benchmarks/bench_export.py -n 1000000 --only clean-accepted,clean-all

Each case runs in a fresh subprocess (its peak RSS is its own): open + scan,
select, export. A sampler thread reads the process RSS every 20 ms while the
export runs, so "export_rss_growth_mb" (peak during export minus RSS before
it) shows whether export holds records: it should stay near zero whatever
the number of entries. Data comes from benchmarks/datagen.py
(benchmarks/data/gen-N.jsonl, shared with bench.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20

#: case -> (clean, format, --where query or None for every entry)
CASES: dict[str, tuple[bool, str | None, str | None]] = {
    "clean-accepted": (True, None, "status:accepted"),
    "clean-all": (True, None, None),
    "sharegpt-all": (False, "sharegpt", None),
    "copy-all": (False, None, None),
}


def rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_MB


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sampler(threading.Thread):
    """Highest RSS seen while the export runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_now_mb()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, rss_now_mb())

    def stop(self) -> float:
        self.done.set()
        self.join()
        return max(self.peak, rss_now_mb())


def data_file(n: int) -> Path:
    path = HERE / "data" / f"gen-{n}.jsonl"
    if not path.exists():
        import datagen

        path.parent.mkdir(exist_ok=True)
        print(f"generating {n:,} entries -> {path}", file=sys.stderr)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # never leave a half-written file
        datagen.generate(tmp, n, seed=1)
        os.replace(tmp, path)
    return path


def select(session, where: str | None) -> list[int] | None:
    """Positions for --where: `Session.search` when built, else the status column."""
    if where is None:
        return None
    if hasattr(session, "search"):
        return session.search(where)
    status = where.removeprefix("status:")
    return [i for i in range(len(session)) if session.row(i).status == status]


def run_case(path: str, case: str) -> dict:
    from rolethread_tui.domain.export import export
    from rolethread_tui.domain.session import Session

    clean, fmt, where = CASES[case]
    out = Path(path).with_suffix(f".{case}.out.jsonl")
    t0 = time.perf_counter()
    session = Session.open(path)
    session.wait()
    scan = time.perf_counter() - t0
    t1 = time.perf_counter()
    positions = select(session, where)
    select_s = time.perf_counter() - t1
    before = rss_now_mb()
    sampler = Sampler()
    sampler.start()
    t2 = time.perf_counter()
    summary = export(session, out, fmt=fmt, positions=positions, clean=clean)  # type: ignore[arg-type]
    export_s = time.perf_counter() - t2
    during = sampler.stop()
    size = out.stat().st_size / 1e6
    out.unlink()
    session.close()
    return {
        "entries": len(session), "selected": summary.selected, "written": summary.written,
        "skipped": summary.skipped_total, "out_mb": round(size, 1),
        "scan_s": scan, "select_s": select_s, "export_s": export_s,
        "rss_before_export_mb": before, "rss_peak_during_export_mb": during,
        "export_rss_growth_mb": during - before, "process_peak_rss_mb": peak_rss_mb(),
        "search": hasattr(Session, "search"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, action="append", help="entries (repeatable)")
    parser.add_argument("--file", help="use this JSONL file instead of generated data")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # child process: one case, JSON on stdout
        print(json.dumps(run_case(args.file, args.case)))
        return 0
    paths = [Path(args.file)] if args.file else [data_file(n) for n in args.n or [100_000]]
    for path in paths:
        print(f"\n== {path.name}: {path.stat().st_size / 1e6:.0f} MB ==")
        for case in args.only.split(","):
            proc = subprocess.run(
                [sys.executable, __file__, "--case", case, "--file", str(path)],
                capture_output=True, text=True, check=False)
            if proc.returncode:
                print(f"{case}: FAILED\n{proc.stderr[-2000:]}")
                continue
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{case}: " + ", ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
