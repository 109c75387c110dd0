"""Fairness benchmark: one account toggles section buttons at 120 taps/s while others ask.

Runs the bot in this process against the local Bot API stand-in, Telegram's rate limiter on, and
prints p50 / p99 from question to reply for the other users, with and without the spammer, in
the same run (no assertions).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness import button, running_bot  # noqa: E402

SECONDS = 8
OTHERS = 20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def case(spam: bool) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(Path(tmp)) as bot:
            api = bot.api
            [reply] = await bot.ask(1, "đăng ký kết hôn")
            sections = [button(reply, label)["callback_data"] for label in ("Lệ phí", "Thời hạn")]
            asked: dict[int, list[float]] = {}
            started = time.monotonic()
            n = 0
            while time.monotonic() - started < SECONDS:
                if spam:
                    api.callback(1, reply["message"]["message_id"], sections[n % 2])
                if n % 12 == 0:  # the others: about 10 questions a second in all
                    user = 1000 + (n // 12) % OTHERS
                    asked.setdefault(user, []).append(time.monotonic())
                    api.user_message(user, "lệ phí làm hộ chiếu")
                n += 1
                await asyncio.sleep(1 / 120)
            total = sum(len(v) for v in asked.values())
            await api.wait_until(
                lambda: sum(len(api.sent_after(0, u)) for u in asked) >= total, timeout=120
            )
            latencies = []
            for user, times in asked.items():
                replies = [e["time"] for e in api.outbox if e["event"] == "send" and e["chat_id"] == user]
                latencies += [(r - p) * 1000 for p, r in zip(times, replies, strict=False)]
            taps = sum(1 for c in api.calls_of("answerCallbackQuery"))
            return percentile(latencies, 0.5), percentile(latencies, 0.99), taps


async def main() -> None:
    print(f"{OTHERS} users asking ~10 questions/s for {SECONDS} s; rate limiter on\n")
    print(f"{'case':<34} {'p50 ms':>8} {'p99 ms':>8} {'taps answered':>14}")
    for name, spam in (("no spammer (baseline)", False), ("one account tapping at 120/s", True)):
        p50, p99, taps = await case(spam)
        print(f"{name:<34} {p50:>8.0f} {p99:>8.0f} {taps:>14}")


if __name__ == "__main__":
    asyncio.run(main())
