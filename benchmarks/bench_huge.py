"""One conversation of 50k messages: editor open, key latency, RSS (docs: README Performance).

    python benchmarks/bench_huge.py              # 50,000 messages
    python benchmarks/bench_huge.py -m 100000

Targets (README.md (Performance)): editor open ≤ 1 s, a key ≤ 50 ms, RSS ≤ 300 MB. The data is
generated here (one line, ~2.5 MB at 50k messages) into benchmarks/data/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def data_file(messages: int) -> Path:
    path = HERE / "data" / f"huge-{messages}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        turns = [{"role": "user" if k % 2 == 0 else "assistant",
                  "content": f"Turn {k}: the lantern swings over the harbour wall."}
                 for k in range(messages)]
        path.write_text(json.dumps({"messages": turns}) + "\n", encoding="utf-8")
    return path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(path: Path) -> dict[str, float]:
    os.environ.setdefault("ROLETHREAD_STATE", str(HERE / "data" / "state.json"))
    from rolethread_tui.tui.app import create_app
    from rolethread_tui.tui.screens.editor import EditorScreen

    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.wait()
        await app.workers.wait_for_complete()
        await pilot.pause()
        t = time.perf_counter()
        await pilot.press("e")
        while not isinstance(app.screen, EditorScreen):
            await pilot.pause(0.001)
        await pilot.pause()
        opened = time.perf_counter() - t
        # CPU time the process spends per key: the pilot's own waits sleep, so its
        # wall time says little about the app (as in bench.py's `tui` figure)
        keys: dict[str, list[float]] = {"j": [], "k": [], "G": [], "g": []}
        for key in ["j", "j", "k", "G", "k", "g"] * 5:
            c = time.process_time()
            await pilot.press(key)
            await pilot.pause()
            keys[key].append((time.process_time() - c) * 1000)
        c = time.process_time()
        await pilot.press("a")
        await pilot.pause()
        decide = (time.process_time() - c) * 1000
    result = {"editor_open_s": opened, "key_a_cpu_ms": decide}
    result.update({f"key_{k}_cpu_median_ms": statistics.median(v) for k, v in keys.items()})
    result["peak_rss_mb"] = rss_mb()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-m", type=int, default=50_000, help="messages in the conversation")
    args = parser.parse_args()
    path = data_file(args.m)
    for leftover in (path.parent / ".rolethread").glob(path.name + ".*"):
        leftover.unlink()
    result = asyncio.run(measure(path))
    print(f"{args.m:,} messages: " + ", ".join(f"{k}={v:.3f}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
