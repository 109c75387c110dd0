"""The legal registry and the checks check-kb makes with it: cited documents exist, are current, entries are fresh."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import load_knowledge
from knowledge.legal import check_citations, load_registry, number_key

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "legal"
REAL = ROOT / "knowledge" / "data"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def report():
    kb = load_knowledge(FIXTURE)
    registry, problems = load_registry(FIXTURE / "legal.yaml")
    assert not problems
    return check_citations(kb, registry, FIXTURE, TODAY, max_age_days=180)


def _check_kb(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "check-kb", str(path), "--today", TODAY.isoformat(), *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


def test_a_document_missing_from_the_registry_is_an_error_with_its_line(report):
    text = (FIXTURE / "procedures.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text, 1) if "999/2030/ND-CP" in t)
    messages = [str(p) for p in report.errors]
    assert f"legal/procedures.yaml:{line}: thai-san: cites 999/2030/ND-CP, which is not in the legal registry" in messages


def test_a_document_replaced_before_the_entry_was_checked_is_an_error(report):
    hits = [p for p in report.errors if p.entry_id == "chuyen-nhuong-qsdd"]
    assert len(hits) == 1
    assert "cites 45/2013/QH13, replaced by 31/2024/QH15 from 01/08/2024" in hits[0].message


def test_a_replacement_in_force_after_the_check_is_a_warning(report):
    assert not any(p.entry_id == "thai-san" and "58/2014/QH13" in p.message for p in report.errors)
    warned = [p.message for p in report.warnings if p.entry_id == "thai-san"]
    assert any("58/2014/QH13, replaced by 41/2024/QH15" in m and "after it was checked" in m for m in warned)


def test_an_entry_checked_too_long_ago_is_a_warning_and_a_recent_one_is_not(report):
    stale = {p.entry_id for p in report.warnings if "days ago" in p.message}
    assert stale == {"chuyen-nhuong-qsdd", "thai-san"}
    assert not any(p.entry_id == "khai-sinh" for p in [*report.errors, *report.warnings])


def test_check_kb_fails_on_citation_errors_and_prints_warnings(tmp_path):
    done = _check_kb(FIXTURE)
    assert done.returncode == 1
    assert "thai-san: cites 999/2030/ND-CP, which is not in the legal registry" in done.stdout
    assert "warning: " in done.stdout and "days ago (limit 180)" in done.stdout
    assert done.stdout.rstrip().endswith("FAILED: 2 problem(s)")


def test_staleness_alone_does_not_fail_check_kb_and_the_age_is_configurable(tmp_path):
    base = tmp_path / "data"
    base.mkdir()
    text = (FIXTURE / "procedures.yaml").read_text(encoding="utf-8")
    kept = text.split("  - id: chuyen-nhuong-qsdd")[0]  # khai-sinh only, checked 2026-11-20
    (base / "procedures.yaml").write_text(kept, encoding="utf-8")
    (base / "legal.yaml").write_text((FIXTURE / "legal.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert "warning:" not in _check_kb(base).stdout
    done = _check_kb(base, "--max-age", "5")
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("OK: ")
    assert "warning: data/procedures.yaml:2: khai-sinh: checked 2026-11-20, 11 days ago (limit 5)" in done.stdout


def test_a_replacement_of_unknown_date_counts_as_in_force(tmp_path):
    kb = load_knowledge(FIXTURE)
    path = tmp_path / "legal.yaml"
    text = (FIXTURE / "legal.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("    title: Luật Hộ tịch\n", "    title: Luật Hộ tịch\n    replaced_by: 41/2024/QH15\n"), encoding="utf-8")
    registry, problems = load_registry(path)
    assert not problems
    report = check_citations(kb, registry, FIXTURE, TODAY)
    assert any(
        p.entry_id == "khai-sinh" and "replaced by 41/2024/QH15 from an unknown date" in p.message for p in report.errors
    )


def test_registry_problems_are_reported(tmp_path):
    path = tmp_path / "legal.yaml"
    path.write_text(
        "documents:\n"
        "  - number: 45/2013/QH13\n    title: Luật Đất đai\n    replaced_by: 31/2024/QH15\n    replaced_from: 2024-08-01\n"
        "  - number: 45/2013/QH13\n    title: Luật Đất đai\n"
        "  - number: 1/2020/TT-X\n    title: Thông tư\n    issued: not a date\n"
        "  - number: 2/2020/TT-X\n    title: Thông tư\n    replaced_from: 2021-01-01\n",
        encoding="utf-8",
    )
    registry, problems = load_registry(path)
    messages = [str(p) for p in problems]
    assert any(m == "legal.yaml:6: 45/2013/QH13: listed twice (first at line 2)" for m in messages)
    assert any("legal.yaml:8:" in m and "issued" in m for m in messages)
    assert any("replaced by '31/2024/QH15', which is not in the registry" in m for m in messages)
    assert any("2/2020/TT-X: replaced_from without replaced_by" in m for m in messages)


def test_numbers_match_whatever_the_case_spaces_or_d_spelling():
    assert number_key("123/2015/NĐ-CP") == number_key("123/2015/nd-cp ")


def test_the_shipped_base_cites_only_registered_current_documents():
    kb = load_knowledge(REAL)
    registry, problems = load_registry(REAL / "legal.yaml")
    assert not problems
    latest = max(p.checked for p in kb.procedures)
    result = check_citations(kb, registry, REAL, latest, max_age_days=180)
    assert not result.errors, [str(p) for p in result.errors]


def test_the_documents_the_review_found_unconfirmed_are_not_cited():
    kb = load_knowledge(REAL)
    cited = {law.number for p in kb.procedures for law in p.legal_basis}
    assert not cited & {"135/2025/QH15", "217/2026/NĐ-CP", "90/2026/TT-BTC"}
