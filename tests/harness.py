"""Run the real Application against the local Bot API stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Application

from bot.app import INTAKE, build_application
from bot.assistant import Assistant
from bot.config import Settings, load_settings
from handlers.common import SERVICES
from tests.fake_telegram import FakeBotApi

ADMIN_ID = 4242


@dataclass
class Bot:
    """The stand-in API, the running application and its services."""

    api: FakeBotApi
    app: Application
    settings: Settings

    @property
    def assistant(self) -> Assistant:
        return self.app.bot_data[SERVICES]

    async def ask(self, user_id: int, text: str, n: int = 1, **kwargs) -> list[dict]:
        """Send a message and wait for ``n`` replies in that chat."""
        mark = self.api.mark()
        update = self.api.user_message(user_id, text, **kwargs)
        chat_id = update["message"]["chat"]["id"]
        await self.api.wait_until(lambda: len(self.api.sent_after(mark, chat_id)) >= n, timeout=10)
        return self.api.sent_after(mark, chat_id)

    async def tap(self, user_id: int, message: dict, data: str, chat_id: int | None = None) -> None:
        """Press an inline button and wait for the bot to answer the callback."""
        before = len(self.api.calls_of("answerCallbackQuery"))
        self.api.callback(user_id, message["message"]["message_id"], data, chat_id=chat_id)
        await self.api.wait_until(lambda: len(self.api.calls_of("answerCallbackQuery")) > before, timeout=10)
        await self.api.drain()

    async def flush(self) -> None:
        """Let updates in flight finish, then write the buffered query log now."""
        await self.app.update_processor.settled()
        await self.assistant.logger.flush()


def buttons(message: dict) -> list[dict]:
    """Every inline button under a message the bot sent."""
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button(message: dict, label: str) -> dict:
    """The first button whose label contains ``label``."""
    return next(b for b in buttons(message) if label in b["text"])


def settings_for(api: FakeBotApi, db_url: str, **env: str) -> Settings:
    """Settings pointing at the stand-in, with a test database."""
    return load_settings(
        Path("/nonexistent/config.yaml"),
        env={
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": db_url,
            "ADMIN_IDS": str(ADMIN_ID),
            **env,
        },
    )


_UPDATE_IDS = itertools.count(10001, 1_000_000)


@contextlib.asynccontextmanager
async def running_bot(tmp_path: Path, db_url: str | None = None, **env: str) -> AsyncIterator[Bot]:
    """Start the bot with long polling against a fresh stand-in; stop it afterwards."""
    # Telegram numbers one bot's updates in one sequence, whichever instance receives them; the
    # instances of a test share a database (and its update journal), so their stand-ins do too
    api = FakeBotApi(first_update_id=next(_UPDATE_IDS))
    await api.start()
    settings = settings_for(api, db_url or f"sqlite:///{tmp_path}/bot.db", **env)
    app = build_application(settings)
    stop = asyncio.Event()
    polling = None
    try:
        await app.initialize()
        await app.post_init(app)
        await app.start()
        intake = app.bot_data[INTAKE]
        await intake.recover()
        polling = asyncio.create_task(intake.poll(stop, timeout=1))
        yield Bot(api, app, settings)
    finally:
        stop.set()
        if polling is not None:
            with contextlib.suppress(Exception):
                await polling
        with contextlib.suppress(Exception):
            await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()
        await api.stop()
