"""Review, stats and exports from the database: groups stored at logging time, SQL aggregation,
paging, streamed and split exports, learned aliases read incrementally, serialised reloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import threading
import time
import zipfile
from pathlib import Path

import pytest

from bot import admin_state, learned, review
from bot.grouping import group_key
from bot.stats import compute_stats, export_csv, export_zip
from bot.storage import Storage
from knowledge import Matcher, load_knowledge

REAL_KB = Path(__file__).resolve().parent.parent / "knowledge" / "data"




@pytest.fixture
def storage(database_url):
    """The same queries on SQLite and, when it is configured, PostgreSQL (migrated by Alembic)."""
    store = Storage(database_url)
    store.delete_all()
    yield store
    store.delete_all()
    store.close()


def _rows(storage: Storage, items: list[tuple[str, str, str]], **extra) -> None:
    """(outcome, raw text, normalised text) rows, logged in order."""
    now = dt.datetime.now(dt.UTC)
    start = storage.count_queries()
    storage.add_queries([
        {"ref": f"q{start + i}", "outcome": outcome, "raw_text": raw, "normalized": norm,
         "created_at": now - dt.timedelta(seconds=len(items) - i), **extra}
        for i, (outcome, raw, norm) in enumerate(items)
    ])


def test_group_key_is_stored_when_a_question_is_logged(storage):
    _rows(storage, [("not_found", "giá vàng hôm nay", "gia vang hom nay"),
                    ("not_found", "hôm nay giá vàng", "hom nay gia vang"),
                    ("answer", "khai sinh", "khai sinh")])
    keys = [row.group_key for row in storage.queries()]
    assert keys[0] == keys[1] == group_key("gia vang hom nay") != keys[2]
    assert group_key("") == ""


def test_review_pages_busiest_first_with_totals(storage):
    _rows(storage, [("not_found", f"cau hoi so {n}", f"cau hoi so {n}") for n in range(12)
                    for _ in range(n % 3 + 1)])
    first = review.review_page(storage, 0, per_page=5)
    assert (first.total_groups, first.pages) == (12, 3)
    assert first.total_questions == sum(n % 3 + 1 for n in range(12))
    assert [g.count for g in first.groups] == [3, 3, 3, 3, 2]
    last = review.review_page(storage, 9, per_page=5)  # past the end: the last page
    assert last.page == 2 and len(last.groups) == 2


def test_an_action_covers_rows_up_to_what_the_admin_saw(storage):
    _rows(storage, [("not_found", "gia vang", "gia vang")] * 3)
    group = review.open_group(storage, group_key("gia vang"))
    review.dismiss(storage, group, admin_id=1)
    assert review.review_page(storage).groups == []
    _rows(storage, [("not_found", "gia vang", "gia vang")])  # asked again later: back in review
    [again] = review.review_page(storage).groups
    assert again.count == 1
    storage.undo_action(action_id=storage.latest_action().id)
    assert review.review_page(storage).groups[0].count == 4


def test_assign_teaches_only_the_questions_shown(storage):
    # 20 different ways of typing the same words: the group shows 15, so assigning teaches 15
    variants = [f"gia vang{'!' * n}" for n in range(20)]
    _rows(storage, [("not_found", text, "gia vang") for text in variants])
    group = review.open_group(storage, group_key("gia vang"))
    assert len(group.texts) == review.SHOWN_TEXTS == 15
    assert sum(n for _, n in group.texts) == 15 and group.count == 20
    review.assign(storage, group, "ho-chieu", admin_id=1, normalise=str.strip)
    assert sorted(storage.learned_aliases()) == sorted(group.shown_texts)
    assert not set(variants[:5]) & set(storage.learned_aliases())  # the oldest five were not shown


def test_a_group_shows_what_the_bot_had_suggested(storage):
    _rows(storage, [("suggest", "so do", "so do")] * 2, suggestions="dat-dai,bien-dong")
    group = review.open_group(storage, group_key("so do"))
    assert group.suggested == [("dat-dai", 2), ("bien-dong", 2)]
    assert group.reasons == {"suggest"}


def test_stats_aggregate_in_sql_and_count_unanswered_like_review(storage):
    _rows(storage, [("answer", "khai sinh", "khai sinh")] * 6
          + [("not_found", "Thời tiết HN hôm nay", "thoi tiet hn hom nay")]
          + [("suggest", "thời tiết hn hôm nay?", "thoi tiet hn hom nay")])
    stats = compute_stats(storage, 7)
    assert stats.total == 8 and stats.outcomes["answer"] == 6
    [(text, count)] = stats.top_unanswered
    [group] = review.review_page(storage).groups
    assert count == group.count == 2  # the same count as /review
    assert text == group.text == "thời tiết hn hôm nay?"  # what was typed, not a normalised key
    assert sum(day["answer"] for day in stats.daily.values()) == 6


def test_csv_export_neutralises_formulas(storage):
    hostile = ["=HYPERLINK(\"http://x\",\"bấm\")", "@SUM(A1:A2)", "+1+1", "-2+3", "\tx", "\rx", "bình thường"]
    _rows(storage, [("not_found", text, "x") for text in hostile])
    rows = list(csv.DictReader(io.StringIO(export_csv(storage).decode("utf-8-sig"))))
    cells = [r["raw_text"] for r in rows]
    assert cells[:6] == ["'" + text for text in hostile[:6]]
    assert cells[6] == "bình thường"


def test_export_streams_into_zip_parts_under_the_limit(storage, tmp_path):
    noise = random.Random(14)
    _rows(storage, [("not_found", f"câu hỏi {noise.getrandbits(128):x}", f"cau hoi {n}") for n in range(12_000)])
    files, count = export_zip(storage, tmp_path, "nhat-ky", part_bytes=300_000)
    assert count == 12_000 and len(files) > 1
    assert all(f.stat().st_size < 300_000 for f in files)
    seen = []
    for path in files:
        with zipfile.ZipFile(path) as archive:
            [name] = archive.namelist()
            seen += list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
    assert [r["normalized"] for r in seen] == [f"cau hoi {n}" for n in range(12_000)]


def test_pending_assignment_is_seen_by_another_instance(tmp_path):
    url = f"sqlite:///{tmp_path}/shared.db"
    first, second = Storage(url), Storage(url)
    admin_state.set_pending(first.engine, 4242, "abc", 17)
    assert admin_state.get_pending(second.engine, 4242) == ("abc", 17)
    assert admin_state.clear_pending(second.engine, 4242)
    assert admin_state.get_pending(first.engine, 4242) is None
    first.close()
    second.close()


def test_learned_alias_sync_reads_only_new_rows(storage):
    storage.record_action(admin_id=1, action="assign", entry_id="ho-chieu", normalized="",
                          refs=(), aliases=[("gia vang", "gia vang")])
    taught, cursor = learned.start(storage)
    assert taught == {"gia vang": "ho-chieu"}
    added, removed, cursor = learned.changes(storage, cursor)
    assert (added, removed) == ({}, set())  # nothing new: nothing read again
    action = storage.record_action(admin_id=1, action="assign", entry_id="khai-sinh", normalized="",
                                   refs=(), aliases=[("con moi de", "con moi de")])
    added, removed, cursor = learned.changes(storage, cursor)
    assert added == {"con moi de": "khai-sinh"} and removed == set()
    storage.undo_action(action_id=action.id)
    added, removed, cursor = learned.changes(storage, cursor)
    assert added == {} and removed == {("khai-sinh", "con moi de")}


def test_many_learned_aliases_build_the_index_once(monkeypatch):
    kb = load_knowledge(REAL_KB)
    matcher = Matcher(kb)
    ids = list(kb.entries)
    pairs = [(ids[n % len(ids)], f"cau hoi hoc duoc so {n}") for n in range(600)]
    builds = []
    original = Matcher._build_index
    monkeypatch.setattr(Matcher, "_build_index", lambda self: builds.append(1) or original(self))
    reindexed = []
    original_reindex = Matcher._reindex_entry
    monkeypatch.setattr(Matcher, "_reindex_entry",
                        lambda self, *a: reindexed.append(1) or original_reindex(self, *a))
    assert matcher.add_aliases(pairs) == 600
    assert len(reindexed) <= len(ids) and len(builds) <= 1  # never once per alias
    assert matcher.match("cau hoi hoc duoc so 7").entry.id == ids[7 % len(ids)]


def test_undo_does_not_reanalyse_every_learned_text():
    kb = load_knowledge(REAL_KB)
    matcher = Matcher(kb)
    matcher.add_aliases([("ho-chieu", f"cau hoi hoc duoc so {n}") for n in range(300)])
    calls = []
    analyse = matcher.analyse
    matcher.analyse = lambda text: calls.append(text) or analyse(text)
    matcher.remove_alias("ho-chieu", "cau hoi hoc duoc so 5")
    assert len(calls) <= 1
    assert "cau hoi hoc duoc so 5" not in matcher.learned_texts()


def test_reloads_are_serialised_and_the_last_request_wins(tmp_path, monkeypatch):
    import shutil

    from bot.assistant import Assistant
    from bot.config import load_settings

    kb_dir = tmp_path / "kb"
    shutil.copytree(REAL_KB, kb_dir)
    settings = load_settings(Path("/nonexistent"), env={"DATABASE_URL": "sqlite://",
                                                         "KNOWLEDGE_DIR": str(kb_dir)})
    settings.cache_dir = None
    assistant = Assistant.create(settings)
    import bot.assistant as module

    real = module.load_indexed
    started = threading.Event()
    slow_first = []

    def load(root, cache_dir, *rest):
        if not slow_first:
            slow_first.append(1)
            snapshot = real(root, cache_dir, *rest)  # the files as they were at the first request
            started.set()
            time.sleep(0.5)
            return snapshot
        return real(root, cache_dir, *rest)

    monkeypatch.setattr(module, "load_indexed", load)
    first = threading.Thread(target=assistant.reload)
    first.start()
    started.wait(10)
    (kb_dir / "procedures" / "chung.yaml").unlink()  # removed after the first request
    assistant.reload()  # the later request
    first.join(10)
    assert "chung.yaml" not in " ".join(assistant.kb.files)


def test_answers_that_got_a_thumbs_down_are_reviewed_with_what_was_answered(storage):
    _rows(storage, [("answer", "ho chieu gap", "ho chieu gap")] * 3, entry_id="ho-chieu")
    refs = [row.ref for row in storage.queries()]
    storage.add_feedback(ref=refs[0], user_key="a", value=-1)
    storage.add_feedback(ref=refs[0], user_key="b", value=-1)  # two 👎 on one answer: one question
    storage.add_feedback(ref=refs[1], user_key="a", value=1)
    [group] = review.review_page(storage).groups
    assert (group.count, group.reasons) == (1, {"disliked"})
    detail = review.open_group(storage, group.key)
    assert detail.answered == [("ho-chieu", 1)]
