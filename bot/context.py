"""What each chat was last answered, kept in the database so that every instance shares it.

A follow-up ("còn lệ phí thì sao?") reaches whichever instance the load balancer picks, and may
come after a restart: the context is one row per chat, read before matching, written after.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict

from sqlalchemy import delete
from sqlmodel import Field, SQLModel, select

from bot.storage import Storage, utcnow
from knowledge.matcher import Context

log = logging.getLogger(__name__)

CONTEXT_MINUTES = 30
# After a failed read or write the database is left alone this long: a database that hangs
# would otherwise hold every message for a connection timeout. Contexts live in memory meanwhile.
RETRY_SECONDS = 30.0
MEMORY_KEPT = 10_000  # chats whose context is also kept in memory (most recent first)


class ChatContext(SQLModel, table=True):
    """The entry and field a chat was last answered with."""

    __tablename__ = "chat_context"

    chat_key: str = Field(primary_key=True, max_length=64)
    entry_id: str = Field(max_length=128)
    field: str | None = Field(default=None, max_length=32)
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class ChatContexts:
    """Read, write and forget chat contexts; a context older than ``minutes`` is gone."""

    def __init__(self, storage: Storage, minutes: float = CONTEXT_MINUTES) -> None:
        self.storage = storage
        self.ttl = dt.timedelta(minutes=minutes)
        self._memory: OrderedDict[str, tuple[Context, dt.datetime]] = OrderedDict()
        self._lock = threading.Lock()
        self._down_until = 0.0
        if storage.url in {"sqlite://", "sqlite:///:memory:"}:
            ChatContext.__table__.create(storage.engine, checkfirst=True)

    def get(self, chat_key: str, now: dt.datetime | None = None) -> Context | None:
        """The chat's current context, if it is recent enough."""
        now = now or utcnow()
        if self._usable():
            try:
                with self.storage.session() as session:
                    row = session.exec(select(ChatContext).where(ChatContext.chat_key == chat_key)).first()
            except Exception as exc:
                self._failed(exc)
            else:
                if row is None or now - _aware(row.updated_at) > self.ttl:
                    return None
                return Context(row.entry_id, row.field)
        with self._lock:
            kept = self._memory.get(chat_key)
        if kept is None or now - kept[1] > self.ttl:
            return None
        return kept[0]

    def put(self, chat_key: str, context: Context, now: dt.datetime | None = None) -> None:
        """Remember what the chat was just answered (replacing the previous topic)."""
        now = now or utcnow()
        with self._lock:
            self._memory[chat_key] = (context, now)
            self._memory.move_to_end(chat_key)
            while len(self._memory) > MEMORY_KEPT:
                self._memory.popitem(last=False)
        if not self._usable():
            return
        try:
            self._store(chat_key, context, now)
        except Exception as exc:
            self._failed(exc)

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        if self._usable():
            log.warning("chat contexts kept in memory for %.0f s: database unavailable (%s)",
                        RETRY_SECONDS, type(exc).__name__)
        self._down_until = time.monotonic() + RETRY_SECONDS

    def _store(self, chat_key: str, context: Context, now: dt.datetime) -> None:
        with self.storage.session() as session:
            row = session.get(ChatContext, chat_key)
            if row is None:
                row = ChatContext(chat_key=chat_key, entry_id=context.entry_id)
            row.entry_id, row.field, row.updated_at = context.entry_id, context.field, now
            session.add(row)
            session.commit()

    def forget_older(self, now: dt.datetime | None = None) -> int:
        """Delete expired contexts; returns how many."""
        cutoff = (now or utcnow()) - self.ttl
        with self.storage.session() as session:
            done = session.exec(delete(ChatContext).where(ChatContext.updated_at < cutoff))
            session.commit()
            return done.rowcount or 0
