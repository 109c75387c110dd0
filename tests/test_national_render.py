"""Answers from national records: what a citizen reads on a phone."""

from __future__ import annotations

import pytest

from bot import render_national
from bot.render import render_entry, render_section, split_message, visible
from knowledge import load_knowledge
from tests.harness import button, running_bot

USER = 2002


@pytest.fixture(scope="module")
def passport(national_base):
    return load_knowledge(national_base).entries["tthc-1-001456"]


def test_an_answer_names_the_code_the_official_link_and_the_date_taken(passport):
    html = render_entry(passport)
    text = visible(html)
    assert text.startswith("📋 Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)")
    assert "Mã thủ tục 1.001456" in text
    assert f'<a href="{passport.source_url}">Mã thủ tục 1.001456</a>' in html
    assert "Nội dung lấy ngày 31/07/2026" in text
    assert "⏱ Thời hạn giải quyết: 8 Ngày làm việc" in text
    assert "💰 Phí, lệ phí: Trực tuyến: 160,000 Việt Nam Đồng; Qua bưu chính: 160,000 Việt Nam Đồng; " \
           "Trực tiếp: 200,000 Việt Nam Đồng" in text
    assert "🏛 Nơi nộp: Công an cấp Tỉnh" in text


def test_a_short_answer_fits_one_message_and_the_asked_field_comes_first(passport):
    assert len(split_message(render_entry(passport))) == 1
    lines = visible(render_entry(passport, "fee")).split("\n")
    assert lines[3] == "💰 Phí, lệ phí"
    assert lines[4].startswith("• Trực tuyến: 160,000 Việt Nam Đồng (+ 160.000/hộ chiếu")


def test_sections_show_the_full_record(passport):
    steps = visible(render_section(passport, "steps"))
    assert "1. Bước 1: Chuẩn bị hồ sơ" in steps
    legal = visible(render_section(passport, "legal_basis"))
    assert "(25/2021/TT-BTC)" in legal


def test_where_to_submit_adds_the_provinces_own_facts(passport):
    render_national.set_province(render_national.Province(
        name="tỉnh Quảng Nam", hotline="0235 1022", portal_url="https://dichvucong.quangnam.gov.vn",
        centre_address="Số 62 Hùng Vương, Tam Kỳ",
    ))
    try:
        text = visible(render_section(passport, "agency"))
    finally:
        render_national.set_province(render_national.Province())
    assert "Tại tỉnh Quảng Nam:" in text
    assert "Trung tâm Phục vụ hành chính công: Số 62 Hùng Vương, Tam Kỳ" in text
    assert "Đường dây nóng: 0235 1022" in text
    assert "Tại " not in visible(render_section(passport, "agency"))


async def test_the_bot_answers_from_a_national_record_and_its_buttons_work(national_base, tmp_path):
    async with running_bot(tmp_path, KNOWLEDGE_DIR=str(national_base)) as bot:
        [reply] = await bot.ask(USER, "chap thuan nha dau tu cai tao xay dung lai nha chung cu")
        assert reply["text"].startswith("📋 Chấp thuận nhà đầu tư dự án cải tạo, xây dựng lại nhà chung cư")
        assert "Mã thủ tục 6.003636" in reply["text"]
        key = (USER, reply["message"]["message_id"])
        await bot.tap(USER, reply, button(reply, "Căn cứ pháp lý")["callback_data"])
        edited = bot.api.messages[key]
        assert "⚖️ Căn cứ pháp lý" in edited["text"] and "(27/2023/QH15)" in edited["text"]
        assert bot.api.refused == [], bot.api.refused


def test_every_field_a_question_can_ask_is_answered_from_a_record(national_base, passport):
    from bot import texts

    for field in texts.HEADINGS:
        for entry in load_knowledge(national_base).entries.values():
            if entry.id.startswith("tthc-"):
                assert visible(render_entry(entry, field)).split("\n")[3] == texts.HEADINGS[field]
    online = visible(render_entry(passport, "channels")).split("\n")
    assert online[4] == texts.ONLINE_YES and online[5].startswith("• Trực tuyến")
