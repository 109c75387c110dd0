"""What an admin is in the middle of, kept in the database so that any instance can go on with it.

"Gán vào mục…" waits for the admin to type part of an entry's name; the next update may reach
another instance behind the load balancer, so the waiting state cannot live in process memory.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, Session, SQLModel, delete, select

PENDING_FOR = dt.timedelta(hours=1)  # an assignment left unfinished longer than this is forgotten


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AdminPending(SQLModel, table=True):
    """An admin choosing the entry for a review group."""

    __tablename__ = "admin_pending"
    admin_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    group_key: str = Field(max_length=16)
    bound: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: dt.datetime = Field(default_factory=_now)


def set_pending(engine, admin_id: int, group_key: str, bound: int) -> None:
    """Remember that an admin is choosing an entry for a group (rows up to ``bound``)."""
    with Session(engine) as session:
        row = session.get(AdminPending, admin_id)
        if row is None:
            row = AdminPending(admin_id=admin_id, group_key=group_key, bound=bound)
        else:
            row.group_key, row.bound, row.created_at = group_key, bound, _now()
        session.add(row)
        session.commit()


def get_pending(engine, admin_id: int) -> tuple[str, int] | None:
    """The group an admin is choosing an entry for, if they still are."""
    with Session(engine) as session:
        row = session.exec(select(AdminPending).where(AdminPending.admin_id == admin_id)).first()
        if row is None:
            return None
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
        if _now() - created > PENDING_FOR:
            return None
        return row.group_key, row.bound


def clear_pending(engine, admin_id: int) -> bool:
    """Forget what an admin was choosing; True if something was pending."""
    with Session(engine) as session:
        result = session.exec(delete(AdminPending).where(AdminPending.admin_id == admin_id))
        session.commit()
        return bool(result.rowcount)
