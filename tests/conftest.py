"""Shared fixtures: the small real-shaped base and an in-memory database."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, Matcher, load_knowledge

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
REAL_KB = Path(__file__).resolve().parent.parent / "knowledge" / "data"
PG_URL = os.environ.get("DATABASE_URL_TEST")


@pytest.fixture(params=["sqlite-file"] + (["postgresql"] if PG_URL else []))
def database_url(request, tmp_path) -> str:
    """A database for storage tests: a SQLite file, and PostgreSQL when DATABASE_URL_TEST names one."""
    return f"sqlite:///{tmp_path}/test.db" if request.param == "sqlite-file" else PG_URL


@pytest.fixture(scope="session")
def small_kb() -> KnowledgeBase:
    """Five entries: three procedures, two reform facts."""
    return load_knowledge(FIXTURE_KB)


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    """The knowledge base the bot ships with."""
    return load_knowledge(REAL_KB)


@pytest.fixture(scope="session")
def real_matcher(real_kb: KnowledgeBase) -> Matcher:
    """A matcher over the shipped base, with the shipped thresholds."""
    from bot.config import load_settings

    m = load_settings(env={}).matching
    from knowledge import Thresholds

    return Matcher(real_kb, Thresholds(m.answer, m.suggest, m.margin))


@pytest.fixture(scope="session")
def curated_matcher() -> Matcher:
    """A matcher over the hand-written entries alone (the national catalogue left out)."""
    from bot.config import load_settings
    from knowledge import Thresholds

    m = load_settings(env={}).matching
    kb = load_knowledge(REAL_KB, national=False)
    return Matcher(kb, Thresholds(m.answer, m.suggest, m.margin))


@pytest.fixture(scope="module")
def national_base(tmp_path_factory) -> Path:
    """The small curated base plus seven real national records, imported as the bot ships them."""
    from knowledge.national.importer import import_national

    root = tmp_path_factory.mktemp("kb") / "data"
    shutil.copytree(FIXTURE_KB, root)
    import_national(Path(__file__).parent / "data" / "national-sample.jsonl", root, dt.date(2026, 7, 31))
    return root
