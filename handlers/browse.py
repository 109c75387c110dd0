"""/thutuc and /chitieu: catalogues of procedures by domain and reform facts by place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.keyboards import catalogue
from bot.replies import Reply, entry_reply
from handlers.common import edit, send, services
from knowledge.schema import Entry


async def procedures(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Procedures by domain."""
    text, buttons = catalogue(services(context).kb, "t", None, 0)
    await send(update, context, Reply([text], buttons))


async def reform(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reform facts by place."""
    text, buttons = catalogue(services(context).kb, "c", None, 0)
    await send(update, context, Reply([text], buttons))


async def show_page(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str, group: str, page: str
) -> None:
    """Another page of a catalogue, in place."""
    if kind not in {"t", "c"}:
        return
    group_index = int(group) if group.isdigit() else None
    page_index = int(page) if page.isdigit() else 0
    text, buttons = catalogue(services(context).kb, kind, group_index, page_index)
    await edit(context, update.callback_query.message if update.callback_query else None, Reply([text], buttons))


async def open_entry(update: Update, context: ContextTypes.DEFAULT_TYPE, entry: Entry) -> None:
    """An entry tapped in a catalogue: logged like a question, so that 👍/👎 can be recorded."""
    user, chat = update.effective_user, update.effective_chat
    ref = services(context).log_opened(entry.id, entry.title, user_id=user.id if user else None,
                                       chat_type=chat.type if chat else "private")
    await send(update, context, entry_reply(entry, ref=ref))
