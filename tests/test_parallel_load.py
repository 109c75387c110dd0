"""A large base is loaded and indexed on every core: the result is the same as in one process,
and so are the problems of a broken base. The thresholds are lowered here so that the small
bases of the tests take the parallel path too."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

import knowledge.loader as loader
import knowledge.matcher as matcher_module
from knowledge import KnowledgeError, Matcher, load_knowledge
from knowledge.cache import load_indexed, wait_for_cache
from knowledge.parallel import map_ordered, workers
from tests.conftest import FIXTURE_KB, REAL_KB

needs_fork = pytest.mark.skipif(workers() < 2, reason="one core, or forking is not safe here")


def _index(matcher: Matcher) -> tuple:
    postings = {t: p.tolist() if hasattr(p, "tolist") else p for t, p in matcher._postings.items()}
    return (matcher._texts, matcher._exact, matcher._exact_tied, matcher._facts, postings, matcher._syllables)


@pytest.fixture
def everywhere(monkeypatch):
    """Every base is large enough to be read by worker processes."""
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(matcher_module, "PARALLEL_TEXTS", 0)


def test_results_come_back_in_order_from_workers_or_from_here():
    items = list(range(1000))
    assert list(map_ordered(lambda n: n * n, items)) == [n * n for n in items]
    assert list(map_ordered(lambda n: n * n, items, parallel=False)) == [n * n for n in items]


def test_beside_running_threads_the_work_stays_in_this_process():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert workers() == 1
        assert list(map_ordered(str, [1, 2, 3])) == ["1", "2", "3"]
    finally:
        stop.set()
        thread.join()


@needs_fork
def test_the_shipped_base_loads_and_indexes_the_same_on_every_core(everywhere, monkeypatch):
    kb, readings = loader.load_and_read(REAL_KB, Matcher.reader)
    parallel = Matcher(kb, readings=readings)
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 1 << 60)
    monkeypatch.setattr(matcher_module, "PARALLEL_TEXTS", 1 << 60)
    serial_kb = load_knowledge(REAL_KB)
    serial = Matcher(serial_kb)
    assert list(kb.entries) == list(serial_kb.entries)
    assert all(kb.entries[i] == serial_kb.entries[i] for i in serial_kb.entries)
    assert kb.words == serial_kb.words
    assert _index(parallel) == _index(serial)
    question = "lam lai cccd bi mat o dau"
    assert parallel.match(question).entry.id == serial.match(question).entry.id


@needs_fork
def test_a_matcher_reads_what_the_loader_did_not(everywhere):
    kb, readings = loader.load_and_read(FIXTURE_KB, Matcher.reader)
    some = dict(list(readings.items())[: len(readings) // 2])
    assert _index(Matcher(kb, readings=some)) == _index(Matcher(kb))


@needs_fork
def test_a_broken_base_read_by_workers_names_the_same_problems(everywhere, tmp_path, monkeypatch):
    root = tmp_path / "data"
    shutil.copytree(FIXTURE_KB, root)
    text = (root / "procedures.yaml").read_text(encoding="utf-8")
    text = text.replace("  - id: ho-chieu", "  - id: khai-sinh").replace("    agency: Công an cấp xã nơi tạm trú\n", "")
    (root / "procedures.yaml").write_text(text, encoding="utf-8")
    (root / "facts.yaml").write_text(
        (FIXTURE_KB / "facts.yaml").read_text(encoding="utf-8").replace("      - an giang papi 2011", "      - AN GIANG PAPI 2014"),
        encoding="utf-8",
    )
    (root / "broken.yaml").write_text("procedures:\n  - id: [unclosed\n", encoding="utf-8")

    def problems() -> list[str]:
        with pytest.raises(KnowledgeError) as caught:
            load_knowledge(root)
        return sorted(str(p) for p in caught.value.problems)

    in_workers = problems()
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 1 << 60)
    assert in_workers == problems()
    assert any("duplicate id" in p for p in in_workers)
    assert any("tam-tru: missing field 'agency'" in p for p in in_workers)
    assert any("also an alias of" in p for p in in_workers)
    assert any(p.startswith("data/broken.yaml:2:") for p in in_workers)


def test_a_first_start_answers_while_its_cache_is_written_and_the_next_start_reads_it(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(FIXTURE_KB, root)
    cache = tmp_path / "cache"
    kb, matcher = load_indexed(root, cache, write_behind=True)
    assert matcher.match("làm hộ chiếu").entry.id == "ho-chieu"
    wait_for_cache()
    assert sorted(p.suffix for p in cache.iterdir()) == [".entries", ".pickle"]
    later_kb, later = load_indexed(root, cache)
    assert type(later_kb.entries).__name__ == "DiskEntries"
    assert later.match("làm hộ chiếu").entry.id == "ho-chieu"
    assert later_kb.counts() == kb.counts()


def test_a_cache_that_cannot_be_written_behind_still_leaves_a_working_start(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(FIXTURE_KB, root)
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    kb, matcher = load_indexed(root, blocked, write_behind=True)
    wait_for_cache()
    assert matcher.match("làm hộ chiếu").entry.id == "ho-chieu"
    assert Path(blocked).is_file()
