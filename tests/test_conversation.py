"""How people really write: follow-ups, small talk, honest refusals, word collisions (no Telegram)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bot import texts
from bot.context import ChatContexts
from bot.replies import match_reply
from bot.storage import Storage
from knowledge import Outcome
from knowledge.matcher import NO_FACT, NO_TOPIC, Context, next_context
from knowledge.normalize import fold

CAN_CUOC = Context("can-cuoc", "documents")


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("còn lệ phí thì sao?", "fee"),
        ("mất bao lâu?", "processing_time"),
        ("nộp ở đâu", "agency"),
        ("làm online được không", "channels"),
        ("cần giấy tờ gì", "documents"),
        ("con le phi thi sao", "fee"),
        ("vậy bao nhiêu tiền", "fee"),
    ],
)
def test_a_follow_up_answers_that_part_of_the_last_entry(real_matcher, message, field):
    result = real_matcher.match(message, context=CAN_CUOC)
    assert result.outcome is Outcome.answer and result.followup
    assert (result.entry.id, result.field) == ("can-cuoc", field)


def test_a_follow_up_whose_words_the_answer_holds_across_its_parts_stays_on_it(real_matcher):
    # "chủ trọ", "sổ hồng" are in the documents and conditions of a temporary residence
    result = real_matcher.match(
        "nếu chủ trọ không cho mượn sổ hồng thì sao", context=Context("tam-tru", "documents")
    )
    assert result.outcome is Outcome.answer and result.followup and result.entry.id == "tam-tru"


@pytest.mark.parametrize(
    ("entry", "message", "field"),
    [
        ("chung-thuc-ban-sao", "phải mang theo bản gốc không", "documents"),  # bản gốc: bản chính
        ("ly-lich-tu-phap", "gửi kết quả về nhà cho tôi được không", "channels"),
        ("khai-sinh", "nộp cho xã hay nộp cho huyện", "agency"),
    ],
)
def test_everyday_follow_ups_answer_the_part_they_ask(real_matcher, entry, message, field):
    result = real_matcher.match(message, context=Context(entry, "fee"))
    assert result.outcome is Outcome.answer and result.followup
    assert (result.entry.id, result.field) == (entry, field)


def test_a_new_topic_replaces_the_context(real_matcher):
    result = real_matcher.match("làm hộ chiếu cần gì", context=CAN_CUOC)
    assert result.entry.id == "ho-chieu" and not result.followup
    assert next_context(result, CAN_CUOC) == Context("ho-chieu", "documents")


def test_same_question_about_another_entry_keeps_the_asked_part(real_matcher):
    result = real_matcher.match("còn hộ chiếu thì sao?", context=Context("can-cuoc", "fee"))
    assert (result.entry.id, result.field) == ("ho-chieu", "fee")


def test_an_unrelated_question_is_not_read_as_a_follow_up(real_matcher):
    result = real_matcher.match("giá vàng hôm nay", context=CAN_CUOC)
    assert result.outcome is not Outcome.answer


def test_a_part_asked_without_context_asks_which_procedure(real_matcher):
    result = real_matcher.match("còn lệ phí thì sao?")
    assert result.outcome is Outcome.not_found and result.reason == NO_TOPIC
    reply = match_reply(result, ref="r1")
    assert "lệ phí của thủ tục nào" in reply.text
    assert texts.NOT_FOUND_LOGGED not in reply.text  # nothing goes to review


def test_con_is_not_con_and_sao_is_not_a_copy(real_matcher):
    """"còn … thì sao" asks about the last answer; "con" (child) and "bản sao" keep their meaning."""
    assert real_matcher.match("còn lệ phí thì sao?", context=CAN_CUOC).entry.id == "can-cuoc"
    assert real_matcher.match("con mới sinh làm giấy gì").entry.id == "khai-sinh"
    assert real_matcher.match("xin bản sao giấy khai sinh ở đâu").entry.id == "trich-luc-ho-tich"
    assert real_matcher.match("sao y bản chính ở đâu").entry.id == "chung-thuc-ban-sao"


def test_mat_is_lost_before_a_paper_and_died_after_a_person(real_matcher):
    assert real_matcher.match("mất căn cước làm lại ở đâu").entry.id == "can-cuoc"
    assert real_matcher.match("bố vừa mất làm giấy gì").entry.id == "khai-tu"
    assert real_matcher.match("người thân qua đời thì làm thủ tục gì").entry.id == "khai-tu"
    assert real_matcher.match("làm căn cước mất bao lâu").field == "processing_time"


def test_no_synonym_key_changes_an_alias_it_collides_with(real_kb, real_matcher):
    """Every word that folds like a synonym key but is written differently ("còn"/"con",
    "hông"/"hồng", "vậy"/"vay"): each alias holding that word is still found as its entry."""
    syn = real_kb.synonyms
    keys = {
        k for k in (*syn.abbreviations, *syn.phrases, *syn.all_fillers(), *syn.light,
                    *itertools.chain.from_iterable(syn.smalltalk.values()),
                    *itertools.chain.from_iterable(syn.followup.values()))
        if len(k.split()) == 1
    }
    folded_keys = {fold(k): k for k in keys}
    pairs: set[tuple[str, str]] = set()
    aliases: dict[str, list[tuple[str, str]]] = {}
    for entry in real_kb.entries.values():
        for alias in entry.aliases:
            for word in alias.lower().split():
                word = word.strip(",.?!()")
                key = folded_keys.get(fold(word))
                if key and word != key.lower() and not word.isascii() and not key.isascii():
                    pairs.add((key, word))
                    aliases.setdefault(word, []).append((alias, entry.id))
    assert pairs, "the synonyms and aliases create collisions; the test must see them"
    wrong = []
    for _key, word in sorted(pairs):
        for alias, entry_id in aliases[word]:
            result = real_matcher.match(alias)
            if result.entry is None or result.entry.id != entry_id:
                wrong.append((word, alias, entry_id, result.entry.id if result.entry else None))
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("cảm ơn nhé", "thanks"),
        ("xin chào", "greeting"),
        ("bạn là ai", "who"),
        ("bạn làm được gì", "capabilities"),
        ("bot ngu", "rude"),
        ("ok", "ok"),
        # about the bot, whatever else matches loosely
        ("Bạn có thể giúp tôi những việc gì?", "capabilities"),
        ("ban la nguoi that hay may", "who"),
        ("tra loi nhu cc", "rude"),
        ("bạn là người thật hay chỉ là máy trả lời tự động vậy", "who"),
        ("bot này trả lời chán thật sự", "rude"),
        ("cảm ơn bạn nhiều nha, thông tin rất hữu ích", "thanks"),
        # the Centre's "mi" (you) and "rứa"; a complaint typed in the South's words
        ("mi la ai rua", "who"),
        ("bot gì ngu quá, hỏi hoài hổng trả lời dc cái nào", "rude"),
    ],
)
def test_small_talk_gets_a_fitting_reply(real_matcher, message, kind):
    result = real_matcher.match(message)
    assert result.outcome is Outcome.smalltalk and result.smalltalk == kind
    reply = match_reply(result, ref="r1")
    assert reply.text == match_reply(result).text
    assert "Xin lỗi, tôi chưa có thông tin" not in reply.text
    assert texts.NOT_FOUND_LOGGED not in reply.text


def test_small_talk_around_a_question_still_answers_it(real_matcher):
    result = real_matcher.match("chào bạn, cho hỏi làm hộ chiếu cần gì")
    assert result.outcome is Outcome.answer and result.entry.id == "ho-chieu"
    # "tiện hỏi luôn" (while I am at it) opens a question, it is not its topic
    result = real_matcher.match("tiện hỏi luôn tui đi xklđ cần lý lịch tư pháp thì làm sao")
    assert result.outcome is Outcome.answer and result.entry.id == "ly-lich-tu-phap"


@pytest.mark.parametrize(
    "question",
    [
        "thẻ ngân hàng bị khóa",
        "cấp giấy phép hành nghề khám chữa bệnh",
        "đăng ký nghĩa vụ quân sự",
        "giá vàng hôm nay",
    ],
)
def test_one_shared_generic_word_is_not_an_answer(real_matcher, question):
    assert real_matcher.match(question).outcome is not Outcome.answer


def test_a_long_message_finds_the_procedure_from_its_key_content(real_matcher):
    message = (
        "Nhà em mới chuyển về ở với ông bà ngoại được mấy tháng, giờ muốn nhập khẩu cho cả nhà "
        "vào nhà ông bà thì cần mang theo giấy tờ gì ạ"
    )
    result = real_matcher.match(message)
    assert (result.entry.id, result.field) == ("thuong-tru", "documents")
    story = (
        "Sáng nay đi chợ em bị giật túi, mất hết ví, trong đó có thẻ căn cước gắn chíp. Tuần sau "
        "em phải đi làm thủ tục ngân hàng, hàng xóm bảo lên phường hỏi nhưng em đi làm cả ngày. "
        "Giờ làm lại căn cước thì nộp ở đâu ạ?"
    )
    assert len(story) <= 500
    assert real_matcher.match(story).entry.id == "can-cuoc"


def test_refusal_text_fits_the_message(real_matcher):
    short = match_reply(real_matcher.match("giá vàng hôm nay"), ref="r1").text
    assert texts.NOT_FOUND_LOGGED in short  # it goes to review
    assert "ngắn gọn hơn" not in short
    assert "dichvucong.gov.vn" in short
    long = (
        "Sáng nay tôi đi chợ mua rau rồi ngồi uống cà phê với mấy ông bạn hàng xóm, cả đám cãi "
        "nhau mãi về trận bóng đá tối qua, tôi muốn biết tối nay đội tuyển đá với đội nào lúc mấy giờ"
    )
    result = real_matcher.match(long)
    assert result.outcome is Outcome.not_found
    assert "ngắn gọn hơn" in match_reply(result, ref="r2").text


def test_a_reform_question_matching_no_fact_says_what_is_available(real_matcher):
    result = real_matcher.match("An Giang PAPI 2016")
    assert result.outcome is Outcome.not_found and result.reason == NO_FACT
    assert {e.id for e in result.available} == {"an-giang-papi-2011", "an-giang-papi-2014"}
    text = match_reply(result, ref="r1").text
    assert "19/63" in text and "49/63" in text


def test_a_question_several_entries_fit_asks_which_one(real_matcher):
    result = real_matcher.match("chứng thực")
    assert result.outcome is Outcome.clarify and len(result.suggestions) >= 2
    reply = match_reply(result, ref="r1")
    assert reply.text == texts.CLARIFY and len(reply.buttons) == len(result.suggestions[:3])


def test_online_question_is_answered_with_the_channels(real_matcher):
    result = real_matcher.match("làm hộ chiếu online được không")
    assert (result.entry.id, result.field) == ("ho-chieu", "channels")
    text = match_reply(result).text
    assert text.split("\n")[2].startswith("🌐 Cách thức nộp")
    assert "Trực tuyến" in text


def test_a_field_answer_is_short(real_matcher):
    result = real_matcher.match("lệ phí làm hộ chiếu")
    text = match_reply(result).text
    assert "💰 Phí, lệ phí" in text
    assert "📄 Hồ sơ" not in text and "🏛 Nơi nộp" not in text  # behind the buttons


def test_context_is_stored_per_chat_and_expires_after_30_minutes():
    storage = Storage("sqlite://")
    contexts = ChatContexts(storage)
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    contexts.put("chat-a", Context("can-cuoc", "fee"), now=now)
    assert contexts.get("chat-a", now=now + dt.timedelta(minutes=29)) == Context("can-cuoc", "fee")
    assert contexts.get("chat-b", now=now) is None
    assert contexts.get("chat-a", now=now + dt.timedelta(minutes=31)) is None
    contexts.put("chat-a", Context("ho-chieu"), now=now)
    assert contexts.get("chat-a", now=now) == Context("ho-chieu", None)
    assert contexts.forget_older(now=now + dt.timedelta(hours=1)) == 1


@pytest.mark.parametrize(
    ("question", "not_this"),
    [
        ("chuyen truong tieu hoc cho con lop 3", "chuyen-truong"),  # the entry is for THCS
        ("Mất thẻ ATM thì làm lại ở đâu?", "the-bhyt"),
        ("xin visa du lịch Mỹ cần giấy tờ gì", "ho-chieu"),
        ("Mua bảo hiểm xe máy bắt buộc ở đâu", "dang-ky-xe"),
        ("xin cap chung chi hanh nghe kham benh cho bac si", "tthc-1-003915"),  # auctioneers
        ("bằng đại học bị in sai tên, muốn xin đính chính thì làm sao", "ban-sao-van-bang"),
        ("phúc khảo bài thi tốt nghiệp cấp 3 ở đâu", "ban-sao-van-bang"),  # copies, not marks
        ("hợp pháp hóa lãnh sự bằng đại học để đi làm ở Hàn Quốc", "ban-sao-van-bang"),
        ("xin xác định mức độ khuyết tật cho bố ở đâu", "tro-cap-xa-hoi"),  # not the allowance
    ],
)
def test_another_kind_of_the_same_thing_is_not_that_entry(real_matcher, question, not_this):
    result = real_matcher.match(question)
    assert result.entry is None or result.entry.id != not_this
    assert result.outcome is not Outcome.answer


def test_a_torn_licence_is_exchanged_as_a_licence_not_as_a_banknote(real_matcher):
    result = real_matcher.match("bằng lái bị rách nát đổi ở đâu")
    assert result.outcome is Outcome.answer and result.entry.id == "giay-phep-lai-xe"
    assert result.field == "agency"


def test_the_kind_named_picks_the_entry(real_matcher):
    assert real_matcher.match("hộ chiếu cho trẻ em dưới 14 tuổi").entry.id == "ho-chieu"
    assert real_matcher.match("chuyen truong cap 2 cho con").entry.id == "chuyen-truong"


def test_words_typed_with_other_diacritics_are_other_words(real_matcher):
    """"vàng" (gold) folds like "vắng" (absent): with its diacritics typed it is not "tạm vắng"."""
    result = real_matcher.match("giá vàng hôm nay")
    assert result.outcome is Outcome.not_found
    assert all(s.entry_id != "tthc-1-003677" for s in result.suggestions)
    assert real_matcher.match("khai báo tạm vắng").entry.id == "tthc-1-003677"


def test_diacritics_are_read_whatever_their_placement_and_normal_form():
    import unicodedata

    from knowledge.normalize import written_forms

    old, new = written_forms("hoà giải")[0], written_forms("hòa giải")[0]
    assert old == new
    assert written_forms(unicodedata.normalize("NFD", "thẻ căn cước"))[0] == written_forms(
        "thẻ căn cước"
    )[0]


def test_no_colloquial_phrase_rewrites_many_official_titles(real_kb):
    """A phrase people use ("nhập khẩu" = register a household) must not rewrite official titles
    that mean something else ("nhập khẩu hàng hóa" = import goods)."""
    from knowledge.schema import NationalProcedure

    titles = [f" {fold(e.title)} " for e in real_kb.entries.values() if isinstance(e, NationalProcedure)]
    crowded = {
        key: sum(1 for t in titles if f" {fold(key)} " in t)
        for key in real_kb.synonyms.phrases
    }
    assert titles
    assert {k: n for k, n in crowded.items() if n > 0.01 * len(titles)} == {}


def test_a_record_a_curated_entry_covers_is_answered_by_that_entry(real_matcher, real_kb):
    from knowledge.matcher import codes_of

    curated = real_kb.entries["khai-sinh"]
    [code] = codes_of(curated)[:1]
    record = next(e for e in real_kb.entries.values() if getattr(e, "code", None) == code
                  and e.id != "khai-sinh")
    result = real_matcher.match(record.title)
    assert result.entry.id == "khai-sinh"
    assert code in codes_of(result.entry)


@pytest.mark.parametrize(
    ("message", "small"),
    [
        ("tạm vắng ạ", False),  # "vắng" is not "vâng": another letter
        ("vâng ạ", True),
        ("đươc rồi", True),  # a tone mark left out is still "được rồi"
        ("oki", True),
        ("bạn tên là gì", True),
        ("chúc ngủ ngon", True),
    ],
)
def test_small_talk_is_told_from_a_question_by_its_letters(real_matcher, message, small):
    assert (real_matcher.match(message).outcome is Outcome.smalltalk) is small


def test_small_talk_beside_a_part_asked_is_a_follow_up(real_matcher):
    result = real_matcher.match("cảm ơn nhé, nộp ở đâu", context=CAN_CUOC)
    assert result.outcome is Outcome.answer and (result.entry.id, result.field) == ("can-cuoc", "agency")


@pytest.mark.parametrize("message", ["mất bao nhiêu ngày", "mat bao nhieu thoi gian vay", "mất mấy hôm"])
def test_the_time_asked_with_mat_is_the_processing_time_of_the_last_answer(real_matcher, message):
    result = real_matcher.match(message, context=CAN_CUOC)
    assert result.outcome is Outcome.answer and (result.entry.id, result.field) == ("can-cuoc", "processing_time")


def test_a_follow_up_naming_another_procedures_title_moves_to_it(real_matcher):
    # the birth entry mentions registering the child's residence; the question names that procedure
    birth = Context("khai-sinh", "documents")
    result = real_matcher.match("the con nhap ho khau cho chau vao nha ong ba thi lam sao", context=birth)
    assert result.outcome is Outcome.answer and result.entry.id == "thuong-tru"
    # words the last answer holds, naming no other procedure, stay with it
    again = real_matcher.match("còn cho trẻ em thì sao", context=CAN_CUOC)
    assert again.entry is not None and again.entry.id == "can-cuoc"


@pytest.mark.parametrize(
    ("entry_id", "message"),
    [
        ("dang-ky-xe", "bao lau thi co bien"),  # "biển số" is read as the registration it names
        ("dich-vu-cong-truc-tuyen", "cần tài khoản j"),
        ("thuong-tru", "chủ nhà phải ký j ko"),
    ],
)
def test_a_short_question_on_words_the_last_answer_writes_is_about_it(real_matcher, entry_id, message):
    result = real_matcher.match(message, context=Context(entry_id, "documents"))
    assert result.outcome is Outcome.answer and result.entry.id == entry_id


def test_how_it_goes_asked_on_the_last_answers_words_is_about_it(real_matcher):
    result = real_matcher.match("het han 2 nam roi thi gia han sao", context=Context("tam-tru", "channels"))
    assert result.outcome is Outcome.answer and result.entry.id == "tam-tru"


@pytest.mark.parametrize(("message", "field"), [("bên nào cấp", "agency"), ("có phải chụp ảnh không", None)])
def test_short_follow_ups_on_an_identity_card_answer(real_matcher, message, field):
    result = real_matcher.match(message, context=CAN_CUOC)
    assert result.outcome is Outcome.answer and result.entry.id == "can-cuoc"
    assert field is None or result.field == field
