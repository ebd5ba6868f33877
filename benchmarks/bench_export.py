"""Export cases for benchmarks/bench.py: time, and that memory stays flat.

    python benchmarks/bench.py -n 1000000 --only export-clean-accepted,export-clean-all

Each case runs in a fresh subprocess (bench.py does that): open + scan,
select, export. A sampler thread reads the process RSS every 20 ms while the
export runs, so "export_rss_growth_mb" (peak during export minus RSS before
it) shows whether export holds records: it should stay near zero whatever
the number of entries. Data comes from benchmarks/datagen.py
(benchmarks/data/gen-N.jsonl, shared with bench.py).
"""

from __future__ import annotations

import os
import resource
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
    positions = None if where is None else session.search(where)
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
    }
