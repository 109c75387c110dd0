"""Inline mode: ``@bot câu hỏi`` in any chat lists matching entries."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import ContextTypes

from bot.render import render_entry, split_message, visible
from handlers.common import services

MAX_RESULTS = 10


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Up to ten entries as articles."""
    query = update.inline_query
    assistant = services(context)
    text = query.query[: assistant.settings.limits.max_question_chars]
    found = assistant.search(text, limit=MAX_RESULTS) if text.strip() else []
    results = []
    for suggestion in found:
        entry = assistant.kb.entries[suggestion.entry_id]
        body = split_message(render_entry(entry))[0]
        description = visible(body).split("\n", 2)[1:2]
        results.append(
            InlineQueryResultArticle(
                id=entry.id[:64],
                title=entry.title[:200],
                description=(description[0] if description else "")[:200],
                input_message_content=InputTextMessageContent(body),
            )
        )
    await query.answer(results, cache_time=30, is_personal=False)
