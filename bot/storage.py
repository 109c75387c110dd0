"""The database: query log, feedback, learned aliases and review actions (SQLModel).

SQLite by default, PostgreSQL through ``DATABASE_URL``. The schema comes from Alembic migrations;
``create_all`` is used for in-memory test databases only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import BigInteger, Column, Index, event, func
from sqlalchemy.pool import NullPool, StaticPool
from sqlmodel import Field, Session, SQLModel, col, create_engine, delete, insert, select, update

from bot import admin_state  # noqa: F401  (its table is part of the schema)
from bot.grouping import group_key

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    """Timezone-aware now, in UTC."""
    return dt.datetime.now(dt.UTC)


def user_key(user_id: int | None, key: bytes) -> str:
    """A pseudonym for a Telegram user id: a keyed hash, the id itself is never stored."""
    if user_id is None:
        return ""
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:24]


class QueryLogBase(SQLModel):
    """One question and how it was answered."""

    ref: str = Field(max_length=16, unique=True, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    user_key: str = Field(default="", max_length=32, index=True)
    chat_type: str = Field(default="private", max_length=16)
    channel: str = Field(default="telegram", max_length=16)
    raw_text: str | None = Field(default=None, max_length=4096)
    normalized: str = Field(default="", max_length=4096)
    outcome: str = Field(max_length=16, index=True)
    entry_id: str | None = Field(default=None, max_length=128, index=True)
    field: str | None = Field(default=None, max_length=32)
    score: float = 0.0
    latency_ms: float = 0.0
    suggestions: str = Field(default="", max_length=512)
    chosen_entry_id: str | None = Field(default=None, max_length=128)
    group_key: str = Field(default="", max_length=16)


class QueryLog(QueryLogBase, table=True):
    """Stored query row."""

    __tablename__ = "query_log"
    id: int | None = Field(default=None, primary_key=True)


class Feedback(SQLModel, table=True):
    """👍 (+1) or 👎 (-1) on an answer."""

    __tablename__ = "feedback"
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=16, index=True)
    user_key: str = Field(default="", max_length=32)
    value: int
    created_at: dt.datetime = Field(default_factory=utcnow)


class LearnedAlias(SQLModel, table=True):
    """A question an admin assigned to an entry; the matcher treats it as an alias."""

    __tablename__ = "learned_alias"
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=1024)
    normalized: str = Field(max_length=1024, index=True)
    entry_id: str = Field(max_length=128, index=True)
    action_id: int | None = Field(default=None, foreign_key="review_action.id", index=True)
    active: bool = Field(default=True, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class ReviewAction(SQLModel, table=True):
    """Something an admin did in review: assign a group, dismiss it, or undo."""

    __tablename__ = "review_action"
    id: int | None = Field(default=None, primary_key=True)
    admin_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    action: str = Field(max_length=16)
    entry_id: str | None = Field(default=None, max_length=128)
    normalized: str = Field(default="", max_length=4096)
    refs: str = Field(default="", max_length=65535)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    undone_at: dt.datetime | None = None
    # the action covers the rows of its group up to this id (rows logged later stay in review)
    group_key: str = Field(default="", max_length=16, index=True)
    last_query_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


Index("ix_query_log_outcome_created", QueryLog.outcome, QueryLog.created_at)
Index("ix_query_log_group", QueryLog.group_key, QueryLog.id)
Index("ix_query_log_stats", QueryLog.outcome, QueryLog.entry_id, QueryLog.created_at)
# the id last: review reads this index alone (PostgreSQL has no implicit row id in an index)
Index("ix_query_log_review", QueryLog.outcome, QueryLog.group_key, QueryLog.channel,
      QueryLog.chosen_entry_id, QueryLog.id)

_QUERY_COLUMNS = [name for name in QueryLogBase.model_fields if name != "created_at"]


def query_row(row: QueryLog | dict) -> dict:
    """A query row as plain column values, every column present (one statement writes many)."""
    if not isinstance(row, dict):
        row = row.model_dump(exclude={"id"})
    values = {name: row.get(name, QueryLogBase.model_fields[name].default) for name in _QUERY_COLUMNS}
    values["created_at"] = row.get("created_at") or utcnow()
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses NUL in text
            values[name] = value.replace("\x00", "")
    values["group_key"] = values["group_key"] or group_key(values["normalized"] or "")
    return values


def insert_queries(connection, rows: Sequence[QueryLog | dict]) -> None:
    """Write query rows on an open connection (one statement)."""
    values = [query_row(r) for r in rows]
    if values:
        connection.execute(insert(QueryLog.__table__), values)


def insert_feedback(connection, rows: Sequence[dict]) -> int:
    """Write 👍/👎 rows on an open connection: one vote per user and answer (the last one counts),
    and only on answers the bot gave (a ref in the query log). Returns how many were kept."""
    kept = 0
    table = Feedback.__table__
    for row in rows:
        issued = connection.execute(
            select(QueryLog.__table__.c.id).where(QueryLog.__table__.c.ref == row["ref"]).limit(1)
        ).first()
        if issued is None:
            continue
        changed = connection.execute(
            update(table)
            .where(table.c.ref == row["ref"], table.c.user_key == row["user_key"])
            .values(value=row["value"], created_at=row.get("created_at") or utcnow())
        )
        if not changed.rowcount:
            connection.execute(
                insert(table),
                [{"ref": row["ref"], "user_key": row["user_key"], "value": row["value"],
                  "created_at": row.get("created_at") or utcnow()}],
            )
        kept += 1
    return kept


def _engine(url: str, timeout: float = 15.0):
    if url.startswith("sqlite"):
        if url in {"sqlite://", "sqlite:///:memory:"}:
            return create_engine(
                "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # purged question text is overwritten with zeros, in the file and in the WAL
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    # a server that does not answer fails the call in seconds instead of hanging it
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"connect_timeout": 5})


MIGRATION_LOCK = 7_243_110  # PostgreSQL advisory lock key held while the schema is upgraded


@contextlib.contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """One process at a time upgrades the schema: instances started together on a fresh
    database would otherwise both create the tables, and one would fail."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}.migrate-lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            try:
                yield
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
    finally:
        engine.dispose()


def migrate(url: str) -> None:
    """Bring the schema to the latest Alembic revision (under a lock shared by all instances)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with _migration_lock(url):
        command.upgrade(config, "head")


class Storage:
    """Short units of work on one engine per process."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.engine = _engine(url)
        memory = url in {"sqlite://", "sqlite:///:memory:"}
        self._file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") and not memory else None
        self._identity: tuple[int, int] | None = None
        self.migrated = False
        self._schema_lock = threading.Lock()
        self._waiting: dict[float, object] = {}
        if create:
            if memory:
                SQLModel.metadata.create_all(self.engine)
                self.migrated = True
            else:
                migrate(url)
                self.migrated = True
                self._identity = self._file_identity()

    def engine_waiting(self, seconds: float):
        """An engine whose SQLite connections wait at most ``seconds`` for another writer's lock
        (the main engine's wait otherwise); the same engine on other databases."""
        if self._file is None:
            return self.engine
        engine = self._waiting.get(seconds)
        if engine is None:
            engine = self._waiting[seconds] = _engine(self.url, timeout=seconds)
        return engine

    def _file_identity(self) -> tuple[int, int] | None:
        if self._file is None:
            return None
        try:
            info = os.stat(self._file)
        except FileNotFoundError:
            return None
        return info.st_dev, info.st_ino

    def ensure_schema(self) -> bool:
        """Upgrade the schema if that has not been done (the database was away at start), or
        again if the SQLite file was deleted or replaced; True when it did something."""
        with self._schema_lock:
            if self._file is not None and self.migrated and self._file_identity() != self._identity:
                log.error("the database file %s was deleted or replaced; creating it again",
                          self._file)
                self.engine.dispose()  # connections to the deleted file go
                for engine in self._waiting.values():
                    engine.dispose()
                self.migrated = False
            if self.migrated:
                return False
            migrate(self.url)
            self.migrated = True
            self._identity = self._file_identity()
            log.info("database schema is ready")
            return True

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()
        for engine in self._waiting.values():
            engine.dispose()

    def session(self) -> Session:
        """A new session (use as a context manager)."""
        return Session(self.engine, expire_on_commit=False)

    # -- query log ---------------------------------------------------------------------------

    def add_queries(self, rows: Sequence[QueryLog | dict]) -> None:
        """Write a batch of query rows in one statement (raises if the database is away)."""
        with self.engine.begin() as connection:
            insert_queries(connection, rows)

    def add_feedback(self, *, ref: str, user_key: str, value: int) -> None:
        """Store a 👍/👎 (one per user and answer, only on an answer the bot gave)."""
        self.add_feedbacks([{"ref": ref, "user_key": user_key, "value": value}])

    def add_feedbacks(self, rows: Sequence[dict]) -> int:
        """Store 👍/👎 rows; returns how many were kept (see ``insert_feedback``)."""
        with self.engine.begin() as connection:
            return insert_feedback(connection, rows)

    def mark_chosen(self, *, ref: str, entry_id: str) -> None:
        """Record which suggestion the user tapped for a question."""
        with self.session() as session:
            session.exec(
                update(QueryLog).where(col(QueryLog.ref) == ref).values(chosen_entry_id=entry_id)
            )
            session.commit()

    def queries(
        self, *, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> list[QueryLog]:
        """Query rows in time order."""
        with self.session() as session:
            stmt = select(QueryLog).order_by(col(QueryLog.created_at), col(QueryLog.id))
            if since:
                stmt = stmt.where(col(QueryLog.created_at) >= since)
            if until:
                stmt = stmt.where(col(QueryLog.created_at) < until)
            return list(session.exec(stmt))

    def feedback(self, *, since: dt.datetime | None = None) -> list[Feedback]:
        """Feedback rows in time order."""
        with self.session() as session:
            stmt = select(Feedback).order_by(col(Feedback.created_at))
            if since:
                stmt = stmt.where(col(Feedback.created_at) >= since)
            return list(session.exec(stmt))

    def count_queries(self) -> int:
        """How many questions are logged."""
        with self.session() as session:
            return session.exec(select(func.count()).select_from(QueryLog)).one()

    def purge_raw_text(self, *, older_than: dt.datetime) -> int:
        """Forget the text of old questions: the raw text and every column derived from it
        (the normalised text); the outcome, entry and score stay for statistics."""
        with self.session() as session:
            result = session.exec(
                update(QueryLog)
                .where(
                    col(QueryLog.created_at) < older_than,
                    col(QueryLog.raw_text).is_not(None) | (col(QueryLog.normalized) != ""),
                )
                .values(raw_text=None, normalized="")
            )
            session.commit()
            return result.rowcount or 0

    # -- learned aliases and review ----------------------------------------------------------

    def learned_aliases(self) -> dict[str, str]:
        """Active learned aliases: text -> entry id."""
        with self.session() as session:
            rows = session.exec(
                select(LearnedAlias).where(col(LearnedAlias.active)).order_by(col(LearnedAlias.id))
            )
            return {row.text: row.entry_id for row in rows}

    def record_action(
        self,
        *,
        admin_id: int,
        action: str,
        entry_id: str | None,
        normalized: str,
        refs: Iterable[str],
        aliases: Iterable[tuple[str, str]] = (),
        group_key: str = "",
        last_query_id: int = 0,
    ) -> ReviewAction:
        """Store a review action and, for an assignment, its learned aliases (text, normalised)."""
        with self.session() as session:
            row = ReviewAction(
                admin_id=admin_id,
                action=action,
                entry_id=entry_id,
                normalized=normalized,
                refs=",".join(refs),
                group_key=group_key,
                last_query_id=last_query_id,
            )
            session.add(row)
            session.flush()
            for text, norm in aliases:
                session.add(
                    LearnedAlias(text=text, normalized=norm, entry_id=entry_id or "", action_id=row.id)
                )
            session.commit()
            session.refresh(row)
            return row

    def actions(self, *, include_undone: bool = False) -> list[ReviewAction]:
        """Review actions, newest first."""
        with self.session() as session:
            stmt = select(ReviewAction).order_by(col(ReviewAction.id).desc())
            if not include_undone:
                stmt = stmt.where(col(ReviewAction.undone_at).is_(None))
            return list(session.exec(stmt))

    def latest_action(self) -> ReviewAction | None:
        """The newest review action that is not undone."""
        with self.session() as session:
            return session.exec(
                select(ReviewAction).where(col(ReviewAction.undone_at).is_(None))
                .order_by(col(ReviewAction.id).desc()).limit(1)
            ).first()

    def undo_action(self, *, action_id: int) -> tuple[ReviewAction, list[LearnedAlias]] | None:
        """Undo a review action; returns it with the aliases it had taught."""
        with self.session() as session:
            row = session.get(ReviewAction, action_id)
            if row is None or row.undone_at is not None:
                return None
            row.undone_at = utcnow()
            aliases = list(
                session.exec(select(LearnedAlias).where(col(LearnedAlias.action_id) == action_id))
            )
            for alias in aliases:
                alias.active = False
                session.add(alias)
            session.add(row)
            session.commit()
            return row, aliases

    def reviewed_refs(self) -> set[str]:
        """Refs of questions already handled by an action that is not undone."""
        with self.session() as session:
            rows = session.exec(
                select(ReviewAction.refs).where(col(ReviewAction.undone_at).is_(None))
            )
            return {ref for refs in rows for ref in refs.split(",") if ref}

    def delete_all(self) -> None:
        """Empty every table (tests only)."""
        with self.session() as session:
            for table in (admin_state.AdminPending, LearnedAlias, ReviewAction, Feedback, QueryLog):
                session.exec(delete(table))
            session.commit()
        # the update journal too: a new stand-in numbers its updates from the same start again
        with contextlib.suppress(Exception), self.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM update_journal")
