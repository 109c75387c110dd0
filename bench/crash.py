"""Crash benchmark: SIGKILL a polling bot at random moments under load, restart it, count.

With ``--grace 10`` each stop is a SIGTERM and a SIGKILL 10 s later, as ``docker stop`` does.
Prints one line per round: questions, kills, unanswered, doubled, query rows lost / extra, and
the wall time. The target is 0 unanswered, 0 doubled, 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.crashrun import crash_run  # noqa: E402


async def main(rounds: int, users: int, per_user: int, kills: int, grace: float | None) -> None:
    print("| round | questions | kills | unanswered | doubled | rows lost | rows extra | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    totals = [0, 0, 0, 0, 0]
    for n in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            r = await crash_run(Path(tmp), users=users, per_user=per_user, kills=kills, seed=n,
                                grace=grace)
        totals = [a + b for a, b in zip(totals, [r.kills, r.unanswered, r.doubled, r.lost_rows, r.extra_rows], strict=True)]
        print(f"| {n + 1} | {r.questions} | {r.kills} | {r.unanswered} | {r.doubled} | "
              f"{r.lost_rows} | {r.extra_rows} | {r.seconds} |", flush=True)
    print(f"total: {totals[0]} kills, {totals[1]} unanswered, {totals[2]} doubled, "
          f"{totals[3]} rows lost, {totals[4]} rows extra")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=3)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--grace", type=float, default=None,
                        help="SIGTERM first, SIGKILL this many seconds later (as docker stop does)")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.users, args.per_user, args.kills, args.grace))
