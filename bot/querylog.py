"""Buffered query logging: writing a row never blocks or breaks an answer."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import text

from bot.storage import QueryLog, Storage, query_row

log = logging.getLogger(__name__)


def new_ref() -> str:
    """A short random reference linking a reply's buttons to its logged question."""
    return secrets.token_urlsafe(8)[:10]


@dataclass
class Pending:
    """Rows produced while one update is handled; written when its update is marked done."""

    queries: list[dict] = field(default_factory=list)
    feedback: list[dict] = field(default_factory=list)


# set while an update from the journal is handled: its rows go with the update, not the buffer
CURRENT: contextvars.ContextVar[Pending | None] = contextvars.ContextVar("pending_rows", default=None)


class QueryLogger:
    """Keeps rows in a bounded buffer and writes them in batches off the event loop.

    If the database is away, rows wait in the buffer and are written when it is back. When the
    buffer is full the oldest rows are dropped, and the log says how many. A batch the database
    refuses while it is reachable is written row by row, so one bad row never holds back the
    others; a row refused on its own is dropped with a log line.
    """

    def __init__(self, storage: Storage, capacity: int = 10_000, batch: int = 500) -> None:
        self.storage = storage
        self.capacity = capacity
        self.batch = batch
        self._buffer: deque[dict] = deque()
        self._feedback: deque[dict] = deque(maxlen=capacity)
        self.dropped = 0
        self.refused = 0
        self.failures = 0
        self._chosen: deque[tuple[str, str]] = deque(maxlen=capacity)
        self._lock = asyncio.Lock()
        self._rows_lock = threading.Lock()  # rows are added from worker threads

    def add(self, row: QueryLog | dict) -> None:
        """Queue a row; cheap and synchronous."""
        row = query_row(row)
        pending = CURRENT.get()
        if pending is not None:
            pending.queries.append(row)
            return
        self.keep([row])

    def keep(self, rows: list[dict], feedback: list[dict] = ()) -> None:  # type: ignore[assignment]
        """Put rows into the buffer (also rows of an update whose own write failed)."""
        with self._rows_lock:
            for row in rows:
                if len(self._buffer) >= self.capacity:
                    self._buffer.popleft()
                    self.dropped += 1
                    if self.dropped == 1 or self.dropped % 100 == 0:
                        log.warning("query log buffer full: %d row(s) dropped so far", self.dropped)
                self._buffer.append(row)
            self._feedback.extend(feedback)

    def add_feedback(self, *, ref: str, user_key: str, value: int) -> None:
        """Queue a 👍/👎; written with the update, or with the next batch."""
        row = {"ref": ref, "user_key": user_key, "value": value}
        pending = CURRENT.get()
        if pending is not None:
            pending.feedback.append(row)
            return
        with self._rows_lock:
            self._feedback.append(row)

    def set_chosen(self, ref: str, entry_id: str) -> None:
        """Record the suggestion a user tapped: in the buffer if the row waits there, else later."""
        with self._rows_lock:
            for row in self._buffer:
                if row["ref"] == ref:
                    row["chosen_entry_id"] = entry_id
                    return
        self._chosen.append((ref, entry_id))

    @property
    def pending(self) -> int:
        """Rows not yet written."""
        return len(self._buffer)

    def _reachable(self) -> bool:
        try:
            with self.storage.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def _write_one_by_one(self, rows: list[dict]) -> None:
        for row in rows:
            try:
                self.storage.add_queries([row])
            except Exception as exc:
                if not self._reachable():
                    raise
                self.refused += 1
                log.warning("query log row %s refused by the database (%s); dropped",
                            row.get("ref"), type(exc).__name__)

    def _write(self, rows: list[dict]) -> None:
        try:
            self.storage.add_queries(rows)
        except Exception:
            if not self._reachable():
                raise
            self._write_one_by_one(rows)

    async def flush(self) -> int:
        """Write what is buffered; returns how many rows were written (0 if the database is away)."""
        async with self._lock:
            written = 0
            while self._buffer:
                with self._rows_lock:
                    rows = list(itertools.islice(self._buffer, self.batch))
                try:
                    await asyncio.to_thread(self._write, rows)
                except Exception as exc:  # the database is away: keep the rows, try later
                    self.failures += 1
                    if self.failures == 1 or self.failures % 20 == 0:
                        log.warning(
                            "query log write failed (%s); %d row(s) kept for retry",
                            type(exc).__name__,
                            len(self._buffer),
                        )
                    return written
                # rows dropped by an overflow meanwhile are already gone; remove only written ones
                done = {id(row) for row in rows}
                with self._rows_lock:
                    while self._buffer and id(self._buffer[0]) in done:
                        self._buffer.popleft()
                written += len(rows)
            if self._feedback:
                with self._rows_lock:
                    votes = list(self._feedback)
                try:
                    await asyncio.to_thread(self.storage.add_feedbacks, votes)
                except Exception as exc:
                    if not await asyncio.to_thread(self._reachable):
                        return written
                    log.warning("%d vote(s) refused by the database (%s); dropped",
                                len(votes), type(exc).__name__)
                with self._rows_lock:
                    for _ in votes:
                        if self._feedback:
                            self._feedback.popleft()
            while self._chosen:
                ref, entry_id = self._chosen[0]
                try:
                    await asyncio.to_thread(self.storage.mark_chosen, ref=ref, entry_id=entry_id)
                except Exception:
                    return written
                self._chosen.popleft()
            if self.failures:
                log.info("query log writes resumed")
                self.failures = 0
            return written
