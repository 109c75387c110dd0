"""Kill a polling bot process with SIGKILL at random moments under load, restart it, and count.

Used by ``tests/test_crash.py`` and ``bench/crash.py``: questions are queued at the stand-in, a
``python main.py`` process answers them, and is killed ``kills`` times while it works; a last
run finishes. Then every question must have exactly one reply and exactly one query-log row.
"""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.fake_telegram import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "đăng ký tạm trú", "lệ phí làm hộ chiếu", "lam giay khai sinh can gi", "đăng ký kết hôn",
    "cấp lại thẻ bhyt", "mst ca nhan", "đăng ký thường trú", "giá vàng hôm nay",
]


@dataclass
class CrashReport:
    """What a crash run counted."""

    questions: int
    kills: int
    unanswered: int = 0
    doubled: int = 0
    rows: int = 0
    lost_rows: int = 0
    extra_rows: int = 0
    seconds: float = 0.0
    kill_times: list[float] = field(default_factory=list)
    refused: int = 0


def _start(api: FakeBotApi, tmp: Path, db: Path, log_name: str) -> subprocess.Popen:
    config = tmp / "config.yaml"
    config.write_text(f"database_url: sqlite:///{db}\ncache_dir: {tmp / 'cache'}\n", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "USER_KEY_SECRET": "crash-test-key",
    }
    log = (tmp / log_name).open("w")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--config", str(config)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def _sent_count(api: FakeBotApi) -> int:
    return sum(1 for event in api.outbox if event["event"] == "send")


async def crash_run(tmp: Path, *, users: int = 60, per_user: int = 3, kills: int = 4,
                    seed: int = 1, timeout: float = 120.0, grace: float | None = None) -> CrashReport:
    """Queue ``users * per_user`` questions, kill the bot ``kills`` times while it answers, then
    let a last run finish; count unanswered, doubled and lost rows. With ``grace`` each kill is
    a SIGTERM followed by SIGKILL that many seconds later, as ``docker stop`` does."""
    rng = random.Random(seed)
    db = tmp / "crash.db"
    report = CrashReport(questions=users * per_user, kills=kills)
    started = time.monotonic()
    async with FakeBotApi() as api:
        for n in range(per_user):
            for u in range(users):
                api.user_message(100_000 + u, QUESTIONS[(u + n) % len(QUESTIONS)])
        for run in range(kills + 1):
            process = _start(api, tmp, db, f"run{run}.log")
            try:
                if run < kills:
                    # kill once it is answering: after a new reply, at a random moment
                    before = _sent_count(api)
                    deadline = time.monotonic() + 30
                    while _sent_count(api) <= before and time.monotonic() < deadline:
                        if process.poll() is not None:
                            raise RuntimeError(f"the bot exited: see {tmp}/run{run}.log")
                        await asyncio.sleep(0.01)
                    await asyncio.sleep(rng.uniform(0.0, 1.0))
                    report.kill_times.append(round(time.monotonic() - started, 2))
                    if grace is not None:
                        process.send_signal(signal.SIGTERM)
                        until = time.monotonic() + grace
                        while process.poll() is None and time.monotonic() < until:
                            await asyncio.sleep(0.01)
                    if process.poll() is None:
                        process.send_signal(signal.SIGKILL)
                    while process.poll() is None:
                        await asyncio.sleep(0.01)
                else:
                    deadline = time.monotonic() + timeout
                    while _sent_count(api) < report.questions and time.monotonic() < deadline:
                        await asyncio.sleep(0.1)
                    await asyncio.sleep(1.5)  # anything doubled arrives now; rows are written
                    process.send_signal(signal.SIGTERM)
                    await asyncio.to_thread(process.wait, 20)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        report.seconds = round(time.monotonic() - started, 1)
        per_chat = collections.Counter(
            event["chat_id"] for event in api.outbox if event["event"] == "send"
        )
        for u in range(users):
            got = per_chat.get(100_000 + u, 0)
            report.unanswered += max(0, per_user - got)
            report.doubled += max(0, got - per_user)
        report.refused = len(api.refused)
    with sqlite3.connect(db) as connection:
        report.rows = connection.execute(
            "SELECT count(*) FROM query_log WHERE channel = 'telegram'"
        ).fetchone()[0]
    report.lost_rows = max(0, report.questions - report.rows)
    report.extra_rows = max(0, report.rows - report.questions)
    return report
