"""Buffered query logging: writing a row never blocks or breaks an answer."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import threading
from collections import deque

from bot.storage import QueryLog, Storage, query_row

log = logging.getLogger(__name__)


def new_ref() -> str:
    """A short random reference linking a reply's buttons to its logged question."""
    return secrets.token_urlsafe(8)[:10]


class QueryLogger:
    """Keeps rows in a bounded buffer and writes them in batches off the event loop.

    If the database is away, rows wait in the buffer and are written when it is back. When the
    buffer is full the oldest rows are dropped, and the log says how many.
    """

    def __init__(self, storage: Storage, capacity: int = 10_000, batch: int = 500) -> None:
        self.storage = storage
        self.capacity = capacity
        self.batch = batch
        self._buffer: deque[dict] = deque()
        self.dropped = 0
        self.failures = 0
        self._chosen: deque[tuple[str, str]] = deque(maxlen=capacity)
        self._lock = asyncio.Lock()
        self._rows_lock = threading.Lock()  # rows are added from worker threads

    def add(self, row: QueryLog | dict) -> None:
        """Queue a row; cheap and synchronous."""
        row = query_row(row)
        with self._rows_lock:
            if len(self._buffer) >= self.capacity:
                self._buffer.popleft()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 100 == 0:
                    log.warning("query log buffer full: %d row(s) dropped so far", self.dropped)
            self._buffer.append(row)

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

    async def flush(self) -> int:
        """Write what is buffered; returns how many rows were written (0 if the database is away)."""
        async with self._lock:
            written = 0
            while self._buffer:
                with self._rows_lock:
                    rows = list(itertools.islice(self._buffer, self.batch))
                try:
                    await asyncio.to_thread(self.storage.add_queries, rows)
                except Exception as exc:  # any database error: keep the rows, try later
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
