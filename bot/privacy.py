"""Personal data that never needs to be stored: ID, phone and e-mail are masked before storage."""

from __future__ import annotations

import re

MASK = "***"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 9 or more digits, possibly grouped with spaces, dots or dashes: CCCD/CMND (9, 12 digits),
# phone numbers (10 digits, or +84 and 9); no procedure question needs such a number
_LONG_NUMBER = re.compile(r"(?<![\w])\+?\d(?:[ .\-]?\d){8,}(?![\w])")


def mask_personal(text: str | None) -> str | None:
    """The text with e-mail addresses and long numbers (ID, phone) replaced by ``***``."""
    if not text:
        return text
    return _LONG_NUMBER.sub(MASK, _EMAIL.sub(MASK, text))
