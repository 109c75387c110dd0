"""Admin commands: review what the bot could not answer, teach it, stats, export, reload.

Every admin handler passes ``is_admin``: for anyone else admin commands behave like unknown
commands, and admin buttons like stale ones.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import admin_state, callbacks, review, texts
from bot.keyboards import cut
from bot.render import Button, esc
from bot.replies import Reply
from bot.stats import chart_png, compute_stats, export_zip
from handlers.common import edit, send, services
from knowledge import KnowledgeError

PAGE = 5


def _admin_in_private(update: Update, application: Application) -> bool:
    """The one admin check: a configured admin, in a private chat."""
    user, chat = update.effective_user, update.effective_chat
    admins = application.bot_data["settings"].admin_ids
    return bool(user and chat and user.id in admins and chat.type == ChatType.PRIVATE)


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the update comes from an admin in a private chat."""
    return _admin_in_private(update, context.application)


class _AdminFilter(filters.UpdateFilter):
    """The admin check as a handler filter."""

    def __init__(self, application: Application) -> None:
        super().__init__(name="admin")
        self.application = application

    def filter(self, update: Update) -> bool:
        return _admin_in_private(update, self.application)


def add_handlers(application: Application) -> None:
    """Admin commands, guarded by the admin filter; the group -1 hook shows admins their menu."""
    admin = _AdminFilter(application)
    application.add_handler(TypeHandler(Update, _admin_menu), group=-1)
    for name, callback in (
        ("review", review_command),
        ("stats", stats_command),
        ("export", export_command),
        ("reload", reload_command),
        ("undo", undo_command),
        ("cancel", cancel_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=admin))
    # while an admin is choosing an entry for a group, their text is a search, not a question
    application.add_handler(
        MessageHandler(admin & filters.TEXT & ~filters.COMMAND, _assign_search), group=-2
    )


async def _admin_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Once per admin and process: admin commands in that admin's own menu (a chat scope needs
    a chat the bot knows, so this waits for the admin's first message)."""
    if not is_admin(update, context):
        return
    message = update.effective_message
    if message and message.text and message.text.startswith("/") and not message.text.startswith("/cancel"):
        # a command ends a pending "assign to…"
        await asyncio.to_thread(admin_state.clear_pending, services(context).storage.engine,
                                update.effective_user.id)
    shown = context.bot_data.setdefault("admin_menus", set())
    user_id = update.effective_user.id
    if user_id in shown:
        return
    shown.add(user_id)
    commands = {**texts.COMMANDS, **texts.ADMIN_COMMANDS}
    try:
        await context.bot.set_my_commands(
            [BotCommand(n, d) for n, d in commands.items()], scope=BotCommandScopeChat(user_id)
        )
    except Exception:  # the menu is a convenience
        shown.discard(user_id)


# -- review -------------------------------------------------------------------------------------

def _reasons(reasons: set[str]) -> str:
    return ", ".join(texts.REVIEW_REASONS[r] for r in review.REASONS if r in reasons)


def _review_page(page: review.ReviewPage) -> Reply:
    if not page.groups:
        return Reply([texts.REVIEW_EMPTY])
    lines = [texts.REVIEW_HEADER.format(groups=page.total_groups, questions=page.total_questions,
                                        page=page.page + 1, pages=page.pages)]
    buttons = []
    for n, group in enumerate(page.groups, page.page * PAGE + 1):
        lines.append(texts.REVIEW_ITEM.format(n=n, label=esc(cut(group.text, 80)), count=group.count,
                                              reasons=_reasons(group.reasons)))
        buttons.append([Button(f"{n}. {cut(group.text, 40)} ({group.count})", callbacks.admin("g", group.key))])
    nav = []
    if page.page > 0:
        nav.append(Button(texts.PREV, callbacks.admin("p", page.page - 1)))
    if page.page < page.pages - 1:
        nav.append(Button(texts.NEXT, callbacks.admin("p", page.page + 1)))
    return Reply(["\n".join(lines)], buttons + ([nav] if nav else []))


def _titles(assistant, counted: list[tuple[str, int]]) -> str:
    return ", ".join(f"{esc(_title(assistant, entry_id))} ({n})" for entry_id, n in counted)


def _group_reply(assistant, group: review.GroupDetail) -> Reply:
    lines = [texts.REVIEW_QUESTION.format(text=esc(cut(t, 200)), count=n) for t, n in group.texts]
    hidden = group.count - sum(n for _, n in group.texts)
    if hidden > 0:
        lines.append(texts.REVIEW_MORE.format(count=hidden))
    if group.suggested:
        lines.append(texts.REVIEW_SUGGESTED.format(entries=_titles(assistant, group.suggested)))
    if group.answered:
        lines.append(texts.REVIEW_ANSWERED.format(entries=_titles(assistant, group.answered)))
    header = texts.REVIEW_GROUP.format(count=group.count, texts=len(group.texts),
                                       reasons=_reasons(group.reasons), questions="\n".join(lines))
    return Reply(
        [header],
        [[Button(texts.ASSIGN, callbacks.admin("a", group.key, group.bound)),
          Button(texts.DISMISS, callbacks.admin("d", group.key, group.bound))],
         [Button(texts.BACK, callbacks.admin("p", 0))]],
    )


def _number(args: tuple[str, ...], index: int) -> int | None:
    return int(args[index]) if len(args) > index and args[index].isdigit() else None


async def review_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/review: groups of questions that need a decision, busiest first."""
    page = await asyncio.to_thread(review.review_page, services(context).storage, 0, PAGE)
    await send(update, context, _review_page(page))


async def on_admin_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str,
                          args: tuple[str, ...]) -> None:
    """Admin buttons (the caller has answered the callback query)."""
    query = update.callback_query
    assistant = services(context)
    storage = assistant.storage
    if action == "p":
        page = await asyncio.to_thread(review.review_page, storage, _number(args, 0) or 0, PAGE)
        await edit(context, query.message, _review_page(page))
        return
    if action == "u":
        await _undo(update, context, _number(args, 0))
        return
    if action == "c":
        await _cancel(update, context)
        return
    # the bound fixes what the admin saw: assigning teaches exactly the questions shown
    bound = _number(args, 2 if action == "s" else 1)
    group = await asyncio.to_thread(review.open_group, storage, args[0], bound) if args else None
    if group is None:
        await edit(context, query.message, Reply([texts.REVIEW_GONE], [[Button(texts.BACK, callbacks.admin("p", 0))]]))
        return
    if action == "g":
        await edit(context, query.message, _group_reply(assistant, group))
    elif action == "a":
        await asyncio.to_thread(admin_state.set_pending, storage.engine, query.from_user.id,
                                group.key, group.bound)
        await send(update, context, Reply(
            [texts.ASSIGN_PROMPT.format(texts=len(group.texts), count=group.count)],
            [[Button(texts.CANCEL, callbacks.admin("c"))]],
        ))
    elif action == "d":
        done = await asyncio.to_thread(review.dismiss, storage, group, admin_id=query.from_user.id)
        await edit(context, query.message, Reply([texts.DISMISSED.format(count=group.count)],
                                        [[Button(texts.UNDO, callbacks.admin("u", done.id))]]))
    elif action == "s" and len(args) >= 2:
        await _assign(update, context, group, args[1])


PICK_SHARE = 0.6  # an entry is offered when it scores at least this share of the best one
PICK_FLOOR = 30.0


def _picks(assistant, text: str) -> list:
    found = assistant.search(text, limit=6)
    if not found:
        return []
    best = found[0].score
    return [s for s in found if s.score >= max(best * PICK_SHARE, PICK_FLOOR)]


async def _assign_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The admin typed part of an entry's name: offer matching entries."""
    assistant = services(context)
    pending = await asyncio.to_thread(admin_state.get_pending, assistant.storage.engine,
                                      update.effective_user.id)
    if not pending:
        return
    key, bound = pending
    found = _picks(assistant, update.effective_message.text)
    cancel = [Button(texts.CANCEL, callbacks.admin("c"))]
    if not found:
        await send(update, context, Reply([texts.ASSIGN_NONE], [cancel]))
        raise ApplicationHandlerStop
    positions = {entry_id: i for i, entry_id in enumerate(assistant.kb.entries)}
    buttons = [[Button(cut(s.title), callbacks.admin("s", key, positions[s.entry_id], bound))] for s in found]
    group = await asyncio.to_thread(review.open_group, assistant.storage, key, bound)
    count, shown = (group.count, len(group.texts)) if group else (0, 0)
    await send(update, context, Reply([texts.ASSIGN_PICK.format(texts=shown, count=count)], [*buttons, cancel]))
    raise ApplicationHandlerStop


async def _assign(update: Update, context: ContextTypes.DEFAULT_TYPE, group: review.GroupDetail,
                  position: str) -> None:
    assistant = services(context)
    ids = list(assistant.kb.entries)
    if not position.isdigit() or int(position) >= len(ids):
        await edit(context, update.callback_query.message, Reply([texts.REVIEW_GONE]))
        return
    entry = assistant.kb.entries[ids[int(position)]]
    action = await asyncio.to_thread(
        review.assign, assistant.storage, group, entry.id, admin_id=update.effective_user.id,
        normalise=assistant.normalise,
    )
    await asyncio.to_thread(assistant.teach, entry.id, group.shown_texts)
    await asyncio.to_thread(admin_state.clear_pending, assistant.storage.engine, update.effective_user.id)
    await edit(context, update.callback_query.message, Reply(
        [texts.ASSIGNED.format(count=group.count, texts=len(group.texts), title=esc(entry.title))],
        [[Button(texts.UNDO, callbacks.admin("u", action.id))]],
    ))


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: stop choosing an entry for a group."""
    await _cancel(update, context)


async def _cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cleared = await asyncio.to_thread(admin_state.clear_pending, services(context).storage.engine,
                                      update.effective_user.id)
    await send(update, context, Reply([texts.CANCELLED if cleared else texts.NOTHING_TO_CANCEL]))


async def undo_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/undo: take back the latest review action."""
    await _undo(update, context, None)


async def _undo(update: Update, context: ContextTypes.DEFAULT_TYPE, action_id: int | None) -> None:
    assistant = services(context)
    if action_id is None:
        latest = await asyncio.to_thread(assistant.storage.latest_action)
        action_id = latest.id if latest else None
    undone = await asyncio.to_thread(assistant.storage.undo_action, action_id=action_id) if action_id else None
    if undone is None:
        await send(update, context, Reply([texts.NOTHING_TO_UNDO]))
        return
    action, aliases = undone
    await asyncio.to_thread(assistant.forget, [(alias.entry_id, alias.text) for alias in aliases])
    entry = assistant.kb.entries.get(action.entry_id or "")
    name = texts.ACTION_NAMES[action.action].format(entry=entry.title if entry else action.entry_id)
    await send(update, context, Reply([texts.UNDONE.format(action=esc(name))]))


# -- stats, export, reload ----------------------------------------------------------------------

def _days(context: ContextTypes.DEFAULT_TYPE, default: int) -> int:
    if context.args and context.args[0].isdigit():
        return max(1, min(int(context.args[0]), 366))
    return default


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [7|30]: rates, feedback, top entries and unanswered groups, and a daily chart."""
    assistant = services(context)
    days = _days(context, 7)
    today = dt.datetime.now(dt.UTC).date()
    stats = await asyncio.to_thread(compute_stats, assistant.storage, days, today)
    top = "\n".join(f"• {esc(_title(assistant, e))}: {n}" for e, n in stats.top_entries) or "—"
    unanswered = "\n".join(f"• <i>{esc(cut(text, 60))}</i>: {n}" for text, n in stats.top_unanswered) or "—"
    text = texts.STATS.format(days=days, total=stats.total, answer=stats.rate("answer"),
                              suggest=stats.rate("suggest"), not_found=stats.rate("not_found"),
                              up=stats.up, down=stats.down, top=top, unanswered=unanswered)
    await send(update, context, Reply([text]))
    png = await asyncio.to_thread(chart_png, stats)
    await context.bot.send_photo(update.effective_chat.id, png, caption=texts.STATS_CAPTION.format(days=days))


def _title(assistant, entry_id: str) -> str:
    entry = assistant.kb.entries.get(entry_id)
    return entry.title if entry else entry_id


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export [days]: the query log as zipped CSV (split under Telegram's 50 MB), pseudonymous keys only."""
    assistant = services(context)
    days = _days(context, 30)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    await assistant.logger.flush()
    stem = f"nhat-ky-{dt.datetime.now(dt.UTC):%Y%m%d}"
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        files, count = await asyncio.to_thread(export_zip, assistant.storage, Path(folder), stem, since)
        for n, path in enumerate(files, 1):
            caption = texts.EXPORT_CAPTION.format(days=days, count=count)
            if len(files) > 1:
                caption += " " + texts.EXPORT_PART.format(part=n, parts=len(files))
            with path.open("rb") as handle:
                await context.bot.send_document(update.effective_chat.id, handle, filename=path.name,
                                                caption=caption)


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload: validate and load the YAML base again; on any problem keep the old one."""
    assistant = services(context)
    try:
        kb = await asyncio.to_thread(assistant.reload)
    except KnowledgeError as exc:
        shown = "\n".join(esc(str(p)) for p in exc.problems[:15])
        more = f"\n… (+{len(exc.problems) - 15})" if len(exc.problems) > 15 else ""
        await send(update, context, Reply([texts.RELOAD_FAILED.format(problems=shown + more)]))
        return
    await send(update, context, Reply([texts.RELOADED.format(**kb.counts())]))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command (and admin commands for non-admins): the same short hint."""
    chat = update.effective_chat
    if chat and chat.type != ChatType.PRIVATE:
        return
    await send(update, context, Reply([texts.UNKNOWN_COMMAND]))
