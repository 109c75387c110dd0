"""The shipped base covers what it must: every fixed id, aliases, sources, every seed figure."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.normalize import fold
from knowledge.schema import Fact, NationalProcedure, Procedure

# The fixed ids of the scope (deep links, logs and outside tests use exactly these).
SCOPE_IDS = ["khai-sinh", "khai-tu", "ket-hon", "xac-nhan-tinh-trang-hon-nhan", "nhan-cha-me-con", "trich-luc-ho-tich", "thay-doi-cai-chinh-ho-tich", "thuong-tru", "tam-tru", "can-cuoc", "ho-chieu", "giay-phep-lai-xe", "dang-ky-xe", "chung-thuc-ban-sao", "chung-thuc-chu-ky", "ly-lich-tu-phap", "gcn-qsdd-lan-dau", "chuyen-nhuong-qsdd", "chuyen-muc-dich-su-dung-dat", "giay-phep-xay-dung", "ho-kinh-doanh", "thanh-lap-doanh-nghiep", "ma-so-thue-ca-nhan", "an-toan-thuc-pham", "tro-cap-that-nghiep", "the-bhyt", "thai-san", "tro-cap-xa-hoi", "chuyen-truong", "ban-sao-van-bang", "khieu-nai", "mot-cua", "dich-vu-cong-truc-tuyen", "tra-ket-qua-buu-dien", "phan-anh-kien-nghi"]
SEED_FIGURES = Path(__file__).parent / "data" / "seed_figures.yaml"
SEED_FILES = {
    "000_952094cb5b30990f.txt",
    "001_92ccd04963091380.txt",
    "002_8c6fb9c39e094767.txt",
    "003_7a1faf5a7a75d07a.txt",
    "004_205483f94943f1e4.txt",
}


def test_every_scope_id_exists_as_a_procedure(real_kb):
    assert len(SCOPE_IDS) == 35
    missing = [i for i in SCOPE_IDS if not isinstance(real_kb.entries.get(i), Procedure)]
    assert not missing


def _curated(kb):
    """Hand-written procedures (the imported national records have no aliases of their own)."""
    return [p for p in kb.procedures if not isinstance(p, NationalProcedure)]


def test_procedures_are_complete_and_dated(real_kb):
    for proc in _curated(real_kb):
        assert len(proc.aliases) >= 8, proc.id
        assert proc.legal_basis and proc.documents and proc.channels, proc.id
        assert proc.checked.year >= 2025, proc.id
        ascii_aliases = [a for a in proc.aliases if a.isascii()]
        assert ascii_aliases, f"{proc.id}: no alias typed without diacritics"


def test_no_district_level_bodies_are_named_as_current(real_kb):
    for proc in _curated(real_kb):
        for text in (proc.agency, *proc.levels):
            folded = fold(text)
            historical = "khong con" in folded or "truoc day" in folded
            assert "cap huyen" not in folded or historical, (proc.id, text)


def test_facts_have_sources_and_aliases(real_kb):
    facts = real_kb.facts
    assert len(facts) >= 40
    for fact in facts:
        assert len(fact.aliases) >= 4, fact.id
        assert fact.source.title
    seeded = [f for f in facts if f.source.file]
    assert {f.source.file for f in seeded} == SEED_FILES


def test_every_seed_figure_is_the_answer_of_a_fact(real_kb):
    items = yaml.safe_load(SEED_FIGURES.read_text(encoding="utf-8"))
    assert len(items) >= 40
    for item in items:
        fact = real_kb.entries.get(item["fact"])
        assert isinstance(fact, Fact), item
        assert item["figure"] in fact.answer, item
        assert fact.source.file == item["seed"], item


def test_the_2103_typo_is_corrected_with_source_wording_kept(real_kb):
    hits = [f for f in real_kb.facts if "25/01/2013" in f.answer]
    assert hits
    assert any("2103" in (f.note or "") for f in hits)


def test_national_frame_is_covered(real_kb):
    text = " ".join(fold(f.title + " " + f.answer) for f in real_kb.facts)
    for needle in ["30c", "76", "papi", "par index", "sipas"]:
        assert needle in text, needle
