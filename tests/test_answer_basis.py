"""Answers name the legal basis beside each fee and time limit, and say when the entry was checked."""

from __future__ import annotations

import pytest

from bot.render import render_procedure, render_section, visible
from knowledge.schema import NationalProcedure, Procedure
from tests.harness import button, running_bot

USER = 1101


def _line(text: str, start: str) -> str:
    return next(line for line in visible(text).split("\n") if line.startswith(start))


def _curated(kb):
    """The hand-written procedures (national records show the date their content was taken)."""
    return [proc for proc in kb.procedures if not isinstance(proc, NationalProcedure)]


def test_every_procedure_names_a_basis_for_its_fee_and_its_time(real_kb):
    for proc in _curated(real_kb):
        for field in ("fee", "processing_time"):
            assert any(field in law.covers for law in proc.legal_basis), (proc.id, field)


def test_summary_fee_and_time_lines_carry_their_basis(real_kb):
    text = render_procedure(real_kb.entries["giay-phep-lai-xe"])
    assert "Thông tư 37/2023/TT-BTC" in _line(text, "💰 Phí, lệ phí:")
    assert _line(text, "⏱ Thời hạn giải quyết:").endswith("(theo Thông tư 12/2025/TT-BCA)")


def test_a_law_is_named_by_its_title(real_kb):
    text = render_section(real_kb.entries["tam-tru"], "processing_time")
    assert "(theo Luật Cư trú 68/2020/QH14)" in visible(text)


def test_a_line_that_already_names_its_basis_does_not_repeat_it(real_kb):
    proc: Procedure = real_kb.entries["thuong-tru"]
    fee_line = visible(render_section(proc, "fee")).split("\n")[3]
    assert "Thông tư 75/2022/TT-BTC" in fee_line and "(theo" not in fee_line


def test_only_the_documents_a_line_does_not_name_are_added(real_kb):
    text = render_section(real_kb.entries["can-cuoc"], "fee")
    assert visible(text).split("\n")[3].endswith("(theo Thông tư 64/2025/TT-BTC)")  # 73/2024 is in the text


def test_several_documents_are_listed_together(real_kb):
    proc: Procedure = real_kb.entries["thanh-lap-doanh-nghiep"]
    plain = proc.model_copy(update={"fee": "Lệ phí 25.000 đồng; phí công bố 100.000 đồng."})
    line = visible(render_section(plain, "fee")).split("\n")[3]
    assert line.endswith("(theo Thông tư 47/2019/TT-BTC, Thông tư 64/2025/TT-BTC)")


def test_every_answer_shows_the_date_checked(real_kb):
    for proc in _curated(real_kb):
        shown = visible(render_procedure(proc))
        assert f"Thông tin được kiểm tra ngày {proc.checked.strftime('%d/%m/%Y')}." in shown, proc.id


@pytest.fixture
async def bot(tmp_path):
    async with running_bot(tmp_path) as running:
        yield running
        assert running.api.refused == [], running.api.refused


async def test_a_fee_question_answers_with_the_basis_and_the_date_checked(bot):
    [reply] = await bot.ask(USER, "le phi lam giay phep xay dung")
    text = reply["text"]
    lines = text.split("\n")
    assert lines[0] == "📋 Cấp giấy phép xây dựng nhà ở riêng lẻ"
    assert lines[2] == "💰 Phí, lệ phí"
    assert lines[3].endswith("(theo Thông tư 85/2019/TT-BTC)")
    assert "Thông tin được kiểm tra ngày 01/12/2026." in text
    # the time limit is one tap away, and carries its basis there too
    await bot.tap(USER, reply, button(reply, "Thời hạn")["callback_data"])
    shown = bot.api.messages[(USER, reply["message"]["message_id"])]
    assert "(theo Luật Xây dựng 50/2014/QH13)" in visible(shown["text"])
