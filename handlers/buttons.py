"""Inline buttons under answers: sections, suggestions, feedback, examples."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import callbacks, texts
from bot.replies import entry_reply, section_reply
from handlers.common import edit, services
from handlers.questions import answer_text


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route a button press by its callback data."""
    query = update.callback_query
    data = callbacks.parse(query.data)
    assistant = services(context)
    if data.kind == "s":
        code, ref, entry_id = data.args
        entry = assistant.kb.entries.get(entry_id)
        if entry is None:
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        section = callbacks.SECTION_CODES[code]
        chat_id = update.effective_chat.id if update.effective_chat else None
        assistant.remember_chat(chat_id, entry_id, None if section == "summary" else section)
        await edit(context, query.message, section_reply(entry, section, ref))
    elif data.kind == "e":
        ref, entry_id = data.args
        entry = assistant.kb.entries.get(entry_id)
        if entry is None:
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        assistant.remember_chat(update.effective_chat.id if update.effective_chat else None, entry_id)
        if ref:
            assistant.logger.set_chosen(ref, entry_id)
            await edit(context, query.message, entry_reply(entry, ref=ref))
        else:
            from handlers.browse import open_entry

            await open_entry(update, context, entry)
    elif data.kind == "f":
        vote, ref = data.args
        up = vote == "u"
        await query.answer(texts.THANKS_UP if up else texts.THANKS_DOWN)
        assistant.record_feedback(ref=ref, user_id=query.from_user.id, up=up)
    elif data.kind == "x":
        index = int(data.args[0]) if data.args[0].isdigit() else -1
        await query.answer()
        if 0 <= index < len(texts.EXAMPLES):
            await answer_text(update, context, texts.EXAMPLES[index])
    elif data.kind == "a" and data.args:
        from handlers import admin

        if not admin.is_admin(update, context):
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        await admin.on_admin_button(update, context, data.args[0], data.args[1:])
    elif data.kind == "b":
        from handlers.browse import show_page

        await query.answer()
        await show_page(update, context, *data.args)
    else:
        await query.answer(texts.STALE_BUTTON)
