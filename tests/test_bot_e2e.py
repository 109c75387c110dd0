"""The bot end to end: the real Application against the local Bot API stand-in.

Every test ends by checking that Telegram (the stand-in) refused nothing the bot sent.
"""

from __future__ import annotations

import json

import pytest

from bot import texts
from bot.storage import QueryLog
from tests.harness import Bot, running_bot
from tests.harness import button as _button
from tests.harness import buttons as _buttons

USER = 1001


@pytest.fixture
async def bot(tmp_path):
    async with running_bot(tmp_path) as running:
        yield running
        assert running.api.refused == [], running.api.refused


async def _rows(bot: Bot) -> list[QueryLog]:
    await bot.flush()
    return bot.assistant.storage.queries()


async def test_start_greets_with_examples_and_registers_commands(bot):
    [reply] = await bot.ask(USER, "/start")
    assert "Trợ lý TTHC" in reply["text"]
    assert len(_buttons(reply)) == len(texts.EXAMPLES)
    commands = bot.api.commands_for(None)
    assert {c["command"] for c in commands} == set(texts.COMMANDS)


async def test_example_button_asks_the_example(bot):
    [greeting] = await bot.ask(USER, "/start")
    mark = bot.api.mark()
    await bot.tap(USER, greeting, _buttons(greeting)[1]["callback_data"])
    await bot.api.wait_until(lambda: bot.api.sent_after(mark, USER))
    assert "Cấp hộ chiếu phổ thông" in bot.api.sent_after(mark, USER)[0]["text"]


async def test_deep_link_opens_the_entry(bot):
    [reply] = await bot.ask(USER, "/start khai-sinh")
    assert reply["text"].startswith("📋 Đăng ký khai sinh")
    [unknown] = await bot.ask(USER, "/start khong-co-muc-nay")
    assert unknown["text"] == texts.UNKNOWN_ENTRY


async def test_help(bot):
    [reply] = await bot.ask(USER, "/help")
    assert "@trolytthc_bot" in reply["text"]


async def test_question_gets_a_short_answer_with_sections_and_is_logged(bot):
    [reply] = await bot.ask(USER, "đăng ký tạm trú")
    assert reply["text"].startswith("📋 Đăng ký tạm trú")
    assert len(reply["text"]) < 4096
    assert "dichvucong.gov.vn" in reply["text"]
    labels = [b["text"] for b in _buttons(reply)]
    for section in ("Hồ sơ", "Thời hạn", "Lệ phí", "Nơi nộp", "Căn cứ pháp lý", "👍", "👎"):
        assert section in labels
    assert all(len(b["callback_data"].encode()) <= 64 for b in _buttons(reply))
    [row] = await _rows(bot)
    assert (row.outcome, row.entry_id, row.chat_type) == ("answer", "tam-tru", "private")
    assert row.raw_text == "đăng ký tạm trú" and row.normalized
    assert row.user_key and str(USER) not in row.user_key
    assert row.latency_ms >= 0


async def test_field_question_leads_with_the_field(bot):
    [reply] = await bot.ask(USER, "lệ phí làm hộ chiếu bao nhiêu")
    lines = reply["text"].split("\n")
    assert lines[0] == "📋 Cấp hộ chiếu phổ thông"
    assert lines[2] == "💰 Phí, lệ phí"
    assert "Lệ phí" not in [b["text"] for b in _buttons(reply)]  # already shown
    [row] = await _rows(bot)
    assert row.field == "fee"


async def test_section_buttons_edit_the_message_in_place(bot):
    [reply] = await bot.ask(USER, "đăng ký kết hôn")
    key = (USER, reply["message"]["message_id"])
    await bot.tap(USER, reply, _button(reply, "Căn cứ pháp lý")["callback_data"])
    edited = bot.api.messages[key]
    assert "⚖️ Căn cứ pháp lý" in edited["text"] and "Luật Hộ tịch" in edited["text"]
    await bot.tap(USER, edited, _button(edited, "Hồ sơ")["callback_data"])
    assert "📄 Hồ sơ cần chuẩn bị" in bot.api.messages[key]["text"]
    assert len(bot.api.messages_in(USER)) == 1  # edited, not sent again


async def test_a_question_several_entries_fit_gets_one_clarifying_question(bot):
    [reply] = await bot.ask(USER, "chứng thực")
    assert reply["text"] == texts.CLARIFY
    suggestions = _buttons(reply)
    assert 1 <= len(suggestions) <= 3
    await bot.tap(USER, reply, suggestions[0]["callback_data"])
    opened = bot.api.messages[(USER, reply["message"]["message_id"])]
    assert opened["text"].startswith("📋 ")
    [row] = await _rows(bot)
    assert row.outcome == "clarify" and row.chosen_entry_id


async def test_not_found_is_honest_offers_browsing_and_is_kept(bot):
    [reply] = await bot.ask(USER, "thời tiết hà nội mai thế nào")
    assert reply["text"].startswith("Xin lỗi, tôi chưa có thông tin")
    assert any("thutuc" in b["text"].lower() or "Danh mục" in b["text"] for b in _buttons(reply))
    [row] = await _rows(bot)
    assert row.outcome == "not_found" and row.entry_id is None


async def test_browse_procedures_pages_and_opens(bot):
    [reply] = await bot.ask(USER, "/thutuc")
    domains = _buttons(reply)
    assert domains and all(len(b["callback_data"].encode()) <= 64 for b in domains)
    key = (USER, reply["message"]["message_id"])
    await bot.tap(USER, reply, domains[0]["callback_data"])
    listing = bot.api.messages[key]
    entries = [b for b in _buttons(listing) if b["callback_data"].startswith("e:")]
    assert entries
    mark = bot.api.mark()
    await bot.tap(USER, listing, entries[0]["callback_data"])
    await bot.api.wait_until(lambda: bot.api.sent_after(mark, USER))
    assert bot.api.sent_after(mark, USER)[0]["text"].startswith("📋 ")
    back = _button(bot.api.messages[key], "Quay lại")
    await bot.tap(USER, bot.api.messages[key], back["callback_data"])
    assert bot.api.messages[key]["text"] == reply["text"]


async def test_browse_reform_facts_pages(bot):
    [reply] = await bot.ask(USER, "/chitieu")
    places = _buttons(reply)
    assert any("An Giang" in b["text"] for b in places)
    key = (USER, reply["message"]["message_id"])
    next_page = [b for b in places if b["text"] == texts.NEXT]
    if next_page:
        await bot.tap(USER, reply, next_page[0]["callback_data"])
        assert bot.api.messages[key]["text"] == reply["text"]
        assert _buttons(bot.api.messages[key]) != places
    an_giang_reply = bot.api.messages[key]
    await bot.tap(USER, reply, _button(reply, "An Giang")["callback_data"])
    facts = [b for b in _buttons(bot.api.messages[key]) if b["callback_data"].startswith("e:")]
    assert facts, an_giang_reply


async def test_inline_query_returns_up_to_ten_articles(bot):
    update = bot.api.inline_query(USER, "khai sinh")
    query_id = update["inline_query"]["id"]
    await bot.api.wait_until(lambda: query_id in bot.api.inline_answers)
    results = bot.api.inline_answers[query_id]["results"]
    assert 1 <= len(results) <= 10
    assert results[0]["id"] == "khai-sinh"
    assert results[0]["input_message_content"]["message_text"]


async def test_feedback_is_stored(bot):
    [reply] = await bot.ask(USER, "đăng ký thường trú")
    await bot.tap(USER, reply, _button(reply, "👎")["callback_data"])
    await bot.api.wait_until(lambda: bot.assistant.storage.feedback())
    [fb] = bot.assistant.storage.feedback()
    [row] = await _rows(bot)
    assert (fb.ref, fb.value) == (row.ref, -1)
    answer = bot.api.calls_of("answerCallbackQuery")[-1]["params"]
    assert answer.get("text") == texts.THANKS_DOWN


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location"])
async def test_non_text_gets_a_hint_to_type(bot, kind):
    mark = bot.api.mark()
    getattr(bot.api, kind)(USER)
    await bot.api.wait_until(lambda: bot.api.sent_after(mark, USER))
    assert bot.api.sent_after(mark, USER)[0]["text"] == texts.NON_TEXT.replace("<i>", "").replace("</i>", "")


async def test_group_answers_only_mentions_and_commands(bot):
    group = -5005
    mark = bot.api.mark()
    bot.api.user_message(USER, "đăng ký tạm trú", chat_id=group, chat_type="group")
    bot.api.sticker(USER, chat_id=group, chat_type="group")
    await bot.api.drain()
    assert bot.api.sent_after(mark, group) == []
    replies = await bot.ask(USER, "@trolytthc_bot đăng ký tạm trú", chat_id=group, chat_type="group")
    assert replies[0]["text"].startswith("📋 Đăng ký tạm trú")
    replies = await bot.ask(USER, "/help@trolytthc_bot", chat_id=group, chat_type="group")
    assert "Cách dùng" in replies[0]["text"]
    rows = await _rows(bot)
    assert [(r.chat_type, r.entry_id) for r in rows] == [("group", "tam-tru")]


async def test_stale_or_foreign_callback_data_is_answered_politely(bot):
    [reply] = await bot.ask(USER, "đăng ký tạm trú")
    for data in ["s:hs::khong-co", "e::khong-co", "zzz", "b:t:999:0", "s:xx::tam-tru", "x:99"]:
        await bot.tap(USER, reply, data)
    assert bot.api.refused == []


async def test_every_row_has_the_documented_columns(bot):
    await bot.ask(USER, "đăng ký kết hôn")
    [row] = await _rows(bot)
    data = json.loads(row.model_dump_json())
    for column in ("created_at", "user_key", "chat_type", "raw_text", "normalized", "outcome",
                   "entry_id", "field", "score", "latency_ms"):
        assert column in data


async def test_typing_shows_while_an_answer_is_prepared(bot, monkeypatch):
    import time

    from handlers.questions import TYPING_AFTER

    monkeypatch.setattr("bot.assistant.LARGE_BASE", 0)  # match in a worker thread, as for a big base
    bot.app.bot_data[TYPING_AFTER] = 0.1
    ask = bot.assistant.ask

    def slow_ask(*args, **kwargs):  # a base so large that matching takes a noticeable moment
        time.sleep(0.5)
        return ask(*args, **kwargs)

    monkeypatch.setattr(bot.assistant, "ask", slow_ask)
    [reply] = await bot.ask(USER, "đăng ký tạm trú")
    [typing] = bot.api.calls_of("sendChatAction")
    assert typing["params"]["action"] == "typing" and typing["time"] < bot.api.calls_of("sendMessage")[-1]["time"]
    assert reply["text"].startswith("📋 Đăng ký tạm trú")
