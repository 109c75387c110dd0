"""/start (with deep links such as ``/start khai-sinh``) and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import callbacks, texts
from bot.render import Button
from bot.replies import Reply, entry_reply
from handlers.common import send, services


def _examples() -> list[list[Button]]:
    return [[Button(f"💬 {q}", callbacks.example(i))] for i, q in enumerate(texts.EXAMPLES)]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, or open the entry named by a deep link."""
    assistant = services(context)
    if context.args:
        entry = assistant.kb.entries.get(context.args[0].strip().lower())
        if entry is None:
            await send(update, context, Reply([texts.UNKNOWN_ENTRY]))
            return
        user, chat = update.effective_user, update.effective_chat
        ref = assistant.log_opened(entry.id, f"/start {entry.id}", user_id=user.id if user else None,
                                   chat_type=chat.type if chat else "private")
        await send(update, context, entry_reply(entry, ref=ref))
        return
    await send(update, context, Reply([texts.START.format(name=texts.BOT_NAME)], _examples()))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to ask."""
    await send(update, context, Reply([texts.HELP.format(username=context.bot.username)]))
