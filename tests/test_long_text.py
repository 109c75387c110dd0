"""Telegram counts 4,096 in UTF-16 code units: emoji-heavy texts are cut by that count; callback
data with digits from other scripts is refused politely."""

from __future__ import annotations

from bot import texts
from bot.render import MAX_MESSAGE, cut_utf16, split_message, utf16_len
from tests.harness import ADMIN_ID, running_bot


def test_split_counts_utf16_units():
    text = "\n".join("😀" * 300 for _ in range(20))  # 6,000 characters, 12,000 units
    parts = split_message(text)
    assert len(parts) > 2
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert cut_utf16("a😀b", 2) == "a" and cut_utf16("a😀b", 3) == "a😀"


async def test_an_emoji_heavy_review_group_opens(tmp_path):
    async with running_bot(tmp_path) as bot:
        for n in range(20):
            await bot.ask(6000 + n, "😀" * 190 + " giấy phép nuôi rồng")
        await bot.flush()
        [queue] = await bot.ask(ADMIN_ID, "/review")
        group = queue["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await bot.tap(ADMIN_ID, queue, group)
        shown = bot.api.messages[(ADMIN_ID, queue["message"]["message_id"])]
        assert "😀" in shown["text"]
        assert bot.api.refused == []


async def test_callback_data_with_other_digits_gets_the_stale_button_answer(tmp_path):
    async with running_bot(tmp_path) as bot:
        [reply] = await bot.ask(6100, "đăng ký tạm trú")
        for data in ("x:²", "x:٣", "b:t:²:0", "a:u:²"):
            await bot.tap(6100, reply, data)
        answers = [c["params"].get("text") for c in bot.api.calls_of("answerCallbackQuery")]
        assert answers[-4:] == [texts.STALE_BUTTON] * 4
        assert bot.api.refused == []
