"""The review group of a logged question, decided once when the question is logged.

Questions that use the same words, in any order and with repeats, are one group: the key is a
hash of their sorted distinct words. Computing it per row keeps review an SQL ``GROUP BY``
instead of clustering the whole log on every view.
"""

from __future__ import annotations

import hashlib

KEY_LENGTH = 10  # hex digits: short enough for callback data, collisions negligible at 1M groups


def group_key(normalized: str) -> str:
    """The group of a normalised question ('' when it has no words)."""
    words = sorted(set(normalized.split()))
    if not words:
        return ""
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:KEY_LENGTH]
