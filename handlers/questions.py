"""Questions typed in a chat, and messages that are not text."""

from __future__ import annotations

import asyncio
import functools
import logging

from telegram import MessageEntity, Update
from telegram.constants import ChatAction, ChatType
from telegram.ext import ContextTypes

from bot import texts
from bot.replies import Reply
from handlers.common import send, services

log = logging.getLogger(__name__)
TYPING_AFTER = "typing_after"


def _question_text(update: Update, username: str) -> str | None:
    """The question in a message: in groups only when the bot is mentioned (or replied to)."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    text = message.text
    if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{username}".lower()
    mentioned = any(
        value.lower() == mention
        for value in message.parse_entities([MessageEntity.MENTION]).values()
    )
    replied = bool(
        message.reply_to_message
        and message.reply_to_message.from_user
        and message.reply_to_message.from_user.username == username
    )
    if not (mentioned or replied):
        return None
    return text.replace(f"@{username}", " ").replace(mention, " ")


async def _typing_later(update: Update, context: ContextTypes.DEFAULT_TYPE, delay: float) -> None:
    """Show "typing…" if the answer takes longer than ``delay`` seconds."""
    await asyncio.sleep(delay)
    chat = update.effective_chat
    if chat is not None:
        try:
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
        except Exception:  # a lost "typing…" matters to no one
            log.debug("chat action failed", exc_info=True)


async def answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Answer one question and log it."""
    assistant = services(context)
    user = update.effective_user
    chat = update.effective_chat
    # flood control has run already, for every kind of update (handlers/gate.py)
    # "typing…" only if preparing the answer takes a while; delivery does not count
    delay = context.bot_data.get(TYPING_AFTER, 0.5)
    typing = asyncio.create_task(_typing_later(update, context, delay))
    ask = functools.partial(
        assistant.ask, text, user_id=user.id if user else None,
        chat_type=chat.type if chat else "private", chat_id=chat.id if chat else None,
    )
    try:
        # a large base matches in a worker thread (other chats go on, "typing…" can show);
        # a small one answers within a millisecond, faster than handing work to a thread
        answer = await asyncio.to_thread(ask) if assistant.large else ask()
    finally:
        typing.cancel()
    await send(update, context, answer.reply)


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: answer it (in groups only when addressed to the bot)."""
    text = _question_text(update, context.bot.username)
    if text is None:
        return
    if not text.strip():
        await send(update, context, Reply([texts.EMPTY_QUESTION]))
        return
    await answer_text(update, context, text)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, locations…: ask for a typed question."""
    await send(update, context, Reply([texts.NON_TEXT]))
