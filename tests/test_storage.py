"""Storage on SQLite and (when DATABASE_URL_TEST is set) PostgreSQL: migrations, log, review, purge."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import inspect

from bot.storage import QueryLog, Storage, user_key
from tests.conftest import PG_URL


@pytest.fixture
def storage(database_url):
    store = Storage(database_url)  # runs the Alembic migrations
    store.delete_all()
    yield store
    store.delete_all()
    store.close()


def test_postgres_is_tested_in_ci():
    if os.environ.get("CI") and not PG_URL:
        pytest.fail("CI must run the database tests against PostgreSQL too (DATABASE_URL_TEST)")


def test_migrations_create_every_table(storage):
    tables = set(inspect(storage.engine).get_table_names())
    assert {"query_log", "feedback", "learned_alias", "review_action", "alembic_version"} <= tables


def test_query_rows_round_trip_in_order(storage):
    now = dt.datetime.now(dt.UTC)
    storage.add_queries([
        QueryLog(ref=f"r{i}", outcome="answer", entry_id="khai-sinh", raw_text=f"câu hỏi {i}",
                 normalized=f"cau hoi {i}", created_at=now + dt.timedelta(seconds=i), score=77.5)
        for i in range(5)
    ])
    rows = storage.queries()
    assert [r.ref for r in rows] == [f"r{i}" for i in range(5)]
    assert rows[0].raw_text == "câu hỏi 0" and rows[0].created_at.tzinfo is not None
    assert storage.count_queries() == 5
    assert len(storage.queries(since=now + dt.timedelta(seconds=3))) == 2


def test_user_ids_are_stored_only_as_keyed_hashes():
    key_a, key_b = b"secret-a", b"secret-b"
    assert user_key(123456789, key_a) != "123456789"
    assert user_key(123456789, key_a) == user_key(123456789, key_a)
    assert user_key(123456789, key_a) != user_key(123456789, key_b)


def test_purge_forgets_old_text_and_what_is_derived_from_it(storage):
    now = dt.datetime.now(dt.UTC)
    storage.add_queries([
        QueryLog(ref="old", outcome="answer", raw_text="cũ", normalized="cu", created_at=now - dt.timedelta(days=100)),
        QueryLog(ref="new", outcome="answer", raw_text="mới", normalized="moi", created_at=now),
    ])
    assert storage.purge_raw_text(older_than=now - dt.timedelta(days=90)) == 1
    rows = {r.ref: r for r in storage.queries()}
    assert rows["old"].raw_text is None and rows["old"].normalized == ""
    assert rows["old"].outcome == "answer"  # statistics stay
    assert rows["new"].raw_text == "mới" and rows["new"].normalized == "moi"


def test_review_actions_teach_and_undo(storage):
    action = storage.record_action(
        admin_id=8_000_000_001, action="assign", entry_id="ho-chieu", normalized="giay thong hanh",
        refs=["a", "b"], aliases=[("giấy thông hành", "giay thong hanh")],
    )
    assert storage.learned_aliases() == {"giấy thông hành": "ho-chieu"}
    assert storage.reviewed_refs() == {"a", "b"}
    undone, aliases = storage.undo_action(action_id=action.id)
    assert undone.undone_at is not None and [a.text for a in aliases] == ["giấy thông hành"]
    assert storage.learned_aliases() == {} and storage.reviewed_refs() == set()
    assert storage.undo_action(action_id=action.id) is None


def test_feedback_and_chosen_suggestion(storage):
    storage.add_queries([QueryLog(ref="q1", outcome="suggest")])
    storage.mark_chosen(ref="q1", entry_id="tam-tru")
    storage.add_feedback(ref="q1", user_key="k", value=-1)
    assert storage.queries()[0].chosen_entry_id == "tam-tru"
    assert [f.value for f in storage.feedback()] == [-1]
