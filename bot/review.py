"""What needs an admin's review, grouped; and the actions that teach the matcher. No telegram import.

Every question carries the key of its group from the moment it is logged (``bot.grouping``), so
the queue is one SQL aggregation and a page of it is a LIMIT/OFFSET, whatever the size of the log.
An action covers the rows of its group up to a bound (the newest row the admin could have seen);
questions logged later come back to the queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, select, text, union_all

from bot.storage import Feedback, QueryLog, ReviewAction, Storage

SHOWN_TEXTS = 15  # distinct questions shown (and taught) for a group
REASONS = ("not_found", "suggest", "disliked")

_Q = QueryLog.__table__
_F = Feedback.__table__
_A = ReviewAction.__table__


@dataclass
class GroupSummary:
    """One line of the queue."""

    key: str
    count: int
    text: str
    reasons: set[str] = field(default_factory=set)


@dataclass
class ReviewPage:
    """A page of the queue, with the size of the whole queue."""

    groups: list[GroupSummary]
    total_groups: int
    total_questions: int
    page: int
    pages: int


@dataclass
class GroupDetail:
    """A group as an admin sees it when opening it: what was asked and what the bot had offered."""

    key: str
    bound: int
    count: int
    texts: list[tuple[str, int]]  # distinct questions shown, most recent first, with their counts
    reasons: set[str] = field(default_factory=set)
    suggested: list[tuple[str, int]] = field(default_factory=list)  # entry ids the bot had offered
    answered: list[tuple[str, int]] = field(default_factory=list)  # entry ids it answered with (👎)

    @property
    def shown_texts(self) -> list[str]:
        """The questions an assignment teaches: exactly those shown."""
        return [text for text, _ in self.texts]


def _handled():
    """Per group, the newest row covered by an action that is not undone."""
    return (
        select(_A.c.group_key, func.max(_A.c.last_query_id).label("upto"))
        .where(_A.c.undone_at.is_(None), _A.c.group_key != "")
        .group_by(_A.c.group_key)
        .subquery("handled")
    )


def _disliked(dialect: str):
    """Rows whose answer got a 👎, found from the few 👎 rows by ref: never a scan of every answer."""
    if dialect == "postgresql":
        # an array computed once, then index lookups by ref (a semi-join would scan the log)
        return [text("query_log.ref = ANY(ARRAY(SELECT feedback.ref FROM feedback WHERE feedback.value < 0))"),
                _Q.c.outcome.in_(("answer", "opened"))]
    # SQLite: the outcome is wrapped so that the planner does not walk the outcome index instead
    return [_Q.c.ref.in_(select(_F.c.ref).where(_F.c.value < 0)),
            func.coalesce(_Q.c.outcome, "").in_(("answer", "opened"))]


def _branches(dialect: str) -> list[tuple[str, list]]:
    """Why a row needs review, as conditions (each served by an index)."""
    return [
        ("not_found", [_Q.c.outcome == "not_found"]),
        ("suggest", [_Q.c.outcome == "suggest", _Q.c.chosen_entry_id.is_(None)]),
        ("disliked", _disliked(dialect)),
    ]


def _items(dialect: str, *conditions, columns=()):
    """Rows that need review (unanswered, suggestions nobody chose, answers that got 👎)."""
    base = [_Q.c.id, _Q.c.group_key, *columns]
    common = [_Q.c.group_key != "", _Q.c.channel != "flood", *conditions]
    return union_all(*(
        select(*base, literal(reason).label("reason")).where(*where, *common)
        for reason, where in _branches(dialect)
    )).subquery("items")


def _per_group(dialect: str, conditions: list, join=None):
    """Per group: how many rows need review, for each reason, and the newest; grouped in each
    reason's own index order, then combined (a few rows per group)."""
    parts = []
    for reason, where in _branches(dialect):
        stmt = select(
            _Q.c.group_key.label("key"), func.count().label("n"), func.max(_Q.c.id).label("last"),
            *(func.count().label(r) if r == reason else literal(0).label(r) for r in REASONS),
        )
        if join is not None:
            stmt = stmt.select_from(_Q.join(join, and_(join.c.group_key == _Q.c.group_key,
                                                       _Q.c.id <= join.c.upto)))
        parts.append(
            stmt.where(*where, _Q.c.group_key != "", _Q.c.channel != "flood", *conditions)
            .group_by(_Q.c.group_key)
        )
    rows = union_all(*parts).subquery()
    return select(
        rows.c.key, func.sum(rows.c.n).label("n"), func.max(rows.c.last).label("last"),
        *(func.sum(rows.c[r]).label(r) for r in REASONS),
    ).group_by(rows.c.key)


def _reason_sums(items) -> list:
    return [func.sum(case((items.c.reason == r, 1), else_=0)).label(r) for r in REASONS]


def _reasons(row) -> set[str]:
    return {r for r in REASONS if getattr(row, r)}


def review_page(
    storage: Storage, page: int = 0, per_page: int = 5, since: dt.datetime | None = None
) -> ReviewPage:
    """One page of the queue: groups busiest first (then most recent)."""
    page = max(page, 0)
    with storage.engine.connect() as connection:
        conditions = []
        if since:
            # rows are logged in time order: the period is an id range, which every index holds
            first = connection.execute(select(func.min(_Q.c.id)).where(_Q.c.created_at >= since)).scalar()
            if first is None:
                return ReviewPage([], 0, 0, 0, 1)
            # "+ 0": filter inside the reason's index rather than walk the table by id
            conditions.append(_Q.c.id + 0 >= first)
        dialect = storage.engine.dialect.name
        everything = _per_group(dialect, conditions).subquery("everything")
        # rows covered by actions are few groups: count them apart and subtract
        covered = _per_group(dialect, conditions, join=_handled()).subquery("covered")
        remaining = (everything.c.n - func.coalesce(covered.c.n, 0))
        grouped = (
            select(
                everything.c.key, remaining.label("n"), everything.c.last,
                *((everything.c[r] - func.coalesce(covered.c[r], 0)).label(r) for r in REASONS),
            )
            .select_from(everything.outerjoin(covered, covered.c.key == everything.c.key))
            .where(remaining > 0)
            .subquery("grouped")
        )
        stmt = (
            select(
                grouped,
                func.count().over().label("groups"),
                func.sum(grouped.c.n).over().label("questions"),
            )
            .order_by(grouped.c.n.desc(), grouped.c.last.desc())
            .limit(per_page)
            .offset(page * per_page)
        )
        rows = connection.execute(stmt).all()
        if not rows and page > 0:  # past the end (the queue shrank): the last page instead
            total = connection.execute(select(func.count()).select_from(grouped)).scalar() or 0
            if total:
                return review_page(storage, (total - 1) // per_page, per_page, since)
        texts = _texts_of(connection, [r.last for r in rows])
    if not rows:
        return ReviewPage([], 0, 0, 0, 1)
    total_groups, total_questions = int(rows[0].groups), int(rows[0].questions)
    groups = [GroupSummary(r.key, int(r.n), texts.get(r.last, ""), _reasons(r)) for r in rows]
    pages = max(1, -(-total_groups // per_page))
    return ReviewPage(groups, total_groups, total_questions, page, pages)


def _texts_of(connection, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = connection.execute(select(_Q.c.id, _Q.c.raw_text, _Q.c.normalized).where(_Q.c.id.in_(ids)))
    return {r.id: (r.raw_text or r.normalized or "").strip() for r in rows}


def open_group(storage: Storage, key: str, bound: int | None = None) -> GroupDetail | None:
    """A group's questions up to ``bound`` (default: everything logged so far); None if none left."""
    with storage.engine.connect() as connection:
        if bound is None:
            bound = connection.execute(select(func.max(_Q.c.id))).scalar() or 0
        upto = connection.execute(
            select(func.max(_A.c.last_query_id)).where(_A.c.group_key == key, _A.c.undone_at.is_(None))
        ).scalar() or 0
        typed = func.coalesce(_Q.c.raw_text, _Q.c.normalized)
        items = _items(
            storage.engine.dialect.name,
            _Q.c.group_key == key, _Q.c.id > upto, _Q.c.id <= bound,
            columns=[typed.label("text"), _Q.c.suggestions, _Q.c.entry_id],
        )
        totals = connection.execute(
            select(func.count().label("n"), *_reason_sums(items)).select_from(items)
        ).one()
        if not totals.n:
            return None
        by_text = connection.execute(
            select(items.c.text, func.count().label("n"), func.max(items.c.id).label("last"))
            .group_by(items.c.text)
            .order_by(func.max(items.c.id).desc())
            .limit(SHOWN_TEXTS * 3)
        ).all()
        suggestions = connection.execute(
            select(items.c.suggestions, func.count().label("n"))
            .where(items.c.reason == "suggest", items.c.suggestions != "")
            .group_by(items.c.suggestions).order_by(func.count().desc()).limit(5)
        ).all()
        answered = connection.execute(
            select(items.c.entry_id, func.count().label("n"))
            .where(items.c.reason == "disliked", items.c.entry_id.is_not(None))
            .group_by(items.c.entry_id).order_by(func.count().desc()).limit(3)
        ).all()
    texts: dict[str, list] = {}
    for row in by_text:  # the same question typed with other capitals is one line
        shown = (row.text or "").strip()
        if not shown:
            continue
        folded = shown.casefold()
        if folded in texts:
            texts[folded][1] += row.n
        elif len(texts) < SHOWN_TEXTS:
            texts[folded] = [shown, row.n]
    offered: dict[str, int] = {}
    for row in suggestions:
        for entry_id in row.suggestions.split(","):
            if entry_id:
                offered[entry_id] = offered.get(entry_id, 0) + row.n
    return GroupDetail(
        key=key, bound=bound, count=int(totals.n), texts=[(t, n) for t, n in texts.values()],
        reasons=_reasons(totals),
        suggested=sorted(offered.items(), key=lambda item: -item[1])[:3],
        answered=[(r.entry_id, int(r.n)) for r in answered],
    )


def assign(
    storage: Storage, group: GroupDetail, entry_id: str, *, admin_id: int, normalise: Callable[[str], str]
) -> ReviewAction:
    """Make the questions shown of a group learned aliases of an entry (the caller teaches the
    live matcher); the group's rows up to its bound leave the queue."""
    aliases = [(text, normalise(text)) for text in group.shown_texts]
    return storage.record_action(
        admin_id=admin_id, action="assign", entry_id=entry_id, normalized=group.key,
        refs=(), aliases=aliases, group_key=group.key, last_query_id=group.bound,
    )


def dismiss(storage: Storage, group: GroupDetail, *, admin_id: int) -> ReviewAction:
    """Take a group off the queue without teaching anything."""
    return storage.record_action(
        admin_id=admin_id, action="dismiss", entry_id=None, normalized=group.key, refs=(),
        group_key=group.key, last_query_id=group.bound,
    )
