"""A local stand-in for the Telegram Bot API, for end-to-end tests.

``FakeBotApi`` is an aiohttp server on 127.0.0.1 (ephemeral port) that speaks the
Bot API wire protocol the way python-telegram-bot (PTB) uses it:

* requests are ``POST /bot<token>/<method>`` (``GET`` also works) with the parameters
  form-encoded (strings as-is, every other value JSON-encoded, see PTB's
  ``RequestParameter.json_value``) or as ``multipart/form-data`` when files are uploaded;
  JSON bodies are accepted too;
* answers are ``{"ok": true, "result": ...}`` or
  ``{"ok": false, "error_code": N, "description": "..."}`` (plus
  ``"parameters": {"retry_after": N}`` for 429), which PTB turns into ``BadRequest``,
  ``RetryAfter``, ``InvalidToken``, ``NetworkError`` ...

It refuses what Telegram refuses (bad HTML, empty/too long texts, invalid inline
keyboards, edits that change nothing, stale callback queries ...), records every call,
refusal and injected fault, and offers helpers to push realistic updates and to wait for
the bot's replies.

Typical use::

    async with FakeBotApi() as api:
        app = (ApplicationBuilder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url).build())
        ...
        api.user_message(1001, "/start")
        [reply] = await api.replies_to(1001)
        assert "Xin chào" in reply["text"]

Everything runs on the event loop that called :meth:`FakeBotApi.start`; the helper
methods are not thread-safe and must be called from that loop (i.e. from the test).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import mimetypes
import random
import re
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "FakeBotApi",
    "NOT_MODIFIED",
    "QUERY_TOO_OLD",
    "TelegramHtmlError",
    "parse_telegram_html",
]

_LOG = logging.getLogger("fake_telegram")

BOT_ID = 123456
BOT_USERNAME = "trolytthc_bot"
BOT_FIRST_NAME = "Trợ lý TTHC"
DEFAULT_TOKEN = f"{BOT_ID}:TEST-TOKEN"

# Telegram's descriptions (the ones PTB shows, minus "Bad Request: " and capitalised).
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_NOT_FOUND = "Bad Request: chat not found"
TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200

# Parameters that PTB sends as raw strings (never JSON-encoded); everything else is
# JSON-decoded when possible (ints, bools, dicts, lists), otherwise kept as a string.
_STRING_PARAMS = frozenset(
    ["text", "caption", "parse_mode", "callback_query_id", "inline_query_id", "inline_message_id", "url", "secret_token", "title", "description", "short_description", "name", "emoji", "action", "photo", "document", "audio", "video", "voice", "sticker", "animation", "video_note", "thumbnail", "file_id", "language_code", "next_offset", "switch_pm_text", "switch_pm_parameter", "business_connection_id", "message_effect_id", "ip_address", "certificate", "question", "explanation", "phone_number", "first_name", "last_name", "vcard", "address", "foursquare_id", "foursquare_type", "google_place_id", "google_place_type", "custom_emoji_id", "sticker_set_name", "username", "invite_link", "payload", "currency", "provider_token", "start_parameter", "game_short_name", "error_message", "shipping_query_id", "pre_checkout_query_id"]
)

# Methods that never get injected faults.
_FAULT_EXEMPT = frozenset({"getUpdates", "getMe"})

_INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)

_CHAT_ACTIONS = frozenset(
    ["typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"]
)

_SCOPE_TYPES = frozenset(
    ["default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators", "chat_member"]
)

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_BUTTON_URL_RE = re.compile(r"^(?:(?:https?)://[^\s/?#]+[^\s]*|tg://[^\s]+)$", re.IGNORECASE)
_BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@/])@[A-Za-z0-9_]{4,32}(?![A-Za-z0-9_])")

_FIRST_NAMES = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Minh", "Nam", "Phương",
                "Quân", "Thảo", "Trang", "Tuấn", "Vy"]
_LAST_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng"]


def _u16(s: str) -> int:
    """Length of ``s`` in UTF-16 code units (Telegram's unit for entity offsets)."""
    return len(s.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------
# HTML parse mode (modelled on tdlib's parse_html, which the Bot API server uses)
# --------------------------------------------------------------------------------------


class TelegramHtmlError(ValueError):
    """Raised by :func:`parse_telegram_html`; ``str(exc)`` is tdlib's message, e.g.
    ``Unsupported start tag "foo" at byte offset 12``."""


_SUPPORTED_TAGS = frozenset(
    ["a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "tg-emoji", "pre", "code", "blockquote"]
)
_SPACE = " \t\r\n\v\0"  # tdlib's is_space, which also counts NUL (the end of the string)


def _decode_html_entity(src: str, pos: int) -> tuple[str | None, int]:
    """tdlib's decode_html_entity: ``&lt; &gt; &amp; &quot; &#NNN; &#xHH;`` (the ``;`` is
    optional). Returns (character, next position) or (None, pos)."""
    n = len(src)
    end = pos + 1
    if end < n and src[end] == "#":
        end += 1
        value = 0
        if end < n and src[end] == "x":
            end += 1
            while end < n and src[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(src[end], 16)
                end += 1
                if end - pos > 12:
                    break
        else:
            while end < n and src[end].isascii() and src[end].isdigit():
                value = value * 10 + int(src[end])
                end += 1
                if end - pos > 12:
                    break
        if value == 0 or value >= 0x10FFFF or end - pos >= 10 or 0xD800 <= value <= 0xDFFF:
            return None, pos
        ch = chr(value)
    else:
        while end < n and src[end].isascii() and src[end].isalpha():
            end += 1
        ch = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(src[pos + 1:end])
        if ch is None:
            return None, pos
    if end < n and src[end] == ";":
        end += 1
    return ch, end


def parse_telegram_html(src: str, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML like the Bot API does with ``parse_mode="HTML"``.

    Returns ``(plain_text, entities)`` where entities are Bot API MessageEntity dicts with
    UTF-16 offsets. Raises :class:`TelegramHtmlError` with tdlib's wording.

    With ``strict=True`` (the default) two things real Telegram tolerates are refused too,
    as the project's test brief requires: a bare ``&`` that is not a supported entity
    (tdlib keeps it literally) and ``<a>`` without a non-empty ``href`` (tdlib uses the
    text as the URL, or drops the link).
    """
    n = len(src)

    def at(k: int) -> str:
        return src[k] if k < n else "\0"

    def boff(k: int) -> int:
        return len(src[:k].encode("utf-8", "surrogatepass"))

    out: list[str] = []
    u16 = 0
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = src[i]
        if c == "&":
            ch, j = _decode_html_entity(src, i)
            if ch is not None:
                out.append(ch)
                u16 += _u16(ch)
                i = j
                continue
            if strict:
                raise TelegramHtmlError(
                    f'Unescaped "&" at byte offset {boff(i)}: only &lt; &gt; &amp; &quot; '
                    "and numeric entities are supported"
                )
        if c != "<":
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            # ---- start tag
            tag_end = i
            while at(tag_end) not in _SPACE and at(tag_end) != ">":
                tag_end += 1
            if tag_end >= n:
                raise TelegramHtmlError(f"Unclosed start tag at byte offset {boff(begin)}")
            tag = src[i:tag_end].lower()
            if tag not in _SUPPORTED_TAGS:
                raise TelegramHtmlError(
                    f'Unsupported start tag "{tag}" at byte offset {boff(begin)}'
                )
            i = tag_end
            attrs: dict[str, str | None] = {}
            while at(i) != ">":
                while i < n and at(i) in _SPACE:
                    i += 1
                if at(i) == ">":
                    break
                if i >= n:
                    raise TelegramHtmlError(
                        f'Unclosed start tag "{tag}" at byte offset {boff(begin)}'
                    )
                attr_begin = i
                while at(i) not in _SPACE and at(i) not in "=>":
                    i += 1
                attr_name = src[attr_begin:i]
                if not attr_name:
                    raise TelegramHtmlError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {boff(begin)}'
                    )
                while i < n and at(i) in _SPACE:
                    i += 1
                if i >= n:
                    raise TelegramHtmlError(
                        f'Unclosed start tag "{tag}" at byte offset {boff(begin)}'
                    )
                if at(i) != "=":
                    if tag == "blockquote" and attr_name == "expandable":
                        attrs[attr_name] = None
                        continue
                    raise TelegramHtmlError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {boff(begin)}'
                    )
                i += 1
                while i < n and at(i) in _SPACE:
                    i += 1
                if i >= n:
                    raise TelegramHtmlError(f"Unclosed start tag at byte offset {boff(begin)}")
                if at(i) not in "'\"":
                    token_begin = i
                    while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                        i += 1
                    value = src[token_begin:i].lower()
                    if at(i) not in _SPACE and at(i) != ">":
                        raise TelegramHtmlError(
                            f"Unexpected end of name token at byte offset {boff(token_begin)}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    buf: list[str] = []
                    while i < n and at(i) != quote:
                        if at(i) == "&":
                            ch, j = _decode_html_entity(src, i)
                            if ch is not None:
                                buf.append(ch)
                                i = j
                                continue
                        buf.append(at(i))
                        i += 1
                    if i < n and at(i) == quote:
                        i += 1
                    value = "".join(buf)
                if i >= n:
                    raise TelegramHtmlError(f"Unclosed start tag at byte offset {boff(begin)}")
                attrs[attr_name] = value

            if tag == "span" and attrs.get("class") != "tg-spoiler":
                raise TelegramHtmlError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {boff(begin)}'
                )
            if strict and tag == "a" and not attrs.get("href"):
                raise TelegramHtmlError(
                    f'Tag "a" must have a non-empty "href" attribute at byte offset {boff(begin)}'
                )
            stack.append(
                {"tag": tag, "attrs": attrs, "offset": u16, "out": len(out), "begin": begin}
            )
            i += 1  # skip '>'
            continue

        # ---- end tag
        if not stack:
            raise TelegramHtmlError(f"Unexpected end tag at byte offset {boff(begin)}")
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        end_name = src[begin + 2:i]
        while i < n and at(i) in _SPACE:
            i += 1
        if at(i) != ">" or i >= n:
            raise TelegramHtmlError(f"Unclosed end tag at byte offset {boff(begin)}")
        top = stack[-1]
        if end_name and end_name != top["tag"]:
            raise TelegramHtmlError(
                f"Unmatched end tag at byte offset {boff(begin)}, expected "
                f'"</{top["tag"]}>", found "</{end_name}>"'
            )
        stack.pop()
        i += 1
        _close_entity(top, u16, "".join(out[top["out"]:]), entities)

    if stack:
        raise TelegramHtmlError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), _finish_entities(entities)


def _close_entity(top: dict[str, Any], u16_now: int, inner: str,
                  entities: list[dict[str, Any]]) -> None:
    tag, attrs, offset = top["tag"], top["attrs"], top["offset"]
    length = u16_now - offset
    if tag == "tg-emoji":
        emoji_id = attrs.get("emoji-id") or ""
        if not (emoji_id.isascii() and emoji_id.isdigit() and 0 < int(emoji_id) < 2**63):
            raise TelegramHtmlError("Invalid custom emoji identifier specified")
    if length <= 0:
        return
    simple = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
              "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
              "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler"}
    ent: dict[str, Any] = {"offset": offset, "length": length}
    if tag in simple:
        ent["type"] = simple[tag]
    elif tag == "a":
        ent["type"] = "text_link"
        ent["url"] = attrs.get("href") or inner
    elif tag == "tg-emoji":
        ent["type"] = "custom_emoji"
        ent["custom_emoji_id"] = attrs["emoji-id"]
    elif tag == "blockquote":
        ent["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    elif tag == "code":
        ent["type"] = "code"
        cls = attrs.get("class") or ""
        if cls.startswith("language-") and len(cls) > 9:
            ent["_language"] = cls[9:]
    elif tag == "pre":
        ent["type"] = "pre"
        # <pre><code class="language-x">...</code></pre> -> one pre entity with language
        for other in list(entities):
            if other["type"] == "code" and other["offset"] == offset and other["length"] == length:
                if other.get("_language"):
                    ent["language"] = other["_language"]
                entities.remove(other)
    entities.append(ent)


def _finish_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for e in entities:
        e.pop("_language", None)
    return entities


_TRIM = " \t\r\n\v\f"


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims leading/trailing whitespace; entity offsets move accordingly."""
    stripped = text.strip(_TRIM)
    if stripped == text:
        return text, entities
    lead = _u16(text[: len(text) - len(text.lstrip(_TRIM))])
    total = _u16(stripped)
    fixed = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return stripped, fixed


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class _Refusal(Exception):
    def __init__(self, description: str, status: int = 400,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.parameters = parameters


def _norm_markup(markup: Any) -> Any:
    """Only inline keyboards stay attached to a message; an empty one equals none."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        if not any(markup.get("inline_keyboard") or []):
            return None
        return markup
    return None


class FakeBotApi:
    """A fake Telegram Bot API server. See the module docstring.

    Public state (all plain Python objects, safe to read from tests):

    ``messages``            {(chat_id, message_id): record} for every message the bot sent
                            (record keys: chat_id, message_id, kind ("text"/"photo"/"document"),
                            text (parsed; for media the parsed caption or ""), html (raw as sent),
                            parse_mode, entities, reply_markup (as sent, dict or None), caption,
                            caption_html, file_bytes, filename, file_id, mime_type, date,
                            edit_date, reply_to_message_id, message (the Message JSON as Telegram
                            returns it), history (earlier versions), method)
    ``deleted_messages``    records removed by deleteMessage
    ``user_messages``       {(chat_id, message_id): Message JSON} pushed by the helpers
    ``files``               list of uploaded files {file_id, filename, bytes, mime_type, kind,
                            chat_id, message_id}
    ``calls``               every accepted call {method, params, files, result, time}
    ``refused``             every refused call {method, params, description, status, time}
    ``faults``              every injected fault {method, params, kind ("error"/"flood"),
                            status, description, retry_after, time}
    ``updates``             every update pushed (history; ``pending`` holds unconfirmed ones)
    ``outbox``              ordered events {event: "send"/"edit"/"delete", chat_id,
                            message_id, record, time}
    ``commands``            {scope_key: [{"command", "description"}]} (see ``scope_key``)
    ``callback_answers``    {callback_query_id: params of answerCallbackQuery}
    ``inline_answers``      {inline_query_id: params of answerInlineQuery}
    ``inline_edits``        edits of inline messages {method, inline_message_id, params}
    ``chat_actions``        [{chat_id, action, time}]
    ``menu_buttons``        {chat_id or None: MenuButton dict}
    ``chats`` / ``users``   known chats / users (JSON objects)
    ``webhook``             None or the setWebhook params

    Fault injection (change at any time): ``fail_rate`` (0..1, HTTP 500) restricted to
    ``fail_methods`` (None = every method but getUpdates/getMe); ``flood_rate`` (HTTP 429
    "Too Many Requests: retry after N", N = ``retry_after``) restricted to ``flood_methods``.
    ``rng`` is a ``random.Random(seed)``; ``reseed(n)`` resets it.
    """

    def __init__(self, token: str = DEFAULT_TOKEN, *, seed: int | None = 0,
                 strict_html: bool = True, max_poll_wait: float = 1.0,
                 first_update_id: int = 10001) -> None:
        self.token = token
        self.strict_html = strict_html
        self.max_poll_wait = max_poll_wait
        self.rng = random.Random(seed)

        self.fail_rate: float = 0.0
        self.fail_methods: set[str] | None = None
        self.flood_rate: float = 0.0
        self.flood_methods: set[str] | None = None
        self.retry_after: int = 1

        self.bot_user: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.deleted_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.pending: list[dict[str, Any]] = []
        self.outbox: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.inline_edits: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.webhook: dict[str, Any] | None = None
        self.allowed_updates: list[str] | None = None

        self._files_by_id: dict[str, dict[str, Any]] = {}
        self._files_by_path: dict[str, dict[str, Any]] = {}
        self._file_seq = itertools.count(1)
        self._update_seq = itertools.count(first_update_id)
        self._query_seq = itertools.count(1)
        self._msg_seq: dict[int, int] = {}
        self._open_callbacks: set[str] = set()
        self._open_inline: set[str] = set()
        self._chat_marks: dict[int, int] = {}
        self._max_delivered = 0
        self._max_pushed = 0
        self._update_event = asyncio.Event()
        self._poll_generation = 0
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._closing = False

        self._runner: web.AppRunner | None = None
        self._sock: socket.socket | None = None
        self.port: int | None = None

        self._methods: dict[str, Callable[..., Any]] = {}
        for name in ["getMe", "logOut", "close", "deleteWebhook", "setWebhook", "getWebhookInfo", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage", "answerCallbackQuery", "sendChatAction", "setMyCommands", "deleteMyCommands", "getMyCommands", "answerInlineQuery", "sendPhoto", "sendDocument", "getChat", "setChatMenuButton", "getChatMenuButton", "getFile"]:
            self._methods[name.lower()] = getattr(self, f"_m_{name}")
        self._canonical = {name.lower(): name for name in (
            m[3:] for m in dir(self) if m.startswith("_m_"))}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeBotApi:
        if self._runner is not None:
            return self
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self._activity])
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        await web.SockSite(self._runner, self._sock).start()
        _LOG.debug("fake Bot API listening on %s", self.url)
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def reseed(self, seed: int | None) -> None:
        self.rng = random.Random(seed)

    def reset_records(self) -> None:
        """Forget calls, refusals and faults; chats, users and messages stay."""
        self.calls.clear()
        self.refused.clear()
        self.faults.clear()

    # ------------------------------------------------------------------ HTTP plumbing

    @web.middleware
    async def _activity(self, request: web.Request, handler: Callable[..., Any]) -> Any:
        method = request.match_info.get("method", "")
        track = method.lower() != "getupdates"
        if track:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            return await handler(request)
        finally:
            if track:
                self._inflight -= 1
                self._last_activity = time.monotonic()

    @staticmethod
    def _error(status: int, description: str, parameters: dict[str, Any] | None = None,
               ) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    @staticmethod
    def _decode_value(key: str, value: str) -> Any:
        if key in _STRING_PARAMS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _decode(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
        params: dict[str, Any] = {}
        files: dict[str, Any] = {}
        raw: dict[str, str] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _Refusal("Bad Request: can't parse JSON encoded request") from exc
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = {
                            "filename": value.filename,
                            "content_type": value.content_type,
                            "data": value.file.read(),
                        }
                    else:
                        raw[key] = value if isinstance(value, str) else bytes(value).decode()
        for key, value in raw.items():
            params.setdefault(key, self._decode_value(key, value))
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method_raw = request.match_info["method"]
        try:
            params, files = await self._decode(request)
        except _Refusal as ref:
            return self._error(ref.status, ref.description)
        impl = self._methods.get(method_raw.lower())
        if impl is None:
            self.refused.append({"method": method_raw, "params": params,
                                 "description": "Not Found", "status": 404, "time": now})
            return self._error(404, "Not Found")
        method = self._canonical[method_raw.lower()]

        fault = self._draw_fault(method)
        if fault is not None:
            kind, status, description = fault
            retry = self.retry_after if kind == "flood" else None
            self.faults.append({"method": method, "params": params, "kind": kind,
                                "status": status, "description": description,
                                "retry_after": retry, "time": now})
            return self._error(status, description,
                               {"retry_after": retry} if kind == "flood" else None)

        try:
            if method == "getUpdates":
                result = await self._m_getUpdates(params, files, request)
            else:
                result = impl(params, files)
        except _Refusal as ref:
            if not (ref.status == 409 and request.transport is None):
                self.refused.append({"method": method, "params": params,
                                     "description": ref.description, "status": ref.status,
                                     "time": now})
            _LOG.debug("refused %s: %s", method, ref.description)
            return self._error(ref.status, ref.description, ref.parameters)
        self.calls.append({
            "method": method,
            "params": params,
            "files": {k: {"filename": v["filename"], "size": len(v["data"])}
                      for k, v in files.items()},
            "result": result,
            "time": now,
        })
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        entry = self._files_by_path.get(request.match_info["path"])
        if entry is None or entry.get("bytes") is None:
            return self._error(404, "Not Found")
        return web.Response(body=entry["bytes"],
                            content_type=entry.get("mime_type") or "application/octet-stream")

    def _draw_fault(self, method: str) -> tuple[str, int, str] | None:
        if method in _FAULT_EXEMPT:
            return None
        if self.flood_rate > 0 and (self.flood_methods is None or method in self.flood_methods):
            if self.rng.random() < self.flood_rate:
                return "flood", 429, f"Too Many Requests: retry after {self.retry_after}"
        if self.fail_rate > 0 and (self.fail_methods is None or method in self.fail_methods):
            if self.rng.random() < self.fail_rate:
                return "error", 500, "Internal Server Error"
        return None

    # ------------------------------------------------------------------ validation helpers

    @staticmethod
    def _int(params: dict[str, Any], name: str, missing: str) -> int:
        value = params.get(name)
        if value is None or value == "":
            raise _Refusal(missing)
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise _Refusal(f"Bad Request: invalid {name} specified") from exc

    def _resolve_chat_id(self, value: Any) -> int:
        if value is None or value == "":
            raise _Refusal("Bad Request: chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            for cid, chat in self.chats.items():
                if (chat.get("username") or "").lower() == value[1:].lower():
                    return cid
            raise _Refusal(CHAT_NOT_FOUND)
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise _Refusal(CHAT_NOT_FOUND) from exc

    def _require_chat(self, params: dict[str, Any], for_sending: bool = True) -> int:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        if chat_id not in self.chats:
            if chat_id in self.users:
                raise _Refusal("Forbidden: bot can't initiate conversation with a user", 403)
            raise _Refusal(CHAT_NOT_FOUND)
        if for_sending and chat_id in self.blocked:
            raise _Refusal("Forbidden: bot was blocked by the user", 403)
        return chat_id

    def _parse_text(self, raw: Any, parse_mode: Any, entities: Any, *, caption: bool = False,
                    ) -> tuple[str, list[dict[str, Any]]]:
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            raw = json.dumps(raw) if isinstance(raw, (dict, list)) else str(raw)
        ents: list[dict[str, Any]] = []
        if parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    text, ents = parse_telegram_html(raw, strict=self.strict_html)
                except TelegramHtmlError as exc:
                    raise _Refusal(f"Bad Request: can't parse entities: {exc}") from exc
            elif mode in ("markdown", "markdownv2"):
                text = raw  # not parsed by the fake: taken literally
            else:
                raise _Refusal("Bad Request: unsupported parse_mode")
        else:
            text = raw
            if isinstance(entities, list):
                ents = [e for e in entities if isinstance(e, dict)]
        text, ents = _trim(text, ents)
        if caption:
            if len(text) > MAX_CAPTION:
                raise _Refusal(CAPTION_TOO_LONG)
        else:
            if not text:
                raise _Refusal(TEXT_EMPTY)
            if len(text) > MAX_TEXT:
                raise _Refusal(TEXT_TOO_LONG)
        return text, ents

    @staticmethod
    def _check_markup(markup: Any) -> Any:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _Refusal("Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if "keyboard" in markup:
                rows = markup["keyboard"]
                if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                    raise _Refusal("Bad Request: can't parse keyboard button: Field \"keyboard\""
                                   " must be of type Array")
                for row in rows:
                    for button in row:
                        text = button if isinstance(button, str) else (
                            button.get("text") if isinstance(button, dict) else None)
                        if not isinstance(text, str) or not text:
                            raise _Refusal("Bad Request: keyboard button text must be non-empty")
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _Refusal("Bad Request: can't parse inline keyboard button: Field "
                           "\"inline_keyboard\" must be of type Array")
        if sum(len(r) for r in rows) > 100:
            raise _Refusal("Bad Request: reply markup is too long")
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise _Refusal("Bad Request: can't parse inline keyboard button: "
                                   "InlineKeyboardButton must be an Object")
                text = button.get("text")
                if not isinstance(text, str):
                    raise _Refusal("Bad Request: can't parse inline keyboard button: "
                                   "Can't find field \"text\"")
                if not text.strip():
                    raise _Refusal("Bad Request: BUTTON_TEXT_INVALID")
                present = [k for k in _INLINE_BUTTON_ACTIONS
                           if button.get(k) is not None
                           and not (k in ("callback_data", "url") and button.get(k) == "")]
                if not present:
                    raise _Refusal("Bad Request: can't parse inline keyboard button: "
                                   "Text buttons are unallowed in the inline keyboard")
                if len(present) > 1:
                    raise _Refusal("Bad Request: can't parse inline keyboard button: exactly one "
                                   "of the optional fields must be used, got "
                                   + ", ".join(present))
                action = present[0]
                value = button[action]
                if action == "callback_data":
                    if not isinstance(value, str) or not 1 <= len(value.encode("utf-8")) <= 64:
                        raise _Refusal(BUTTON_DATA_INVALID)
                elif action == "url":
                    if not isinstance(value, str) or not _BUTTON_URL_RE.match(value):
                        raise _Refusal(BUTTON_URL_INVALID)
                elif action in ("login_url", "web_app"):
                    url = value.get("url") if isinstance(value, dict) else None
                    if not isinstance(url, str) or not _BUTTON_URL_RE.match(url):
                        raise _Refusal(BUTTON_URL_INVALID)
        return markup

    def _check_reply(self, chat_id: int, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            target = reply.get("message_id")
            allow = allow or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat_id):
                return None  # replies to other chats are not modelled
        else:
            target = params.get("reply_to_message_id")
        if target is None:
            return None
        try:
            target = int(target)
        except (TypeError, ValueError) as exc:
            raise _Refusal("Bad Request: message to be replied not found") from exc
        if (chat_id, target) in self.messages or (chat_id, target) in self.user_messages:
            return target
        if allow:
            return None
        raise _Refusal("Bad Request: message to be replied not found")

    # ------------------------------------------------------------------ message storage

    def _next_message_id(self, chat_id: int) -> int:
        self._msg_seq[chat_id] = self._msg_seq.get(chat_id, 0) + 1
        return self._msg_seq[chat_id]

    def _bot_from(self) -> dict[str, Any]:
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    def _message_json(self, rec: dict[str, Any]) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": rec["message_id"],
            "from": self._bot_from(),
            "chat": copy.deepcopy(self.chats[rec["chat_id"]]),
            "date": rec["date"],
        }
        if rec.get("edit_date"):
            msg["edit_date"] = rec["edit_date"]
        reply_to = rec.get("reply_to_message_id")
        if reply_to is not None:
            key = (rec["chat_id"], reply_to)
            target = self.user_messages.get(key)
            if target is None and key in self.messages:
                target = self.messages[key]["message"]
            if target is not None:
                target = dict(target)
                target.pop("reply_to_message", None)
                msg["reply_to_message"] = target
        if rec["kind"] == "text":
            msg["text"] = rec["text"]
            if rec["entities"]:
                msg["entities"] = copy.deepcopy(rec["entities"])
        else:
            entry = rec["file"]
            if rec["kind"] == "photo":
                size = entry["file_size"]
                msg["photo"] = [
                    {"file_id": entry["file_id"] + "-m", "file_unique_id": entry["file_unique_id"]
                     + "m", "width": 320, "height": 240, "file_size": max(size // 4, 1)},
                    {"file_id": entry["file_id"], "file_unique_id": entry["file_unique_id"],
                     "width": 1280, "height": 960, "file_size": size},
                ]
            else:
                msg["document"] = {
                    "file_id": entry["file_id"],
                    "file_unique_id": entry["file_unique_id"],
                    "file_name": entry["filename"],
                    "mime_type": entry["mime_type"],
                    "file_size": entry["file_size"],
                }
            if rec["caption"]:
                msg["caption"] = rec["caption"]
                if rec["entities"]:
                    msg["caption_entities"] = copy.deepcopy(rec["entities"])
        markup = _norm_markup(rec["reply_markup"])
        if markup is not None:
            msg["reply_markup"] = copy.deepcopy(markup)
        return msg

    def _store(self, method: str, chat_id: int, kind: str, params: dict[str, Any], text: str,
               html: str | None, entities: list[dict[str, Any]], markup: Any,
               reply_to: int | None, file_entry: dict[str, Any] | None = None,
               ) -> dict[str, Any]:
        mid = self._next_message_id(chat_id)
        rec: dict[str, Any] = {
            "method": method,
            "chat_id": chat_id,
            "message_id": mid,
            "kind": kind,
            "text": text,
            "html": html,
            "parse_mode": params.get("parse_mode"),
            "entities": entities,
            "reply_markup": markup,
            "caption": text if kind != "text" else None,
            "caption_html": html if kind != "text" else None,
            "file": file_entry,
            "file_bytes": file_entry.get("bytes") if file_entry else None,
            "filename": file_entry.get("filename") if file_entry else None,
            "file_id": file_entry.get("file_id") if file_entry else None,
            "mime_type": file_entry.get("mime_type") if file_entry else None,
            "date": int(time.time()),
            "edit_date": None,
            "reply_to_message_id": reply_to,
            "history": [],
        }
        rec["message"] = self._message_json(rec)
        self.messages[(chat_id, mid)] = rec
        if file_entry is not None:
            file_entry.setdefault("chat_id", chat_id)
            file_entry.setdefault("message_id", mid)
        self.outbox.append({"event": "send", "chat_id": chat_id, "message_id": mid,
                            "record": rec, "time": time.monotonic()})
        return rec

    def _register_file(self, data: bytes | None, filename: str | None, mime_type: str | None,
                       kind: str, folder: str) -> dict[str, Any]:
        n = next(self._file_seq)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        elif mime_type:
            ext = mimetypes.guess_extension(mime_type) or ""
        entry = {
            "file_id": f"FAKE{kind.upper()}{n:06d}",
            "file_unique_id": f"U{kind[:3]}{n:06d}",
            "filename": filename,
            "bytes": data,
            "mime_type": mime_type,
            "kind": kind,
            "file_size": len(data) if data is not None else 0,
            "file_path": f"{folder}/file_{n}{ext}",
        }
        self._files_by_id[entry["file_id"]] = entry
        self._files_by_id[entry["file_id"] + "-m"] = entry
        self._files_by_path[entry["file_path"]] = entry
        return entry

    # ------------------------------------------------------------------ Bot API methods

    def _m_getMe(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        return dict(self.bot_user)

    def _m_logOut(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        return True

    def _m_close(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        return True

    def _m_deleteWebhook(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        self.webhook = None
        if p.get("drop_pending_updates"):
            if self.pending:
                self._max_delivered = max(self._max_delivered, self.pending[-1]["update_id"])
            self.pending.clear()
        return True

    def _m_setWebhook(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        url = p.get("url") or ""
        if url and not str(url).lower().startswith("https://"):
            raise _Refusal("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            if self.pending:
                self._max_delivered = max(self._max_delivered, self.pending[-1]["update_id"])
            self.pending.clear()
        self.webhook = dict(p) if url else None
        return True

    def _m_getWebhookInfo(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook and self.webhook.get("max_connections"):
            info["max_connections"] = self.webhook["max_connections"]
        if self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        return info

    def _confirm(self, offset: Any) -> None:
        if offset in (None, "", 0):
            return
        offset = int(offset)
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        else:
            self.pending = self.pending[offset:]
        if self.pending:
            first = self.pending[0]["update_id"]
            self._max_delivered = max(self._max_delivered, first - 1)
        else:
            self._max_delivered = max(self._max_delivered, self._max_pushed)

    def _wake_pollers(self) -> None:
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()

    async def _m_getUpdates(self, p: dict[str, Any], f: dict[str, Any],
                            request: web.Request) -> Any:
        if self.webhook:
            raise _Refusal("Conflict: can't use getUpdates method while webhook is active; "
                           "use deleteWebhook to delete the webhook first", 409)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll gets "terminated by other getUpdates"
        try:
            limit = max(1, min(100, int(p.get("limit") or 100)))
            timeout = max(0.0, float(p.get("timeout") or 0))
        except (TypeError, ValueError) as exc:
            raise _Refusal("Bad Request: wrong parameter in request") from exc
        if isinstance(p.get("allowed_updates"), list):
            self.allowed_updates = p["allowed_updates"] or None
        self._confirm(p.get("offset"))
        deadline = time.monotonic() + min(timeout, self.max_poll_wait)
        while True:
            batch = self._deliverable()[:limit]
            if batch or self._closing:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            event = self._update_event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            if generation != self._poll_generation:
                raise _Refusal("Conflict: terminated by other getUpdates request; make sure "
                               "that only one bot instance is running", 409)
        if batch:
            self._max_delivered = max(self._max_delivered, batch[-1]["update_id"])
            self._last_activity = time.monotonic()
        return copy.deepcopy(batch)

    def _deliverable(self) -> list[dict[str, Any]]:
        if not self.allowed_updates:
            return self.pending
        allowed = set(self.allowed_updates)
        return [u for u in self.pending if any(k in allowed for k in u if k != "update_id")]

    def _m_sendMessage(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        chat_id = self._require_chat(p)
        text, ents = self._parse_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = self._check_markup(p.get("reply_markup"))
        reply_to = self._check_reply(chat_id, p)
        raw = p.get("text")
        rec = self._store("sendMessage", chat_id, "text", p, text,
                          raw if isinstance(raw, str) else text, ents, markup, reply_to)
        return rec["message"]

    def _input_file(self, p: dict[str, Any], files: dict[str, Any], kind: str,
                    ) -> tuple[str, Any]:
        value = p.get(kind)
        if value is None and kind in files:
            return "upload", files[kind]
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value[len("attach://"):])
            if part is None:
                raise _Refusal(f"Bad Request: there is no {kind} in the request")
            return "upload", part
        if isinstance(value, str) and value:
            if value in self._files_by_id:
                return "existing", self._files_by_id[value]
            if re.match(r"^https?://\S+$", value):
                return "url", value
            raise _Refusal("Bad Request: wrong file identifier/HTTP URL specified")
        raise _Refusal(f"Bad Request: there is no {kind} in the request")

    def _send_media(self, method: str, kind: str, p: dict[str, Any], files: dict[str, Any],
                    ) -> Any:
        chat_id = self._require_chat(p)
        caption, ents = self._parse_text(p.get("caption"), p.get("parse_mode"),
                                         p.get("caption_entities"), caption=True)
        markup = self._check_markup(p.get("reply_markup"))
        reply_to = self._check_reply(chat_id, p)
        how, src = self._input_file(p, files, kind)
        if how == "upload" and not src["data"]:
            raise _Refusal("Bad Request: file must be non-empty")
        # --- all checks passed: now mutate
        folder = "photos" if kind == "photo" else "documents"
        if how == "upload":
            filename = src["filename"]
            mime = src["content_type"]
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(filename or "")[0] or mime
            if kind == "photo":
                mime = mime or "image/jpeg"
            entry = self._register_file(src["data"], filename, mime, kind, folder)
            entry["method"] = method
            self.files.append(entry)
        elif how == "url":
            filename = src.rstrip("/").rsplit("/", 1)[-1] or None
            entry = self._register_file(None, filename, mimetypes.guess_type(src)[0], kind, folder)
            entry["url"] = src
            entry["method"] = method
            self.files.append(entry)
        else:
            entry = src
        raw = p.get("caption")
        rec = self._store(method, chat_id, kind, p, caption,
                          raw if isinstance(raw, str) else None, ents, markup, reply_to, entry)
        return rec["message"]

    def _m_sendPhoto(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        return self._send_media("sendPhoto", "photo", p, f)

    def _m_sendDocument(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        return self._send_media("sendDocument", "document", p, f)

    def _edit_target(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat(p, for_sending=False)
        mid = self._int(p, "message_id", "Bad Request: message identifier is not specified")
        rec = self.messages.get((chat_id, mid))
        if rec is None:
            if (chat_id, mid) in self.user_messages:
                raise _Refusal("Bad Request: message can't be edited")
            raise _Refusal("Bad Request: message to edit not found")
        return rec

    def _apply_edit(self, method: str, rec: dict[str, Any], **changes: Any) -> dict[str, Any]:
        rec["history"].append({k: copy.deepcopy(rec[k]) for k in
                               ("text", "html", "entities", "reply_markup", "edit_date")})
        rec.update(changes)
        if rec["kind"] != "text":
            rec["caption"] = rec["text"]
            rec["caption_html"] = rec["html"]
        rec["edit_date"] = int(time.time())
        rec["message"] = self._message_json(rec)
        self.outbox.append({"event": "edit", "method": method, "chat_id": rec["chat_id"],
                            "message_id": rec["message_id"], "record": rec,
                            "snapshot": {k: copy.deepcopy(v) for k, v in rec.items()
                                         if k not in ("history", "file")},
                            "time": time.monotonic()})
        return rec["message"]

    def _inline_edit(self, method: str, p: dict[str, Any]) -> Any:
        self.inline_edits.append({"method": method,
                                  "inline_message_id": p["inline_message_id"], "params": p})
        return True

    def _m_editMessageText(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        text, ents = self._parse_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = self._check_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            return self._inline_edit("editMessageText", p)
        rec = self._edit_target(p)
        if rec["kind"] != "text":
            raise _Refusal("Bad Request: there is no text in the message to edit")
        if (text == rec["text"] and ents == rec["entities"]
                and _norm_markup(markup) == _norm_markup(rec["reply_markup"])):
            raise _Refusal(NOT_MODIFIED)
        raw = p.get("text")
        return self._apply_edit("editMessageText", rec, text=text,
                                html=raw if isinstance(raw, str) else text,
                                entities=ents, reply_markup=markup,
                                parse_mode=p.get("parse_mode"))

    def _m_editMessageCaption(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        caption, ents = self._parse_text(p.get("caption"), p.get("parse_mode"),
                                         p.get("caption_entities"), caption=True)
        markup = self._check_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            return self._inline_edit("editMessageCaption", p)
        rec = self._edit_target(p)
        if rec["kind"] == "text":
            raise _Refusal("Bad Request: there is no caption in the message to edit")
        if (caption == rec["text"] and ents == rec["entities"]
                and _norm_markup(markup) == _norm_markup(rec["reply_markup"])):
            raise _Refusal(NOT_MODIFIED)
        raw = p.get("caption")
        return self._apply_edit("editMessageCaption", rec, text=caption,
                                html=raw if isinstance(raw, str) else None, entities=ents,
                                reply_markup=markup, parse_mode=p.get("parse_mode"))

    def _m_editMessageReplyMarkup(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        markup = self._check_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            return self._inline_edit("editMessageReplyMarkup", p)
        rec = self._edit_target(p)
        if _norm_markup(markup) == _norm_markup(rec["reply_markup"]):
            raise _Refusal(NOT_MODIFIED)
        return self._apply_edit("editMessageReplyMarkup", rec, reply_markup=markup)

    def _m_deleteMessage(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        chat_id = self._require_chat(p, for_sending=False)
        mid = self._int(p, "message_id", "Bad Request: message identifier is not specified")
        key = (chat_id, mid)
        if key in self.messages:
            rec = self.messages.pop(key)
            self.deleted_messages[key] = rec
            self.outbox.append({"event": "delete", "chat_id": chat_id, "message_id": mid,
                                "record": rec, "time": time.monotonic()})
            return True
        if key in self.user_messages:
            if self.chats[chat_id]["type"] != "private":
                raise _Refusal("Bad Request: message can't be deleted")
            self.deleted_messages[key] = {"chat_id": chat_id, "message_id": mid,
                                          "message": self.user_messages.pop(key)}
            return True
        raise _Refusal("Bad Request: message to delete not found")

    def _m_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        qid = p.get("callback_query_id")
        if not isinstance(qid, str) or qid not in self._open_callbacks:
            raise _Refusal(QUERY_TOO_OLD)
        text = p.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER:
            raise _Refusal("Bad Request: MESSAGE_TOO_LONG")
        url = p.get("url")
        if url and not _BUTTON_URL_RE.match(str(url)):
            raise _Refusal("Bad Request: URL_INVALID")
        self._open_callbacks.discard(qid)
        self.callback_answers[qid] = dict(p)
        return True

    def _m_sendChatAction(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        chat_id = self._require_chat(p)
        action = p.get("action")
        if action not in _CHAT_ACTIONS:
            raise _Refusal("Bad Request: wrong parameter action in request")
        self.chat_actions.append({"chat_id": chat_id, "action": action,
                                  "time": time.monotonic()})
        return True

    @staticmethod
    def scope_key(scope: dict[str, Any] | None = None, language_code: str | None = None) -> str:
        """Key of ``api.commands``: canonical JSON of the scope (default
        ``{"type": "default"}``), plus ``"|<language_code>"`` when one was given.
        E.g. ``'{"type":"default"}'`` or ``'{"chat_id":42,"type":"chat"}|vi'``."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False)
        return f"{key}|{language_code}" if language_code else key

    def commands_for(self, scope: dict[str, Any] | None = None,
                     language_code: str | None = None) -> list[dict[str, str]] | None:
        return self.commands.get(self.scope_key(scope, language_code))

    def _scope_params(self, p: dict[str, Any]) -> str:
        scope = p.get("scope")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
                raise _Refusal("Bad Request: unsupported bot command scope type")
            if scope["type"] in ("chat", "chat_administrators", "chat_member"):
                self._require_chat({"chat_id": scope.get("chat_id")}, for_sending=False)
        lang = p.get("language_code") or None
        if lang is not None and not re.fullmatch(r"[a-z]{2}", str(lang)):
            raise _Refusal("Bad Request: invalid language code specified")
        return self.scope_key(scope, lang)

    def _m_setMyCommands(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _Refusal("Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise _Refusal("Bad Request: BOT_COMMANDS_TOO_MUCH")
        clean = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise _Refusal("Bad Request: can't parse BotCommand: BotCommand must be an Object")
            name, desc = cmd.get("command"), cmd.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.match(name):
                raise _Refusal("Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256 or len(desc) > 256:
                raise _Refusal("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        key = self._scope_params(p)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    def _m_deleteMyCommands(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        self.commands.pop(self._scope_params(p), None)
        return True

    def _m_getMyCommands(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        return copy.deepcopy(self.commands.get(self._scope_params(p), []))

    def _m_answerInlineQuery(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        qid = p.get("inline_query_id")
        if not isinstance(qid, str) or qid not in self._open_inline:
            raise _Refusal(QUERY_TOO_OLD)
        results = p.get("results")
        if not isinstance(results, list):
            raise _Refusal("Bad Request: can't parse inline query results JSON object")
        if len(results) > 50:
            raise _Refusal("Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for res in results:
            if not isinstance(res, dict):
                raise _Refusal("Bad Request: can't parse InlineQueryResult JSON object")
            rid = res.get("id")
            if not isinstance(rid, str) or not 1 <= len(rid.encode("utf-8")) <= 64:
                raise _Refusal("Bad Request: RESULT_ID_INVALID")
            if rid in seen:
                raise _Refusal("Bad Request: RESULT_ID_DUPLICATE")
            seen.add(rid)
            if res.get("type") == "article" or "title" in res:
                title = res.get("title")
                if not isinstance(title, str) or not title.strip():
                    raise _Refusal("Bad Request: RESULT_TITLE_EMPTY")
            content = res.get("input_message_content")
            if res.get("type") == "article" and not isinstance(content, dict):
                raise _Refusal("Bad Request: can't parse InlineQueryResultArticle: Can't find "
                               "field \"input_message_content\"")
            if isinstance(content, dict) and "message_text" in content:
                self._parse_text(content.get("message_text"), content.get("parse_mode"),
                                 content.get("entities"))
            if "caption" in res:
                self._parse_text(res.get("caption"), res.get("parse_mode"),
                                 res.get("caption_entities"), caption=True)
            self._check_markup(res.get("reply_markup"))
        self._open_inline.discard(qid)
        self.inline_answers[qid] = dict(p)
        return True

    def _m_getChat(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        chat_id = self._require_chat(p, for_sending=False)
        info = copy.deepcopy(self.chats[chat_id])
        info.update({
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                    "unique_gifts": False, "premium_subscription": False,
                                    "gifts_from_channels": False},
        })
        return info

    def _m_setChatMenuButton(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        chat_id = None
        if p.get("chat_id") not in (None, ""):
            chat_id = self._require_chat(p, for_sending=False)
            if self.chats[chat_id]["type"] != "private":
                raise _Refusal("Bad Request: menu button can be set only in private chats")
        button = p.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands",
                                                                      "web_app"):
            raise _Refusal("Bad Request: can't parse menu button JSON object")
        if button["type"] == "web_app":
            if not button.get("text") or not isinstance(button.get("web_app"), dict):
                raise _Refusal("Bad Request: can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True

    def _m_getChatMenuButton(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        chat_id = None
        if p.get("chat_id") not in (None, ""):
            chat_id = self._require_chat(p, for_sending=False)
        button = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None)
        if not button or button.get("type") == "default":
            return {"type": "commands"}
        return copy.deepcopy(button)

    def _m_getFile(self, p: dict[str, Any], f: dict[str, Any]) -> Any:
        entry = self._files_by_id.get(p.get("file_id") or "")
        if entry is None:
            raise _Refusal("Bad Request: invalid file_id")
        return {"file_id": p["file_id"], "file_unique_id": entry["file_unique_id"],
                "file_size": entry["file_size"], "file_path": entry["file_path"]}

    # ------------------------------------------------------------------ update injection

    def set_user(self, user_id: int, *, first_name: str | None = None,
                 last_name: str | None = None, username: str | None = None,
                 language_code: str | None = "vi", is_premium: bool | None = None,
                 ) -> dict[str, Any]:
        """Create or change the user the helpers put in ``from`` for ``user_id``."""
        user = self._user(user_id)
        if first_name is not None:
            user["first_name"] = first_name
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        if is_premium is not None:
            user["is_premium"] = is_premium
        if user_id in self.chats:
            self.chats[user_id].update({k: user[k] for k in ("first_name", "last_name",
                                                             "username") if k in user})
        return dict(user)

    def _user(self, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": _FIRST_NAMES[user_id % len(_FIRST_NAMES)],
                "last_name": _LAST_NAMES[user_id % len(_LAST_NAMES)],
                "username": f"user{user_id}",
                "language_code": "vi",
            }
            self.users[user_id] = user
        return user

    def add_chat(self, chat_id: int, chat_type: str | None = None, *, title: str | None = None,
                 user_id: int | None = None) -> dict[str, Any]:
        """Make a chat known (so the bot may send to it without a pushed update)."""
        return self._chat(chat_id, chat_type, title, user_id if user_id is not None else chat_id)

    def block(self, user_id: int, blocked: bool = True) -> None:
        """Simulate the user blocking the bot: sends answer 403 "bot was blocked by the user"."""
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    def _chat(self, chat_id: int | None, chat_type: str | None, title: str | None,
              user_id: int) -> dict[str, Any]:
        if chat_id is None:
            if chat_type in (None, "private"):
                chat_id = user_id
            elif chat_type == "group":
                chat_id = -(4_000_000_000 + user_id)
            else:
                chat_id = -(1_000_000_000_000 + user_id)
        chat_id = int(chat_id)
        if chat_type in (None, "private") and chat_id < 0:
            chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat_type = chat_type or "private"
        chat = self.chats.get(chat_id)
        if chat is None or (title and chat.get("title") != title):
            if chat_type == "private":
                user = self._user(chat_id)
                chat = {"id": chat_id, "type": "private"}
                chat.update({k: user[k] for k in ("first_name", "last_name", "username")
                             if k in user})
            else:
                chat = {"id": chat_id, "type": chat_type,
                        "title": title or (chat or {}).get("title")
                        or f"Nhóm thử nghiệm {abs(chat_id) % 100000}"}
            self.chats[chat_id] = chat
        return chat

    def _base_message(self, user_id: int, chat_id: int | None, chat_type: str,
                      title: str | None = None) -> dict[str, Any]:
        user = self._user(user_id)
        chat = self._chat(chat_id, chat_type, title, user_id)
        return {
            "message_id": self._next_message_id(chat["id"]),
            "from": dict(user),
            "chat": dict(chat),
            "date": int(time.time()),
        }

    @staticmethod
    def _auto_entities(text: str) -> list[dict[str, Any]]:
        entities: list[dict[str, Any]] = []
        command_end = 0
        match = _BOT_COMMAND_RE.match(text)
        if match:
            command_end = match.end()
            entities.append({"type": "bot_command", "offset": 0, "length": _u16(match.group())})
        for m in _MENTION_RE.finditer(text):
            if m.start() < command_end:
                continue
            entities.append({"type": "mention", "offset": _u16(text[:m.start()]),
                             "length": _u16(m.group())})
        return entities

    def _push_message(self, msg: dict[str, Any], key: str = "message") -> dict[str, Any]:
        self.user_messages[(msg["chat"]["id"], msg["message_id"])] = msg
        return self.push_raw({key: msg})

    def user_message(self, user_id: int, text: str, chat_id: int | None = None,
                     chat_type: str = "private", entities: list[dict[str, Any]] | None = None,
                     *, reply_to_message_id: int | None = None, title: str | None = None,
                     ) -> dict[str, Any]:
        """Push a text message from ``user_id``. Entities default to a ``bot_command`` entity
        for a leading "/cmd[@bot]" and ``mention`` entities for "@username"s (pass ``[]`` for
        none). ``chat_type`` "group"/"supergroup" without ``chat_id`` picks a negative id.
        ``reply_to_message_id`` (a bot or user message in that chat) adds reply_to_message."""
        msg = self._base_message(user_id, chat_id, chat_type, title)
        msg["text"] = text
        ents = self._auto_entities(text) if entities is None else entities
        if ents:
            msg["entities"] = ents
        if reply_to_message_id is not None:
            key = (msg["chat"]["id"], reply_to_message_id)
            target = self.messages[key]["message"] if key in self.messages else \
                self.user_messages.get(key)
            if target is None:
                raise KeyError(f"no message {key} to reply to")
            target = dict(target)
            target.pop("reply_to_message", None)
            msg["reply_to_message"] = target
        return self._push_message(msg)

    def edited_message(self, user_id: int, text: str, message_id: int | None = None,
                       chat_id: int | None = None, chat_type: str = "private",
                       entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Push an ``edited_message`` for a message the user sent earlier (the latest one
        from that user in that chat when ``message_id`` is None)."""
        chat = self._chat(chat_id, chat_type, None, user_id)
        if message_id is None:
            own = [mid for (cid, mid), m in self.user_messages.items()
                   if cid == chat["id"] and m.get("from", {}).get("id") == user_id]
            if not own:
                raise KeyError(f"user {user_id} sent no message in chat {chat['id']}")
            message_id = max(own)
        original = self.user_messages.get((chat["id"], message_id))
        if original is None:
            raise KeyError(f"no user message {(chat['id'], message_id)}")
        msg = copy.deepcopy(original)
        msg["text"] = text
        msg.pop("entities", None)
        ents = self._auto_entities(text) if entities is None else entities
        if ents:
            msg["entities"] = ents
        msg["edit_date"] = int(time.time())
        return self._push_message(msg, "edited_message")

    def forwarded_message(self, user_id: int, text: str, chat_id: int | None = None,
                          chat_type: str = "private", *, origin_user_id: int | None = None,
                          origin_chat_title: str | None = None,
                          origin_sender_name: str = "Người dùng ẩn danh") -> dict[str, Any]:
        """Push a forwarded text message. The origin is a user (``origin_user_id``), a
        channel (``origin_chat_title``) or, by default, a hidden user."""
        msg = self._base_message(user_id, chat_id, chat_type)
        msg["text"] = text
        date = msg["date"] - 3600
        if origin_user_id is not None:
            msg["forward_origin"] = {"type": "user", "date": date,
                                     "sender_user": dict(self._user(origin_user_id))}
        elif origin_chat_title is not None:
            msg["forward_origin"] = {"type": "channel", "date": date, "message_id": 77,
                                     "chat": {"id": -1001234567890, "type": "channel",
                                              "title": origin_chat_title}}
        else:
            msg["forward_origin"] = {"type": "hidden_user", "date": date,
                                     "sender_user_name": origin_sender_name}
        return self._push_message(msg)

    def sticker(self, user_id: int, chat_id: int | None = None, chat_type: str = "private",
                emoji: str = "👍") -> dict[str, Any]:
        msg = self._base_message(user_id, chat_id, chat_type)
        entry = self._register_file(b"RIFF\0\0\0\0WEBPVP8 fake", "sticker.webp", "image/webp",
                                    "sticker", "stickers")
        msg["sticker"] = {"file_id": entry["file_id"], "file_unique_id": entry["file_unique_id"],
                          "type": "regular", "width": 512, "height": 512, "is_animated": False,
                          "is_video": False, "emoji": emoji, "set_name": "FakeStickers",
                          "file_size": entry["file_size"]}
        return self._push_message(msg)

    def photo(self, user_id: int, chat_id: int | None = None, chat_type: str = "private",
              caption: str | None = None, data: bytes | None = None) -> dict[str, Any]:
        msg = self._base_message(user_id, chat_id, chat_type)
        data = data if data is not None else b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"
        entry = self._register_file(data, "photo.jpg", "image/jpeg", "photo", "photos")
        size = entry["file_size"]
        msg["photo"] = [
            {"file_id": entry["file_id"] + "-m", "file_unique_id": entry["file_unique_id"] + "m",
             "width": 320, "height": 240, "file_size": max(size // 4, 1)},
            {"file_id": entry["file_id"], "file_unique_id": entry["file_unique_id"],
             "width": 1280, "height": 960, "file_size": size},
        ]
        if caption:
            msg["caption"] = caption
        return self._push_message(msg)

    def document(self, user_id: int, chat_id: int | None = None, chat_type: str = "private",
                 filename: str = "ho_so.pdf", data: bytes | None = None,
                 caption: str | None = None) -> dict[str, Any]:
        msg = self._base_message(user_id, chat_id, chat_type)
        data = data if data is not None else b"%PDF-1.4 fake\n%%EOF"
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        entry = self._register_file(data, filename, mime, "document", "documents")
        msg["document"] = {"file_id": entry["file_id"], "file_unique_id": entry["file_unique_id"],
                           "file_name": filename, "mime_type": mime, "file_size": len(data)}
        if caption:
            msg["caption"] = caption
        return self._push_message(msg)

    def voice(self, user_id: int, chat_id: int | None = None, chat_type: str = "private",
              duration: int = 3, data: bytes | None = None) -> dict[str, Any]:
        msg = self._base_message(user_id, chat_id, chat_type)
        data = data if data is not None else b"OggS\0fake-opus"
        entry = self._register_file(data, "voice.ogg", "audio/ogg", "voice", "voice")
        msg["voice"] = {"file_id": entry["file_id"], "file_unique_id": entry["file_unique_id"],
                        "duration": duration, "mime_type": "audio/ogg",
                        "file_size": entry["file_size"]}
        return self._push_message(msg)

    def location(self, user_id: int, chat_id: int | None = None, chat_type: str = "private",
                 latitude: float = 21.028511, longitude: float = 105.854164) -> dict[str, Any]:
        msg = self._base_message(user_id, chat_id, chat_type)
        msg["location"] = {"latitude": latitude, "longitude": longitude}
        return self._push_message(msg)

    def callback(self, user_id: int, message_id: int, data: str, chat_id: int | None = None,
                 *, check_data: bool = False) -> dict[str, Any]:
        """Push a ``callback_query`` as if ``user_id`` pressed a button of the bot's message
        ``(chat_id or user_id, message_id)``; the stored (current) message is ``message``.
        Its fresh ``id`` is accepted once by answerCallbackQuery. With ``check_data`` the
        data must be one of the message's callback_data buttons."""
        cid = user_id if chat_id is None else chat_id
        rec = self.messages.get((cid, message_id))
        if rec is None:
            raise KeyError(f"the bot has no message {(cid, message_id)} to press a button of")
        if check_data:
            keyboard = (_norm_markup(rec["reply_markup"]) or {}).get("inline_keyboard", [])
            datas = [b.get("callback_data") for row in keyboard for b in row]
            if data not in datas:
                raise ValueError(f"{data!r} is not a button of message {message_id}: {datas}")
        qid = str(4_000_000_000_000_000 + next(self._query_seq))
        self._open_callbacks.add(qid)
        query = {
            "id": qid,
            "from": dict(self._user(user_id)),
            "message": copy.deepcopy(rec["message"]),
            "chat_instance": str(abs(hash((cid, BOT_ID))) % 10**18),
            "data": data,
        }
        return self.push_raw({"callback_query": query})

    def inline_query(self, user_id: int, query: str, offset: str = "",
                     chat_type: str = "sender") -> dict[str, Any]:
        """Push an ``inline_query``; its ``id`` is accepted once by answerInlineQuery."""
        qid = str(5_000_000_000_000_000 + next(self._query_seq))
        self._open_inline.add(qid)
        return self.push_raw({"inline_query": {"id": qid, "from": dict(self._user(user_id)),
                                               "query": query, "offset": offset,
                                               "chat_type": chat_type}})

    def unreadable(self, user_id: int, kind: str = "no_date", text: str = "",
                   chat_id: int | None = None) -> dict[str, Any]:
        """Push an update that servers do send but python-telegram-bot cannot read:
        ``kind="no_date"`` a text message without ``date``; ``kind="old_poll"`` a message with a
        poll whose options have no ``persistent_id``, as an older Bot API server sends."""
        msg = self._base_message(user_id, chat_id, "private")
        if kind == "no_date":
            del msg["date"]
            msg["text"] = text or "tin nhắn"
        elif kind == "old_poll":
            msg["poll"] = {
                "id": str(next(self._query_seq)), "question": text or "câu hỏi",
                "options": [{"text": "có", "voter_count": 0}, {"text": "không", "voter_count": 0}],
                "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
                "type": "regular", "allows_multiple_answers": False,
            }
        else:
            raise ValueError(f"unknown kind {kind!r}")
        return self._push_message(msg)

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any update dict (``update_id`` is assigned when missing). Chats and users in
        it become known, so the bot may answer them."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_seq), **update}
        else:
            uid = int(update["update_id"])
            if uid <= self._max_pushed:
                raise ValueError(f"update_id {uid} is not above the last one {self._max_pushed}")
            self._update_seq = itertools.count(uid + 1)
        self._max_pushed = update["update_id"]
        chat_id = self._register(update)
        self.updates.append(update)
        self.pending.append(update)
        if chat_id is not None:
            self._chat_marks[chat_id] = len(self.outbox)
        self._wake_pollers()
        return update

    def _register(self, update: dict[str, Any]) -> int | None:
        chat_id = None
        for key, obj in update.items():
            if not isinstance(obj, dict):
                continue
            if key == "callback_query":
                obj = obj.get("message") or {}
            chat = obj.get("chat")
            user = obj.get("from") or obj.get("user")
            if isinstance(user, dict) and "id" in user and not user.get("is_bot"):
                self.users.setdefault(user["id"], dict(user))
            if isinstance(chat, dict) and "id" in chat:
                self.chats.setdefault(chat["id"], dict(chat))
                chat_id = chat["id"]
        if "callback_query" in update:
            user = update["callback_query"].get("from")
            if isinstance(user, dict):
                self.users.setdefault(user["id"], dict(user))
        return chat_id

    # ------------------------------------------------------------------ waiting helpers

    def mark(self) -> int:
        """A position in ``outbox``; see :meth:`sent_after`."""
        return len(self.outbox)

    def sent_after(self, mark: int = 0, chat_id: int | None = None, *,
                   include_edits: bool = False) -> list[dict[str, Any]]:
        """Message records the bot sent (and, with include_edits, edit snapshots) since
        ``mark``, optionally only to ``chat_id``."""
        out = []
        for event in self.outbox[mark:]:
            if chat_id is not None and event["chat_id"] != chat_id:
                continue
            if event["event"] == "send":
                out.append(event["record"])
            elif event["event"] == "edit" and include_edits:
                out.append(event["snapshot"])
        return out

    def messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's (not deleted) messages in ``chat_id``, oldest first."""
        return [rec for (cid, _), rec in sorted(self.messages.items()) if cid == chat_id]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        msgs = self.messages_in(chat_id)
        return msgs[-1] if msgs else None

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == method]

    async def wait_for(self, predicate: Callable[[dict[str, Any]], Any], timeout: float = 5,
                       *, since: int = 0) -> dict[str, Any]:
        """Wait until a call in ``api.calls[since:]`` satisfies ``predicate(call)`` and
        return that call. Raises ``TimeoutError``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        checked = since
        while True:
            calls = self.calls
            for i in range(min(checked, len(calls)), len(calls)):
                if predicate(calls[i]):
                    return calls[i]
            checked = len(calls)
            if loop.time() >= deadline:
                recent = [c["method"] for c in calls[-10:]]
                raise TimeoutError(
                    f"no matching call within {timeout}s; last calls: {recent}; "
                    f"last refusals: {self._describe(self.refused[-3:])}; "
                    f"last faults: {self._describe(self.faults[-3:])}")
            await asyncio.sleep(0.01)

    async def wait_until(self, condition: Callable[[], Any], timeout: float = 5) -> Any:
        """Wait until ``condition()`` is truthy and return its value. Raises TimeoutError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            if loop.time() >= deadline:
                raise TimeoutError(f"condition still false after {timeout}s")
            await asyncio.sleep(0.01)

    async def replies_to(self, chat_id: int, n: int = 1, timeout: float = 5, *,
                         include_edits: bool = False) -> list[dict[str, Any]]:
        """The first ``n`` message records the bot sent to ``chat_id`` after the last update
        pushed to that chat (waits for them; raises ``TimeoutError`` listing what was refused
        or faulted for that chat meanwhile)."""
        mark = self._chat_marks.get(chat_id, 0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            got = self.sent_after(mark, chat_id, include_edits=include_edits)
            if len(got) >= n:
                return got[:n]
            if loop.time() >= deadline:
                def for_chat(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
                    return [r for r in rows if self._param_chat(r["params"]) == chat_id]
                raise TimeoutError(
                    f"chat {chat_id}: got {len(got)} of {n} replies within {timeout}s "
                    f"({[r['text'][:60] for r in got]}); refused: "
                    f"{self._describe(for_chat(self.refused)[-5:])}; faults: "
                    f"{self._describe(for_chat(self.faults)[-5:])}")
            await asyncio.sleep(0.01)

    async def drain(self, timeout: float = 5, quiet: float = 0.2) -> None:
        """Wait until every pushed update was fetched by the bot and no call (other than
        getUpdates) arrived or was in progress for ``quiet`` seconds. Raises TimeoutError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            fetched = self._max_delivered >= self._max_pushed
            idle = self._inflight == 0 and time.monotonic() - self._last_activity >= quiet
            if fetched and idle:
                return
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"not drained after {timeout}s: last pushed update {self._max_pushed}, "
                    f"last fetched {self._max_delivered}, {self._inflight} call(s) in progress")
            await asyncio.sleep(0.02)

    @staticmethod
    def _param_chat(params: dict[str, Any]) -> Any:
        try:
            return int(params.get("chat_id"))
        except (TypeError, ValueError):
            return params.get("chat_id")

    @staticmethod
    def _describe(rows: Iterable[dict[str, Any]]) -> list[str]:
        return [f"{r['method']}: {r['description']}" for r in rows]
