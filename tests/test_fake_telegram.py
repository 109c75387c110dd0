"""End-to-end checks of tests/fake_telegram.py with a tiny real PTB echo bot."""

from __future__ import annotations

import html
import logging
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_telegram import (  # noqa: E402
    BOT_ID,
    BOT_USERNAME,
    NOT_MODIFIED,
    FakeBotApi,
    parse_telegram_html,
)

pytestmark = pytest.mark.asyncio

USER = 1001
BAD_DATA = "đ" * 32 + "a"  # 33 characters but 65 bytes in UTF-8
GOOD_DATA = "đ" * 32  # 64 bytes


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back, interpreted as HTML (so bad markup reaches the API)."""
    await update.message.reply_html(update.message.text)


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton("Thủ tục A", callback_data="a"),
         InlineKeyboardButton("Thủ tục B", callback_data=GOOD_DATA)],
        [InlineKeyboardButton("Cổng dịch vụ công", url="https://dichvucong.gov.vn")],
    ])
    await update.message.reply_html("<b>Chọn thủ tục</b>", reply_markup=keyboard)


async def bad_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Quá dài", callback_data=BAD_DATA)]])
    await update.message.reply_text("Nút lỗi", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Đã chọn")
    await query.edit_message_text(f"Bạn chọn: <b>{html.escape(query.data)}</b>",
                                  parse_mode=ParseMode.HTML)


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from telegram import InlineQueryResultArticle, InputTextMessageContent

    q = update.inline_query.query
    await update.inline_query.answer([
        InlineQueryResultArticle(id="1", title="Kết quả",
                                 input_message_content=InputTextMessageContent(
                                     f"<i>{html.escape(q)}</i>", parse_mode=ParseMode.HTML)),
    ])


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("errors", []).append(context.error)


@pytest_asyncio.fixture
async def api():
    async with FakeBotApi() as fake:
        yield fake


@pytest_asyncio.fixture
async def app(api: FakeBotApi):
    application: Application = (
        ApplicationBuilder().token(api.token).base_url(api.base_url)
        .base_file_url(api.base_file_url).build()
    )
    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(CommandHandler("bad_button", bad_button))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_error_handler(on_error)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def errors(app: Application) -> list[BaseException]:
    return app.bot_data.get("errors", [])


async def test_bot_identity_and_valid_reply(api: FakeBotApi, app: Application) -> None:
    assert app.bot.id == BOT_ID and app.bot.username == BOT_USERNAME
    assert app.bot.first_name == "Trợ lý TTHC" and app.bot.supports_inline_queries
    update = api.user_message(USER, "Xin chào <b>bạn</b> &amp; tôi")
    assert update["message"]["from"]["language_code"] == "vi"
    [reply] = await api.replies_to(USER)
    assert reply["text"] == "Xin chào bạn & tôi"
    assert reply["html"] == "Xin chào <b>bạn</b> &amp; tôi"
    assert reply["kind"] == "text" and reply["reply_markup"] is None
    assert reply["entities"] == [{"offset": 9, "length": 3, "type": "bold"}]
    quoted = await app.bot.send_message(USER, "trích dẫn",
                                        reply_to_message_id=update["message"]["message_id"])
    assert quoted.reply_to_message.text == "Xin chào <b>bạn</b> &amp; tôi"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await app.bot.send_message(USER, "x", reply_to_message_id=999)
    assert api.messages[(USER, reply["message_id"])] is reply
    assert reply["message_id"] == update["message"]["message_id"] + 1
    assert [r["description"] for r in api.refused] == [
        "Bad Request: message to be replied not found"]
    assert api.faults == []
    await api.drain(timeout=3)
    assert errors(app) == []


@pytest.mark.parametrize("text, fragment", [
    ("<foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("a & b", 'Unescaped "&"'),
    ("<b>đậm", 'Can\'t find end tag corresponding to start tag "b"'),
])
async def test_bad_html_is_refused(api: FakeBotApi, app: Application, text: str,
                                   fragment: str) -> None:
    api.user_message(USER, text)
    await api.drain(timeout=3)
    [refusal] = api.refused
    assert refusal["method"] == "sendMessage" and refusal["status"] == 400
    assert refusal["description"].startswith("Bad Request: can't parse entities: ")
    assert fragment in refusal["description"]
    assert refusal["params"]["text"] == text and refusal["params"]["chat_id"] == USER
    assert api.messages == {}
    [err] = errors(app)
    assert isinstance(err, BadRequest) and "parse entities" in err.message


async def test_too_long_and_empty_texts(api: FakeBotApi, app: Application) -> None:
    api.user_message(USER, "x" * 4097)
    await api.drain(timeout=3)
    assert [r["description"] for r in api.refused] == ["Bad Request: message is too long"]
    assert api.messages == {}
    api.reset_records()
    with pytest.raises(BadRequest, match="Message text is empty"):
        await app.bot.send_message(USER, "<b> </b>", parse_mode=ParseMode.HTML)
    msg = await app.bot.send_message(USER, "x" * 4096)
    assert len(msg.text) == 4096
    with pytest.raises(BadRequest, match="caption is too long"):
        await app.bot.send_photo(USER, b"\xff\xd8jpeg", caption="c" * 1025)


async def test_callback_data_limit_is_in_bytes(api: FakeBotApi, app: Application) -> None:
    api.user_message(USER, "/bad_button")
    await api.drain(timeout=3)
    assert [r["description"] for r in api.refused] == ["Bad Request: BUTTON_DATA_INVALID"]
    assert api.messages == {}
    api.user_message(USER, "/menu")
    [menu_msg] = await api.replies_to(USER)
    assert menu_msg["text"] == "Chọn thủ tục"
    buttons = menu_msg["reply_markup"]["inline_keyboard"]
    assert buttons[0][1]["callback_data"] == GOOD_DATA
    assert menu_msg["message"]["reply_markup"] == menu_msg["reply_markup"]
    with pytest.raises(BadRequest, match="Button_url_invalid"):
        await app.bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", url="ftp://example.com")]]))


async def test_callback_answer_once_and_edit_not_modified(api: FakeBotApi,
                                                          app: Application) -> None:
    api.user_message(USER, "/menu")
    [menu_msg] = await api.replies_to(USER)
    update = api.callback(USER, menu_msg["message_id"], "a", check_data=True)
    query_id = update["callback_query"]["id"]
    assert update["callback_query"]["message"]["text"] == "Chọn thủ tục"
    [edited] = await api.replies_to(USER, include_edits=True)
    assert edited["text"] == "Bạn chọn: a" and edited["reply_markup"] is None
    assert api.callback_answers[query_id]["text"] == "Đã chọn"
    assert api.messages[(USER, menu_msg["message_id"])]["history"][0]["text"] == "Chọn thủ tục"
    # a second answer to the same query is refused
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query("999")
    # editing to exactly the same content (text and no keyboard) is refused
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("Bạn chọn: <b>a</b>", chat_id=USER,
                                        message_id=menu_msg["message_id"],
                                        parse_mode=ParseMode.HTML)
    assert api.refused[-1]["description"] == NOT_MODIFIED
    # only the formatting changes: that is a modification
    await app.bot.edit_message_text("Bạn chọn: a", chat_id=USER,
                                    message_id=menu_msg["message_id"])
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=USER, message_id=999)
    await api.drain(timeout=3)
    assert errors(app) == []


async def test_faults_have_no_effect(api: FakeBotApi, app: Application) -> None:
    api.fail_rate = 1.0
    api.fail_methods = {"sendMessage"}
    api.user_message(USER, "xin chào")
    await api.drain(timeout=3)
    assert [(f["method"], f["status"], f["kind"]) for f in api.faults] == [
        ("sendMessage", 500, "error")]
    assert api.refused == [] and api.messages == {}
    assert not [c for c in api.calls if c["method"] == "sendMessage"]
    assert isinstance(errors(app)[-1], NetworkError)
    api.fail_rate = 0.0
    api.flood_rate, api.flood_methods, api.retry_after = 1.0, {"sendMessage"}, 3
    with pytest.raises(RetryAfter) as exc:
        await app.bot.send_message(USER, "x")
    assert "Retry in 3" in str(exc.value)  # PTB parsed parameters.retry_after
    assert api.faults[-1]["retry_after"] == 3
    assert api.faults[-1]["kind"] == "flood" and api.messages == {}
    api.flood_rate = 0.0
    api.user_message(USER, "lần nữa")
    [reply] = await api.replies_to(USER)
    assert reply["text"] == "lần nữa"


async def test_fault_rate_is_repeatable() -> None:
    async with FakeBotApi(seed=7) as one, FakeBotApi(seed=7) as two:
        draws = []
        for fake in (one, two):
            fake.fail_rate = 0.3
            draws.append([fake._draw_fault("sendMessage") is not None for _ in range(50)])
        assert draws[0] == draws[1] and 5 < sum(draws[0]) < 30
        assert one._draw_fault("getUpdates") is None and one._draw_fault("getMe") is None


async def test_groups_media_inline_and_commands(api: FakeBotApi, app: Application) -> None:
    group = api.user_message(USER, f"@{BOT_USERNAME} thủ tục", chat_type="supergroup")
    chat_id = group["message"]["chat"]["id"]
    assert chat_id < 0 and group["message"]["chat"]["type"] == "supergroup"
    assert group["message"]["entities"] == [{"type": "mention", "offset": 0, "length": 14}]
    [reply] = await api.replies_to(chat_id)
    assert reply["text"] == f"@{BOT_USERNAME} thủ tục"

    command = api.user_message(USER, "/start@trolytthc_bot")
    assert command["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 20}]

    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(424242, "x")

    doc = await app.bot.send_document(USER, InputFile(b"%PDF-1.4 ho so", filename="hs.pdf"),
                                      caption="<b>Hồ sơ</b>", parse_mode=ParseMode.HTML)
    rec = api.messages[(USER, doc.message_id)]
    assert rec["kind"] == "document" and rec["file_bytes"] == b"%PDF-1.4 ho so"
    assert rec["filename"] == "hs.pdf" and rec["caption"] == "Hồ sơ"
    assert doc.document.file_name == "hs.pdf"
    downloaded = await (await app.bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"%PDF-1.4 ho so"

    inline = api.inline_query(USER, "hộ tịch")
    qid = inline["inline_query"]["id"]
    await api.wait_for(lambda c: c["method"] == "answerInlineQuery", timeout=3)
    assert api.inline_answers[qid]["results"][0]["title"] == "Kết quả"

    await app.bot.set_my_commands([("start", "Bắt đầu"), ("tra_cuu", "Tra cứu thủ tục")])
    assert [c["command"] for c in api.commands[api.scope_key()]] == ["start", "tra_cuu"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await app.bot.set_my_commands([("Start", "x")])
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "tra_cuu"]
    await api.drain(timeout=3)
    assert errors(app) == []


async def test_raw_protocol_errors(api: FakeBotApi, app: Application) -> None:
    with pytest.raises(EndPointNotFound):
        await app.bot.do_api_request("noSuchMethod")
    request = HTTPXRequest()
    await request.initialize()
    wrong = Bot("999:WRONG", base_url=api.base_url, request=request)
    try:
        with pytest.raises(InvalidToken):
            await wrong.get_me()
    finally:
        await request.shutdown()


async def test_html_parser_unit() -> None:
    assert parse_telegram_html("<i>a</i>&lt;b&gt;") == (
        "a<b>", [{"offset": 0, "length": 1, "type": "italic"}])
    assert parse_telegram_html("a & b", strict=False)[0] == "a & b"


@pytest.fixture(autouse=True)
def _quiet_ptb_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="telegram")
