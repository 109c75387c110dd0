"""A console chat on the same handlers and data: the Bot API is played locally.

Without a token, ``python main.py`` starts this. Every Bot API call the handlers make is answered
here: messages are printed as plain text and their buttons numbered; typing a number taps one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot import texts
from bot.assistant import Assistant
from bot.config import ROOT, Settings
from bot.render import to_plain, visible
from handlers.common import SERVICES

FILES = ROOT / "data" / "console"  # where /export and /stats files are saved
USER_ID = 1000  # the console user's Telegram id: ADMIN_IDS=1000 makes it an admin
BOT = {"id": 1, "is_bot": True, "first_name": "Trợ lý TTHC", "username": "trolytthc_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
USER = {"id": USER_ID, "is_bot": False, "first_name": "Bạn", "language_code": "vi"}
CHAT = {"id": USER_ID, "type": "private", "first_name": "Bạn"}


class ConsoleRequest(BaseRequest):
    """Answers the bot's API calls in-process and prints what it sends."""

    def __init__(self, out: TextIO = sys.stdout, files: Path | None = None) -> None:
        self.out = out
        self.files = files or FILES
        self.message_ids = itertools.count(1)
        self.messages: dict[int, dict[str, Any]] = {}
        self.buttons: list[tuple[int, str]] = []  # (message id, callback data) by number
        self.last_message: dict[str, Any] | None = None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1].lower()  # Bot API method names are case-insensitive
        params = request_data.parameters if request_data else {}
        uploads = request_data.multipart_data if request_data else {}
        result = self._handle(api_method, params, uploads)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _save(self, uploads: dict, default_name: str) -> Path | None:
        """Write an uploaded file under the console folder; its path is what the user needs."""
        for filename, content, _mime in uploads.values():
            if hasattr(content, "read"):
                content = content.read()
            self.files.mkdir(parents=True, exist_ok=True)
            name = Path(filename or "").name
            if not name.endswith((".zip", ".csv", ".png")):  # e.g. a photo sent as bare bytes
                name = default_name
            path = self.files / name
            path.write_bytes(content)
            return path
        return None

    def _handle(self, method: str, params: dict[str, Any], uploads: dict | None = None) -> Any:
        if method == "getme":
            return BOT
        if method in {"sendmessage", "editmessagetext"}:
            return self._show(params, edit=method == "editmessagetext")
        if method in {"sendphoto", "senddocument"}:
            stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}"
            default = f"bieu-do-{stamp}.png" if method == "sendphoto" else f"tep-{stamp}"
            path = self._save(uploads or {}, default)
            caption = params.get("caption") or ""
            label = texts.CONSOLE_PHOTO if method == "sendphoto" else texts.CONSOLE_FILE
            self.out.write(label.format(path=path or "?") + (f"\n{caption}" if caption else "") + "\n")
            self.out.flush()
            return self._message(caption, None)
        if method == "answercallbackquery" and params.get("text"):
            self.out.write(f"({params['text']})\n")
        return True

    def _message(self, text: str, markup: dict | None, message_id: int | None = None) -> dict:
        message = {
            "message_id": message_id or next(self.message_ids),
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": CHAT,
            "from": BOT,
            "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        self.messages[message["message_id"]] = message
        self.last_message = message
        return message

    def _show(self, params: dict[str, Any], edit: bool) -> dict:
        html_text = str(params.get("text", ""))
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        self.out.write("\n" + to_plain(html_text) + "\n")
        self.buttons = []
        for row in (markup or {}).get("inline_keyboard", []):
            labels = []
            for button in row:
                if "callback_data" in button:
                    self.buttons.append((0, button["callback_data"]))
                    labels.append(f"[{len(self.buttons)}] {button['text']}")
            if labels:
                self.out.write("   ".join(labels) + "\n")
        message = self._message(visible(html_text), markup, params.get("message_id") if edit else None)
        for index, (_, data) in enumerate(self.buttons):
            self.buttons[index] = (message["message_id"], data)
        self.out.flush()
        return message


class ConsoleChat:
    """Turns typed lines into updates for the application."""

    def __init__(self, application, request: ConsoleRequest) -> None:
        self.application = application
        self.request = request
        self.update_ids = itertools.count(1)

    def _update(self, **payload: Any) -> Update:
        return Update.de_json({"update_id": next(self.update_ids), **payload}, self.application.bot)

    async def say(self, line: str) -> None:
        """Process one typed line: a number taps a button, anything else is a message."""
        line = line.strip()
        if line.isdigit() and 1 <= int(line) <= len(self.request.buttons):
            message_id, data = self.request.buttons[int(line) - 1]
            message = self.request.messages[message_id]
            update = self._update(callback_query={
                "id": str(next(self.update_ids)), "from": USER, "chat_instance": "console",
                "data": data, "message": message,
            })
        else:
            entities = [{"type": "bot_command", "offset": 0, "length": len(line.split()[0])}] \
                if line.startswith("/") else []
            update = self._update(message={
                "message_id": next(self.request.message_ids), "date": int(dt.datetime.now(dt.UTC).timestamp()),
                "chat": CHAT, "from": USER, "text": line, "entities": entities,
            })
        await self.application.process_update(update)
        # the log is written at once here, so that /review sees the question just asked
        await self.application.bot_data[SERVICES].logger.flush()


async def _chat(settings: Settings, lines: TextIO, out: TextIO) -> None:
    from bot.app import build_application

    request = ConsoleRequest(out)
    assistant = await asyncio.to_thread(Assistant.create, settings)
    assistant.channel = "console"  # kept apart from real users' statistics
    application = build_application(settings, assistant, request=request, updater=False)
    chat = ConsoleChat(application, request)
    async with application:
        await application.post_init(application)
        out.write("Trợ lý TTHC — trò chuyện trên máy (không có token). Gõ câu hỏi; số để bấm nút; "
                  "Ctrl+D để thoát.\n")
        await chat.say("/start")
        loop = asyncio.get_running_loop()
        while True:
            if lines.isatty():
                out.write("\n> ")
                out.flush()
            line = await loop.run_in_executor(None, lines.readline)
            if not line:
                break
            if line.strip():
                await chat.say(line)
        await application.post_shutdown(application)
    # every connection closed: SQLite folds its write-ahead log back into the database file
    assistant.storage.close()


def run_console(settings: Settings, lines: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Chat in the terminal until end of input."""
    asyncio.run(_chat(settings, lines, out))
    return 0
