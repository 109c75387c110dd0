"""People's own words for official procedures: everyday names of national records, channels named
beside a procedure, follow-ups on what the last answer holds, and the words that tell two
procedures apart (no Telegram)."""

from __future__ import annotations

import pytest

from knowledge import Outcome, load_knowledge
from knowledge.matcher import Context, Matcher, next_context
from tests.conftest import FIXTURE_KB, REAL_KB

RECORD = """
- id: tthc-9-00000{i}
  title: Cấp phép nuôi ong mật
  checked: '2026-07-31'
  code: '9.00000{i}'
  domain: Thử nghiệm {i}
  source_url: https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=9.00000{i}
  crawled: '2026-07-31'
"""


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("công ty đăng ký đóng bhxh cho nhân viên mới", "1.002051"),
        ("rút bảo hiểm xã hội một lần cần giấy tờ gì", "1.001613"),
        ("giải thể công ty", "2.002023"),
        ("tach ho khau", "1.010038"),
        ("xoa dang ky tam tru cho nguoi da chuyen di", "1.010028"),
        ("thông báo tạm ngừng kinh doanh của công ty", "2.002029"),
    ],
)
def test_a_most_used_record_is_found_by_its_everyday_name(real_matcher, question, code):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer
    assert result.entry.code == code


def test_everyday_names_of_records_load_only_with_the_catalogue():
    curated = load_knowledge(REAL_KB, national=False)  # the phrasings name records left out
    assert not any(e.id.startswith("tthc-") for e in curated.entries.values())
    full = load_knowledge(REAL_KB)
    assert len(full.entries["tthc-1-002051"].aliases) >= 5


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("ho chieu nop tren dvc quoc gia dc ko", "ho-chieu"),
        ("dang ky xe lan dau online tren vneid duoc khong", "dang-ky-xe"),
        ("lltp lam online dc ko", "ly-lich-tu-phap"),
    ],
)
def test_a_procedure_named_beside_a_way_to_submit_is_answered_with_its_channels(
    real_matcher, question, entry_id
):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer and result.entry.id == entry_id
    assert result.field == "channels"


def test_online_services_asked_about_on_their_own_still_find_the_portal_entry(real_matcher):
    result = real_matcher.match("nộp hồ sơ trực tuyến trên cổng dịch vụ công quốc gia")
    assert result.entry is not None and result.entry.id == "dich-vu-cong-truc-tuyen"


@pytest.mark.parametrize(
    ("previous", "message", "field"),
    [
        ("giay-phep-lai-xe", "có cần khám sức khỏe không", None),
        ("tthc-1-001613", "bao lâu thì nhận được tiền", "processing_time"),
        ("khieu-nai", "gui don cho ai", "agency"),
        ("giay-phep-lai-xe", "phải khám sức khỏe hả", None),
        ("khai-tu", "con cháu đi nộp thay cũng dc ha", None),
    ],
)
def test_a_short_question_on_what_the_last_answer_holds_stays_with_it(
    real_matcher, previous, message, field
):
    result = real_matcher.match(message, context=Context(previous))
    assert result.outcome is Outcome.answer and result.entry.id == previous
    if field:
        assert result.field == field


def test_a_new_topic_with_a_field_still_replaces_the_context(real_matcher):
    result = real_matcher.match("còn làm giấy xác nhận độc thân thì ở đâu?", context=Context("ket-hon"))
    assert result.entry.id == "xac-nhan-tinh-trang-hon-nhan" and result.field == "agency"


def test_a_follow_up_after_an_offer_is_about_the_entry_offered_first(real_matcher):
    offered = real_matcher.match("thu tuc tach ho khau cho vo chong toi")
    context = next_context(offered, None)
    assert context is not None
    first = offered.entry.id if offered.entry else offered.suggestions[0].entry_id
    follow = real_matcher.match("can giay to j", context=context)
    assert follow.outcome is Outcome.answer and follow.entry.id == first
    assert follow.field == "documents"


@pytest.mark.parametrize(
    ("question", "not_this"),
    [
        ("đăng ký nghĩa vụ quân sự", "tthc-1-007781"),  # a tax duty is not military service
        ("doi ten cong ty le phi bao nhieu", "thay-doi-cai-chinh-ho-tich"),
        ("làm mất giấy chứng nhận đăng ký doanh nghiệp thì xin cấp lại", "thanh-lap-doanh-nghiep"),
        ("Người có công với cách mạng hưởng trợ cấp hằng tháng", "tro-cap-xa-hoi"),
        ("làm lại học bạ bị mất", "ban-sao-van-bang"),
        ("thu tuc xin hoc ban tru cho con", "thuong-tru"),
        ("Cấp thẻ hướng dẫn viên du lịch cần những gì?", "ho-chieu"),
    ],
)
def test_a_question_naming_another_kind_is_not_answered_with_this_one(real_matcher, question, not_this):
    result = real_matcher.match(question)
    assert not (result.outcome is Outcome.answer and result.entry.id == not_this)


def test_a_word_holding_a_filler_is_read_whole(real_matcher):
    # "thi" reads as the filler "thì" and "hướng dẫn" as "guide me": inside these words they are not
    assert "duthi" in real_matcher.analyse("đăng ký dự thi tốt nghiệp").content
    assert "hdv" in real_matcher.analyse("thẻ hướng dẫn viên").content


def test_an_age_typed_short_is_an_age(real_matcher):
    assert real_matcher.analyse("ba e 80t roi").content[-2:] == ("80", "tuoi")
    result = real_matcher.match("ba e 80t roi, lam tro cap tuoi gia o dau a")
    assert result.outcome is Outcome.answer and result.entry.id == "tro-cap-xa-hoi"


def test_a_text_two_entries_share_is_not_an_exact_answer(tmp_path):
    """One official title at two places: not an exact answer for either, but both offered."""
    body = "".join(RECORD.format(i=i) for i in (1, 2))
    (tmp_path / "national").mkdir()
    (tmp_path / "national" / "test.yaml").write_text("national:" + body, encoding="utf-8")
    for name in ("procedures.yaml", "facts.yaml", "synonyms.yaml"):
        (tmp_path / name).write_bytes((FIXTURE_KB / name).read_bytes())
    matcher = Matcher(load_knowledge(tmp_path))
    result = matcher.match("Cấp phép nuôi ong mật")
    assert result.outcome is not Outcome.answer or result.score < 100.0
    assert {s.entry_id for s in result.suggestions} >= {"tthc-9-000001", "tthc-9-000002"}


def test_a_long_story_that_names_the_procedure_is_answered_with_it(real_matcher):
    result = real_matcher.match(
        "Em nghỉ làm công ty, định mở một tiệm trà sữa nhỏ ở mặt tiền nhà mình, chỉ em với chồng "
        "bán. Nghe nói phải đăng ký hộ kinh doanh. Cho em hỏi đăng ký ở đâu, cần những giấy tờ gì "
        "và có mất lệ phí không?"
    )
    assert result.outcome is Outcome.answer and result.entry.id == "ho-kinh-doanh"


def test_a_bare_word_in_a_carefully_written_alias_is_that_word(real_matcher):
    # "gia công vàng" is not "giá vàng": the price of gold is not a licence for gold work
    result = real_matcher.match("giá vàng hôm nay")
    assert result.outcome is Outcome.not_found


@pytest.mark.parametrize(
    "question", ["có nhận kết quả qua bưu điện được ko", "nhận kq qua bưu điện được không hay phải lên lấy"]
)
def test_a_way_to_submit_asked_about_on_its_own_finds_the_entry_about_it(real_matcher, question):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer and result.entry.id == "tra-ket-qua-buu-dien"
