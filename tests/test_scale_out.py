"""Several bot instances in webhook mode sharing one PostgreSQL database (needs DATABASE_URL_TEST)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.storage import Storage
from tests.fake_telegram import FakeBotApi
from tests.harness import ADMIN_ID

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("DATABASE_URL_TEST")
SECRET = "webhook-secret-token-123"
UNKNOWN = "giá vàng hôm nay bao nhiêu"  # no curated entry nor national record holds it
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (DATABASE_URL_TEST)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One ``python main.py`` process in webhook mode."""

    def __init__(self, api: FakeBotApi, tmp: Path, name: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": PG_URL,
            "ADMIN_IDS": str(ADMIN_ID),
            "BOT_MODE": "webhook",
            # the public URL is the reverse proxy's (TLS ends there); the process listens on loopback
            "WEBHOOK_URL": "https://bot.example.invalid/telegram",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(self.port),
            "WEBHOOK_SECRET_TOKEN": SECRET,
            "USER_KEY_SECRET": "shared-key-for-all-instances",
        }
        self.log = (tmp / f"{name}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--config", str(tmp / "none.yaml")],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    async def ready(self, session: aiohttp.ClientSession) -> None:
        for _ in range(150):
            try:
                async with session.post(self.url, data=b"{}", headers={"X-Telegram-Bot-Api-Secret-Token": "x"}):
                    return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        raise TimeoutError("instance did not start")

    async def post(self, session: aiohttp.ClientSession, update: dict, secret: str = SECRET) -> int:
        async with session.post(self.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as r:
            return r.status

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _take(api: FakeBotApi) -> dict:
    """The update the stand-in just queued (webhook mode: we deliver it ourselves)."""
    return api.pending.pop() if isinstance(api.pending, list) else api.pending.popleft()


async def test_two_instances_share_learned_aliases_and_check_the_secret(tmp_path):
    store = Storage(PG_URL)
    store.delete_all()
    store.close()
    async with FakeBotApi() as api, aiohttp.ClientSession() as session:
        a, b = Instance(api, tmp_path, "a"), Instance(api, tmp_path, "b")
        try:
            await a.ready(session)
            await b.ready(session)
            # the secret token header is checked
            api.user_message(1, "đăng ký tạm trú")
            assert await a.post(session, _take(api), secret="wrong") == 403

            async def ask(instance: Instance, user: int, text: str, n: int = 1) -> list[dict]:
                mark = api.mark()
                api.user_message(user, text)
                assert await instance.post(session, _take(api)) == 200
                await api.wait_until(lambda: len(api.sent_after(mark, user)) >= n, timeout=20)
                return api.sent_after(mark, user)

            async def tap(instance: Instance, user: int, message: dict, data: str) -> None:
                mark = api.mark()
                api.callback(user, message["message"]["message_id"], data)
                assert await instance.post(session, _take(api)) == 200
                await api.wait_until(lambda: any(c["method"] == "answerCallbackQuery" for c in api.calls[mark:]))
                seen = -1
                while seen != len(api.calls):  # the edit that follows the answer
                    seen = len(api.calls)
                    await asyncio.sleep(0.3)

            # both instances answer
            assert (await ask(a, 11, "đăng ký tạm trú"))[0]["text"].startswith("📋 Đăng ký tạm trú")
            assert (await ask(b, 12, "đăng ký tạm trú"))[0]["text"].startswith("📋 Đăng ký tạm trú")
            # a question neither knows, logged through B; reviewed and taught through A
            first = (await ask(b, 13, UNKNOWN))[0]
            assert not first["text"].startswith("📋")
            await asyncio.sleep(2.5)  # B writes its query log every 2 s
            [queue] = await ask(a, ADMIN_ID, "/review")
            buttons = [x for row in queue["reply_markup"]["inline_keyboard"] for x in row]
            await tap(a, ADMIN_ID, queue, buttons[0]["callback_data"])
            group = api.messages[(ADMIN_ID, queue["message"]["message_id"])]
            assign = [x for row in group["reply_markup"]["inline_keyboard"] for x in row][0]
            await tap(a, ADMIN_ID, group, assign["callback_data"])
            [choices] = await ask(a, ADMIN_ID, "hộ chiếu")
            pick = next(x for row in choices["reply_markup"]["inline_keyboard"] for x in row if "hộ chiếu" in x["text"])
            await tap(a, ADMIN_ID, choices, pick["callback_data"])
            # B uses the alias within seconds
            for _ in range(20):
                reply = (await ask(b, 14, UNKNOWN))[0]
                if reply["text"].startswith("📋 Cấp hộ chiếu"):
                    break
                await asyncio.sleep(1)
            assert reply["text"].startswith("📋 Cấp hộ chiếu"), reply["text"]
            assert api.refused == [], json.dumps(api.refused, ensure_ascii=False)[:2000]
        finally:
            a.stop()
            b.stop()
