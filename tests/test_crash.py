"""A bot process killed with SIGKILL at random moments under load loses nothing and answers
every question again after a restart."""

from __future__ import annotations

from tests.crashrun import crash_run


async def test_kill_9_under_load_loses_no_question_and_no_row(tmp_path):
    report = await crash_run(tmp_path, users=60, per_user=3, kills=4, seed=1)
    assert len(report.kill_times) == 4, "the bot was not killed while answering"
    assert report.unanswered == 0, report
    assert report.lost_rows == 0 and report.extra_rows == 0, report
    # the Bot API has no idempotent send: a reply in flight when the process dies (sent, its
    # done mark not yet stored) is sent again; replies are paced so that few are in flight
    assert report.doubled <= report.kills, report
    assert report.refused == 0, report


async def test_sigterm_then_sigkill_as_docker_stop_does_loses_no_question(tmp_path):
    report = await crash_run(tmp_path, users=60, per_user=3, kills=2, seed=2, grace=0.5)
    assert len(report.kill_times) == 2
    assert report.unanswered == 0, report
    assert report.lost_rows == 0 and report.extra_rows == 0, report
    assert report.doubled <= report.kills, report
