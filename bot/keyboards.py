"""Replies and catalogues as Telegram objects."""

from __future__ import annotations

import math
import unicodedata

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, texts
from bot.render import Button
from knowledge import KnowledgeBase

PAGE_SIZE = 8
LABEL_CHARS = 60

# Vietnamese alphabet order: a ă â b c d đ e ê … o ô ơ … u ư …; tones after the base letter
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONES = {"\u0300": 2, "\u0301": 4, "\u0303": 3, "\u0309": 1, "\u0323": 5}  # huyền sắc ngã hỏi nặng
_BASE_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: letters of their own


def _letter_keys(word: str) -> tuple[list[int], list[int]]:
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", word.casefold()):
        if char in _TONES:
            if tones:
                tones[-1] = _TONES[char]
            continue
        if char in _BASE_MARKS and letters and letters[-1] < len(_LETTERS):
            letter = unicodedata.normalize("NFC", _LETTERS[letters[-1]] + char)
            if letter in _LETTERS:
                letters[-1] = _LETTERS.index(letter)
            continue
        if char in _LETTERS:
            letters.append(_LETTERS.index(char))
        else:
            letters.append(len(_LETTERS) + ord(char))
        tones.append(0)
    return letters, tones


def vietnamese_key(text: str) -> tuple:
    """Sort key in Vietnamese dictionary order: đ after d, ư after u, tones only break ties."""
    words = [_letter_keys(word) for word in text.split()]
    return ([w[0] for w in words], [w[1] for w in words])


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    """A label of at most ``limit`` characters, cut at a word boundary with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head and not text[limit - 1].isspace():
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-–(") + "…"


def markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard for button rows (None when there are none)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in rows
        ]
    )


def domains(kb: KnowledgeBase) -> list[str]:
    """Procedure domains, in a stable order."""
    return sorted({i.group for i in kb.catalogue if i.kind == "procedure"}, key=vietnamese_key)


def localities(kb: KnowledgeBase) -> list[str]:
    """Places that reform facts are about (national facts under one heading)."""
    return sorted({i.group or texts.NATIONAL for i in kb.catalogue if i.kind == "fact"}, key=vietnamese_key)


def _pager(kind: str, group: int | None, page: int, pages: int) -> list[Button]:
    # the page number is in the text above: a button that does nothing would only puzzle
    row = []
    if page > 0:
        row.append(Button(texts.PREV, callbacks.browse(kind, group, page - 1)))
    if page < pages - 1:
        row.append(Button(texts.NEXT, callbacks.browse(kind, group, page + 1)))
    return row


def _page(items: list, page: int) -> tuple[list, int, int]:
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    return items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE], page, pages


def catalogue(kb: KnowledgeBase, kind: str, group: int | None, page: int) -> tuple[str, list[list[Button]]]:
    """One page of the procedure (``t``) or reform (``c``) catalogue: text and buttons."""
    names = domains(kb) if kind == "t" else localities(kb)
    if group is None or not 0 <= group < len(names):
        shown, page, pages = _page(list(enumerate(names)), page)
        rows = [[Button(cut(name), callbacks.browse(kind, index, 0))] for index, name in shown]
        pager = _pager(kind, None, page, pages)
        header = texts.BROWSE_DOMAINS if kind == "t" else texts.BROWSE_LOCALITIES
        return header + _page_line(page, pages), rows + ([pager] if pager else [])
    name = names[group]
    if kind == "t":
        entries = sorted((i for i in kb.catalogue if i.kind == "procedure" and i.group == name),
                         key=lambda i: vietnamese_key(i.title))
        header = texts.BROWSE_DOMAIN.format(domain=_esc(name), count=len(entries))
    else:
        entries = [i for i in kb.catalogue if i.kind == "fact" and (i.group or texts.NATIONAL) == name]
        header = texts.BROWSE_LOCALITY.format(locality=_esc(name), count=len(entries))
    shown, page, pages = _page(entries, page)
    rows = [[Button(cut(e.title), callbacks.open_entry(e.id))] for e in shown]
    pager = _pager(kind, group, page, pages)
    back = [Button(texts.BACK, callbacks.browse(kind, None, 0))]
    return header + _page_line(page, pages), rows + ([pager] if pager else []) + [back]


def _page_line(page: int, pages: int) -> str:
    return "\n" + texts.PAGE.format(page=page + 1, pages=pages) if pages > 1 else ""


def _esc(text: str) -> str:
    from bot.render import esc

    return esc(text)
