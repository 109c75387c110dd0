"""The bot token never appears in logs or exception texts."""

from __future__ import annotations

import logging

from bot.logs import MASK, redact_secrets
from tests.harness import running_bot


async def test_token_never_appears_in_logs(tmp_path, caplog):
    async with running_bot(tmp_path) as bot:
        token = bot.settings.token.get_secret_value()
        redacting = redact_secrets(bot.settings)
        caplog.handler.addFilter(redacting)
        with caplog.at_level(logging.DEBUG):
            await bot.ask(31, "đăng ký tạm trú")
            bot.api.fail_rate, bot.api.fail_methods = 1.0, {"sendMessage"}
            bot.api.user_message(32, "lệ phí hộ chiếu")
            await bot.api.wait_until(lambda: len(bot.api.faults) >= 6, timeout=20)
            bot.api.fail_rate = 0.0
            try:
                raise RuntimeError(f"failed calling https://api.telegram.org/bot{token}/getMe")
            except RuntimeError:
                logging.getLogger("test").exception("with %s in the arguments", token)
        assert caplog.records, "nothing was logged"
        assert any("HTTP Request" in r.getMessage() or "getMe" in r.getMessage() for r in caplog.records)
        assert token not in caplog.text
        assert token.split(":", 1)[1] not in caplog.text
        assert MASK in caplog.text
        caplog.handler.removeFilter(redacting)
