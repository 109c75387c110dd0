"""Bot throughput benchmark: questions through the local Bot API stand-in into one bot process.

Prints a table (no assertions). Each case runs a bot as its own process with long polling against
the stand-in (which runs here), pushes the questions at once, and measures:
updates handled per second, p50 / p99 from update to reply, the bot process's CPU time per
update and its peak resident memory. Beside our bot (SQLite, and PostgreSQL when
DATABASE_URL_TEST is set) it measures the framework's floor: a minimal python-telegram-bot bot
that replies with a fixed text (bench/floor_bot.py). Both use 64 concurrent updates; Telegram's
rate limiter is off for both (it would cap both at 30 messages/s and hide the difference).

Usage: python bench/bot.py [--questions 5000] [--users 500]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.evaluation import load_questions  # noqa: E402
from tests.fake_telegram import FakeBotApi  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run_case(command: list[str], env: dict[str, str], questions: list[str], users: int) -> dict:
    async with FakeBotApi() as api:
        full_env = {**os.environ, **env, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}
        process = subprocess.Popen(command, cwd=ROOT, env=full_env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        watched = psutil.Process(process.pid)
        try:
            await api.wait_for(lambda c: c["method"] == "getUpdates", timeout=120)
            ids = [100_000 + u for u in range(users)]
            mark = api.mark()
            for user in ids:  # warm-up: one question each
                api.user_message(user, "đăng ký tạm trú")
            await api.wait_until(lambda: len(api.sent_after(mark)) >= users, timeout=120)
            await asyncio.sleep(0.5)

            pushed: dict[int, list[float]] = {u: [] for u in ids}
            mark = api.mark()
            cpu_before = sum(watched.cpu_times()[:2])
            peak = watched.memory_info().rss
            started = time.monotonic()
            for n, question in enumerate(questions):
                user = ids[n % users]
                pushed[user].append(time.monotonic())
                api.user_message(user, question)
            total = len(questions)
            while len(api.sent_after(mark)) < total:
                peak = max(peak, watched.memory_info().rss)
                if time.monotonic() - started > 600:
                    raise TimeoutError("the bot did not answer every question in 10 minutes")
                await asyncio.sleep(0.05)
            finished = time.monotonic()
            cpu = sum(watched.cpu_times()[:2]) - cpu_before
            peak = max(peak, watched.memory_info().rss)
            latencies = []
            for user in ids:
                replies = [c["time"] for c in api.calls[mark:]
                           if c["method"] == "sendMessage" and c["params"].get("chat_id") == user]
                latencies += [(r - p) * 1000 for p, r in zip(pushed[user], replies, strict=False)]
            return {
                "throughput": total / (finished - started),
                "p50": percentile(latencies, 0.5),
                "p99": percentile(latencies, 0.99),
                "cpu_ms": cpu / total * 1000,
                "rss_mb": peak / 2**20,
                "refused": len(api.refused),
            }
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--users", type=int, default=500)
    args = parser.parse_args()
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # bots cut polls short on exit
    pool = [q.q for q in load_questions(ROOT / "tests" / "eval")]
    questions = [pool[n % len(pool)] for n in range(args.questions)]

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(
            "telegram_rate_limit: false\n"
            f"cache_dir: {tmp}/cache\n"
            "limits: {flood_messages: 100000, flood_seconds: 1}\n",
            encoding="utf-8",
        )
        ours = [sys.executable, str(ROOT / "main.py"), "--config", str(config)]
        cases = [("floor (fixed reply)", [sys.executable, str(ROOT / "bench" / "floor_bot.py")], {})]
        cases.append(("Trợ lý TTHC, SQLite", ours, {"DATABASE_URL": f"sqlite:///{tmp}/bench.db"}))
        if os.environ.get("DATABASE_URL_TEST"):
            from bot.storage import Storage

            Storage(os.environ["DATABASE_URL_TEST"]).delete_all()  # the stand-in reuses update ids
            cases.append(("Trợ lý TTHC, PostgreSQL", ours, {"DATABASE_URL": os.environ["DATABASE_URL_TEST"]}))
        print(f"{args.questions:,} questions from {args.users} users, pushed at once\n")
        print(f"{'bot':<26} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/upd':>11} {'peak RSS MB':>12}")
        results = {}
        for name, command, env in cases:
            result = asyncio.run(run_case(command, env, questions, args.users))
            results[name] = result
            print(f"{name:<26} {result['throughput']:>10.0f} {result['p50']:>8.0f} {result['p99']:>8.0f} "
                  f"{result['cpu_ms']:>11.2f} {result['rss_mb']:>12.0f}"
                  + (f"   ({result['refused']} refused calls)" if result["refused"] else ""))
        floor = results["floor (fixed reply)"]
        print()
        for name, result in results.items():
            if name.startswith("floor"):
                continue
            print(f"{name}: throughput {result['throughput'] / floor['throughput']:.0%} of the floor, "
                  f"CPU per update {result['cpu_ms'] / floor['cpu_ms']:.2f}x, "
                  f"p99 {result['p99'] / floor['p99']:.2f}x")


if __name__ == "__main__":
    main()
