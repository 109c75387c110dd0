"""Loading benchmark: first start, later starts and memory, per stage, as the bot loads (collector
paused, files and texts shared by worker processes) and, as baselines in the same run, with the
collector running and with everything in one process, as before.

Prints tables (no assertions). Bases: the shipped one (curated + national catalogue) and a
synthetic base of 50,000 entries generated from it (see ``bench/match.py``). Each figure is
measured in a fresh process.

Usage: python bench/load.py [--sizes 50000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.match import DATA, synthetic_bases  # noqa: E402
from knowledge.parallel import workers  # noqa: E402

_CHILD = r"""
import contextlib, gc, json, sys, time
collector = sys.argv[3] == "on"
import knowledge.loader as loader
import knowledge.matcher as matcher
import knowledge.cache as cache
if collector:  # the baseline: loading with the collector running, as before
    loader.paused_gc = cache.paused_gc = contextlib.nullcontext
if sys.argv[4] == "one":  # the baseline: everything in this process, as before
    loader.PARALLEL_BYTES = matcher.PARALLEL_TEXTS = float("inf")
import psutil
from knowledge.matcher import Matcher
folder = sys.argv[1]
stages = {}
pauses = []
gc.callbacks.append(lambda phase, info: pauses.append(time.perf_counter()) if phase == "start"
                    else pauses.append(time.perf_counter() - pauses.pop()))
if sys.argv[2] == "stages":
    t0 = time.perf_counter()
    with loader.paused_gc():
        kb, readings = loader.load_and_read(folder, Matcher.reader)  # parse, validate, read texts
    t1 = time.perf_counter()
    with loader.paused_gc():
        m = Matcher(kb, readings=readings)
    t2 = time.perf_counter()
    stages = {"load": t1 - t0, "index": t2 - t1}
    total = t2 - t0
else:
    t0 = time.perf_counter()
    kb, m = cache.load_indexed(folder, sys.argv[2], write_behind=True)  # as the bot starts
    total = time.perf_counter() - t0
m.match("lam giay khai sinh can gi")
cache.wait_for_cache()  # the next start reads what this one wrote
done = [p for p in pauses if p < 1000]
rss = psutil.Process().memory_info().rss / 2**20
print(json.dumps({"total": total, **stages, "rss_mb": rss, "entries": len(kb.entries),
                  "gc_passes": len(done), "gc_ms": 1000 * sum(done), "gc_max_ms": 1000 * max(done, default=0)}))
"""

# (collector, processes): as before pausing the collector; paused, in one process; as the bot
MODES = (("on", "one"), ("paused", "one"), ("paused", "all"))


def child(folder: Path, mode: str, collector: str, cores: str) -> dict:
    """One fresh process: ``mode`` is "stages" (no cache) or a cache folder."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), mode, collector, cores],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bases = [("shipped", DATA), *synthetic_bases(Path(tmp), args.sizes)]
        print("per stage, in a fresh process without the cache (s); GC = collector passes during it;")
        print(f"cores: one = every stage in the process, all = files and texts shared by {workers()} workers")
        print(f"{'base':<9} {'entries':>8} {'collector':>9} {'cores':>5} {'load YAML':>10} {'index':>7} "
              f"{'total':>7} {'RSS MB':>7} {'GC passes':>9} {'GC s':>6}")
        for name, folder in bases:
            for collector, cores in MODES:
                r = child(folder, "stages", collector, cores)
                print(f"{name:<9} {r['entries']:>8,} {collector:>9} {cores:>5} {r['load']:>10.2f} "
                      f"{r['index']:>7.2f} {r['total']:>7.2f} {r['rss_mb']:>7.0f} {r['gc_passes']:>9} "
                      f"{r['gc_ms'] / 1000:>6.2f}")
        print()
        print("start as the bot does it (knowledge.cache.load_indexed): first start writes the cache")
        print("(from a forked copy, once the base is ready), later starts read it (s, MB)")
        print(f"{'base':<9} {'entries':>8} {'collector':>9} {'cores':>5} {'first s':>8} {'RSS MB':>7} "
              f"{'later s':>8} {'RSS MB':>7}")
        for name, folder in bases:
            for collector, cores in MODES:
                cache = Path(tmp) / f"cache-{name}-{collector}-{cores}"
                first = child(folder, str(cache), collector, cores)
                later = child(folder, str(cache), collector, cores)
                print(f"{name:<9} {first['entries']:>8,} {collector:>9} {cores:>5} {first['total']:>8.2f} "
                      f"{first['rss_mb']:>7.0f} {later['total']:>8.2f} {later['rss_mb']:>7.0f}")


if __name__ == "__main__":
    main()
