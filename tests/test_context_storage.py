"""Chat contexts on SQLite and (when DATABASE_URL_TEST is set) PostgreSQL, through the migrations."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import inspect

from bot.context import ChatContexts
from bot.storage import Storage
from knowledge.matcher import Context


@pytest.fixture
def contexts(database_url):
    store = Storage(database_url)  # runs the Alembic migrations
    yield ChatContexts(store)
    store.close()


def test_the_migration_creates_the_context_table(contexts):
    assert "chat_context" in inspect(contexts.storage.engine).get_table_names()


def test_a_context_is_shared_by_every_storage_on_the_database_and_expires(contexts):
    chat = f"test-{uuid.uuid4().hex[:12]}"
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    contexts.put(chat, Context("ket-hon", "documents"), now=now)
    other = ChatContexts(Storage(contexts.storage.url, create=False))  # another instance
    assert other.get(chat, now=now + dt.timedelta(minutes=5)) == Context("ket-hon", "documents")
    other.put(chat, Context("khai-sinh", None), now=now + dt.timedelta(minutes=6))
    assert contexts.get(chat, now=now + dt.timedelta(minutes=7)) == Context("khai-sinh", None)
    assert contexts.get(chat, now=now + dt.timedelta(minutes=40)) is None
    contexts.forget_older(now=now + dt.timedelta(days=1))
    other.storage.close()


def test_while_the_database_is_away_contexts_live_in_memory_and_it_is_not_asked_each_time(tmp_path):
    contexts = ChatContexts(Storage(f"sqlite:///{tmp_path}/test.db"))
    attempts = []

    def away():
        attempts.append(1)
        raise OSError("database unavailable")

    contexts.storage.session = away  # every read and write fails, as with a server that is down
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    contexts.put("chat", Context("ho-chieu", "fee"), now=now)
    assert contexts.get("chat", now=now + dt.timedelta(minutes=1)) == Context("ho-chieu", "fee")
    assert contexts.get("chat", now=now + dt.timedelta(minutes=31)) is None
    assert len(attempts) == 1  # one failure, then the database is left alone for a while
