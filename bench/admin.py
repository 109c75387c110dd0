"""Admin review at a province's scale: /review, opening a group, /stats 30 and /export 30 on a
generated query log of 1M rows, on SQLite and on PostgreSQL.

Prints a table (no assertions). The log is generated first (30 days; 80% answered, 12%
suggestions, 8% not found over ~40,000 distinct unanswered questions with a long tail; 👍/👎 on
2% of answers). Each operation then runs in a fresh process, so its peak RSS is its own. The
baseline in the same run is the floor of touching every row once: ``SELECT count(*)`` over the
log and a plain scan of every row's text.

Usage: python bench/admin.py [--rows 1000000] [--postgres URL] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_VOCABULARY = (
    "gia vang hom nay thoi tiet ha noi xe buyt lich nghi tet luong toi thieu vung bao hiem that nghiep "
    "hoc phi dai hoc diem chuan thi tot nghiep ve may bay gia xang dau tien dien nuoc sinh hoat "
    "dang kiem oto phat nguoi camera giao thong chung khoan lai suat ngan hang vay von mua nha "
    "xay dung giay phep sua chua nha o chuyen truong cho con tiem chung vac xin benh vien kham"
)
WORDS = sorted(set(_VOCABULARY.split()))
TYPED = (
    str, str.upper, str.capitalize, lambda t: t + "?", lambda t: t + " ?", lambda t: t + "!!",
    lambda t: t.title(), lambda t: t + " ...", lambda t: " ".join(reversed(t.split())),
)
ANSWERED = [
    ("khai-sinh", "lam giay khai sinh can gi"), ("ho-chieu", "le phi ho chieu bao nhieu"),
    ("tam-tru", "dang ky tam tru o dau"), ("can-cuoc", "cccd mat lam lai o dau"),
    ("ket-hon", "dang ky ket hon can giay to gi"), ("ho-kinh-doanh", "mo ho kinh doanh"),
]


def _unanswered_texts(count: int, rng: random.Random) -> list[str]:
    texts = set()
    while len(texts) < count:
        texts.add(" ".join(rng.sample(WORDS, rng.randint(3, 6))))
    return sorted(texts)


def generate(url: str, rows: int, seed: int = 14) -> None:
    """Fill the log with ``rows`` questions over the last 30 days."""
    from bot.storage import Storage

    rng = random.Random(seed)
    storage = Storage(url)
    storage.delete_all()
    unanswered = _unanswered_texts(40_000, rng)
    weights = [1 / (i + 1) ** 0.9 for i in range(len(unanswered))]  # a few busy groups, a long tail
    now = dt.datetime.now(dt.UTC)
    users = [secrets.token_hex(12) for _ in range(20_000)]
    batch: list[dict] = []
    feedback: list[tuple[str, int]] = []
    picks = iter(rng.choices(unanswered, weights=weights, k=rows))
    # rows are logged in time order, as the bot writes them
    ages = sorted((rng.random() * 30 * 86400 - 1 for _ in range(rows)), reverse=True)
    for i, age in enumerate(ages):
        created = now - dt.timedelta(seconds=age)
        ref = f"b{i:09d}"
        roll = rng.random()
        if roll < 0.80:
            entry, text = rng.choice(ANSWERED)
            row = {"outcome": "answer", "entry_id": entry, "raw_text": text, "normalized": text, "score": 80.0}
            if rng.random() < 0.02:
                feedback.append((ref, 1 if rng.random() < 0.6 else -1))
        else:
            text = next(picks)
            raw = rng.choice(TYPED)(text)  # the same words typed in several ways
            if roll < 0.92:
                row = {"outcome": "suggest", "raw_text": raw, "normalized": text, "score": 40.0,
                       "suggestions": "khai-sinh,ho-chieu", "chosen_entry_id": "khai-sinh" if rng.random() < 0.3 else None}
            else:
                row = {"outcome": "not_found", "raw_text": raw, "normalized": text, "score": 10.0}
        row.update(ref=ref, created_at=created, user_key=rng.choice(users), latency_ms=0.4)
        batch.append(row)
        if len(batch) >= 20_000:
            storage.add_queries(batch)
            batch = []
    storage.add_queries(batch)
    with storage.session() as session:
        from bot.storage import Feedback

        session.add_all([Feedback(ref=r, user_key="k", value=v, created_at=now) for r, v in feedback])
        session.commit()
    if url.startswith("postgresql"):
        # what autovacuum does after a burst of inserts: statistics, and the visibility map that
        # lets review and stats read their indexes alone
        from sqlalchemy import text

        with storage.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE query_log"))
            connection.execute(text("VACUUM ANALYZE feedback"))
    storage.close()


def _peak_mb() -> float:
    # VmHWM is this process's own peak; ru_maxrss would include the parent's size at fork
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    import gc

    import psutil

    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def run_operation(name: str, url: str) -> dict:
    """One operation in this (fresh) process: seconds, rows and peak RSS."""
    from sqlalchemy import func, select

    from bot import review, stats
    from bot.storage import QueryLog, Storage

    storage = Storage(url, create=False)
    since30 = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    result: dict = {}
    started = time.perf_counter()
    if name == "floor_count":
        with storage.engine.connect() as connection:
            result["rows"] = connection.execute(select(func.count()).select_from(QueryLog)).scalar()
    elif name == "floor_scan":
        with storage.engine.connect() as connection:
            cursor = connection.execution_options(stream_results=True, yield_per=5000).execute(
                select(QueryLog.__table__.c.raw_text))
            result["rows"] = sum(len(p) for p in cursor.partitions())
    elif name == "review":
        page = review.review_page(storage, 0, 5)
        result.update(groups=page.total_groups, questions=page.total_questions)
    elif name == "review_page_50":
        page = review.review_page(storage, 49, 5)
        result.update(groups=page.total_groups)
    elif name == "open_group":
        biggest = review.review_page(storage, 0, 1).groups[0]
        started = time.perf_counter()  # opening is timed alone; the key comes from the queue
        group = review.open_group(storage, biggest.key)
        result.update(count=group.count, texts=len(group.texts))
    elif name == "stats30":
        import matplotlib.pyplot  # noqa: F401  (a running bot has imported it since its first /stats)

        started = time.perf_counter()
        figures = stats.compute_stats(storage, 30)
        result["aggregate_s"] = time.perf_counter() - started
        stats.chart_png(figures)
        result.update(total=figures.total)
    elif name == "export30":
        with tempfile.TemporaryDirectory() as folder:
            files, count = stats.export_zip(storage, Path(folder), "nhat-ky", since30)
            result.update(rows=count, parts=len(files), mb=[round(f.stat().st_size / 2**20, 1) for f in files])
            csv_bytes = 0
            import zipfile

            for f in files:
                with zipfile.ZipFile(f) as archive:
                    csv_bytes += sum(i.file_size for i in archive.infolist())
            result["csv_mb"] = round(csv_bytes / 2**20, 1)
    elif name == "cli_export":
        import main

        os.environ["DATABASE_URL"] = url
        main.main(["export", "-o", os.devnull])
        result["rows"] = storage.count_queries()
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = _peak_mb()
    storage.close()
    return result


def _measure(name: str, url: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--operation", name, "--url", url],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(label: str, url: str, rows: int) -> list[str]:
    """Generate the log, then time every operation; one table row each."""
    started = time.perf_counter()
    generate(url, rows)
    print(f"{label}: generated {rows:,} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    lines = []
    for name, what in (
        ("floor_count", "baseline: count(*) over the log"),
        ("floor_scan", "baseline: read every row's text"),
        ("review", "/review (first page)"),
        ("review_page_50", "/review page 50"),
        ("open_group", "open the busiest group"),
        ("stats30", "/stats 30 (aggregate + chart)"),
        ("export30", "/export 30 (zipped CSV)"),
        ("cli_export", "CLI export, all rows"),
    ):
        r = _measure(name, url)
        extra = ""
        if name in {"export30", "cli_export", "floor_scan"} and r.get("rows"):
            extra = f"{r['rows'] / r['seconds']:,.0f} rows/s"
        if name == "export30":
            extra += f"; CSV {r['csv_mb']} MB → zip {r['mb']} MB in {r['parts']} part(s)"
        if name == "review":
            extra = f"{r['groups']:,} groups, {r['questions']:,} questions"
        if name == "open_group":
            extra = f"{r['count']:,} questions, {r['texts']} shown"
        if name == "stats30":
            extra = f"aggregation {r['aggregate_s']:.2f} s"
        peak = r["peak_mb"]
        lines.append(f"| {label} | {what} | {r['seconds']:.2f} | {peak:.0f} | {extra} |")
        print(lines[-1], file=sys.stderr)
    return lines


def bench_learned(count: int, baseline_count: int) -> list[str]:
    """Learned aliases: start-up, the 5-second sync and an undo, against the one-by-one way."""
    from bot.assistant import Assistant
    from bot.config import load_settings
    from bot.storage import Storage
    from knowledge.cache import load_indexed

    rng = random.Random(14)
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/learned.db"
        storage = Storage(url)
        kb, _ = load_indexed(ROOT / "knowledge" / "data", Path(folder) / "cache")
        ids = list(kb.entries)
        texts = list(dict.fromkeys(f"{' '.join(rng.sample(WORDS, 4))} {n}" for n in range(count)))
        storage.record_action(admin_id=1, action="assign", entry_id=None, normalized="", refs=(),
                              aliases=[(t, t) for t in texts])
        with storage.engine.begin() as connection:  # spread over the entries
            from sqlalchemy import text as sql

            connection.execute(sql("UPDATE learned_alias SET entry_id = :e WHERE id % :n = :r"),
                               [{"e": e, "n": len(ids), "r": r} for r, e in enumerate(ids)])
        settings = load_settings(Path("/nonexistent"), env={"DATABASE_URL": url})
        settings.cache_dir = Path(folder) / "cache"

        started = time.perf_counter()
        assistant = Assistant.create(settings, storage)
        start_s = time.perf_counter() - started
        lines.append(f"| start-up with {len(texts):,} learned aliases (bulk) | {start_s:.2f} | |")

        taught = storage.learned_aliases()
        subset = dict(list(taught.items())[:baseline_count])
        _, matcher = load_indexed(ROOT / "knowledge" / "data", settings.cache_dir)
        started = time.perf_counter()
        for t, e in subset.items():
            matcher.add_alias(e, t)
        one_s = time.perf_counter() - started
        lines.append(f"| baseline: {len(subset):,} added one by one | {one_s:.2f} | "
                     f"{one_s / len(subset) * 1e6:,.0f} µs per alias, growing with their number; bulk: "
                     f"{start_s / len(texts) * 1e6:,.0f} µs per alias, start-up included |")

        started = time.perf_counter()
        storage.learned_aliases()
        full_s = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(10):
            assistant.sync_learned()
        sync_s = (time.perf_counter() - started) / 10
        lines.append(f"| sync every 5 s, nothing new (reads new rows only) | {sync_s * 1000:.1f} ms | "
                     f"baseline: reading all {len(texts):,} {full_s * 1000:.0f} ms |")

        text_, entry = next(iter(taught.items()))
        started = time.perf_counter()
        assistant.forget([(entry, text_)])
        undo_s = time.perf_counter() - started
        started = time.perf_counter()
        for t in list(taught)[:5000]:
            assistant.matcher.analyse(t)
        reanalyse_s = (time.perf_counter() - started) / 5000 * len(texts)
        lines.append(f"| undo one alias (under the matcher lock) | {undo_s * 1000:.1f} ms | baseline: "
                     f"re-analysing every learned text ≈ {reanalyse_s:.1f} s |")
        storage.close()
    return lines


def bench_reload(size: int) -> list[str]:
    """/reload on a synthetic base of ``size`` entries, in a fresh process: time, the event loop's
    longest stall while it runs in a worker thread, and RSS; against the old way (parse and index
    again in the process, no cache)."""
    from bench.match import write_synthetic

    with tempfile.TemporaryDirectory() as folder:
        base = write_synthetic(size, Path(folder))
        done = subprocess.run([sys.executable, __file__, "--operation", "reload", "--url", str(base)],
                              capture_output=True, text=True, check=True)
    return [line.replace("SIZE", f"{size:,}") for line in json.loads(done.stdout.strip().splitlines()[-1])]


def _reload_operation(base: Path) -> list[str]:
    import asyncio

    from bot.assistant import Assistant
    from bot.config import load_settings
    from knowledge import Matcher, load_knowledge

    settings = load_settings(Path("/nonexistent"), env={"DATABASE_URL": "sqlite://", "KNOWLEDGE_DIR": str(base)})
    settings.cache_dir = base.parent / "cache"
    assistant = Assistant.create(settings)  # writes the cache, as the first start does
    lines = [f"| SIZE entries | after start-up | | | {_rss_mb():.0f} |"]

    async def timed(work) -> tuple[float, float]:
        stall = 0.0
        done = False

        async def ticker() -> None:
            nonlocal stall
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                stall = max(stall, time.perf_counter() - before - 0.005)

        task = asyncio.create_task(ticker())
        started = time.perf_counter()
        await asyncio.to_thread(work)
        elapsed = time.perf_counter() - started
        done = True
        await task
        return elapsed, stall

    def old_reload() -> None:
        Matcher(load_knowledge(settings.knowledge_dir), learned={})

    def edit_and_reload() -> None:
        first = next(base.rglob("*.yaml"))
        first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assistant.reload()

    for label, work in (
        ("/reload, files unchanged (from the cache)", assistant.reload),
        ("/reload after an edit (rebuilt in a child process)", edit_and_reload),
        ("baseline: parse and index again in the process, no cache", old_reload),
    ):
        elapsed, stall = asyncio.run(timed(work))
        lines.append(f"| SIZE entries | {label} | {elapsed:.2f} | {stall * 1000:.0f} | {_rss_mb():.0f} |")
    return lines


def main() -> None:
    """Parse arguments and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL_BENCH"),
                        help="PostgreSQL URL of a database the benchmark may empty")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--learned", type=int, default=0, help="also time N learned aliases (e.g. 50000)")
    parser.add_argument("--learned-baseline", type=int, default=5000)
    parser.add_argument("--reload", type=int, default=0, help="also time /reload on a synthetic base of N entries")
    parser.add_argument("--no-log", action="store_true", help="skip the query-log operations")
    parser.add_argument("--operation", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.operation == "reload":
        print(json.dumps(_reload_operation(Path(args.url))))
        return
    if args.operation:
        print(json.dumps(run_operation(args.operation, args.url)))
        return
    if args.learned:
        print("| learned aliases | time | notes |\n|---|---|---|")
        print("\n".join(bench_learned(args.learned, args.learned_baseline)))
    if args.reload:
        print("| base | reload | seconds | longest event-loop stall ms | RSS after MB |\n|---|---|---|---|---|")
        print("\n".join(bench_reload(args.reload)))
    if args.no_log:
        return
    lines = ["| database | operation | seconds | peak RSS MB | notes |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_sqlite:
            lines += bench("SQLite", f"sqlite:///{folder}/bench.db", args.rows)
        if args.postgres:
            lines += bench("PostgreSQL", args.postgres, args.rows)
            from bot.storage import Storage

            Storage(args.postgres, create=False).delete_all()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
