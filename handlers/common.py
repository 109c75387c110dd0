"""What every handler shares: the services accessor and sending a reply."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.assistant import Assistant
from bot.keyboards import markup
from bot.render import split_message, visible
from bot.replies import Reply

log = logging.getLogger(__name__)
SERVICES = "assistant"
KEEP_SHOWN = 10_000  # messages whose last shown content is remembered


def services(context: ContextTypes.DEFAULT_TYPE) -> Assistant:
    """The assistant created at start-up."""
    return context.application.bot_data[SERVICES]


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Send every part of a reply to the chat of the update; buttons go under the last part."""
    chat = update.effective_chat
    if chat is None:
        return
    # a part over Telegram's limit (4,096 UTF-16 units) is split rather than refused
    parts = [piece for part in reply.parts for piece in split_message(part)]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await send_html(context, chat.id, part, markup(reply.buttons) if last else None)


async def send_html(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None
) -> None:
    """sendMessage without turning Telegram's answer into a ``Message``: the bot never uses it,
    and parsing it (entities, keyboard) cost more than finding the answer. Method names are
    case-insensitive in the Bot API; the lower-case name keeps python-telegram-bot from
    suggesting ``send_message``. The rate limiter and retries apply as to any call."""
    params: dict = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
                    "link_preview_options": {"is_disabled": True}}
    if keyboard is not None:
        params["reply_markup"] = keyboard.to_dict()
    await context.bot.do_api_request("sendmessage", api_kwargs=params)


async def edit(context: ContextTypes.DEFAULT_TYPE, message: Message | None, reply: Reply) -> bool:
    """Show a reply in place of a message; False when there is nothing to change.

    Edits of one message are serialised and compared with what the bot last showed in it, so
    two quick taps never send the same edit twice (Telegram refuses "message is not modified").
    """
    if message is None:
        return False
    key = (message.chat_id, message.message_id)
    shown: OrderedDict = context.bot_data.setdefault("shown_messages", OrderedDict())
    locks: OrderedDict = context.bot_data.setdefault("edit_locks", OrderedDict())
    lock = locks.setdefault(key, asyncio.Lock())
    locks.move_to_end(key)
    if len(locks) > KEEP_SHOWN:
        locks.popitem(last=False)
    text = split_message(reply.parts[0])[0]  # a message holds 4,096 UTF-16 units at most
    keyboard = markup(reply.buttons)
    wanted = (visible(text).strip(), keyboard.to_dict() if keyboard else None)
    async with lock:
        current = shown.get(key) or (
            (message.text or "").strip(),
            message.reply_markup.to_dict() if message.reply_markup else None,
        )
        if current == wanted:
            return False
        try:
            await message.edit_text(text, reply_markup=keyboard)
        except BadRequest as exc:  # e.g. another instance edited it first
            if "not modified" not in str(exc):
                raise
            return False
        shown[key] = wanted
        shown.move_to_end(key)
        if len(shown) > KEEP_SHOWN:
            shown.popitem(last=False)
    return True
