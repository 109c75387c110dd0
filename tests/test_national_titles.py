"""How questions find national records by their official titles."""

from knowledge.matcher import Outcome, _title_parts


def test_a_compound_title_is_indexed_by_each_procedure_it_joins():
    title = ("Đăng ký, điều chỉnh đóng BHXH, BHYT, BHTN, BHTNLĐ, BNN (thực hiện tại cấp tỉnh); "
             "cấp sổ BHXH, thẻ BHYT")
    assert _title_parts(title) == [
        "Đăng ký, điều chỉnh đóng BHXH, BHYT, BHTN, BHTNLĐ, BNN", "cấp sổ BHXH, thẻ BHYT",
    ]
    assert _title_parts("Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)") == []


def test_a_question_naming_one_procedure_of_a_compound_title_gets_that_record(real_matcher):
    result = real_matcher.match("cấp sổ bhxh thẻ bhyt cho người lao động")
    assert result.outcome is Outcome.answer
    assert result.entry.code == "1.002051"


def test_a_quoted_procedure_name_is_what_the_question_is_about(real_matcher):
    result = real_matcher.match(
        "Doanh nghiệp chúng tôi muốn hỏi thủ tục “Đề nghị áp dụng APA chính thức” nộp theo cách nào"
    )
    assert result.outcome is Outcome.answer
    assert result.entry.code == "1.010331"




def test_a_long_story_far_closer_to_one_curated_entry_is_answered(real_matcher):
    result = real_matcher.match(
        "Hôm qua tôi mua chiếc xe máy ở cửa hàng gần nhà, có hóa đơn và phiếu xuất xưởng rồi. "
        "Tôi muốn tự đi lấy biển số, không nhờ cửa hàng làm giúp. Lên công an xã được không?"
    )
    assert result.outcome is Outcome.answer
    assert result.entry.id == "dang-ky-xe"


def test_closing_a_business_is_not_answered_with_opening_one(real_matcher):
    result = real_matcher.match("giải thể hộ kinh doanh làm sao")
    assert not (result.outcome is Outcome.answer and result.entry.id == "ho-kinh-doanh")
