"""What each chat was last answered, kept in the database so that every instance shares it.

A follow-up ("còn lệ phí thì sao?") reaches whichever instance the load balancer picks, and may
come after a restart: the context is one row per chat, read before matching, written after.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import Field, SQLModel, select

from bot.storage import Storage, utcnow
from knowledge.matcher import Context

CONTEXT_MINUTES = 30


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
        if storage.url in {"sqlite://", "sqlite:///:memory:"}:
            ChatContext.__table__.create(storage.engine, checkfirst=True)

    def get(self, chat_key: str, now: dt.datetime | None = None) -> Context | None:
        """The chat's current context, if it is recent enough."""
        now = now or utcnow()
        with self.storage.session() as session:
            row = session.exec(select(ChatContext).where(ChatContext.chat_key == chat_key)).first()
        if row is None or now - _aware(row.updated_at) > self.ttl:
            return None
        return Context(row.entry_id, row.field)

    def put(self, chat_key: str, context: Context, now: dt.datetime | None = None) -> None:
        """Remember what the chat was just answered (replacing the previous topic)."""
        with self.storage.session() as session:
            row = session.get(ChatContext, chat_key)
            if row is None:
                row = ChatContext(chat_key=chat_key, entry_id=context.entry_id)
            row.entry_id, row.field, row.updated_at = context.entry_id, context.field, now or utcnow()
            session.add(row)
            session.commit()

    def forget_older(self, now: dt.datetime | None = None) -> int:
        """Delete expired contexts; returns how many."""
        cutoff = (now or utcnow()) - self.ttl
        with self.storage.session() as session:
            done = session.exec(delete(ChatContext).where(ChatContext.updated_at < cutoff))
            session.commit()
            return done.rowcount or 0
