"""The services behind every conversation: the live matcher, storage, query log, flood control.

No telegram import: the handlers, the console and the tests all use this.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from bot.config import Settings
from bot.context import ChatContexts
from bot.querylog import QueryLogger, new_ref
from bot.render_national import set_province
from bot.replies import Reply, match_reply
from bot.storage import Storage, user_key
from knowledge import KnowledgeBase, KnowledgeError, Matcher, MatchResult, Thresholds, load_knowledge
from knowledge.cache import load_indexed
from knowledge.loader import paused_gc
from knowledge.matcher import Context, next_context

log = logging.getLogger(__name__)
LARGE_BASE = 5000  # entries


class FloodControl:
    """At most ``limit`` questions per user in ``window`` seconds; one warning per burst."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._times: dict[str, deque[float]] = defaultdict(deque)
        self._warned: dict[str, float] = {}

    def check(self, key: str, now: float | None = None) -> str:
        """'ok' to answer, 'warn' to say slow down once, 'drop' to stay silent."""
        now = time.monotonic() if now is None else now
        times = self._times[key]
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._warned.pop(key, None)
            return "ok"
        if key in self._warned and now - self._warned[key] <= self.window:
            return "drop"
        self._warned[key] = now
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
    contexts: ChatContexts | None = None
    # matching may run in worker threads; teaching and reloading change the matcher
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def create(cls, settings: Settings, storage: Storage | None = None) -> Assistant:
        """Load the base (refusing to start on any problem) and connect the database."""
        set_province(settings.province.facts())
        kb, matcher = load_indexed(settings.knowledge_dir, settings.cache_dir, settings.national.selection())
        matcher.thresholds = _thresholds(settings)
        storage = storage or Storage(settings.database_url)
        learned = _safe_learned(storage)
        for text, entry_id in learned.items():
            matcher.add_alias(entry_id, text)
        return cls(
            settings=settings,
            storage=storage,
            kb=kb,
            matcher=matcher,
            logger=QueryLogger(storage, capacity=settings.log_buffer_size),
            flood=FloodControl(settings.limits.flood_messages, settings.limits.flood_seconds),
            key=settings.user_key(),
            learned_version=dict(learned),
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
        channel: str = "telegram",
        chat_id: int | None = None,
    ) -> Answer:
        """Match a question in the context of its chat, log it and build the reply."""
        started = time.perf_counter()
        question = text[: self.settings.limits.max_question_chars]
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
                "channel": channel,
                "raw_text": question[:4096],
                "normalized": result.normalized[:4096],
                "outcome": result.outcome.value,  # "smalltalk" rows never go to review
                "entry_id": result.entry.id if result.entry else None,
                "field": result.field,
                "score": result.score,
                "latency_ms": round(latency, 3),
                "suggestions": ",".join(s.entry_id for s in result.suggestions)[:512],
            }
        )
        return Answer(result, reply, ref)

    def _context(self, chat: str) -> Context | None:
        """The chat's previous answer, if recent; none while the database is away."""
        if not chat or self.contexts is None:
            return None
        try:
            return self.contexts.get(chat)
        except Exception:
            log.warning("chat context unavailable", exc_info=True)
            return None

    def remember(self, chat: str, entry_id: str, field_name: str | None) -> None:
        """Make an entry the chat's context (a new topic replaces the old one)."""
        if self.contexts is None or not chat:
            return
        try:
            self.contexts.put(chat, Context(entry_id, field_name))
        except Exception:
            log.warning("chat context not stored", exc_info=True)

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
                "raw_text": text[: self.settings.limits.max_question_chars],
                "outcome": "flood",
            }
        )

    def record_feedback(self, *, ref: str, user_id: int | None, up: bool) -> bool:
        """Store a 👍/👎 (blocking: call it off the event loop); False if it could not be kept."""
        try:
            self.storage.add_feedback(ref=ref, user_key=self.user(user_id), value=1 if up else -1)
        except Exception:
            log.warning("feedback not stored: database unavailable", exc_info=True)
            return False
        return True

    def reload(self) -> KnowledgeBase:
        """Load the base again; on any problem raise ``KnowledgeError`` and keep the old one."""
        with paused_gc():  # loading and indexing make objects that all survive
            kb = load_knowledge(self.settings.knowledge_dir, select=self.settings.national.selection())
            learned = _safe_learned(self.storage) or self.matcher.learned_texts()
            matcher = Matcher(kb, _thresholds(self.settings), learned=learned)
        with self.lock:
            self.matcher, self.kb = matcher, kb
        return kb

    def search(self, text: str, limit: int) -> list:
        """Entries for a text, best first (inline mode, admin entry search)."""
        with self.lock:
            return self.matcher.search(text, limit=limit)

    def teach(self, entry_id: str, texts: list[str]) -> None:
        """Make texts aliases of an entry in the live matcher."""
        with self.lock:
            for text in texts:
                self.matcher.add_alias(entry_id, text)
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
        """Pick up aliases learned or undone in another process; returns how many changed."""
        current = self.storage.learned_aliases()
        changed = 0
        with self.lock:
            for text, entry_id in current.items():
                if self.learned_version.get(text) != entry_id:
                    changed += self.matcher.add_alias(entry_id, text)
            for text, entry_id in self.learned_version.items():
                if text not in current:
                    self.matcher.remove_alias(entry_id, text)
                    changed += 1
            self.learned_version = current
        return changed


def _thresholds(settings: Settings) -> Thresholds:
    m = settings.matching
    return Thresholds(m.answer, m.suggest, m.margin)


def _safe_learned(storage: Storage) -> dict[str, str]:
    try:
        return storage.learned_aliases()
    except Exception:  # the bot answers from YAML alone while the database is away
        log.warning("learned aliases unavailable; answering from the YAML base alone")
        return {}


__all__ = ["Answer", "Assistant", "FloodControl", "KnowledgeError"]
