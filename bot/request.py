"""HTTP to the Bot API with retries: 5xx answers and dropped connections are tried again."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)


class RetryingRequest(HTTPXRequest):
    """``HTTPXRequest`` that retries server errors (5xx) and failed connections with backoff.

    A timed-out request is not retried: Telegram may have acted on it, and a second try could
    send a message twice. 429 ``retry_after`` is handled by the rate limiter, not here.
    """

    def __init__(self, *args: Any, attempts: int = 6, backoff: float = 0.25, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attempts = attempts
        self.backoff = backoff

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                code, payload = await super().do_request(url, method, request_data, **kwargs)
            except TimedOut:
                raise
            except NetworkError:
                if last:
                    raise
            else:
                if code < 500 or last:
                    return code, payload
            delay = self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())
            log.info("Bot API call failed (attempt %d of %d); retrying in %.2fs",
                     attempt, self.attempts, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")
