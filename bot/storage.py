"""The database: query log, feedback, learned aliases and review actions (SQLModel).

SQLite by default, PostgreSQL through ``DATABASE_URL``. The schema comes from Alembic migrations;
``create_all`` is used for in-memory test databases only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import BigInteger, Column, Index, event, func
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, Session, SQLModel, col, create_engine, delete, insert, select, update

from bot import admin_state  # noqa: F401  (its table is part of the schema)
from bot.grouping import group_key

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
    values["group_key"] = values["group_key"] or group_key(values["normalized"] or "")
    return values


def _engine(url: str):
    if url.startswith("sqlite"):
        if url in {"sqlite://", "sqlite:///:memory:"}:
            return create_engine(
                "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def migrate(url: str) -> None:
    """Bring the schema to the latest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


class Storage:
    """Short units of work on one engine per process."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.engine = _engine(url)
        if create:
            if url in {"sqlite://", "sqlite:///:memory:"}:
                SQLModel.metadata.create_all(self.engine)
            else:
                migrate(url)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def session(self) -> Session:
        """A new session (use as a context manager)."""
        return Session(self.engine, expire_on_commit=False)

    # -- query log ---------------------------------------------------------------------------

    def add_queries(self, rows: Sequence[QueryLog | dict]) -> None:
        """Write a batch of query rows in one statement (raises if the database is away)."""
        values = [query_row(r) for r in rows]
        if not values:
            return
        with self.engine.begin() as connection:
            connection.execute(insert(QueryLog.__table__), values)

    def add_feedback(self, *, ref: str, user_key: str, value: int) -> None:
        """Store a 👍/👎."""
        with self.session() as session:
            session.add(Feedback(ref=ref, user_key=user_key, value=value))
            session.commit()

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
        """Forget the raw text of old questions (the normalised text and outcome stay)."""
        with self.session() as session:
            result = session.exec(
                update(QueryLog)
                .where(col(QueryLog.created_at) < older_than, col(QueryLog.raw_text).is_not(None))
                .values(raw_text=None)
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
