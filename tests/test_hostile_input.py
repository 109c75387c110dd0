"""Arbitrary text through the matcher and the formatter: no exception, always valid Telegram HTML."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import render_section, split_message, visible
from bot.replies import match_reply
from tests.fake_telegram import parse_telegram_html

SPECIALS = [
    "", " ", "\n\t", "<b>", "</i>", "&", "&amp;", "<a href='x'>", "*_`[]()~>#+-=|{}.!",
    "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "😀👍🏽🇻🇳", "'; DROP TABLE query_log; --",
    "{{ 7*7 }}", "${jndi:ldap://x}", "%s%n", "\x00", "Đ", "khai sinh", "cccd", "lệ phí",
    unicodedata.normalize("NFD", "Đăng ký kết hôn"), "a" * 5000, "ở đâu", "bao lâu",
]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(SPECIALS), max_size=8).map(" ".join),
    st.builds(lambda a, b: a + b, st.sampled_from(SPECIALS), st.text(max_size=50)),
    st.just("x" * 10_000),
)


def _check_parts(parts: list[str]) -> None:
    assert parts
    for part in parts:
        text, _ = parse_telegram_html(part)  # raises on anything Telegram would refuse
        assert text.strip()
        assert len(visible(part)) <= 4096 and len(text) <= 4096


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_any_text_gets_a_valid_reply(real_matcher, text):
    result = real_matcher.match(text[:500])
    reply = match_reply(result, ref="abc123")
    _check_parts(reply.parts)
    for row in reply.buttons:
        for button in row:
            assert button.label and len(button.data.encode()) <= 64


def test_every_entry_and_section_renders_valid_html(real_kb):
    from bot.replies import entry_reply

    for entry in real_kb.entries.values():
        _check_parts(entry_reply(entry, ref="r").parts)
        if entry.kind == "procedure":
            for section in ("documents", "processing_time", "fee", "agency", "legal_basis",
                            "requirements", "steps", "result"):
                _check_parts(split_message(render_section(entry, section)))
                _check_parts(entry_reply(entry, section).parts)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=20_000))
def test_split_message_keeps_every_part_sendable(text):
    from bot.render import esc

    html = "\n".join(f"<b>{esc(line)}</b>" for line in text.split("\n"))
    parts = split_message(html)
    for part in parts:
        parse_telegram_html(part)
        assert len(visible(part)) <= 4096
