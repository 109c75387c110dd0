"""Families of near-identical national records: the question's words pick the variant, a
citizen's own level comes first, and a question that fits several equally gets one question."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import Matcher, Outcome, load_knowledge

REAL_SYNONYMS = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "synonyms.yaml"
FIXTURE = Path(__file__).parent / "fixtures" / "kb"

RECORD = """
- id: {id}
  title: {title}
  checked: '2026-07-31'
  code: '{code}'
  domain: Thử nghiệm
  source_url: https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={code}
  crawled: '2026-07-31'
  usage: {usage}
"""
FAMILY = [
    ("tthc-9-000001", "Cấp giấy phép hành nghề thợ lặn (thực hiện tại cấp tỉnh)", "9.000001", 50),
    ("tthc-9-000002", "Cấp giấy phép hành nghề thợ lặn (thực hiện tại cấp trung ương)", "9.000002", 90),
    ("tthc-9-000003", "Cấp lại giấy phép hành nghề thợ lặn (thực hiện tại cấp tỉnh)", "9.000003", 10),
    ("tthc-9-000004", "Cấp đổi giấy phép hành nghề thợ lặn (thực hiện tại cấp tỉnh)", "9.000004", 20),
    # two different procedures whose titles share all but one word each
    ("tthc-9-000005", "Chấp thuận thay đổi địa điểm xưởng đóng thuyền buồm", "9.000005", 0),
    ("tthc-9-000006", "Chấp thuận thay đổi quy mô xưởng đóng thuyền buồm", "9.000006", 0),
]


@pytest.fixture(scope="module")
def matcher(tmp_path_factory) -> Matcher:
    root = tmp_path_factory.mktemp("kb")
    for name in ("procedures.yaml", "facts.yaml"):
        shutil.copy(FIXTURE / name, root / name)
    shutil.copy(REAL_SYNONYMS, root / "synonyms.yaml")
    (root / "national").mkdir()
    body = "".join(RECORD.format(id=i, title=t, code=c, usage=u) for i, t, c, u in FAMILY)
    (root / "national" / "test.yaml").write_text("national:" + body, encoding="utf-8")
    return Matcher(load_knowledge(root))


def test_the_question_names_the_variant(matcher):
    assert matcher.match("cấp lại giấy phép hành nghề thợ lặn").entry.id == "tthc-9-000003"
    assert matcher.match("mất giấy phép hành nghề thợ lặn xin lại").entry.id == "tthc-9-000003"
    assert matcher.match("đổi giấy phép hành nghề thợ lặn").entry.id == "tthc-9-000004"


def test_the_citizens_own_level_comes_before_the_central_one(matcher):
    result = matcher.match("cấp mới giấy phép hành nghề thợ lặn")
    assert result.entry.id == "tthc-9-000001"  # the provincial one, though the central is used more
    assert matcher.match("cấp mới giấy phép hành nghề thợ lặn ở bộ").entry.id == "tthc-9-000002"


def test_a_question_fitting_several_variants_gets_one_clarifying_question(matcher):
    result = matcher.match("giấy phép hành nghề thợ lặn")
    assert result.outcome is Outcome.clarify
    offered = [s.entry_id for s in result.suggestions]
    assert set(offered) == {"tthc-9-000001", "tthc-9-000003", "tthc-9-000004"}
    assert offered[0] == "tthc-9-000001"  # the most used first


def test_two_records_that_fit_equally_get_one_clarifying_question(matcher):
    result = matcher.match("chấp thuận thay đổi xưởng đóng thuyền buồm")
    assert result.outcome is Outcome.clarify
    assert {s.entry_id for s in result.suggestions} == {"tthc-9-000005", "tthc-9-000006"}
    named = matcher.match("chấp thuận thay đổi quy mô xưởng đóng thuyền buồm")
    assert named.outcome is Outcome.answer and named.entry.id == "tthc-9-000006"



def test_the_district_level_gone_since_july_2025_comes_after_the_province(real_matcher):
    result = real_matcher.match("mất hộ chiếu phải trình báo ở đâu")
    assert result.outcome is Outcome.answer and "cấp huyện" not in result.entry.title
    assert "cấp huyện" in real_matcher.match("trình báo mất hộ chiếu ở huyện").entry.title
