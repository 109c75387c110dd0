"""Admin review end to end: unanswered questions become knowledge, with stats, exports and reload."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from bot import texts
from bot.storage import QueryLog
from tests.harness import ADMIN_ID, running_bot
from tests.harness import button as _button
from tests.harness import buttons as _buttons

USER = 2002
UNKNOWN = "sổ đi nước ngoài"  # the national catalogue answers "giấy thông hành"
REAL_KB = Path(__file__).resolve().parent.parent / "knowledge" / "data"


@pytest.fixture
async def bot(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(REAL_KB, kb)
    async with running_bot(tmp_path, KNOWLEDGE_DIR=str(kb)) as running:
        running.kb_dir = kb
        yield running
        assert running.api.refused == [], running.api.refused


async def test_non_admin_gets_nothing(bot):
    for command in ("/review", "/stats", "/export", "/reload", "/undo"):
        [reply] = await bot.ask(USER, command)
        assert reply["text"] == texts.UNKNOWN_COMMAND
    [reply] = await bot.ask(USER, "đăng ký tạm trú")
    await bot.tap(USER, reply, "a:p:0")
    assert bot.api.calls_of("answerCallbackQuery")[-1]["params"].get("text") == texts.STALE_BUTTON
    assert all(m["kind"] == "text" for m in bot.api.messages_in(USER))
    public = {c["command"] for c in bot.api.commands_for(None)}
    assert not public & set(texts.ADMIN_COMMANDS)


async def test_admin_menu_is_per_admin(bot):
    await bot.ask(ADMIN_ID, "/help")
    scoped = bot.api.commands_for({"type": "chat", "chat_id": ADMIN_ID})
    assert set(texts.ADMIN_COMMANDS) <= {c["command"] for c in scoped}


async def test_full_review_loop_assign_then_undo(bot):
    # a citizen asks something the base does not know, twice in similar words
    [first] = await bot.ask(USER, UNKNOWN)
    assert not first["text"].startswith("📋")  # not answered (not found, or only suggestions)
    await bot.ask(USER + 1, UNKNOWN + " ạ")
    await bot.flush()

    # the admin sees one group of two questions
    [queue] = await bot.ask(ADMIN_ID, "/review")
    assert "2 lần" in queue["text"]
    group_button = _buttons(queue)[0]
    await bot.tap(ADMIN_ID, queue, group_button["callback_data"])
    group = bot.api.messages[(ADMIN_ID, queue["message"]["message_id"])]
    assert UNKNOWN in group["text"]

    # "Gán vào mục…": type part of the entry name, tap it
    mark = bot.api.mark()
    await bot.tap(ADMIN_ID, group, _button(group, texts.ASSIGN)["callback_data"])
    assert bot.api.sent_after(mark, ADMIN_ID)[0]["text"].startswith("Gõ một phần tên mục")
    [choices] = await bot.ask(ADMIN_ID, "hộ chiếu")
    target = _button(choices, "hộ chiếu")
    await bot.tap(ADMIN_ID, choices, target["callback_data"])
    done = bot.api.messages[(ADMIN_ID, choices["message"]["message_id"])]
    assert done["text"].startswith("✅ Đã gán")

    # the same question is answered right away
    [again] = await bot.ask(USER, UNKNOWN)
    assert again["text"].startswith("📋 Cấp hộ chiếu phổ thông")
    [queue] = await bot.ask(ADMIN_ID, "/review")
    assert queue["text"] == texts.REVIEW_EMPTY or UNKNOWN not in queue["text"]
    assert bot.assistant.storage.learned_aliases()

    # undo restores the previous behaviour
    await bot.tap(ADMIN_ID, done, _button(done, texts.UNDO)["callback_data"])
    [after] = await bot.ask(USER, UNKNOWN)
    assert after["text"] == first["text"]
    assert bot.assistant.storage.learned_aliases() == {}


async def test_dismiss_and_undo_command(bot):
    await bot.ask(USER, "xin phép thả diều trên phố")
    await bot.flush()
    [queue] = await bot.ask(ADMIN_ID, "/review")
    await bot.tap(ADMIN_ID, queue, _buttons(queue)[0]["callback_data"])
    group = bot.api.messages[(ADMIN_ID, queue["message"]["message_id"])]
    await bot.tap(ADMIN_ID, group, _button(group, texts.DISMISS)["callback_data"])
    [queue] = await bot.ask(ADMIN_ID, "/review")
    assert queue["text"] == texts.REVIEW_EMPTY
    [undone] = await bot.ask(ADMIN_ID, "/undo")
    assert undone["text"].startswith("↩️ Đã hoàn tác")
    [queue] = await bot.ask(ADMIN_ID, "/review")
    assert "thả diều" in queue["text"]
    [actions] = [bot.assistant.storage.actions(include_undone=True)]
    assert actions[0].admin_id == ADMIN_ID and actions[0].undone_at is not None


async def test_reload_with_broken_file_keeps_old_base(bot):
    broken = bot.kb_dir / "procedures" / "broken.yaml"
    broken.write_text("procedures:\n  - id: Bad_Id\n    title: x\n", encoding="utf-8")
    [reply] = await bot.ask(ADMIN_ID, "/reload")
    assert reply["text"].startswith("❌")
    assert "procedures/broken.yaml:2: Bad_Id" in reply["text"]
    [answer] = await bot.ask(USER, "đăng ký tạm trú")
    assert answer["text"].startswith("📋 Đăng ký tạm trú")
    broken.unlink()
    [reply] = await bot.ask(ADMIN_ID, "/reload")
    assert reply["text"].startswith("✅ Đã nạp lại: 2660 thủ tục")  # 35 curated + 2,625 national


async def test_stats_sends_numbers_and_a_chart(bot):
    storage = bot.assistant.storage
    now = dt.datetime.now(dt.UTC)
    rows = [("answer", "khai-sinh")] * 6 + [("suggest", None)] * 2 + [("not_found", None)] * 2
    storage.add_queries([
        QueryLog(ref=f"r{i}", outcome=o, entry_id=e, normalized=f"cau hoi {i}",
                 created_at=now - dt.timedelta(days=i % 3))
        for i, (o, e) in enumerate(rows)
    ])
    storage.add_queries([QueryLog(ref="old", outcome="answer", entry_id="ho-chieu",
                                  created_at=now - dt.timedelta(days=40))])
    storage.add_feedback(ref="r0", user_key="k", value=1)
    storage.add_feedback(ref="r1", user_key="k", value=-1)
    replies = await bot.ask(ADMIN_ID, "/stats 7", n=2)
    text = replies[0]["text"]
    assert "Câu hỏi: 10" in text
    assert "Trả lời: 60%" in text and "Gợi ý: 20%" in text and "Không tìm thấy: 20%" in text
    assert "👍 1 · 👎 1" in text and "Đăng ký khai sinh: 6" in text
    photo = replies[1]
    assert photo["kind"] == "photo" and photo["file_bytes"].startswith(b"\x89PNG")


async def test_export_sends_a_csv_matching_the_log(bot):
    for question in ("đăng ký tạm trú", "giá vàng", "lệ phí hộ chiếu"):
        await bot.ask(USER, question)
    replies = await bot.ask(ADMIN_ID, "/export 7")
    document = replies[0]
    assert document["kind"] == "document" and document["filename"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(document["file_bytes"].decode("utf-8-sig"))))
    assert [r["raw_text"] for r in rows] == ["đăng ký tạm trú", "giá vàng", "lệ phí hộ chiếu"]
    logged = bot.assistant.storage.queries()
    assert [r["outcome"] for r in rows] == [q.outcome for q in logged]
    assert [r["entry_id"] for r in rows] == [q.entry_id or "" for q in logged]
    assert rows[0]["outcome"] == "answer" and rows[0]["entry_id"] == "tam-tru"
    assert all(str(USER) not in r["user_key"] and r["user_key"] for r in rows)
