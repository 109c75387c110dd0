"""Replies and catalogues as Telegram objects."""

from __future__ import annotations

import math

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, texts
from bot.render import Button
from knowledge import KnowledgeBase

PAGE_SIZE = 8


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
    return sorted({i.group for i in kb.catalogue if i.kind == "procedure"}, key=str.casefold)


def localities(kb: KnowledgeBase) -> list[str]:
    """Places that reform facts are about (national facts under one heading)."""
    return sorted({i.group or texts.NATIONAL for i in kb.catalogue if i.kind == "fact"}, key=str.casefold)


def _pager(kind: str, group: int | None, page: int, pages: int) -> list[Button]:
    row = []
    if page > 0:
        row.append(Button(texts.PREV, callbacks.browse(kind, group, page - 1)))
    if pages > 1:
        row.append(
            Button(texts.PAGE.format(page=page + 1, pages=pages), callbacks.browse(kind, group, page))
        )
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
        rows = [[Button(name, callbacks.browse(kind, index, 0))] for index, name in shown]
        pager = _pager(kind, None, page, pages)
        header = texts.BROWSE_DOMAINS if kind == "t" else texts.BROWSE_LOCALITIES
        return header, rows + ([pager] if pager else [])
    name = names[group]
    if kind == "t":
        entries = [i for i in kb.catalogue if i.kind == "procedure" and i.group == name]
        header = texts.BROWSE_DOMAIN.format(domain=_esc(name), count=len(entries))
    else:
        entries = [i for i in kb.catalogue if i.kind == "fact" and (i.group or texts.NATIONAL) == name]
        header = texts.BROWSE_LOCALITY.format(locality=_esc(name), count=len(entries))
    shown, page, pages = _page(entries, page)
    rows = [[Button(e.title[:60], callbacks.open_entry(e.id))] for e in shown]
    pager = _pager(kind, group, page, pages)
    back = [Button(texts.BACK, callbacks.browse(kind, None, 0))]
    return header, rows + ([pager] if pager else []) + [back]


def _esc(text: str) -> str:
    from bot.render import esc

    return esc(text)
