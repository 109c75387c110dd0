"""A province's deployment: which national records it serves, and its own facts in answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.render import render_section, visible
from knowledge import load_knowledge


def _settings(tmp_path: Path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env={})


def _national(kb) -> set[str]:
    return {i.id for i in kb.catalogue if i.national}


def test_by_default_every_national_record_is_served(national_base, tmp_path):
    settings = _settings(tmp_path, "admin_ids: []\n")
    assert settings.national.selection() is None
    assert len(_national(load_knowledge(national_base, select=settings.national.selection()))) == 6


def test_a_province_serves_records_by_level_domain_or_code(national_base, tmp_path):
    by_level = _settings(tmp_path, "national:\n  levels: [cap xa]\n").national.selection()
    assert _national(load_knowledge(national_base, select=by_level)) == {"tthc-1-004194"}
    by_domain = _settings(tmp_path, "national:\n  domains: [Quản lý xuất nhập cảnh]\n").national.selection()
    assert _national(load_knowledge(national_base, select=by_domain)) == {"tthc-1-001456", "tthc-1-014905"}
    by_code = _settings(tmp_path, "national:\n  codes: ['6.003636', '1.000178']\n").national.selection()
    assert _national(load_knowledge(national_base, select=by_code)) == {"tthc-6-003636", "tthc-1-000178"}
    both = _settings(tmp_path, "national:\n  levels: [Cấp tỉnh]\n  codes: ['6.003636', '1.000178']\n")
    assert _national(load_knowledge(national_base, select=both.national.selection())) == {"tthc-6-003636"}
    # curated entries are always served
    assert "ho-chieu" in load_knowledge(national_base, select=by_code).entries


def test_unknown_levels_bad_codes_and_bad_urls_are_refused(tmp_path):
    for text, says in (
        ("national:\n  levels: [Cấp huyện]\n", "unknown level 'Cấp huyện'"),
        ("national:\n  codes: [1.001193]\n", "quote national codes"),
        ("national:\n  codes: ['1-001193']\n", "is not a national code"),
        ("province:\n  portal_url: dichvucong.quangnam.gov.vn\n", "province.portal_url"),
        ("province:\n  hotline: gọi ngay\n", "province.hotline"),
        ("province:\n  hotlines: '1022'\n", "province.hotlines"),
    ):
        with pytest.raises(ConfigError) as caught:
            _settings(tmp_path, text)
        assert says in str(caught.value), text


def test_where_to_submit_uses_the_provinces_facts_from_the_settings(national_base, tmp_path):
    from bot.render_national import Province, set_province

    settings = _settings(tmp_path, (
        "province:\n  name: tỉnh Quảng Nam\n  hotline: 0235 1022\n"
        "  portal_url: https://dichvucong.quangnam.gov.vn\n  centre_address: Số 62 Hùng Vương, Tam Kỳ\n"
    ))
    kb = load_knowledge(national_base)
    set_province(settings.province.facts())
    try:
        national = visible(render_section(kb.entries["tthc-1-004194"], "agency"))
        curated = visible(render_section(kb.entries["tam-tru"], "agency"))
    finally:
        set_province(Province())
    for text in (national, curated):
        assert "Tại tỉnh Quảng Nam:" in text
        assert "Cổng dịch vụ công của tỉnh: https://dichvucong.quangnam.gov.vn" in text
        assert "Đường dây nóng: 0235 1022" in text
