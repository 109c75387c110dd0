"""Receiving updates: journal first, then parse and queue; mark done when the reply is sent.

Long polling is our own loop over ``getUpdates`` (``Bot.do_api_request``) rather than the
library's ``Updater``: the ``Updater`` parses a whole batch at once, so one update it cannot read
(a poll without ``persistent_id`` from an older Bot API server) fails every retry of the batch and
the offset never advances (about 310 tries a second, nobody answered); and it hands updates to the
queue without a hook to store them before the next call confirms them. The webhook server is our
own small tornado server for two measured reasons: the library's reads the whole body before it
checks the secret, with no size limit (732 MB of memory for 4 concurrent 90 MB bodies), and it
answers 400 to an update it cannot parse, so Telegram sends it again and again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hmac
import json
import logging
import signal
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, BaseUpdateProcessor
from telegram.warnings import PTBUserWarning

from bot.journal import Journal, update_kind, update_user_id
from bot.querylog import CURRENT, Pending, QueryLogger
from bot.storage import user_key

log = logging.getLogger(__name__)

# Bot.do_api_request warns that get_updates exists; we call it for the raw JSON on purpose
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)

# the update types the handlers read; Telegram sends nothing else
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query"]
FLOOD_COUNTS = "flood_counts"  # bot_data key: update_id -> updates of that user in the window
MAX_BODY = 1024 * 1024  # bytes; a real update is a few KB
JOURNAL_RETRY = 5.0  # seconds without trying the journal after it failed
REMEMBERED = 20_000  # update ids remembered in memory to recognise replays while the database is away


class JournalProcessor(BaseUpdateProcessor):
    """Runs updates concurrently, a few per user at most, and marks journaled ones done.

    The per-user cap is taken before a shared slot, so one user's burst waits on its own and
    never holds the slots other users' answers need.
    """

    def __init__(self, concurrency: int = 64, per_user: int = 2) -> None:
        # the library's semaphore only bounds waiting tasks; the real limit is ``_slots``
        super().__init__(max_concurrent_updates=max(concurrency * 64, 1024))
        self.concurrency = concurrency
        self.per_user = per_user
        self.journal: Journal | None = None
        self.logger: QueryLogger | None = None
        self.inline = False  # write done marks on the event loop (set for SQLite)
        self.tracked: set[int] = set()  # journaled, not yet done
        self.unmarked: list[tuple[int, Pending]] = []  # done, but the mark could not be written
        self._slots: asyncio.Semaphore | None = None
        self._users: dict[int, list] = {}  # user id -> [semaphore, users waiting or running]
        self._batch: list[tuple[int, Pending, asyncio.Future]] = []
        self._inline: list[tuple[int, Pending, asyncio.Future]] = []
        self._writing: asyncio.Task | None = None
        # the one thread that writes the journal (receipts and done marks)
        self.writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="journal")

    async def initialize(self) -> None:
        """Create the shared slots on the running loop."""
        self._slots = asyncio.Semaphore(self.concurrency)

    async def shutdown(self) -> None:
        """Let the journal writer finish."""
        self.writer.shutdown(wait=True)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run one update under its user's cap, then mark it done with its query rows."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        user = update.effective_user.id if isinstance(update, Update) and update.effective_user else 0
        entry = self._users.setdefault(user, [asyncio.Semaphore(self.per_user), 0])
        entry[1] += 1
        pending = Pending()
        try:
            async with entry[0], self._slots:
                token = CURRENT.set(pending)
                try:
                    await coroutine
                finally:
                    CURRENT.reset(token)
                    await self.finish(update, pending)
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._users.pop(user, None)  # memory stays bounded by users in flight

    async def finish(self, update: object, pending: Pending) -> None:
        """Mark a journaled update done with its rows, in one transaction; else buffer the rows.

        The time between a reply reaching Telegram and its mark being stored is all a hard stop
        can double, so it is kept short. On SQLite (a local file, a commit takes well under a
        millisecond) the mark is written at once on the event loop, waiting at most 20 ms for
        the lock: measured with ``bench/crash.py``, handing it to a thread let the thread wait
        for the interpreter lock behind a busy loop, up to ~100 ms, and a kill in that time
        doubled 12-24 replies in 10 kills. Otherwise (PostgreSQL, or SQLite when locked) marks
        are written by one thread, in batches: whatever finished while the last batch was
        written goes in the next.
        """
        update_id = update.update_id if isinstance(update, Update) else None
        if self.journal is None or update_id not in self.tracked:
            if self.logger is not None:
                self.logger.keep(pending.queries, pending.feedback)
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        if self.inline:
            # every update that finishes in this turn of the loop goes in one transaction
            self._inline.append((update_id, pending, done))
            if len(self._inline) == 1:
                loop.call_soon(self._write_inline)
        else:
            self._queue_for_writer([(update_id, pending, done)])
        await done

    def _queue_for_writer(self, items: list) -> None:
        self._batch.extend(items)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_marks())

    def _write_inline(self) -> None:
        items, self._inline = self._inline, []
        ids = [uid for uid, _, _ in items]
        queries = [row for _, pending, _ in items for row in pending.queries]
        votes = [row for _, pending, _ in items for row in pending.feedback]
        try:
            self.journal.finish(ids, queries, votes, wait_ms=20)
        except Exception:  # locked by another process, say: the writer thread waits for it
            self._queue_for_writer(items)
            return
        for uid, _, done in items:
            self.tracked.discard(uid)
            if not done.done():
                done.set_result(None)

    async def _write_marks(self) -> None:
        loop = asyncio.get_running_loop()
        while self._batch:
            items, self._batch = self._batch, []
            ids = [uid for uid, _, _ in items]
            queries = [row for _, pending, _ in items for row in pending.queries]
            votes = [row for _, pending, _ in items for row in pending.feedback]
            try:
                await loop.run_in_executor(self.writer, self.journal.finish, ids, queries, votes)
            except Exception as exc:  # the database is away: rows wait in the buffer
                log.warning("could not mark %d update(s) done (%s); kept for retry",
                            len(ids), type(exc).__name__)
                if self.logger is not None:
                    self.logger.keep(queries, votes)
                self.unmarked.extend((uid, Pending()) for uid in ids)
            for uid, _, done in items:
                self.tracked.discard(uid)
                if not done.done():
                    done.set_result(None)

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait until no update is being handled (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (self._users or self.tracked) and loop.time() < deadline:
            await asyncio.sleep(0.01)

    async def retry_marks(self) -> None:
        """Write done marks that failed earlier (their rows went to the buffer)."""
        if not self.unmarked or self.journal is None:
            return
        ids = [uid for uid, _ in self.unmarked]
        try:
            await asyncio.get_running_loop().run_in_executor(self.writer, self.journal.finish, ids)
        except Exception:
            return
        del self.unmarked[: len(ids)]


class Intake:
    """Journals raw updates, parses them one by one and queues those that are new."""

    def __init__(
        self, application: Application, journal: Journal | None, key: bytes,
        processor: JournalProcessor | None,
    ) -> None:
        self.application = application
        self.journal = journal
        self.key = key
        self.processor = processor
        self.unreadable = 0
        self.journal_failures = 0
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._journal_retry_at = 0.0

    async def _receive(self, rows: list) -> dict:
        """Journal a batch: at once on SQLite (measured: in a thread, the write waited for the
        interpreter lock behind the busy loop and held intake to ~150 updates/s), waiting at most
        20 ms for another process's lock; else, or when locked, on the journal thread."""
        if self.processor is not None and self.processor.inline:
            try:
                return self.journal.receive(rows, wait_ms=20)
            except Exception:
                pass
        return await self._in_writer(self.journal.receive, rows)

    async def _in_writer(self, function, *args):
        """Run a journal write on the journal's own thread (one writer: no lock waits)."""
        executor = self.processor.writer if self.processor is not None else None
        return await asyncio.get_running_loop().run_in_executor(executor, function, *args)

    def _remember(self, update_id: int) -> bool:
        """False when this id was seen already (a replay)."""
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        return True

    def _parse(self, raw: dict) -> Update | None:
        try:
            return Update.de_json(raw, self.application.bot)
        except Exception as exc:
            self.unreadable += 1
            # the update holds personal data: name only its id, type and the error's type
            log.warning(
                "skipped update %s (%s) that could not be read: %s; %d skipped so far",
                raw.get("update_id"), update_kind(raw), type(exc).__name__, self.unreadable,
            )
            return None

    async def accept(self, raws: Sequence[Any]) -> int:
        """Store, then queue every new readable update of a batch; returns how many were queued.

        When this returns the updates are durable (or the database is away, which is logged):
        only then may Telegram be told they arrived.
        """
        readable: list[tuple[dict, Update]] = []
        for raw in raws:
            if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
                self.unreadable += 1
                log.warning("skipped an update without an update_id")
                continue
            update = self._parse(raw)
            if update is None:
                if self.journal is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.to_thread(self.journal.skip, raw["update_id"], update_kind(raw))
                continue
            readable.append((raw, update))
        if not readable:
            return 0
        counts: dict[int, int] | None = None
        loop = asyncio.get_running_loop()
        if self.journal is not None and loop.time() >= self._journal_retry_at:
            rows = [(raw, user_key(update_user_id(raw), self.key)) for raw, _ in readable]
            try:
                counts = await self._receive(rows)
            except Exception as exc:  # answering needs no database: go on without the journal
                self.journal_failures += 1
                # a server that does not answer costs its connect timeout: do not ask for a while
                self._journal_retry_at = loop.time() + JOURNAL_RETRY
                if self.journal_failures == 1 or self.journal_failures % 100 == 0:
                    log.warning("update journal unavailable (%s); answering without it",
                                type(exc).__name__)
            else:
                if self.journal_failures:
                    log.info("update journal available again")
                    self.journal_failures = 0
        flood: dict = self.application.bot_data.setdefault(FLOOD_COUNTS, {})
        queued = 0
        for _raw, update in readable:
            uid = update.update_id
            if counts is not None:
                if uid not in counts:
                    continue  # already in the journal: a replay, handled once already
                flood[uid] = counts[uid]
                if self.processor is not None:
                    self.processor.tracked.add(uid)
                self._remember(uid)
            elif not self._remember(uid):
                continue
            await self.application.update_queue.put(update)
            queued += 1
        return queued

    async def recover(self) -> int:
        """Queue the updates received before a stop but never answered."""
        if self.journal is None:
            return 0
        try:
            raws = await asyncio.to_thread(self.journal.unfinished)
        except Exception as exc:
            log.warning("could not read the update journal (%s)", type(exc).__name__)
            return 0
        if not raws:
            return 0
        await asyncio.to_thread(self.journal.claim, [r["update_id"] for r in raws])
        count = 0
        for raw in raws:
            update = self._parse(raw)
            if update is None:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self.journal.skip, raw["update_id"], update_kind(raw))
                continue
            self._remember(update.update_id)
            if self.processor is not None:
                self.processor.tracked.add(update.update_id)
            await self.application.update_queue.put(update)
            count += 1
        log.info("handling %d update(s) received before the last stop", count)
        return count

    async def poll(self, stop: asyncio.Event, *, timeout: int = 10, interval: float = 0.0) -> None:
        """Long polling until ``stop`` is set. An update is confirmed (the next call's offset) only
        after ``accept`` has stored it."""
        offset: int | None = None
        delay = 0.5
        bot = self.application.bot
        while not stop.is_set():
            params: dict[str, Any] = {"timeout": timeout, "allowed_updates": ALLOWED_UPDATES}
            if offset is not None:
                params["offset"] = offset
            fetch = asyncio.ensure_future(
                bot.do_api_request("getUpdates", api_kwargs=params, read_timeout=timeout + 10)
            )
            halt = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, halt}, return_when=asyncio.FIRST_COMPLETED)
            halt.cancel()
            if not fetch.done():  # stopping: what this call would bring is fetched next time
                fetch.cancel()
                with contextlib.suppress(BaseException):
                    await fetch
                break
            try:
                raws = fetch.result()
            except InvalidToken:
                raise
            except (TelegramError, OSError) as exc:
                log.warning("getUpdates failed (%s); retrying in %.1fs", type(exc).__name__, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 0.5
            if raws:
                await self.accept(raws)
                ids = [r["update_id"] for r in raws if isinstance(r, dict)
                       and isinstance(r.get("update_id"), int)]
                if ids:
                    offset = max(ids) + 1
            if interval:
                await asyncio.sleep(interval)


def webhook_app(intake: Intake, path: str, secret: str, max_body: int = MAX_BODY):
    """A tornado application that checks the secret and the size before reading the body."""
    import tornado.web

    @tornado.web.stream_request_body
    class Handler(tornado.web.RequestHandler):
        SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

        def prepare(self) -> None:
            # runs on the headers alone: a body over the limit is refused before it is read
            length = self.request.headers.get("Content-Length", "")
            if not (length.isascii() and length.isdigit()) or int(length) > max_body:
                raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            # a small body is read before the 403, so the client sees the answer, not a reset
            self.trusted = hmac.compare_digest(given.encode(), secret.encode())
            self.chunks: list[bytes] = []
            self.size = 0

        def data_received(self, chunk: bytes) -> None:
            self.size += len(chunk)
            if self.size > max_body:
                raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            self.chunks.append(chunk)

        async def post(self) -> None:
            if not self.trusted:
                raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
            try:
                raw = json.loads(b"".join(self.chunks))
            except ValueError:
                raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
            # stored before the 200; an unreadable update is skipped with 200, so it is not resent
            await intake.accept([raw])
            self.set_status(HTTPStatus.OK)

        def log_exception(self, typ, value, tb) -> None:  # no request bodies in the log
            if not isinstance(value, tornado.web.HTTPError):
                log.error("webhook request failed: %s", typ.__name__ if typ else "?")

    return tornado.web.Application([(rf"/{path.strip('/')}/?", Handler)], log_function=lambda h: None)


async def serve_webhook(intake: Intake, stop: asyncio.Event, *, listen: str, port: int, path: str,
                        secret: str, max_body: int = MAX_BODY) -> None:
    """Serve the webhook until ``stop`` is set."""
    from tornado.httpserver import HTTPServer

    # the body limit is checked from the headers, before a byte of the body is read
    server = HTTPServer(webhook_app(intake, path, secret, max_body), max_body_size=max_body,
                        max_buffer_size=max_body + 64 * 1024)
    server.listen(port, address=listen)
    try:
        await stop.wait()
    finally:
        server.stop()
        with contextlib.suppress(Exception):
            await server.close_all_connections()


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (a second one is left to the default handler)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


__all__ = ["ALLOWED_UPDATES", "FLOOD_COUNTS", "Intake", "JournalProcessor", "serve_webhook"]
