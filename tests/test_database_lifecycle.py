"""The database's life around the bot: instances migrating together, a server away at start,
a SQLite file deleted while the bot runs."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.journal import UpdateJournal  # noqa: F401  (its table is part of the schema)
from bot.storage import SQLModel, Storage
from tests.harness import running_bot

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("DATABASE_URL_TEST")
MIGRATE = "import sys; from bot.storage import migrate; migrate(sys.argv[1])"


def _migrate_together(url: str, n: int = 3) -> list[int]:
    processes = [
        subprocess.Popen([sys.executable, "-c", MIGRATE, url], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(n)
    ]
    codes = []
    for process in processes:
        out, _ = process.communicate(timeout=120)
        codes.append(process.returncode)
        assert process.returncode == 0, out.decode()[-2000:]
    return codes


def test_instances_starting_together_on_a_fresh_sqlite_database_all_start(tmp_path):
    for attempt in range(2):
        url = f"sqlite:///{tmp_path}/fresh{attempt}.db"
        assert _migrate_together(url) == [0, 0, 0]
        with sqlite3.connect(tmp_path / f"fresh{attempt}.db") as connection:
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"query_log", "update_journal", "alembic_version"} <= tables


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (DATABASE_URL_TEST)")
def test_instances_starting_together_on_a_fresh_postgresql_database_all_start():
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    assert _migrate_together(PG_URL) == [0, 0, 0]


async def test_the_bot_starts_and_answers_while_postgresql_is_down(tmp_path):
    down = "postgresql+psycopg://troly:troly@127.0.0.1:9/nowhere"  # nothing listens on port 9
    async with running_bot(tmp_path, down) as bot:
        [reply] = await bot.ask(7100, "lệ phí làm hộ chiếu")
        assert reply["text"].startswith("📋 Cấp hộ chiếu phổ thông")
        assert bot.assistant.logger.pending == 0 or bot.assistant.logger.pending == 1
        assert not bot.assistant.storage.migrated


async def test_a_deleted_database_file_is_noticed_created_again_and_migrated(tmp_path, caplog):
    async with running_bot(tmp_path) as bot:
        await bot.ask(7200, "đăng ký tạm trú")
        await bot.flush()
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"bot.db{suffix}").unlink(missing_ok=True)
        await bot.ask(7201, "lệ phí làm hộ chiếu")
        await bot.flush()
        assert "was deleted or replaced" in caplog.text
        with sqlite3.connect(tmp_path / "bot.db") as connection:
            rows = connection.execute("SELECT outcome FROM query_log").fetchall()
        assert rows == [("answer",)]  # the question asked after the deletion is kept


class _Switch:
    """A TCP relay to PostgreSQL that can be down (connections closed at once) or up."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.up, self.server = target, False, None

    async def _relay(self, reader, writer) -> None:
        if not self.up:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return

        async def pipe(src, dst) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (DATABASE_URL_TEST)")
async def test_questions_asked_while_postgresql_is_down_are_logged_when_it_is_back(tmp_path):
    url = make_url(PG_URL)
    Storage(PG_URL).delete_all()
    switch = _Switch((url.host or "127.0.0.1", url.port or 5432))
    port = await switch.start()
    relayed = url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    async with running_bot(tmp_path, relayed) as bot:
        for n in range(3):
            [reply] = await bot.ask(7300 + n, "đăng ký tạm trú")
            assert reply["text"].startswith("📋 Đăng ký tạm trú")
        await bot.flush()
        assert bot.assistant.logger.pending == 3 and not bot.assistant.storage.migrated
        switch.up = True
        await asyncio.to_thread(bot.assistant.storage.ensure_schema)  # what the flush job does
        await bot.flush()
        assert bot.assistant.logger.pending == 0
        # through the relay, which runs on this loop: never block the loop on it
        assert len(await asyncio.to_thread(bot.assistant.storage.queries)) == 3
    switch.server.close()
