"""Faults and floods: the bot keeps answering, loses nothing, doubles nothing."""

from __future__ import annotations

import asyncio
import collections
import logging
import random

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot import texts
from tests.harness import running_bot

QUESTIONS = [
    "đăng ký tạm trú", "lệ phí làm hộ chiếu", "lam giay khai sinh can gi", "đăng ký kết hôn",
    "cấp lại thẻ bhyt", "an giang papi 2014", "mst ca nhan", "đăng ký thường trú",
    "chứng thực chữ ký", "lý lịch tư pháp", "hue chi so hai long quy 1 2020", "giá vàng hôm nay",
]


def _first_line(message: dict) -> str:
    return message["text"].split("\n", 1)[0]


async def test_faults_every_question_gets_exactly_one_reply(tmp_path):
    async with running_bot(tmp_path) as bot:
        api = bot.api
        expected: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
        answer_of = {}
        for n, q in enumerate(QUESTIONS):  # what each reply starts with, asked once without faults
            [reply] = await bot.ask(900 + n, q)
            answer_of[q] = _first_line(reply)
        api.reseed(7)
        api.fail_rate = 0.2
        api.flood_rate, api.flood_methods, api.retry_after = 0.1, {"sendMessage"}, 1
        rng = random.Random(3)
        users = [5000 + i for i in range(50)]
        mark = api.mark()
        for n in range(300):
            user = users[n % 50]
            question = rng.choice(QUESTIONS)
            expected[user][answer_of[question]] += 1
            api.user_message(user, question)
        await api.wait_until(
            lambda: sum(len(api.sent_after(mark, u)) for u in users) >= 300, timeout=120
        )
        await asyncio.sleep(1.0)  # anything doubled would arrive now
        api.fail_rate = api.flood_rate = 0.0
        assert api.faults, "the stand-in injected no fault"
        assert {f["kind"] for f in api.faults} == {"error", "flood"}
        for user in users:
            got = collections.Counter(_first_line(m) for m in api.sent_after(mark, user))
            assert got == expected[user], user
        assert api.refused == []


async def test_database_away_answers_go_on_and_rows_are_written_later(tmp_path):
    async with running_bot(tmp_path) as bot:
        storage = bot.assistant.storage
        state = {"away": True}

        def away(*_args):
            if state["away"]:
                raise OperationalError("SELECT", {}, Exception("database is away"))

        # every statement fails, on every engine: the update journal's and the query log's alike
        event.listen(Engine, "before_cursor_execute", away)
        for n in range(20):
            [reply] = await bot.ask(7000 + n, QUESTIONS[n % len(QUESTIONS)])
            assert reply["text"]
        await bot.flush()
        assert bot.assistant.logger.pending == 20
        state["away"] = False
        event.remove(Engine, "before_cursor_execute", away)
        await bot.flush()
        assert bot.assistant.logger.pending == 0
        assert len(storage.queries()) == 20
        assert bot.api.refused == []


async def test_buffer_overflow_is_logged_with_a_count(tmp_path, caplog):
    from bot.querylog import QueryLogger
    from bot.storage import QueryLog

    class Away:
        def add_queries(self, rows):
            raise OperationalError("INSERT", {}, Exception("away"))

    logger = QueryLogger(Away(), capacity=10)
    with caplog.at_level(logging.WARNING):
        for n in range(25):
            logger.add(QueryLog(ref=f"r{n}", outcome="answer"))
        await logger.flush()
    assert logger.pending == 10 and logger.dropped == 15
    assert "dropped" in caplog.text and "1 row(s) dropped" in caplog.text
    assert "kept for retry" in caplog.text


async def test_flood_control_warns_once_and_logs_the_rest(tmp_path):
    async with running_bot(tmp_path) as bot:
        api = bot.api
        mark = api.mark()
        for _ in range(12):
            api.user_message(8001, "đăng ký tạm trú")
        await api.wait_until(lambda: len(api.sent_after(mark, 8001)) >= 9, timeout=20)
        await api.drain(quiet=0.5)
        replies = api.sent_after(mark, 8001)
        slow = [m for m in replies if m["text"] == texts.SLOW_DOWN]
        assert len(slow) == 1 and len(replies) == 9
        await bot.flush()
        outcomes = collections.Counter(r.outcome for r in bot.assistant.storage.queries())
        assert outcomes == {"answer": 8, "flood": 4}


async def test_hostile_messages_get_polite_replies_and_the_bot_still_answers(tmp_path):
    async with running_bot(tmp_path) as bot:
        api = bot.api
        rng = random.Random(11)
        pieces = ["<b>", "&", "&amp;", "<script>", "😀", "\u200b", "\u202e", "'; DROP TABLE x;--",
                  "{{7*7}}", "*_`[", "đăng ký", "khai sinh", "@trolytthc_bot", "/", "\\", "%s", "\x00"]
        users = [9000 + i for i in range(200)]
        [reply] = await bot.ask(users[0], "đăng ký tạm trú")
        for n in range(1000):
            user = users[n % len(users)]
            kind = n % 10
            if kind == 0:
                api.sticker(user)
            elif kind == 1:
                api.photo(user)
            elif kind == 2:
                api.user_message(user, rng.choice(pieces), entities=[])
                api.edited_message(user, "sửa " + rng.choice(pieces))
            elif kind == 3:
                api.forwarded_message(user, rng.choice(pieces) * rng.randint(1, 50))
            elif kind == 4:
                api.callback(users[0], reply["message"]["message_id"],
                             rng.choice(["s:hs::khong-co", "zzz", "e::x", "a:g:deadbeef", "b:t:99:9", "f:u:old"]),
                             chat_id=users[0])
            elif kind == 5:
                api.user_message(user, "x" * 10_000)
            else:
                text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
                api.user_message(user, text, entities=[])
        await api.drain(timeout=120, quiet=1.0)
        assert api.refused == []
        [answer] = await bot.ask(123, "lệ phí làm hộ chiếu")
        assert answer["text"].startswith("📋 Cấp hộ chiếu phổ thông")
        assert api.refused == []


@pytest.mark.parametrize("production", [True])
def test_production_refuses_to_start_without_user_key(production):
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="USER_KEY_SECRET"):
        load_settings(env={"BOT_PRODUCTION": "true"})
    settings = load_settings(env={"BOT_PRODUCTION": "true", "USER_KEY_SECRET": "s" * 32})
    assert settings.user_key() == b"s" * 32
