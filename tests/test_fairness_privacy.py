"""Feedback that cannot be forged or lost, flood control for every kind of update, a query log
that survives a bad row, and personal data that is never stored."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from telegram import Update

from bot import texts
from bot.assistant import FloodControl
from bot.intake import JournalProcessor
from bot.journal import Journal
from bot.querylog import QueryLogger
from bot.storage import QueryLog, Storage
from tests.harness import button, running_bot

PG_URL = os.environ.get("DATABASE_URL_TEST")


async def test_one_vote_per_user_and_answer_and_only_on_answers_the_bot_gave(tmp_path):
    async with running_bot(tmp_path) as bot:
        [reply] = await bot.ask(5100, "đăng ký kết hôn")
        down = button(reply, "👎")["callback_data"]
        for _ in range(20):
            await bot.tap(5100, reply, down)
        await bot.tap(5100, reply, button(reply, "👍")["callback_data"])  # a change of mind counts
        for n in range(50):  # refs the bot never issued, from 50 accounts
            bot.api.callback(5200 + n, reply["message"]["message_id"], f"f:d:forged{n:04d}", chat_id=5100)
        await bot.api.drain(timeout=20, quiet=0.5)
        await bot.flush()
        votes = bot.assistant.storage.feedback()
        assert [(v.value) for v in votes] == [1]
        assert bot.api.refused == []


async def test_votes_during_a_database_lock_are_answered_at_once_and_kept(tmp_path):
    async with running_bot(tmp_path) as bot:
        replies = [(await bot.ask(5300 + n, "lệ phí làm hộ chiếu"))[0] for n in range(8)]
        await bot.flush()
        lock = sqlite3.connect(tmp_path / "bot.db", timeout=0)
        lock.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            before = len(bot.api.calls_of("answerCallbackQuery"))
            for n, reply in enumerate(replies):
                bot.api.callback(5300 + n, reply["message"]["message_id"], button(reply, "👍")["callback_data"])
            # every press is answered while the lock is still held
            await bot.api.wait_until(
                lambda: len(bot.api.calls_of("answerCallbackQuery")) >= before + 8, timeout=30
            )
        finally:
            lock.rollback()
            lock.close()
        await bot.flush()
        assert sorted(v.value for v in bot.assistant.storage.feedback()) == [1] * 8


async def test_button_spam_is_limited_and_others_are_still_answered(tmp_path):
    async with running_bot(tmp_path) as bot:
        api = bot.api
        [reply] = await bot.ask(5400, "đăng ký kết hôn")
        data = button(reply, "Lệ phí")["callback_data"]
        before = {c["params"]["callback_query_id"] for c in api.calls_of("answerCallbackQuery")}
        spam = [api.callback(5400, reply["message"]["message_id"], data) for _ in range(80)]
        spam_ids = {u["callback_query"]["id"] for u in spam}
        [other] = await bot.ask(5401, "lệ phí làm hộ chiếu")
        assert other["text"].startswith("📋 Cấp hộ chiếu phổ thông")
        await api.drain(timeout=30, quiet=0.5)
        answered = [c["params"] for c in api.calls_of("answerCallbackQuery")
                    if c["params"]["callback_query_id"] in spam_ids - before]
        limit = bot.settings.limits.flood_taps
        assert len(answered) == limit + 1  # the limit, then one "slow down"
        assert sum(1 for a in answered if a.get("text") == texts.SLOW_DOWN) == 1
        assert api.refused == []


async def test_inline_query_spam_is_limited(tmp_path):
    async with running_bot(tmp_path) as bot:
        api = bot.api
        for n in range(60):
            api.inline_query(5500, "ho chieu" + " " * (n % 3))
        await api.drain(timeout=30, quiet=0.5)
        assert len(api.calls_of("answerInlineQuery")) == bot.settings.limits.flood_taps
        assert api.refused == []


def test_flood_control_memory_is_bounded():
    flood = FloodControl(limit=8, window=10.0, max_users=1000)
    for n in range(5000):
        flood.check(f"user{n}", now=0.0)
    assert len(flood) == 1000
    flood.check("late", now=11.0)  # everyone else has been quiet for a whole window
    assert len(flood) == 1


def test_flood_counts_are_shared_by_instances_through_the_journal(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path}/shared.db")
    a, b = Journal(storage, "a", flood_window=10), Journal(storage, "b", flood_window=10)
    raw = lambda n, kind="message": {"update_id": n, kind: {"from": {"id": 1}}}  # noqa: E731
    assert [c for _, c in a.receive([(raw(n), "k") for n in range(1, 6)]).values()] == [1, 2, 3, 4, 5]
    assert [c for _, c in b.receive([(raw(n), "k") for n in range(6, 9)]).values()] == [6, 7, 8]
    # taps are counted apart from typed messages
    assert list(b.receive([(raw(9, "callback_query"), "k")]).values()) == [("tap", 1)]
    assert b.receive([(raw(3), "k")]) == {}  # a replay is not new and not counted


async def test_one_users_burst_does_not_hold_the_slots_of_others():
    processor = JournalProcessor(concurrency=4, per_user=2)
    await processor.initialize()
    release = asyncio.Event()
    running = {"spam": 0, "max": 0}

    def update(user: int, n: int) -> Update:
        return Update.de_json({"update_id": n, "message": {
            "message_id": n, "date": 1_800_000_000, "text": "x",
            "from": {"id": user, "is_bot": False, "first_name": "U"},
            "chat": {"id": user, "type": "private"}}}, None)

    async def spam_work() -> None:
        running["spam"] += 1
        running["max"] = max(running["max"], running["spam"])
        await release.wait()
        running["spam"] -= 1

    async def other_work() -> None:
        return None

    spam = [asyncio.create_task(processor.process_update(update(1, n), spam_work())) for n in range(50)]
    await asyncio.sleep(0.05)
    other = asyncio.create_task(processor.process_update(update(2, 99), other_work()))
    await asyncio.wait_for(other, 2)  # answered while the spammer's updates wait
    assert running["max"] == 2
    release.set()
    await asyncio.gather(*spam)


@pytest.mark.parametrize("backend", ["sqlite"] + (["postgresql"] if PG_URL else []))
async def test_a_bad_row_does_not_hold_back_the_others(tmp_path, caplog, backend):
    storage = Storage(PG_URL if backend == "postgresql" else f"sqlite:///{tmp_path}/log.db")
    storage.delete_all()
    storage.add_queries([QueryLog(ref="taken", outcome="answer")])
    logger = QueryLogger(storage)
    for n in range(5):
        logger.add(QueryLog(ref=f"ok{n}", outcome="answer", raw_text=f"câu {n}\x00"))
    logger.add(QueryLog(ref="taken", outcome="answer"))  # refused: the ref exists
    for n in range(5, 10):
        logger.add(QueryLog(ref=f"ok{n}", outcome="answer"))
    with caplog.at_level(logging.WARNING):
        await logger.flush()
    assert logger.pending == 0 and logger.refused == 1
    assert "refused by the database" in caplog.text
    rows = {r.ref: r for r in storage.queries()}
    assert len(rows) == 11 and rows["ok0"].raw_text == "câu 0"  # NUL removed (PostgreSQL refuses it)
    storage.close()


async def test_id_numbers_phones_and_emails_are_never_stored(tmp_path):
    async with running_bot(tmp_path) as bot:
        await bot.ask(5600, "cccd 001203004567 sdt 0912345678 nha so 12 ngo 34 mail an.nguyen@gmail.com")
        await bot.flush()
        [row] = bot.assistant.storage.queries()
        for secret in ("001203004567", "0912345678", "an.nguyen@gmail.com", "gmail"):
            assert secret not in (row.raw_text or "") and secret not in row.normalized
        assert "12" in row.raw_text and "34" in row.raw_text


def test_sqlite_overwrites_deleted_text(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path}/s.db")
    with storage.engine.connect() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
    storage.add_queries([QueryLog(ref="r1", outcome="answer", raw_text="zzsecretzz", normalized="zzsecretzz")])
    import datetime as dt

    storage.purge_raw_text(older_than=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    with storage.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    storage.close()
    data = Path(tmp_path / "s.db").read_bytes()
    assert b"zzsecretzz" not in data


def test_http_pool_size_is_a_setting(tmp_path):
    from bot.app import build_application
    from bot.config import load_settings

    default = load_settings(Path("/nonexistent.yaml"), env={})
    assert default.http_pool_size == 64
    path = tmp_path / "config.yaml"
    path.write_text("http_pool_size: 16\n", encoding="utf-8")
    settings = load_settings(path, env={"TELEGRAM_BOT_TOKEN": "1:x"})
    app = build_application(settings)
    assert app.bot.request._client_kwargs["limits"].max_connections == 16
