"""What every handler shares: the services accessor and sending a reply."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.assistant import Assistant
from bot.keyboards import markup
from bot.render import visible
from bot.replies import Reply

log = logging.getLogger(__name__)
SERVICES = "assistant"


def services(context: ContextTypes.DEFAULT_TYPE) -> Assistant:
    """The assistant created at start-up."""
    return context.application.bot_data[SERVICES]


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Send every part of a reply to the chat of the update; buttons go under the last part."""
    chat = update.effective_chat
    if chat is None:
        return
    for index, part in enumerate(reply.parts):
        last = index == len(reply.parts) - 1
        await context.bot.send_message(
            chat.id, part, reply_markup=markup(reply.buttons) if last else None
        )


async def edit(message: Message | None, reply: Reply) -> bool:
    """Show a reply in place of a message; False when there is nothing to change."""
    if message is None:
        return False
    text = reply.parts[0]
    keyboard = markup(reply.buttons)
    same_text = visible(text).strip() == (message.text or "").strip()
    if same_text and keyboard == message.reply_markup:
        return False
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except BadRequest as exc:  # a double tap racing the first edit
        if "not modified" not in str(exc):
            raise
        return False
    return True
