"""The matcher: answers, suggestions, refusals, fields and learned aliases (no Telegram)."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge import Matcher, Outcome


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("lam giay khai sinh can gi", "khai-sinh"),
        ("cccd mat lam lai o dau", "can-cuoc"),
        ("le phi ho chieu", "ho-chieu"),
        ("An Giang PAPI 2014 xep hang may", "an-giang-papi-2014"),
        ("Hue chi so hai long quy 1 2020", "hue-hai-long-quy-1-2020"),
        ("làm sổ đỏ lần đầu", "gcn-qsdd-lan-dau"),
        ("con mới sinh làm giấy gì", "khai-sinh"),
        ("gplx het han doi o dau", "giay-phep-lai-xe"),
        ("xin lltp so 2", "ly-lich-tu-phap"),
    ],
)
def test_people_questions_are_answered(real_matcher, question, entry_id):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer, result
    assert result.entry.id == entry_id


def test_nfd_question_gets_the_same_answer(real_matcher):
    text = "Đăng ký kết hôn cần giấy tờ gì"
    nfd = real_matcher.match(unicodedata.normalize("NFD", text))
    nfc = real_matcher.match(text)
    assert nfd.entry.id == nfc.entry.id == "ket-hon"
    assert nfd.score == nfc.score


def test_fee_question_leads_with_fee(real_matcher):
    result = real_matcher.match("lệ phí làm hộ chiếu bao nhiêu?")
    assert (result.entry.id, result.field) == ("ho-chieu", "fee")


def test_facts_never_lead_with_a_procedure_field(real_matcher):
    result = real_matcher.match("an giang papi 2014 bao nhieu")
    assert result.entry.id == "an-giang-papi-2014"
    assert result.field is None


@pytest.mark.parametrize(
    "question",
    ["giá vàng hôm nay", "Đà Nẵng PAPI 2014 xếp hạng mấy", "an giang papi 2019", "", "   ", "😀😀😀", "?!"],
)
def test_out_of_scope_is_not_answered(real_matcher, question):
    assert real_matcher.match(question).outcome is not Outcome.answer


def test_fact_of_another_place_or_year_is_not_given(real_matcher):
    assert real_matcher.match("ha noi papi 2014").outcome is not Outcome.answer
    assert real_matcher.match("an giang papi 2013").outcome is not Outcome.answer


@pytest.mark.parametrize(
    ("rule_question", "procedure"),
    [
        ("Trách nhiệm của cơ quan tiếp nhận hồ sơ công bố hợp quy vật liệu xây dựng là gì?",
         "Công bố hợp quy vật liệu xây dựng"),
        ("Những hoạt động khai thác nào phải có giấy phép khai thác khoáng sản?",
         "Cấp giấy phép khai thác khoáng sản"),
        ("Buổi đối thoại khi giải quyết khiếu nại lần đầu được tổ chức như thế nào?",
         "khiếu nại lần đầu nộp đơn ở đâu"),
    ],
)
def test_a_question_about_a_rule_is_offered_procedures_not_answered(
    real_matcher, rule_question, procedure
):
    asked = real_matcher.match(procedure)
    assert asked.outcome in (Outcome.answer, Outcome.clarify)
    result = real_matcher.match(rule_question)
    assert result.outcome is Outcome.suggest and result.entry is None
    fitting = {s.entry_id for s in asked.suggestions} | ({asked.entry.id} if asked.entry else set())
    assert {s.entry_id for s in result.suggestions} & fitting


def test_a_word_met_only_in_the_qualifying_part_of_an_alias_does_not_answer(real_matcher):
    # the marital-status certificate is asked for "sau ly hôn"; a divorce is a court matter
    assert real_matcher.match("ly hôn ở đâu").outcome is not Outcome.answer
    assert real_matcher.match("thủ tục ly hôn").outcome is not Outcome.answer
    result = real_matcher.match("xin giấy xác nhận độc thân sau khi ly hôn")
    assert result.outcome is Outcome.answer and result.entry.id == "xac-nhan-tinh-trang-hon-nhan"


def test_a_long_story_loosely_near_a_national_record_is_offered_it_not_answered(real_matcher):
    story = (
        "Hội đồng quản lý quỹ của chúng tôi muốn thay đổi thành viên và bổ sung điều lệ hoạt động "
        "của quỹ từ thiện cấp tỉnh, cần gửi văn bản cho cơ quan nào và trong bao lâu thì có kết "
        "quả trả lời?"
    )
    result = real_matcher.match(story)
    assert result.outcome is Outcome.suggest and result.entry is None
    assert "tthc-1-012338" in {s.entry_id for s in result.suggestions}
    named = real_matcher.match("Thay đổi thành viên Hội đồng quản lý Quỹ bảo hiểm xe cơ giới")
    assert named.outcome is Outcome.answer and named.entry.id == "tthc-1-012338"


def test_a_story_is_read_for_what_its_teller_says_they_want(real_matcher):
    story = (
        "Vợ tôi vừa sinh cháu thứ hai ở bệnh viện tỉnh được năm ngày, giờ tôi muốn làm giấy khai "
        "sinh cho cháu mà hồi trước hai vợ chồng đăng ký kết hôn ở huyện khác. Thì phải mang theo "
        "những gì ạ?"
    )
    result = real_matcher.match(story)
    assert result.outcome is Outcome.answer and result.entry.id == "khai-sinh"
    # "tính" and "định" inside other words ("cách tính", "quy định") say nothing of a wish
    assert real_matcher._focus("Cách tính lương hưu được quy định thế nào, tôi hỏi giúp mẹ") == (
        real_matcher._focus("Cách tính lương hưu thế nào, tôi hỏi giúp mẹ")
    )


def test_a_story_that_fits_nothing_as_a_whole_is_answered_by_its_closing_question(real_matcher):
    story = (
        "Gia đình tôi mới chuyển từ Huế vào Bình Dương làm ăn, bé lớn học lớp 7 ở quê, bé nhỏ còn "
        "đi nhà trẻ, vợ tôi thì đang tìm việc. Nhà mới đã khai báo tạm trú xong xuôi rồi. Cho bé "
        "chuyển sang trường mới gần nhà giữa năm học thì có được không?"
    )
    result = real_matcher.match(story)
    assert result.outcome is Outcome.answer and result.entry.id == "chuyen-truong"
    assert result.field == "requirements" and result.long


def test_a_procedure_named_beside_generic_words_many_records_share_is_still_found(real_matcher):
    # "gia hạn", "hết hạn" are in dozens of official titles; "tạm trú" says which one
    result = real_matcher.match("tạm trú sắp hết hạn thì đi gia hạn ở đâu")
    assert result.outcome is Outcome.answer and result.entry.id == "tam-tru"
    assert result.field == "agency"


def test_a_message_that_asks_first_and_tells_its_story_after_is_read_for_its_question(real_matcher):
    story = (
        "Khai sinh cho con tôi thì làm ở phường nơi tạm trú hay phải về quê ạ? Vợ chồng tôi ở trọ "
        "tại Bình Dương đã bốn năm, bé sinh ở bệnh viện tỉnh được hai tuần, hộ khẩu của cả hai vẫn "
        "ở Thái Bình và chúng tôi chưa về quê được vì công ty không cho nghỉ."
    )
    result = real_matcher.match(story)
    assert result.outcome is Outcome.answer and result.entry.id == "khai-sinh"
    assert result.field == "agency"


def test_a_story_whose_words_many_records_share_still_offers_the_curated_entry_it_names(real_matcher):
    story = (
        "Gia đình tôi ở Quỳnh Lưu có mảnh vườn bà nội để lại, cả nhà sống ở đó từ năm 1985, không "
        "tranh chấp với ai, năm nào cũng nộp thuế đất đủ nhưng chưa bao giờ được cấp sổ đỏ. Nay bố "
        "tôi muốn làm sổ để chia cho các chú. Cần những giấy tờ gì?"
    )
    result = real_matcher.match(story)
    assert "gcn-qsdd-lan-dau" in {s.entry_id for s in result.suggestions}


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("làm hộ chiếu ở Sài Gòn nộp ở đâu", "ho-chieu"),  # not a reform figure of TP.HCM
        ("làm căn cước ở Bình Dương cần gì", "can-cuoc"),  # not the thương binh records of "binh"
        ("khai sinh cho con ở Cần Thơ mất mấy ngày", "khai-sinh"),
    ],
)
def test_where_the_asker_lives_does_not_decide_the_procedure(real_matcher, question, entry):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer and result.entry.id == entry


def test_a_general_question_is_not_answered_with_one_places_reform_figure(real_matcher):
    general = real_matcher.match("những việc nào cần công khai minh bạch trong cải cách hành chính")
    assert general.outcome is not Outcome.answer
    assert "tphcm-cchc-2013-khau-dot-pha" in {s.entry_id for s in general.suggestions}
    named = real_matcher.match("tphcm năm 2013 chọn khâu đột phá cchc nào")
    assert named.outcome is Outcome.answer and named.entry.id == "tphcm-cchc-2013-khau-dot-pha"


def test_suggestions_are_the_top_three_at_most(real_matcher):
    result = real_matcher.match("giấy tờ đất đai")
    assert len(result.suggestions) <= 3
    if result.outcome is Outcome.suggest:
        assert result.entry is None and result.suggestions


def test_learned_alias_answers_at_once_and_undo_forgets(small_kb):
    matcher = Matcher(small_kb)
    question = "giấy thông hành đi nước ngoài"
    assert matcher.match(question).outcome is not Outcome.answer
    assert matcher.add_alias("ho-chieu", question)
    learned = matcher.match(question)
    assert (learned.outcome, learned.entry.id) == (Outcome.answer, "ho-chieu")
    matcher.remove_alias("ho-chieu", question)
    assert matcher.match(question).outcome is not Outcome.answer


def test_learned_alias_for_unknown_entry_is_refused(small_kb):
    assert not Matcher(small_kb).add_alias("khong-co", "bất kỳ")


def test_search_lists_entries_for_inline_mode(real_matcher):
    found = real_matcher.search("khai sinh", limit=10)
    assert found and found[0].entry_id == "khai-sinh"
    assert len(found) <= 10


def test_huge_input_is_cut_and_still_answered_fast(real_matcher):
    import time

    text = "đăng ký tạm trú " * 2000
    started = time.perf_counter()
    result = real_matcher.match(text[:500])
    assert time.perf_counter() - started < 1.0
    assert result.entry is None or result.entry.id == "tam-tru"


class _CountingText(str):
    """A text that counts how often it is compared for equality."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        type(self).compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_indexing_is_linear_in_one_entrys_aliases(small_kb):
    """Each alias of an entry is compared a bounded number of times, however many it has."""
    from dataclasses import replace

    from knowledge.loader import KnowledgeBase

    many = 4000
    entry = small_kb.entries["khai-sinh"]
    big = replace(
        small_kb,
        entries={**small_kb.entries, "khai-sinh": entry.model_copy(
            update={"aliases": [f"khai sinh mau {i}" for i in range(many)] * 2})},
        catalogue=(),
    )
    assert isinstance(big, KnowledgeBase)

    class Counting(Matcher):
        def analyse(self, text):
            analysis = super().analyse(text)

            class Wrapped:
                content_text = _CountingText(analysis.content_text)

                def __getattr__(self, name):
                    return getattr(analysis, name)

            return Wrapped()

    _CountingText.compared = 0
    matcher = Counting(big)
    assert _CountingText.compared <= 4 * many  # a list membership test would make ~many²/2
    assert len(matcher._texts[matcher._position["khai-sinh"]]) == many + 1
    assert matcher.match("khai sinh mau 17").entry.id == "khai-sinh"


def test_an_entry_alone_near_the_threshold_is_answered_only_when_it_holds_the_questions_words(
    real_matcher, monkeypatch
):
    from dataclasses import replace

    # scores moved so that each question falls between the "alone" score and the answer score
    banknote = "tien giay bi rach doi o dau"  # one record fits; no other is worth offering
    assert real_matcher.match(banknote).entry.id == "tthc-2-001077"
    # (the nearest rival scores 37.3)
    monkeypatch.setattr(real_matcher, "thresholds", replace(real_matcher.thresholds, answer=70.0, alone=55.0, suggest=38.0))
    result = real_matcher.match(banknote)
    assert result.outcome is Outcome.answer and result.entry.id == "tthc-2-001077"
    # "giá vàng" shares one word with "tạm vắng" once folded: offered at most, never answered
    monkeypatch.setattr(real_matcher, "thresholds", replace(real_matcher.thresholds, answer=50.0, alone=40.0))
    assert real_matcher.match("gia vang hom nay bao nhieu").outcome is not Outcome.answer
    # with a rival worth offering and near it, a choice stays the asker's; far behind (ALONE_GAP
    # points or more), the rival is no choice
    import knowledge.matcher as matcher_module

    monkeypatch.setattr(real_matcher, "thresholds", replace(real_matcher.thresholds, answer=70.0, alone=55.0, suggest=36.0))
    assert real_matcher.match(banknote).outcome is Outcome.answer
    monkeypatch.setattr(matcher_module, "ALONE_GAP", 100.0)
    monkeypatch.setattr(matcher_module, "ALONE_FAR_GAP", 100.0)
    assert real_matcher.match(banknote).outcome is not Outcome.answer


def test_an_entry_far_ahead_of_every_other_is_answered_a_little_lower(real_matcher, monkeypatch):
    import knowledge.matcher as matcher_module

    # the official record at about 40, the next entry at about 26: nothing else to offer
    question = "tiền bị rách, cháy mất một góc thì đổi ở đâu"
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer and result.entry.id == "tthc-2-001077"
    assert result.field == "agency"
    monkeypatch.setattr(matcher_module, "ALONE_FAR_GAP", 100.0)
    assert real_matcher.match(question).outcome is Outcome.suggest
    # a short question sharing one word with an entry is still not answered, nor one naming a
    # small part of the only record it fits ("thẻ ngân hàng" of the card issuers' codes)
    assert real_matcher.match("gia vang hom nay bao nhieu").outcome is not Outcome.answer
    assert real_matcher.match("thẻ ngân hàng bị khóa").outcome is not Outcome.answer


def test_a_contrast_phrase_is_not_read_where_its_folded_form_stands_for_other_words(real_matcher):
    from knowledge.normalize import written_forms

    # "hoạt động của" folds like "đóng cửa": the record is not about closing down
    position = next(i for i, t in enumerate(real_matcher._titles) if "hoạt động của" in t.lower()
                    and "đóng cửa" not in t.lower() and "chấm dứt" not in t.lower() and "giải thể" not in t.lower())
    assert "ending" not in real_matcher._entry_kinds(position).get("lifecycle", ())
    # "thuê nhà" (renting) typed with its marks is not "thuế" (tax); typed bare it may be either
    question = "thuê nhà ở trọ đăng ký tạm trú"
    content = [real_matcher.analyse(question).content]
    assert "duty" not in real_matcher._kinds_in(content, (written_forms(question)[0], frozenset()))
    assert real_matcher._kinds_in(content).get("duty") == frozenset({"tax"})


def test_an_entry_alone_whose_name_the_question_holds_is_answered_a_little_earlier(real_matcher):
    # the story words weigh the score down (42.5); the record's own name stands in the question
    result = real_matcher.match("ban be o que len choi ngu lai nha minh may dem thi thong bao luu tru the nao")
    assert result.outcome is Outcome.answer and result.entry.id == "tthc-2-001159"
    assert result.score < real_matcher.thresholds.alone


def test_a_message_that_would_be_offered_the_entry_just_answered_is_about_that_entry(real_matcher):
    from knowledge.matcher import Context

    question = "lam online het tren dien thoai duoc hong, xe Honda lap rap trong nuoc"
    alone = real_matcher.match(question)
    assert alone.outcome is Outcome.suggest and alone.suggestions[0].entry_id == "dang-ky-xe"
    result = real_matcher.match(question, context=Context("dang-ky-xe", "documents"))
    assert result.outcome is Outcome.answer and result.entry.id == "dang-ky-xe"
    assert result.field == "channels"


def test_a_record_changing_what_is_registered_yields_when_no_change_is_asked(real_matcher):
    # legal aid asked for is not a change of the person giving it
    asked = real_matcher.match("nguoi ngheo xin luat su tro giup phap ly mien phi")
    offered = [s.entry_id for s in asked.suggestions] if asked.entry is None else [asked.entry.id]
    assert offered[0] == "tthc-2-000829"
    # … and a change asked for still finds the change
    assert real_matcher.match("muon doi luat su tro giup phap ly khac").entry.id == "tthc-2-001687"
    assert real_matcher.match("tang von dieu le cong ty").entry.id == "tthc-2-002009"


def test_where_a_relative_travels_is_the_scene_not_the_procedure(real_matcher):
    result = real_matcher.match("em muon lam ho chieu cho me sang nhat tham con thi can giay to gi")
    assert result.outcome is Outcome.answer and (result.entry.id, result.field) == ("ho-chieu", "documents")
    # "quá hạn" folds like "qua Hàn": a late birth registration keeps its words
    late = real_matcher.match("dang ky khai sinh qua han cho con")
    assert late.outcome is Outcome.answer and late.entry.id == "khai-sinh"


def test_scene_phrases_are_every_way_before_every_place_but_the_exceptions():
    from knowledge.schema import Scenes

    scenes = Scenes.model_validate(
        {"ways": ["sang", "qua"], "places": ["Nhật", "Hàn"], "except": ["qua han"]}
    )
    assert scenes.phrases() == ["sang Nhật", "sang Hàn", "qua Nhật"]


def test_a_side_question_of_a_story_names_a_requirement_not_the_procedure(real_matcher):
    from knowledge.matcher import _main_question

    assert _main_question("doi thi can nhung giay to gi, co phai kham suc khoe khong a") == (
        "doi thi can nhung giay to gi"
    )
    assert _main_question("có cần khám sức khỏe không") == "có cần khám sức khỏe không"  # nothing else
    story = (
        "Tui hộ khẩu ở Đắk Lắk, bạn gái ở Đồng Nai, quen nhau hồi đi làm ở Bình Dương. Tết này tính "
        "làm đám cưới ở quê tui luôn. Giờ đăng ký kết hôn thì làm ở xã tui hay xã bển, có cần về quê "
        "bạn gái xin giấy xác nhận độc thân trước ko mn?"
    )
    result = real_matcher.match(story)
    assert result.outcome is Outcome.answer and result.entry.id == "ket-hon"


def test_working_abroad_alone_is_not_a_criminal_record_request(real_matcher):
    # a labour export programme is not in the base; the record certificate is one of its papers
    assert real_matcher.match("đi xuất khẩu lao động Nhật Bản cần làm thủ tục gì").outcome is not Outcome.answer
    asked = real_matcher.match("xin ly lich tu phap de di xuat khau lao dong")
    assert asked.outcome is Outcome.answer and asked.entry.id == "ly-lich-tu-phap"
    assert real_matcher.match("thu tuc di du hoc can gi").outcome is not Outcome.answer


@pytest.mark.parametrize(
    "question", ["bồi thường giải phóng mặt bằng được bao nhiêu tiền", "công chức bị kỷ luật thì sao"]
)
def test_what_a_curated_alias_is_about_is_not_the_entry_without_its_name(real_matcher, question):
    # "khiếu nại bồi thường giải phóng mặt bằng" names a complaint; the compensation alone is not one
    result = real_matcher.match(question)
    assert result.entry is None or result.entry.id != "khieu-nai"
    assert real_matcher.match("khieu nai boi thuong giai phong mat bang").entry.id == "khieu-nai"


def test_registering_for_the_school_leaving_exam_is_not_a_diploma_copy(real_matcher):
    result = real_matcher.match("dang ky thi tot nghiep thpt o dau")
    assert result.entry is None or result.entry.id != "ban-sao-van-bang"
    lost = real_matcher.match("mat bang tot nghiep cap 3 lam lai o dau")
    assert lost.outcome is Outcome.answer and lost.entry.id == "ban-sao-van-bang"


def test_a_translation_certified_is_not_a_diploma_copy(real_matcher):
    result = real_matcher.match("công chứng bản dịch tiếng anh bằng đại học ở đâu")
    assert result.entry is None or result.entry.id != "ban-sao-van-bang"
    assert real_matcher.match("xin bản sao bằng đại học").entry.id == "ban-sao-van-bang"


def test_opening_a_business_still_finds_a_curated_licence_that_covers_its_reissue(real_matcher):
    result = real_matcher.match("mở xe bán bánh mì có cần giấy atvstp ko ad")
    offered = [result.entry.id] if result.entry else [s.entry_id for s in result.suggestions]
    assert offered[:1] == ["an-toan-thuc-pham"]


def test_going_to_the_police_office_is_where_not_what(real_matcher):
    result = real_matcher.match("ho chieu nop tren dvc quoc gia dc ko hay phai len ca tinh")
    assert result.outcome is Outcome.answer and result.entry.id == "ho-chieu"


def test_an_entry_far_ahead_of_the_rest_is_answered_with_or_without_diacritics(real_matcher):
    # typed without diacritics a far rival reads a little closer; the entry is still alone
    for question in ("chuyển đi chỗ khác có bắt buộc xóa tạm trú ở chỗ cũ ko",
                     "chuyen di cho khac co bat buoc xoa tam tru o cho cu ko"):
        result = real_matcher.match(question)
        assert result.outcome is Outcome.answer and result.entry.id == "tthc-1-010028"


def test_a_story_saying_what_it_wants_in_chat_spelling_is_read_like_one_written_out(real_matcher):
    story = ("Chào ad, vợ e mới sinh bé thứ hai ở bệnh viện huyện dc một tuần, giờ e {} đi làm giấy "
             "khai sinh cho con nhưng chưa biết phải mang theo những giấy tờ gì, nhờ ad chỉ giúp")
    for wants in ("muốn", "mún"):
        result = real_matcher.match(story.format(wants))
        assert result.outcome is Outcome.answer and result.entry.id == "khai-sinh"


def test_a_question_closed_by_chi_asks_what(real_matcher):
    result = real_matcher.match("làm hộ chiếu ở công an tỉnh cần mang theo chi")
    assert result.outcome is Outcome.answer and (result.entry.id, result.field) == ("ho-chieu", "documents")


@pytest.mark.parametrize(
    ("question", "entry_id", "field"),
    [
        ("lam ho chieu lan dau o cong an tinh mat may bua", "ho-chieu", "processing_time"),
        ("tạm trú sắp hết hạn gia hạn ra sao", "tam-tru", "steps"),
    ],
)
def test_southern_ways_of_asking_the_time_and_the_steps(real_matcher, question, entry_id, field):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer and (result.entry.id, result.field) == (entry_id, field)


@pytest.mark.parametrize(
    ("question", "entry_id", "field"),
    [
        ("mo tiem cat toc dang ky ho kinh doanh lên đâu", "ho-kinh-doanh", "agency"),
        ("thi đậu sát hạch bằng lái xe máy lần đầu thì bao giờ thì xong có bằng", None, "processing_time"),
    ],
)
def test_more_ways_of_asking_where_and_when(real_matcher, question, entry_id, field):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer and result.field == field
    assert entry_id is None or result.entry.id == entry_id


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ("cần đem theo gì", "documents"), ("cần mấy loại giấy", "documents"),
        ("mất nhiêu tiền", "fee"), ("đóng tiền không", "fee"),
        ("chừng nào có", "processing_time"), ("khi nào nhận được", "processing_time"),
        ("hướng dẫn làm", "steps"), ("mấy ngàn một bản", "fee"), ("xong được cấp cái chi", "result"),
    ],
)
def test_everyday_ways_of_asking_a_part(real_matcher, asked, field):
    result = real_matcher.match(f"làm căn cước {asked}")
    assert result.outcome is Outcome.answer and (result.entry.id, result.field) == ("can-cuoc", field)


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("bố em mới mất thì đi kai tử ở đâu ạ", "khai-tu"),
        ("di lam an xa hon 1 thang khai bao tam vag o dau", None),  # "vắng": the absence record
        ("làm hộ chiếu ở công an tỉnh cần mag theo gì", "ho-chieu"),
    ],
)
def test_a_three_letter_word_missing_a_letter_is_corrected(real_matcher, question, entry_id):
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer
    assert entry_id is None or result.entry.id == entry_id
    assert entry_id is not None or "vang" in result.normalized


def test_a_typo_is_corrected_towards_the_word_the_base_uses_most(real_matcher):
    assert real_matcher._correct("kai") == "khai"
    assert real_matcher._correct("qoc") == "quoc"
    assert real_matcher._correct("luon") == "luon"  # a syllable typed plainly is not a typo


def test_a_storys_closing_question_is_read_as_written_in_that_sentence(real_matcher):
    # the story's "hỏi lại" must not count as another spelling of the licence's "lái"
    story = ("Nhà tôi ở xã bên, bố mẹ đã già, các con đi làm ăn xa cả, hôm trước tôi có lên ủy ban "
             "hỏi nhưng chưa rõ lắm nên hỏi lại ở đây. gplx bi rach nat doi o dau dc vay")
    result = real_matcher.match(story)
    assert result.outcome is Outcome.answer and result.entry.id == "giay-phep-lai-xe"
    assert result.query == story


def test_a_curated_name_held_whole_far_ahead_of_every_other_is_answered(real_matcher, monkeypatch):
    from dataclasses import replace

    question = "à tiệm có bán thêm bánh mì buổi sáng thì có cần giấy an toàn thực phẩm ko"
    result = real_matcher.match(question)
    assert result.outcome is Outcome.answer and result.entry.id == "an-toan-thuc-pham"
    assert result.field == "requirements"
    monkeypatch.setattr(real_matcher, "thresholds", replace(real_matcher.thresholds, named_floor=99.0))
    assert real_matcher.match(question).outcome is not Outcome.answer


def test_a_reform_figure_found_by_a_place_is_no_rival_to_a_procedure(real_matcher):
    # the figures of Hồ Chí Minh City share only the city's name with the question
    result = real_matcher.match("con học xong về quê rồi, xóa tạm trú ở Sài Gòn sao")
    assert result.outcome is Outcome.answer and result.entry.id == "tthc-1-010028"


def test_a_record_named_whole_beside_longer_variants_is_the_plain_one(real_matcher):
    # "… có yếu tố nước ngoài" and "giám sát việc giám hộ" only add words the question did not say
    result = real_matcher.match("đăng ký giám hộ cho đứa cháu mồ côi")
    assert result.outcome is Outcome.answer and result.entry.id == "tthc-1-004837"


def test_pulling_a_house_down_to_build_again_is_building_not_a_dam(real_matcher):
    # folded, "đập" (pull down) is also "đập" (a dam): the phrase is read as building a house
    result = real_matcher.match("nhà cũ quá muốn đập đi xây lại có cần xin phép không")
    assert result.outcome is Outcome.answer and result.entry.id == "giay-phep-xay-dung"
