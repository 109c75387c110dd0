"""Normalisation: how Vietnamese typed on a phone is read."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.normalize import fold, is_syllable


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Làm giấy khai sinh cần gì?", "lam giay khai sinh can gi"),
        ("ĐĂNG KÝ   KẾT HÔN!!!", "dang ky ket hon"),
        ("hoà", "hoa"),
        ("hòa", "hoa"),
        ("thuý", "thuy"),
        ("thúy", "thuy"),
        ("Đ\u200bà N\u200cẵng", "da nang"),
        ("\u202bhộ chiếu\u202c", "ho chieu"),
        ("<b>lệ phí</b> & hộ chiếu", "b le phi b ho chieu"),
        ("", ""),
    ],
)
def test_fold(typed, folded):
    assert fold(typed) == folded


def test_nfd_input_folds_like_nfc():
    text = "Cấp lại căn cước bị mất ở đâu"
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


def test_abbreviations_and_full_forms_read_alike(real_matcher):
    a = real_matcher.analyse
    assert a("cccd mat lam lai").content_text == a("căn cước công dân mất làm lại").content_text
    assert a("bhxh").content == a("bảo hiểm xã hội").content
    assert a("lam so do").content_text == a("làm giấy chứng nhận quyền sử dụng đất").content_text
    assert a("giấy vệ sinh an toàn thực phẩm").content == a("giấy an toàn thực phẩm").content
    assert a("giay atvstp").content == a("giấy attp").content
    assert a("công ty dừng hoạt động tạm thời").content == a("công ty tạm ngừng kinh doanh").content
    assert a("khai báo lưu trú cho khách").content == a("thông báo lưu trú cho khách").content
    assert a("giấy chứng minh đang độc thân").content[-2:] == a("xác nhận tình trạng hôn nhân").content


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("bjo e mun lam cccd lun", "bây giờ em muốn làm căn cước luôn"),
        ("cx dc k0", "cũng được không"),
        ("lam s de doi gplx", "làm sao để đổi giấy phép lái xe"),
    ],
)
def test_chat_forms_read_as_the_words_they_stand_for(real_matcher, typed, written):
    assert real_matcher.analyse(typed).content == real_matcher.analyse(written).content


def test_fillers_do_not_drive_the_match(real_matcher):
    a = real_matcher.analyse
    assert a("cho em hỏi thủ tục đăng ký tạm trú như thế nào ạ").content == a("đăng ký tạm trú").content


def test_typos_are_corrected_towards_known_words(real_matcher):
    assert real_matcher.analyse("ho chjeu").content == real_matcher.analyse("hộ chiếu").content


def test_abbreviations_inside_a_phrase_read_like_the_phrase(real_matcher):
    a = real_matcher.analyse
    assert a("mo cty").content == a("mở công ty").content == a("thành lập doanh nghiệp").content
    assert a("dong hkd").content == a("đóng hộ kinh doanh").content


@pytest.mark.parametrize(
    "word", ["luon", "chin", "huynh", "gianh", "cuon", "rang", "nghieng", "quyen", "gi", "khuyen"]
)
def test_a_word_spelled_like_a_syllable_is_not_taken_for_a_typo(real_matcher, word):
    assert is_syllable(word)
    assert real_matcher.analyse(f"nghi ban {word}").tokens[-1] == word


@pytest.mark.parametrize("word", ["chjeu", "indx", "gaing", "nhaan", "cty", "ct07"])
def test_a_word_no_syllable_is_spelled_like_may_be_a_typo(word):
    assert not is_syllable(word)


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("lệ phí làm hộ chiếu bao nhiêu", "fee"),
        ("khai sinh mất mấy ngày", "processing_time"),
        ("đăng ký kết hôn nộp ở đâu", "agency"),
        ("lam can cuoc can giay to gi", "documents"),
        ("điều kiện hưởng trợ cấp thất nghiệp", "requirements"),
        ("căn cứ pháp lý của đăng ký thường trú", "legal_basis"),
        ("nộp hồ sơ tạm trú ở đâu", "agency"),
        ("chuyển hộ khẩu về nhà chồng thì làm sao", "steps"),  # "sao" also closes a follow-up
        ("giấy khai sinh ghi sai tên ba, sửa lại sao ad", "steps"),
        ("nhập hk cho vợ về nhà chồng cần gì", "documents"),
        ("lam giay khai sinh nop o mo", "agency"),  # Central speech: "mô" is "đâu"
        ("dang ky tam tru can giay to chi", "documents"),
        ("làm răng để đổi căn cước", "steps"),
    ],
)
def test_field_cues(real_matcher, question, field):
    assert real_matcher.analyse(question).fields[-1] == field


def test_telex_keystrokes_left_in_a_word_are_dropped():
    from knowledge.normalize import untelex

    assert [untelex(w) for w in ("laf", "hooj", "chieeu", "ddawng", "kys")] == [
        "la", "ho", "chieu", "dang", "ky",
    ]
    assert untelex("khai") == "khai"


def test_telex_typed_question_is_understood(real_matcher):
    result = real_matcher.match("laf hooj chieeu mat bao lau")
    assert (result.entry.id, result.field) == ("ho-chieu", "processing_time")


def test_a_word_typed_with_other_diacritics_than_a_filler_is_kept(real_matcher):
    """"được" is a filler; "dược" (pharmacy) typed with its own marks is a topic word."""
    assert "duoc" in real_matcher.analyse("chứng chỉ hành nghề dược").content
    assert "duoc" not in real_matcher.analyse("làm căn cước được không").content
    assert "duoc" not in real_matcher.analyse("lam can cuoc duoc khong").content  # no marks: a filler


def test_a_place_in_the_name_of_an_award_is_not_where_the_question_is_about(real_matcher):
    assert not real_matcher.analyse("khen thưởng Huân chương Hồ Chí Minh").localities
    assert real_matcher.analyse("khen thưởng ở TP Hồ Chí Minh").localities
    answer = real_matcher.match("thủ tục khen thưởng Huân chương Hồ Chí Minh cho cá nhân")
    assert not (answer.answered and answer.entry.id.startswith("tphcm-"))


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("con tôi muốn thi bằng lái xe máy", "thi"),  # an exam, not "thì"
        ("giấy phép thi công nhà ở", "thi"),
        ("đăng ký tạm trú ở thị xã", "thi"),
        ("bi tai nan lao dong", "tai"),  # an accident, not "tại"
        ("vay vốn ngân hàng chính sách", "vay"),  # a loan, not "vậy"
        ("gia hạn thời hạn hoạt động của quỹ", "thoi"),  # what is extended, not how long
        ("chứng thực di chúc ở đâu", "di"),  # a will, not "đi"
    ],
)
def test_a_word_that_is_also_a_filler_once_folded_is_kept_in_its_phrases(real_matcher, question, kept):
    assert kept in real_matcher.analyse(question).content


def test_the_filler_itself_is_still_dropped(real_matcher):
    assert "thi" not in real_matcher.analyse("làm hộ chiếu thì nộp ở đâu").content
    assert "tai" not in real_matcher.analyse("nộp hồ sơ tại xã").content


def test_a_father_owning_his_child_is_not_read_across_a_comma(real_matcher):
    a = real_matcher.analyse
    assert a("gio ck muon nhan con thi lam sao").content[-5:] == a("chồng nhận cha mẹ con").content
    assert "cha" not in a("chỗ tiếp nhận, còn trụ sở dời về xã bên").content
    assert a("muốn nhận con nuôi").content[-2:] == ("con", "nuoi")


def test_every_phrase_reads_like_the_full_form_it_stands_for(real_kb, real_matcher):
    # a phrase met again inside its own full form ("đóng hộ kinh doanh" inside "hoạt động hộ kinh
    # doanh", "thẻ bảo hiểm" inside "thẻ bảo hiểm y tế") would read words twice
    from knowledge.normalize import expand, fold

    vocab, canonical = real_matcher.vocab, {fold(v) for v in real_kb.synonyms.abbreviations.values()}
    differ = [
        short for short, full in real_kb.synonyms.phrases.items()
        if fold(short) not in canonical
        and expand(fold(short).split(), vocab) != expand(fold(full).split(), vocab)
    ]
    assert not differ


def test_chi_closing_a_question_is_the_centres_gi():
    from knowledge.normalize import _central_what

    assert _central_what(["can", "mang", "theo", "chi", "a"], [(), (), (), (), ()]) == ["can", "mang", "theo", "gi", "a"]
    assert _central_what(["chi", "phi", "lam", "ho", "chieu"], [()] * 5) == ["chi", "phi", "lam", "ho", "chieu"]
    # typed with its diacritics it is another word ("chì", "chỉ")
    assert _central_what(["mua", "but", "chi"], [(), ("́",), ("̀",)]) == ["mua", "but", "chi"]
