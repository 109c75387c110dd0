"""/thutuc and /chitieu: catalogues of procedures by domain and reform facts by place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.keyboards import catalogue
from bot.replies import Reply
from handlers.common import edit, send, services


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
