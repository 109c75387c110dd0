"""A bot process killed with SIGKILL at random moments under load loses and doubles nothing."""

from __future__ import annotations

from tests.crashrun import crash_run


async def test_kill_9_under_load_loses_nothing_and_doubles_nothing(tmp_path):
    report = await crash_run(tmp_path, users=60, per_user=3, kills=4, seed=1)
    assert report.kill_times, "the bot was never killed"
    assert report.unanswered == 0, report
    assert report.doubled == 0, report
    assert report.lost_rows == 0 and report.extra_rows == 0, report
    assert report.refused == 0, report
