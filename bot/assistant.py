"""The services behind every conversation: the live matcher, storage, query log, flood control.

No telegram import: the handlers, the console and the tests all use this.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from bot import learned, rebuild
from bot.config import Settings
from bot.context import ChatContexts
from bot.privacy import mask_personal
from bot.querylog import QueryLogger, new_ref
from bot.render_national import set_province
from bot.replies import Reply, match_reply
from bot.storage import Storage, user_key
from knowledge import KnowledgeBase, KnowledgeError, Matcher, MatchResult, Thresholds
from knowledge.cache import load_indexed
from knowledge.matcher import Context, next_context

log = logging.getLogger(__name__)
LARGE_BASE = 5000  # entries


class FloodControl:
    """At most ``limit`` updates of a class per user in ``window`` seconds; one warning per burst.

    Classes are "message" (typed) and "tap" (buttons, inline queries; ``tap_limit``). Memory is
    bounded: a record goes once its window has passed without updates (oldest first, checked on
    every call), and at most ``max_users`` records are kept.
    """

    def __init__(self, limit: int, window: float, max_users: int = 100_000,
                 tap_limit: int | None = None) -> None:
        self.limit = limit
        self.tap_limit = tap_limit or limit
        self.window = window
        self.max_users = max_users
        # (key, class) -> [accepted times, last warning or None, last seen]; least recent first
        self._users: OrderedDict[tuple[str, str], list] = OrderedDict()

    def __len__(self) -> int:
        return len(self._users)

    def limit_of(self, klass: str) -> int:
        """The limit of a class of updates."""
        return self.tap_limit if klass == "tap" else self.limit

    def verdict(self, count: int, klass: str = "message") -> str:
        """The answer for the ``count``-th update of a class within the window (shared counter)."""
        limit = self.limit_of(klass)
        if count <= limit:
            return "ok"
        return "warn" if count == limit + 1 else "drop"

    def check(self, key: str, now: float | None = None, klass: str = "message") -> str:
        """'ok' to answer, 'warn' to say slow down once, 'drop' to stay silent."""
        now = time.monotonic() if now is None else now
        while self._users:  # forget users quiet for a whole window
            if now - next(iter(self._users.values()))[2] <= self.window:
                break
            self._users.popitem(last=False)
        record = self._users.pop((key, klass), None) or [deque(), None, now]
        self._users[(key, klass)] = record
        if len(self._users) > self.max_users:
            self._users.popitem(last=False)
        times: deque[float] = record[0]
        record[2] = now
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) < self.limit_of(klass):
            times.append(now)
            record[1] = None
            return "ok"
        if record[1] is not None and now - record[1] <= self.window:
            return "drop"
        record[1] = now
        return "warn"


@dataclass
class Answer:
    """A question's match, the reply to send and the reference of its log row."""

    result: MatchResult
    reply: Reply
    ref: str


@dataclass
class Assistant:
    """Answers questions and keeps the log; the matcher can be swapped on reload."""

    settings: Settings
    storage: Storage
    kb: KnowledgeBase
    matcher: Matcher
    logger: QueryLogger
    flood: FloodControl
    key: bytes = b""
    learned_version: dict[str, str] = field(default_factory=dict)
    learned_cursor: learned.Cursor = field(default_factory=learned.Cursor)
    channel: str = "telegram"  # what questions are logged as (the console logs "console")
    contexts: ChatContexts | None = None
    # matching may run in worker threads; teaching and reloading change the matcher
    lock: threading.RLock = field(default_factory=threading.RLock)
    # reloads run one at a time; a reload requested later is never replaced by an earlier one
    reload_lock: threading.Lock = field(default_factory=threading.Lock)
    reload_tickets: itertools.count = field(default_factory=lambda: itertools.count(1))
    reload_installed: int = 0

    @classmethod
    def create(cls, settings: Settings, storage: Storage | None = None) -> Assistant:
        """Load the base (refusing to start on any problem) and connect the database."""
        set_province(settings.province.facts())
        kb, matcher = load_indexed(
            settings.knowledge_dir, settings.cache_dir, settings.national.selection(), write_behind=True
        )
        matcher.thresholds = _thresholds(settings)
        if storage is None:
            try:
                storage = Storage(settings.database_url)
            except Exception as exc:  # answering needs no database: start, and migrate later
                log.warning("database unavailable at start (%s); answering without it until it is back",
                            type(exc).__name__)
                storage = Storage(settings.database_url, create=False)
        taught, cursor = _safe_learned(storage)
        matcher.add_aliases(taught)  # one index update, however many there are
        return cls(
            settings=settings,
            storage=storage,
            kb=kb,
            matcher=matcher,
            logger=QueryLogger(storage, capacity=settings.log_buffer_size),
            flood=FloodControl(settings.limits.flood_messages, settings.limits.flood_seconds,
                               tap_limit=settings.limits.flood_taps),
            key=settings.user_key(),
            learned_version=dict(taught),
            learned_cursor=cursor,
            contexts=ChatContexts(storage),
        )

    @property
    def large(self) -> bool:
        """A base big enough that matching is worth a worker thread."""
        return len(self.kb.entries) > LARGE_BASE

    def user(self, user_id: int | None) -> str:
        """The pseudonymous key of a user."""
        return user_key(user_id, self.key)

    def ask(
        self,
        text: str,
        *,
        user_id: int | None,
        chat_type: str = "private",
        channel: str | None = None,
        chat_id: int | None = None,
    ) -> Answer:
        """Match a question in the context of its chat, log it and build the reply."""
        started = time.perf_counter()
        # ID, phone and e-mail are masked first: the matcher never needs them, the log never keeps them
        question = mask_personal(text[: self.settings.limits.max_question_chars]) or ""
        chat = self.user(chat_id) if chat_id is not None else ""
        context = self._context(chat)
        with self.lock:
            result = self.matcher.match(question, context=context)
        after = next_context(result, context)
        if chat and after is not None and after != context:
            self.remember(chat, after.entry_id, after.field)
        ref = new_ref()
        reply = match_reply(result, ref)
        latency = (time.perf_counter() - started) * 1000
        self.logger.add(
            {
                "ref": ref,
                "user_key": self.user(user_id),
                "chat_type": chat_type,
                "channel": channel or self.channel,
                "raw_text": question[:4096],
                "normalized": mask_personal(result.normalized[:4096]),
                "outcome": result.outcome.value,  # "smalltalk" rows never go to review
                "entry_id": result.entry.id if result.entry else None,
                "field": result.field,
                "score": result.score,
                "latency_ms": round(latency, 3),
                "suggestions": ",".join(s.entry_id for s in result.suggestions)[:512],
            }
        )
        return Answer(result, reply, ref)

    def log_opened(self, entry_id: str, text: str, *, user_id: int | None, chat_type: str = "private") -> str:
        """Log an entry opened without a question (deep link, catalogue); returns the ref its
        👍/👎 buttons carry. Kept out of the answer statistics by its outcome."""
        ref = new_ref()
        self.logger.add(
            {
                "ref": ref,
                "user_key": self.user(user_id),
                "chat_type": chat_type,
                "channel": self.channel,
                "raw_text": text[:4096],
                "normalized": entry_id.replace("-", " "),
                "outcome": "opened",
                "entry_id": entry_id,
            }
        )
        return ref

    def _context(self, chat: str) -> Context | None:
        """The chat's previous answer, if recent (kept in memory while the database is away)."""
        if not chat or self.contexts is None:
            return None
        return self.contexts.get(chat)

    def remember(self, chat: str, entry_id: str, field_name: str | None) -> None:
        """Make an entry the chat's context (a new topic replaces the old one)."""
        if self.contexts is None or not chat:
            return
        self.contexts.put(chat, Context(entry_id, field_name))

    def remember_chat(self, chat_id: int | None, entry_id: str, field_name: str | None = None) -> None:
        """An entry opened from a button becomes the chat's context."""
        if chat_id is not None:
            self.remember(self.user(chat_id), entry_id, field_name)

    def log_flood(self, text: str, *, user_id: int | None, chat_type: str = "private") -> None:
        """Log a question that flood control left unanswered."""
        self.logger.add(
            {
                "ref": new_ref(),
                "user_key": self.user(user_id),
                "chat_type": chat_type,
                "raw_text": mask_personal(text[: self.settings.limits.max_question_chars]),
                "outcome": "flood",
            }
        )

    def record_feedback(self, *, ref: str, user_id: int | None, up: bool) -> None:
        """Queue a 👍/👎; never blocks (written with the update, or with the query log)."""
        self.logger.add_feedback(ref=ref, user_key=self.user(user_id), value=1 if up else -1)

    def reload(self) -> KnowledgeBase:
        """Load the base again (from the cache when the files are unchanged); on any problem raise
        ``KnowledgeError`` and keep the old one. Blocking: call it off the event loop."""
        ticket = next(self.reload_tickets)
        with self.reload_lock:
            root, cache = self.settings.knowledge_dir, self.settings.cache_dir
            select = self.settings.national.selection()
            if cache is not None and not rebuild.cache_is_current(root, cache, select):
                rebuild.rebuild(root, cache, select)  # parsing and indexing happen in a child process
            kb, matcher = load_indexed(root, cache, select)
            matcher.thresholds = _thresholds(self.settings)
            with self.lock:
                taught = dict(self.learned_version)
            matcher.add_aliases(taught)
            with self.lock:
                if ticket < self.reload_installed:  # a later request has already been served
                    return self.kb
                # aliases taught or undone while the new matcher was built
                matcher.add_aliases({t: e for t, e in self.learned_version.items() if taught.get(t) != e})
                for text, entry_id in taught.items():
                    if self.learned_version.get(text) != entry_id:
                        matcher.remove_alias(entry_id, text)
                self.matcher, self.kb = matcher, kb
                self.reload_installed = ticket
            return kb

    def search(self, text: str, limit: int) -> list:
        """Entries for a text, best first (inline mode, admin entry search)."""
        with self.lock:
            return self.matcher.search(text, limit=limit)

    def teach(self, entry_id: str, texts: list[str]) -> None:
        """Make texts aliases of an entry in the live matcher."""
        with self.lock:
            self.matcher.add_aliases([(entry_id, text) for text in texts])
            for text in texts:
                self.learned_version[text] = entry_id

    def forget(self, pairs: list[tuple[str, str]]) -> None:
        """Drop learned aliases (entry id, text) from the live matcher."""
        with self.lock:
            for entry_id, text in pairs:
                self.matcher.remove_alias(entry_id, text)
                self.learned_version.pop(text, None)

    def normalise(self, text: str) -> str:
        """A text as the matcher reads it."""
        with self.lock:
            return self.matcher.analyse(text).content_text

    def sync_learned(self) -> int:
        """Pick up aliases learned or undone in another process (only rows new since the last
        look are read); returns how many changed."""
        added, removed, cursor = learned.changes(self.storage, self.learned_cursor)
        changed = 0
        with self.lock:
            fresh = {t: e for t, e in added.items() if self.learned_version.get(t) != e}
            changed += self.matcher.add_aliases(fresh)
            self.learned_version.update(fresh)
            for entry_id, text in removed:
                if self.learned_version.get(text) == entry_id:
                    self.matcher.remove_alias(entry_id, text)
                    del self.learned_version[text]
                    changed += 1
            self.learned_cursor = cursor
        return changed


def _thresholds(settings: Settings) -> Thresholds:
    m = settings.matching
    return Thresholds(m.answer, m.suggest, m.margin)


def _safe_learned(storage: Storage) -> tuple[dict[str, str], learned.Cursor]:
    try:
        return learned.start(storage)
    except Exception:  # the bot answers from YAML alone while the database is away
        log.warning("learned aliases unavailable; answering from the YAML base alone")
        return {}, learned.Cursor()


__all__ = ["Answer", "Assistant", "FloodControl", "KnowledgeError"]
