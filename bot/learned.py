"""Reading learned aliases incrementally: what changed since the last look, not the whole table.

Every instance looks every few seconds; reading all learned aliases each time costs a second of
CPU at 50,000 of them. New aliases are rows with a larger id; undone ones are found through
their action's ``undone_at``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.storage import LearnedAlias, ReviewAction, Storage

_L = LearnedAlias.__table__
_A = ReviewAction.__table__
# undo times come from each instance's clock: look back this far so a late clock is not missed
CLOCK_MARGIN = dt.timedelta(minutes=2)


@dataclass
class Cursor:
    """How far an instance has read: the newest alias id and the newest undo time seen."""

    last_id: int = 0
    undone_at: dt.datetime | None = None


def start(storage: Storage) -> tuple[dict[str, str], Cursor]:
    """Every active learned alias (text -> entry id) and the cursor to read changes from."""
    with storage.engine.connect() as connection:
        rows = connection.execute(
            select(_L.c.id, _L.c.text, _L.c.entry_id).where(_L.c.active).order_by(_L.c.id)
        ).all()
        last = connection.execute(select(func.max(_L.c.id))).scalar() or 0
        undone = connection.execute(select(func.max(_A.c.undone_at))).scalar()
    return {r.text: r.entry_id for r in rows}, Cursor(last, _aware(undone))


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def changes(storage: Storage, cursor: Cursor) -> tuple[dict[str, str], set[tuple[str, str]], Cursor]:
    """Aliases learned since the cursor (text -> entry id), aliases undone since (entry id, text)
    that no active row teaches again, and the new cursor."""
    with storage.engine.connect() as connection:
        new_rows = connection.execute(
            select(_L.c.id, _L.c.text, _L.c.entry_id, _L.c.active)
            .where(_L.c.id > cursor.last_id).order_by(_L.c.id)
        ).all()
        undo_query = (
            select(_L.c.text, _L.c.entry_id, _A.c.undone_at)
            .select_from(_L.join(_A, _A.c.id == _L.c.action_id))
            .where(_A.c.undone_at.is_not(None))
        )
        if cursor.undone_at is not None:
            undo_query = undo_query.where(_A.c.undone_at >= cursor.undone_at - CLOCK_MARGIN)
        undone_rows = connection.execute(undo_query).all()
        texts = {r.text for r in undone_rows}
        still = set()
        if texts:
            still = {
                (r.entry_id, r.text)
                for r in connection.execute(
                    select(_L.c.text, _L.c.entry_id).where(_L.c.active, _L.c.text.in_(texts))
                )
            }
    added = {r.text: r.entry_id for r in new_rows if r.active}
    removed = {(r.entry_id, r.text) for r in undone_rows} - still
    last_id = max([cursor.last_id, *(r.id for r in new_rows)])
    undone_at = max([m for m in (cursor.undone_at, *(_aware(r.undone_at) for r in undone_rows)) if m],
                    default=None)
    return added, removed, Cursor(last_id, undone_at)
