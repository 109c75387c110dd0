"""Logging that never shows secrets: the bot token (and other secrets) are masked everywhere."""

from __future__ import annotations

import logging
import sys
import traceback

from bot.config import Settings

MASK = "[secret]"


class RedactingFilter(logging.Filter):
    """Replaces secret strings in every record's message and traceback text."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__("redact")
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = formatter.formatException(record.exc_info)
            record.exc_info = None
        for secret in self.secrets:
            message = message.replace(secret, MASK)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, MASK)
        record.msg, record.args = message, None
        return True


def redact_secrets(settings: Settings) -> RedactingFilter:
    """Install the filter on every handler of the root logger (and remember it for new ones)."""
    secrets = []
    for value in (settings.token, settings.webhook.secret_token, settings.privacy.user_key_secret):
        if value is not None:
            secrets.append(value.get_secret_value())
    token = settings.token.get_secret_value() if settings.token else ""
    if ":" in token:
        secrets.append(token.split(":", 1)[1])  # the secret half alone, as it may appear in URLs
    redacting = RedactingFilter(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(redacting)
    root.addFilter(redacting)
    _mask_uncaught(redacting.secrets)
    return redacting


def mask(text: str, secrets: list[str]) -> str:
    """The text with every secret replaced."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def _mask_uncaught(secrets: list[str]) -> None:
    """An exception nobody caught is printed with its secrets masked too (the last exit path)."""
    if not secrets:
        return

    def hook(kind, value, tb) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(mask(text, secrets))

    sys.excepthook = hook
