"""The framework's floor: a minimal python-telegram-bot bot that replies with a fixed text."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with a fixed text."""
    await context.bot.send_message(update.effective_chat.id, "Xin chào!")


def main() -> None:
    """Long polling against the Bot API at TELEGRAM_API_BASE_URL."""
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .concurrent_updates(64)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, reply))
    application.run_polling()


if __name__ == "__main__":
    main()
