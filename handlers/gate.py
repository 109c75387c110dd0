"""Flood control for every kind of update, before any other handler runs (group -10)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import texts
from bot.intake import FLOOD_COUNTS
from bot.replies import Reply
from handlers.common import send, services

log = logging.getLogger(__name__)


def verdict(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """'ok', 'warn' or 'drop' for this update's user: from the counter shared by every instance
    (the update journal) when the update came through it, else from this process's counter.
    Admins are not limited."""
    assistant = services(context)
    counts: dict = context.bot_data.get(FLOOD_COUNTS, {})
    counted = counts.pop(update.update_id, None)
    user = update.effective_user
    if user is not None and user.id in assistant.settings.admin_ids:
        return "ok"
    if counted is not None:
        klass, count = counted
        return assistant.flood.verdict(count, klass)
    if user is None:
        return "ok"
    klass = "tap" if update.callback_query or update.inline_query else "message"
    return assistant.flood.check(assistant.user(user.id), klass=klass)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let the update through, or warn once and stop it, or stop it silently."""
    result = verdict(update, context)
    if result == "ok":
        return
    assistant = services(context)
    user, chat = update.effective_user, update.effective_chat
    message = update.message
    if message is not None and message.text:
        assistant.log_flood(message.text, user_id=user.id if user else None,
                            chat_type=chat.type if chat else "private")
    if result == "warn":
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(texts.SLOW_DOWN)
            elif message is not None:
                await send(update, context, Reply([texts.SLOW_DOWN]))
        except Exception:  # the warning is a courtesy
            log.debug("could not send the flood warning", exc_info=True)
    raise ApplicationHandlerStop
