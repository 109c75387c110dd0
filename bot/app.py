"""Wiring: build the ``Application`` with its handlers and services, and run it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import texts
from bot.assistant import Assistant
from bot.config import Settings
from bot.intake import ALLOWED_UPDATES, Intake, JournalProcessor, serve_webhook, stop_on_signals
from bot.journal import Journal, default_owner
from bot.logs import redact_secrets
from bot.request import RetryingRequest
from handlers import admin, browse, buttons, errors, gate, inline, questions, start
from handlers.common import SERVICES

log = logging.getLogger(__name__)

FLUSH_EVERY = 2.0  # seconds between query log writes
SYNC_EVERY = 5.0  # seconds between checks for aliases learned by other instances
PURGE_EVERY = 3600.0  # seconds between purges of old raw question text
INTAKE = "intake"
CONCURRENT_UPDATES = 64


def build_application(
    settings: Settings,
    assistant: Assistant | None = None,
    *,
    request: BaseRequest | None = None,
    updater: bool = True,
) -> Application:
    """The bot with every handler; services are created in ``post_init`` unless given."""
    builder = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value() if settings.token else "0:console")
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .concurrent_updates(JournalProcessor(CONCURRENT_UPDATES))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_rate_limit:
        # 30 a second as an even pace, not bursts of 30: fewer replies in flight at any moment,
        # so fewer in doubt (and sent again) if the process is killed (bench/crash.py)
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=5)
        )
    if settings.api_base_url:
        base = settings.api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(
            RetryingRequest(connection_pool_size=settings.http_pool_size, pool_timeout=30.0)
        )
    # updates come through our own intake (bot/intake.py), never through the library's Updater
    builder = builder.updater(None)
    application = builder.build()
    application.bot_data["settings"] = settings
    application.bot_data["with_intake"] = updater
    if assistant is not None:
        application.bot_data[SERVICES] = assistant
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Handlers in order; order matters: commands first, the catch-all text handler last."""
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, gate.gate), group=-10)  # before every other group
    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler("help", start.help_command))
    application.add_handler(CommandHandler("thutuc", browse.procedures))
    application.add_handler(CommandHandler("chitieu", browse.reform))
    admin.add_handlers(application)
    application.add_handler(CallbackQueryHandler(buttons.on_button))
    application.add_handler(InlineQueryHandler(inline.inline_query))
    application.add_handler(
        MessageHandler(new_message & filters.TEXT & ~filters.COMMAND, questions.question)
    )
    # anything else a person sends in a private chat: stickers, photos, voice, places…
    application.add_handler(
        MessageHandler(new_message & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, questions.not_text)
    )
    application.add_handler(MessageHandler(new_message & filters.COMMAND, admin.unknown_command))
    application.add_error_handler(errors.on_error)


async def _post_init(application: Application) -> None:
    settings: Settings = application.bot_data["settings"]
    if SERVICES not in application.bot_data:
        application.bot_data[SERVICES] = await asyncio.to_thread(Assistant.create, settings)
    assistant: Assistant = application.bot_data[SERVICES]
    processor = application.update_processor
    if isinstance(processor, JournalProcessor):
        processor.logger = assistant.logger
    if application.bot_data.get("with_intake") and INTAKE not in application.bot_data:
        port = settings.webhook.port if settings.mode == "webhook" else None
        journal = Journal(assistant.storage, settings.instance or default_owner(port),
                          flood_window=settings.limits.flood_seconds)
        if isinstance(processor, JournalProcessor):
            processor.journal = journal
            processor.inline = assistant.storage.engine.dialect.name == "sqlite"
        application.bot_data[INTAKE] = Intake(
            application, journal, assistant.key, processor if isinstance(processor, JournalProcessor) else None
        )
    jobs = application.job_queue
    jobs.run_repeating(_flush_log, interval=FLUSH_EVERY, first=FLUSH_EVERY, name="flush-log")
    jobs.run_repeating(_sync_learned, interval=SYNC_EVERY, first=SYNC_EVERY, name="sync-learned")
    jobs.run_repeating(_purge, interval=PURGE_EVERY, first=60, name="purge-raw-text")
    try:
        await application.bot.set_my_commands(
            [BotCommand(name, text) for name, text in texts.COMMANDS.items()],
            scope=BotCommandScopeDefault(),
        )
    except Exception:  # commands in the menu are a convenience; the bot still answers
        log.warning("could not register the command menu", exc_info=True)


async def _flush_log(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Write buffered query rows (kept for later if the database is away) and late done marks."""
    assistant: Assistant = context.application.bot_data[SERVICES]
    try:  # a database away at start, or a deleted SQLite file, gets its schema now
        await asyncio.to_thread(assistant.storage.ensure_schema)
    except Exception:
        return  # still away: rows stay in the buffer
    await assistant.logger.flush()
    processor = context.application.update_processor
    if isinstance(processor, JournalProcessor):
        await processor.retry_marks()


async def _sync_learned(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pick up aliases learned (or undone) through another instance."""
    assistant: Assistant = context.application.bot_data[SERVICES]
    try:
        await asyncio.to_thread(assistant.sync_learned)
    except Exception:
        log.warning("could not read learned aliases; will retry", exc_info=True)


async def _purge(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget raw question text past the retention period."""
    try:
        await asyncio.to_thread(purge_old_text, context.application.bot_data[SERVICES])
    except Exception:
        log.warning("could not purge old question text; will retry", exc_info=True)


def purge_old_text(assistant: Assistant) -> int:
    """Forget the raw text of questions older than the configured number of days."""
    days = assistant.settings.privacy.raw_text_days
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    count = assistant.storage.purge_raw_text(older_than=cutoff)
    try:  # finished updates keep no text; their rows are only needed to spot replays
        Journal(assistant.storage, "").purge()
    except Exception:
        log.warning("could not purge the update journal; will retry", exc_info=True)
    if count:
        log.info("purged the raw text of %d old question(s)", count)
    return count


async def _post_shutdown(application: Application) -> None:
    assistant: Assistant | None = application.bot_data.get(SERVICES)
    if assistant is not None:
        await assistant.logger.flush()
        if assistant.logger.pending:
            log.warning("%d query row(s) could not be written before exit", assistant.logger.pending)


async def serve(application: Application, settings: Settings) -> None:
    """Start, finish what the last run received but did not answer, then take updates until
    SIGINT or SIGTERM; on stop, what is in flight is finished (the journal keeps the rest)."""
    stop = asyncio.Event()
    stop_on_signals(stop)
    await application.initialize()
    try:
        await _post_init(application)
        await application.start()
        intake: Intake = application.bot_data[INTAKE]
        bot = application.bot
        hook = settings.webhook
        if settings.mode == "webhook":
            await bot.set_webhook(
                url=hook.url, secret_token=hook.secret_token.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
            )
        else:
            await bot.delete_webhook(drop_pending_updates=False)
        await intake.recover()
        if settings.mode == "webhook":
            await serve_webhook(intake, stop, listen=hook.listen, port=hook.port, path=hook.path,
                                secret=hook.secret_token.get_secret_value(),
                                max_body=hook.max_body_bytes)
        else:
            await intake.poll(stop)
    finally:
        if application.running:
            await application.stop()
        await _post_shutdown(application)
        await application.shutdown()


def run(settings: Settings, *, console: bool = False) -> int:
    """Long polling or webhook with a token; the console chat without one."""
    quiet = console or settings.token is None  # a console chat shows the conversation, not logs
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        level=logging.WARNING if quiet else logging.INFO,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact_secrets(settings)
    if quiet:
        from bot.console import run_console

        return run_console(settings)
    if settings.mode == "webhook":
        problem = settings.webhook_problem()
        if problem:
            log.error("%s", problem)
            return 2
    # the base is loaded before anything else: a broken one stops here with its list of problems
    application = build_application(settings, Assistant.create(settings))
    try:
        asyncio.run(serve(application, settings))
    except InvalidToken:
        log.error("Telegram rejected the bot token (TELEGRAM_BOT_TOKEN); the bot cannot start")
        return 1
    except Exception:
        log.exception("the bot stopped on an error")  # secrets are masked by the log filter
        return 1
    return 0


__all__ = ["build_application", "purge_old_text", "run", "serve"]
