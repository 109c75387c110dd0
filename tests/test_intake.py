"""Receiving updates: unreadable ones are skipped, replays answered once, the journal is durable,
the webhook is closed to strangers and to huge bodies, and the token never shows."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app import INTAKE, run
from bot.config import load_settings
from bot.intake import ALLOWED_UPDATES, serve_webhook
from bot.journal import DONE, Journal, default_owner
from bot.storage import Storage, user_key
from tests.fake_telegram import FakeBotApi
from tests.harness import running_bot

ROOT = Path(__file__).resolve().parent.parent
SECRET = "webhook-secret-token-for-tests-0123456789"


async def test_unreadable_updates_are_skipped_counted_and_logged_once_without_personal_data(
    tmp_path, caplog
):
    async with running_bot(tmp_path) as bot:
        api = bot.api
        with caplog.at_level(logging.INFO):
            api.unreadable(777001, "no_date", text="cccd 001203004567 của tôi")
            api.unreadable(777002, "old_poll", text="bí mật")
            [reply] = await bot.ask(777003, "lệ phí làm hộ chiếu")
        assert reply["text"].startswith("📋 Cấp hộ chiếu phổ thông")
        intake = bot.app.bot_data[INTAKE]
        assert intake.unreadable == 2
        skipped = [r for r in caplog.records if "could not be read" in r.getMessage()]
        assert len(skipped) == 2
        assert "001203004567" not in caplog.text and "bí mật" not in caplog.text
        assert "777001" not in caplog.text and "777002" not in caplog.text
        await api.wait_until(lambda: not api.pending, timeout=5)  # confirmed, never fetched again
        assert api.sent_after(0, 777001) == [] and api.refused == []


async def test_polling_asks_only_for_the_update_types_the_bot_handles(tmp_path):
    async with running_bot(tmp_path) as bot:
        await bot.ask(1, "đăng ký tạm trú")
        assert sorted(bot.api.allowed_updates) == sorted(ALLOWED_UPDATES)
        assert set(ALLOWED_UPDATES) == {"message", "edited_message", "callback_query", "inline_query"}


async def test_a_replayed_update_is_answered_once(tmp_path):
    async with running_bot(tmp_path) as bot:
        api = bot.api
        raw = api.user_message(4100, "đăng ký kết hôn")
        await api.wait_until(lambda: len(api.sent_after(0, 4100)) == 1, timeout=10)
        intake = bot.app.bot_data[INTAKE]
        assert await intake.accept([dict(raw)]) == 0  # a webhook retry, or a restart's replay
        await bot.flush()
        await asyncio.sleep(0.3)
        assert len(api.sent_after(0, 4100)) == 1
        assert len(bot.assistant.storage.queries()) == 1


async def test_updates_received_but_not_answered_are_answered_on_start(tmp_path):
    db = f"sqlite:///{tmp_path}/bot.db"
    raw = {
        "update_id": 55,
        "message": {"message_id": 1, "date": 1_800_000_000, "text": "đăng ký tạm trú",
                    "from": {"id": 4200, "is_bot": False, "first_name": "A"},
                    "chat": {"id": 4200, "type": "private"}},
    }
    storage = Storage(db)
    settings = load_settings(Path("/nonexistent.yaml"), env={})
    journal = Journal(storage, default_owner())
    # what a process killed right after receiving left behind
    journal.receive([(raw, user_key(4200, settings.user_key()))])
    storage.close()
    async with running_bot(tmp_path, db) as bot:
        bot.api.users.setdefault(4200, raw["message"]["from"])
        bot.api.chats.setdefault(4200, raw["message"]["chat"])
        await bot.api.wait_until(lambda: len(bot.api.sent_after(0, 4200)) == 1, timeout=10)
        assert bot.api.sent_after(0, 4200)[0]["text"].startswith("📋 Đăng ký tạm trú")
        await bot.flush()
        assert Journal(bot.assistant.storage, "x").states()[55] == DONE


# -- webhook -------------------------------------------------------------------------------------

def _webhook_settings(**env: str):
    return load_settings(Path("/nonexistent.yaml"), env={
        "TELEGRAM_BOT_TOKEN": "123:abc", "BOT_MODE": "webhook",
        "WEBHOOK_URL": "https://bot.example.invalid/telegram", **env,
    })


def test_webhook_mode_refuses_to_start_without_a_secret_token(caplog):
    settings = _webhook_settings()
    assert "secret token" in settings.webhook_problem()
    root, httpx, hook = logging.getLogger(), logging.getLogger("httpx"), sys.excepthook
    filters, handlers, level = list(root.filters), list(root.handlers), httpx.level
    try:
        with caplog.at_level(logging.ERROR):
            assert run(settings) == 2
    finally:  # run() sets up logging for a process; give the other tests theirs back
        root.filters[:] = filters
        for handler in handlers:
            handler.filters = [f for f in handler.filters if f.name != "redact"]
        httpx.setLevel(level)
        sys.excepthook = hook
    assert "WEBHOOK_SECRET_TOKEN" in caplog.text


def test_production_refuses_a_short_webhook_secret():
    short = _webhook_settings(WEBHOOK_SECRET_TOKEN="abc123", BOT_PRODUCTION="true", USER_KEY_SECRET="k" * 32)
    assert "too short" in short.webhook_problem()
    assert _webhook_settings(WEBHOOK_SECRET_TOKEN="abc123").webhook_problem() is None  # not production
    strong = _webhook_settings(WEBHOOK_SECRET_TOKEN=SECRET, BOT_PRODUCTION="true", USER_KEY_SECRET="k" * 32)
    assert strong.webhook_problem() is None
    assert "only" in _webhook_settings(WEBHOOK_SECRET_TOKEN="bad token!").webhook_problem()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _raw_http(port: int, head: bytes, body: bytes = b"") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head + body)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(200), 5)
    writer.close()
    return answer


async def test_webhook_checks_size_before_reading_and_the_secret_before_handling(tmp_path):
    async with running_bot(tmp_path) as bot:
        api, intake = bot.api, bot.app.bot_data[INTAKE]
        stop, port = asyncio.Event(), _free_port()
        server = asyncio.create_task(
            serve_webhook(intake, stop, listen="127.0.0.1", port=port, path="telegram",
                          secret=SECRET, max_body=64 * 1024)
        )
        url = f"http://127.0.0.1:{port}/telegram"
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(100):
                    try:
                        async with session.post(url, data=b"{}"):
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
                # 90 MB announced, nothing sent: refused from the headers alone
                head = (b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 90000000\r\nX-Telegram-Bot-Api-Secret-Token: "
                        + SECRET.encode() + b"\r\n\r\n")
                answer = await _raw_http(port, head)
                assert answer.startswith(b"HTTP/1.1 413"), answer
                # a forged admin command without the header is refused and never run
                forged = {"update_id": 9_000_001, "message": {
                    "message_id": 1, "date": 1_800_000_000, "text": "/export",
                    "from": {"id": bot.settings.admin_ids[0], "is_bot": False, "first_name": "A"},
                    "chat": {"id": bot.settings.admin_ids[0], "type": "private"}}}
                async with session.post(url, json=forged) as r:
                    assert r.status == 403
                async with session.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "x" * 40}) as r:
                    assert r.status == 403
                # a real one is answered; an unreadable one gets 200 so Telegram does not resend it
                update = api.user_message(4300, "đăng ký tạm trú")
                api.pending.remove(update)
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with session.post(url, json=update, headers=headers) as r:
                    assert r.status == 200
                bad = api.unreadable(4301, "no_date")
                api.pending.remove(bad)
                async with session.post(url, json=bad, headers=headers) as r:
                    assert r.status == 200
                await api.wait_until(lambda: len(api.sent_after(0, 4300)) == 1, timeout=10)
            assert api.sent_after(0, bot.settings.admin_ids[0]) == []
            assert intake.unreadable == 1
        finally:
            stop.set()
            await server


def test_the_token_is_masked_when_telegram_rejects_it_at_start_up(tmp_path):
    async def scenario() -> tuple[int, str]:
        async with FakeBotApi() as api:
            token = "987654:REJECTED-secret-part-xyz"
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TELEGRAM_BOT_TOKEN": token,
                   "TELEGRAM_API_BASE_URL": api.base_url, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "main.py"), "--config", str(tmp_path / "none.yaml"),
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
            out, _ = await asyncio.wait_for(process.communicate(), 60)
            return process.returncode, out.decode()

    code, output = asyncio.run(scenario())
    assert code == 1, output
    assert "rejected the bot token" in output
    assert "987654:REJECTED" not in output and "REJECTED-secret-part-xyz" not in output


@pytest.mark.parametrize(("value", "expected"), [
    ("990001 990002", [990001, 990002]),
    ("990001, 990002", [990001, 990002]),
    ("990001", [990001]),
])
def test_admin_ids_from_the_environment_are_read_strictly(value, expected):
    settings = load_settings(Path("/nonexistent.yaml"), env={"ADMIN_IDS": value})
    assert settings.admin_ids == expected


@pytest.mark.parametrize("value", ["９９０００１", "99_0001", "-990001", "990001x", "0", "+5"])
def test_bad_admin_ids_are_refused_naming_the_environment(value):
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="environment variable ADMIN_IDS"):
        load_settings(Path("/nonexistent.yaml"), env={"ADMIN_IDS": value})


def test_admin_ids_in_the_config_file(tmp_path):
    from bot.config import ConfigError

    path = tmp_path / "config.yaml"
    path.write_text("admin_ids: 990001\n", encoding="utf-8")
    assert load_settings(path, env={}).admin_ids == [990001]
    path.write_text("admin_ids: [990001, 990002]\n", encoding="utf-8")
    assert load_settings(path, env={}).admin_ids == [990001, 990002]
    for bad in ("true", "[true]", "[-5]", "'99_0001'", "[1.5]"):
        path.write_text(f"admin_ids: {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"{path.name}: admin_ids"):
            load_settings(path, env={})
