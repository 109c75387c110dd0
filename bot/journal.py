"""The update journal: every received update is stored before Telegram is told it arrived.

A row is written when an update is received (before the polling offset moves past it, or before
the webhook answers 200), keyed by ``update_id`` so a replay is recognised and never answered
twice. When the reply is sent the row is marked done in the same transaction that writes the
question's query-log rows and feedback, so a hard stop loses neither. On start, rows received
but not done are handled again. Done rows keep no text: the payload is cleared.

The journal is also the flood-control counter shared by every instance: the number of updates a
user sent in the last few seconds is counted from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import socket
from collections.abc import Iterator, Sequence

from sqlalchemy import BigInteger, Column, Index, SmallInteger, Text, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col, delete, select

from bot.storage import Storage, insert_feedback, insert_queries, utcnow

log = logging.getLogger(__name__)

PENDING, DONE, SKIPPED = 0, 1, 2
# receiving waits at most this long for another process's lock on SQLite; then the bot answers
# without the journal for that batch (logged) rather than keep everyone waiting
RECEIVE_WAIT_MS = 1000
KEEP_DONE = dt.timedelta(hours=24)  # long enough to recognise a webhook retry of the same update


class UpdateJournal(SQLModel, table=True):
    """One update received from Telegram."""

    __tablename__ = "update_journal"
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    received_at: dt.datetime = Field(default_factory=utcnow, index=True)
    user_key: str = Field(default="", max_length=32)
    kind: str = Field(default="", max_length=32)
    owner: str = Field(default="", max_length=64, index=True)
    state: int = Field(default=PENDING, sa_column=Column(SmallInteger, nullable=False, index=True))
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    done_at: dt.datetime | None = None


Index("ix_update_journal_user_received", UpdateJournal.user_key, UpdateJournal.received_at)


def default_owner(port: int | None = None) -> str:
    """A name for this instance that stays the same across restarts (host, and port if any)."""
    host = socket.gethostname()[:48]
    return f"{host}:{port}" if port else host


def update_kind(raw: dict) -> str:
    """The update type: the one key besides ``update_id``."""
    return next((key for key in raw if key != "update_id"), "")[:32]


def update_user_id(raw: dict) -> int | None:
    """The id of the user who caused an update, read from the raw JSON (no parsing needed)."""
    body = raw.get(update_kind(raw))
    if not isinstance(body, dict):
        return None
    user = body.get("from") or body.get("user") or body.get("voter_chat") or {}
    if isinstance(user, dict) and isinstance(user.get("id"), int):
        return user["id"]
    chat = body.get("chat") or {}
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        return chat["id"]
    return None


def flood_class(kind: str) -> str:
    """Flood control counts typed messages and taps (buttons, inline queries) apart: a person
    browsing taps far more often than they type."""
    return "tap" if kind in {"callback_query", "inline_query"} else "message"


class Journal:
    """Durable intake on the bot's database; every method blocks (call it off the event loop)."""

    def __init__(self, storage: Storage, owner: str, *, flood_window: float = 10.0) -> None:
        self.storage = storage
        self.owner = owner
        self.flood_window = flood_window

    @contextlib.contextmanager
    def _transaction(self, wait_ms: int | None) -> Iterator:
        """A transaction; on SQLite ``wait_ms`` bounds the wait for another writer's lock."""
        engine = self.storage.engine if wait_ms is None else self.storage.engine_waiting(wait_ms / 1000)
        with engine.begin() as connection:
            yield connection

    def _insert(self):
        dialect = self.storage.engine.dialect.name
        table = UpdateJournal.__table__
        if dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing(index_elements=["update_id"])
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["update_id"])

    def receive(
        self, rows: Sequence[tuple[dict, str]], *, wait_ms: int | None = RECEIVE_WAIT_MS
    ) -> dict[int, tuple[str, int]]:
        """Store new updates as (raw JSON, user key); returns {update_id: (class, count)} for the
        new ones.

        The count is how many updates of that class (``flood_class``) the user sent within the
        flood window, this one included, across every instance. Updates already in the journal
        are left out: they are replays.
        """
        if not rows:
            return {}
        self.storage.ensure_schema()  # never journal into a deleted file
        now = utcnow()
        values = [
            {
                "update_id": int(raw["update_id"]),
                "received_at": now,
                "user_key": key,
                "kind": update_kind(raw),
                "owner": self.owner,
                "state": PENDING,
                "payload": json.dumps(raw, ensure_ascii=False),
            }
            for raw, key in rows
        ]
        keys = sorted({key for _, key in rows if key})
        cutoff = now - dt.timedelta(seconds=self.flood_window)
        with self._transaction(wait_ms) as connection:
            before, new = self._receive(connection, keys, cutoff, values)
        counts: dict[int, tuple[str, int]] = {}
        for value in values:
            if value["update_id"] not in new:
                continue
            klass = flood_class(value["kind"])
            slot = (value["user_key"], klass)
            before[slot] = before.get(slot, 0) + 1 if value["user_key"] else 1
            counts[value["update_id"]] = (klass, before[slot])
        return counts

    def _receive(self, connection, keys: list[str], cutoff: dt.datetime, values: list[dict]):
        table = UpdateJournal.__table__
        before: dict[tuple[str, str], int] = {}
        if keys:
            counted = connection.execute(
                select(table.c.user_key, table.c.kind, func.count())
                .where(table.c.user_key.in_(keys), table.c.received_at >= cutoff)
                .group_by(table.c.user_key, table.c.kind)
            )
            for key, kind, n in counted:
                slot = (key, flood_class(kind))
                before[slot] = before.get(slot, 0) + n
        inserted = connection.execute(self._insert().returning(table.c.update_id), values)
        return before, {row[0] for row in inserted}

    def skip(self, update_id: int, kind: str) -> None:
        """Remember an update that could not be read, so it is never tried again."""
        with self.storage.engine.begin() as connection:
            connection.execute(
                self._insert(),
                [{"update_id": update_id, "received_at": utcnow(), "kind": kind[:32],
                  "owner": self.owner, "state": SKIPPED, "payload": None, "done_at": utcnow()}],
            )
            connection.execute(
                update(UpdateJournal.__table__)
                .where(UpdateJournal.__table__.c.update_id == update_id)
                .values(state=SKIPPED, payload=None, done_at=utcnow())
            )

    def finish(
        self, update_ids: Sequence[int], queries: Sequence[dict] = (), feedback: Sequence[dict] = (),
        *, wait_ms: int | None = None,
    ) -> None:
        """Mark updates done and write their query rows and feedback, in one transaction.

        ``wait_ms`` (SQLite) bounds the wait for another process's write lock.
        """
        with self._transaction(wait_ms) as connection:
            self._finish(connection, update_ids, queries, feedback)

    def _finish(self, connection, update_ids, queries, feedback) -> None:
        table = UpdateJournal.__table__
        insert_queries(connection, queries)
        insert_feedback(connection, feedback)
        if update_ids:
            connection.execute(
                update(table)
                .where(table.c.update_id.in_(list(update_ids)))
                .values(state=DONE, payload=None, done_at=utcnow())
            )

    def unfinished(self, *, stale_after: dt.timedelta = dt.timedelta(minutes=5)) -> list[dict]:
        """Updates received but not done: this instance's, and any other's left for a while."""
        cutoff = utcnow() - stale_after
        with self.storage.session() as session:
            rows = session.exec(
                select(UpdateJournal)
                .where(col(UpdateJournal.state) == PENDING)
                .where((col(UpdateJournal.owner) == self.owner) | (col(UpdateJournal.received_at) < cutoff))
                .order_by(col(UpdateJournal.update_id))
            )
            found = []
            for row in rows:
                try:
                    found.append(json.loads(row.payload or ""))
                except ValueError:
                    log.warning("journal row %d has no readable payload; skipped", row.update_id)
            return found

    def claim(self, update_ids: Sequence[int]) -> None:
        """Take over unfinished updates (another instance left them)."""
        if not update_ids:
            return
        table = UpdateJournal.__table__
        with self.storage.engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.update_id.in_(list(update_ids))).values(owner=self.owner)
            )

    def states(self) -> dict[int, int]:
        """Every update id and its state (tests and benchmarks)."""
        with self.storage.session() as session:
            return dict(session.exec(select(UpdateJournal.update_id, UpdateJournal.state)).all())

    def purge(self, *, older_than: dt.timedelta = KEEP_DONE) -> int:
        """Forget finished updates older than the given age."""
        cutoff = utcnow() - older_than
        with self.storage.session() as session:
            result = session.exec(
                delete(UpdateJournal).where(
                    col(UpdateJournal.state) != PENDING, col(UpdateJournal.received_at) < cutoff
                )
            )
            session.commit()
            return result.rowcount or 0


__all__ = ["DONE", "PENDING", "SKIPPED", "Journal", "UpdateJournal", "default_owner"]
