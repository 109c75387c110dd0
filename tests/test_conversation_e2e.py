"""Conversations end to end through the Bot API stand-in: follow-ups across turns, across two
instances sharing one database, and across a restart."""

from __future__ import annotations

import contextlib

import pytest

from bot import texts
from bot.storage import QueryLog
from tests.harness import Bot, running_bot
from tests.harness import buttons as _buttons

USER = 2002


def _title(bot: Bot, entry_id: str) -> str:
    """The first line of an answer about an entry."""
    return f"📋 {bot.assistant.kb.entries[entry_id].title}"


def _clean(bot: Bot) -> None:
    assert bot.api.refused == [], bot.api.refused


async def _rows(bot: Bot) -> list[QueryLog]:
    await bot.flush()
    return bot.assistant.storage.queries()


@pytest.fixture
async def bot(tmp_path):
    async with running_bot(tmp_path) as running:
        yield running
        _clean(running)


async def test_two_turns_the_follow_up_answers_that_part(bot):
    [first] = await bot.ask(USER, "làm căn cước cần giấy tờ gì")
    assert first["text"].startswith(_title(bot, "can-cuoc"))
    [second] = await bot.ask(USER, "còn lệ phí thì sao?")
    lines = second["text"].split("\n")
    assert lines[0].startswith(_title(bot, "can-cuoc"))
    assert lines[2] == "💰 Phí, lệ phí"
    assert "📄 Hồ sơ cần chuẩn bị" not in second["text"]  # the rest is behind the buttons
    rows = await _rows(bot)
    assert [(r.entry_id, r.field) for r in rows] == [("can-cuoc", "documents"), ("can-cuoc", "fee")]


async def test_three_turns_and_a_new_topic_replaces_the_context(bot):
    await bot.ask(USER, "đăng ký khai sinh")
    [time] = await bot.ask(USER, "mất bao lâu?")
    assert time["text"].startswith(_title(bot, "khai-sinh"))
    assert "⏱ Thời hạn giải quyết" in time["text"].split("\n")[2]
    [other] = await bot.ask(USER, "làm hộ chiếu cần gì")
    assert other["text"].startswith(_title(bot, "ho-chieu"))
    [where] = await bot.ask(USER, "nộp ở đâu")
    assert where["text"].startswith(_title(bot, "ho-chieu"))
    assert "🏛 Nơi nộp" in where["text"].split("\n")[2]
    [online] = await bot.ask(USER, "làm online được không")
    assert "🌐 Cách thức nộp" in online["text"].split("\n")[2] and "Trực tuyến" in online["text"]


async def test_contexts_are_per_chat(bot):
    await bot.ask(USER, "đăng ký khai sinh")
    await bot.ask(USER + 1, "làm hộ chiếu")
    [mine] = await bot.ask(USER, "lệ phí bao nhiêu")
    [theirs] = await bot.ask(USER + 1, "lệ phí bao nhiêu")
    assert mine["text"].startswith(_title(bot, "khai-sinh"))
    assert theirs["text"].startswith(_title(bot, "ho-chieu"))


async def test_a_part_without_a_topic_asks_which_procedure_and_is_not_for_review(bot):
    [reply] = await bot.ask(USER, "mất bao lâu?")
    assert "thời hạn của thủ tục nào" in reply["text"]
    assert texts.NOT_FOUND_LOGGED not in reply["text"]


async def test_small_talk_gets_a_short_reply_and_is_logged_as_small_talk(bot):
    [thanks] = await bot.ask(USER, "cảm ơn nhé")
    assert thanks["text"] == texts.SMALLTALK["thanks"]
    [who] = await bot.ask(USER, "bạn là ai")
    assert "Trợ lý TTHC" in who["text"]
    [rude] = await bot.ask(USER, "bot ngu")
    assert rude["text"] == texts.SMALLTALK["rude"]
    rows = await _rows(bot)
    assert [r.outcome for r in rows] == ["smalltalk"] * 3
    from bot.review import review_page

    assert review_page(bot.assistant.storage).groups == []


async def test_the_refusal_goes_to_review_and_says_so(bot):
    [reply] = await bot.ask(USER, "giá vàng hôm nay bao nhiêu")
    assert texts.NOT_FOUND_LOGGED in reply["text"]
    assert "ngắn gọn hơn" not in reply["text"]
    assert "dichvucong.gov.vn" in reply["text"]


async def test_a_clarifying_answer_picked_becomes_the_context(bot):
    [question] = await bot.ask(USER, "chứng thực")
    assert question["text"] == texts.CLARIFY
    options = _buttons(question)
    await bot.tap(USER, question, options[0]["callback_data"])
    opened = bot.api.messages[(USER, question["message"]["message_id"])]
    title = opened["text"].split("\n")[0]
    [fee] = await bot.ask(USER, "lệ phí bao nhiêu")
    assert fee["text"].split("\n")[0] == title


@contextlib.asynccontextmanager
async def _two_instances(tmp_path):
    """Two bots sharing one database, as behind a load balancer; neither may be refused a call."""
    url = f"sqlite:///{tmp_path}/shared.db"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with running_bot(tmp_path / "a", url) as one, running_bot(tmp_path / "b", url) as two:
        yield one, two
        _clean(one)
        _clean(two)


async def test_follow_up_reaches_another_instance_sharing_the_database(tmp_path):
    async with _two_instances(tmp_path) as (one, two):
        [first] = await one.ask(USER, "đăng ký kết hôn")
        assert first["text"].startswith(_title(one, "ket-hon"))
        [second] = await two.ask(USER, "cần giấy tờ gì")
        assert second["text"].startswith(_title(two, "ket-hon"))
        assert "📄 Hồ sơ cần chuẩn bị" in second["text"].split("\n")[2]
        [third] = await one.ask(USER, "mất bao lâu")
        assert third["text"].startswith(_title(one, "ket-hon"))


async def test_follow_up_works_after_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path}/bot.db"
    async with running_bot(tmp_path, url) as before:
        await before.ask(USER, "đăng ký tạm trú")
        _clean(before)
    async with running_bot(tmp_path, url) as after:
        [reply] = await after.ask(USER, "còn lệ phí thì sao?")
        assert reply["text"].startswith(_title(after, "tam-tru"))
        assert reply["text"].split("\n")[2] == "💰 Phí, lệ phí"
        _clean(after)


async def test_a_national_record_found_by_its_everyday_name_takes_follow_ups_on_two_instances(tmp_path):
    async with _two_instances(tmp_path) as (one, two):
        [first] = await one.ask(USER, "rut bhxh 1 lan")
        assert first["text"].startswith(_title(one, "tthc-1-001613"))
        assert "1.001613" in first["text"]
        [second] = await two.ask(USER, "bao lâu thì nhận được tiền")
        assert second["text"].startswith(_title(two, "tthc-1-001613"))
        assert "⏱ Thời hạn giải quyết" in "\n".join(second["text"].split("\n")[:4])
        [third] = await one.ask(USER, "nộp online trên vneid được không")
        assert third["text"].startswith(_title(one, "tthc-1-001613"))
        assert "🌐 Cách thức nộp" in "\n".join(third["text"].split("\n")[:4])


async def test_a_question_the_last_answer_holds_stays_with_it(bot):
    await bot.ask(USER, "đổi bằng lái xe hết hạn")
    [reply] = await bot.ask(USER, "có cần khám sức khỏe không")
    assert reply["text"].startswith(_title(bot, "giay-phep-lai-xe"))
