"""Entries as Telegram HTML (and as plain text for the console and the CLI). No telegram import."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from bot import render_national, texts
from knowledge.schema import METHOD_LABELS, Entry, Fact, LegalDocument, Method, NationalProcedure, Procedure

MAX_MESSAGE = 4096
MAX_DOCUMENTS_IN_SUMMARY = 8
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>')


def esc(text: str) -> str:
    """Escape user or knowledge text for Telegram HTML."""
    return html.escape(text, quote=False)


def visible(html_text: str) -> str:
    """The text Telegram shows of our HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))


def to_plain(html_text: str) -> str:
    """Our HTML for a terminal: like ``visible``, with link addresses spelled out."""
    return visible(_LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", html_text))


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _bold(label: str) -> str:
    return f"<b>{esc(label)}</b>"


def _bullets(items: list[str]) -> list[str]:
    return [f"• {esc(item)}" for item in items]


def _document_line(doc, detail: bool = True) -> str:
    counts = []
    if doc.originals:
        counts.append(texts.ORIGINALS.format(n=doc.originals))
    if doc.copies:
        counts.append(texts.COPIES.format(n=doc.copies))
    line = f"• {esc(doc.name)}"
    if counts:
        line += f" ({esc(', '.join(counts))})"
    if detail and doc.form:
        line += f" — <i>{esc(doc.form)}</i>"
    if detail and doc.note:
        line += f". {esc(doc.note)}"
    return line


def _per_channel(proc: Procedure, attr: str) -> list[str]:
    """Channel-specific values of a field, when a channel says something of its own."""
    lines = []
    for channel in proc.channels:
        value = getattr(channel, attr)
        if value:
            lines.append(f"• {esc(METHOD_LABELS[channel.method])}: {esc(value)}")
    return lines


def document_name(law: LegalDocument) -> str:
    """A cited document as people name it: "Thông tư 75/2022/TT-BTC"."""
    kind = next((k for k in texts.DOCUMENT_KINDS if law.title.startswith(k)), None)
    if kind in ("Luật", "Bộ luật") and "sửa đổi" not in law.title:
        # a code is known by its name: "Luật Cư trú 68/2020/QH14"
        return f"{law.title.split('(')[0].strip()} {law.number}"
    if kind is None:
        kind = next((k for part, k in texts.DOCUMENT_KIND_BY_NUMBER.items() if part in law.number), "Văn bản")
    return f"{kind} {law.number}"


def basis_suffix(proc: Procedure, field: str, value: str) -> str:
    """" (theo …)" naming the documents a fee or time rests on, unless the text already names them all."""
    laws = [law for law in proc.legal_basis if field in law.covers and law.number not in value]
    if not laws:
        return ""
    return " " + texts.BASIS.format(documents=", ".join(document_name(law) for law in laws))


def _with_basis(proc: Procedure, field: str) -> str:
    value = _short(proc, field)
    return esc(value + basis_suffix(proc, field, value))


def section_lines(proc: Procedure, section: str) -> list[str]:
    """The full content of one section of a procedure, as HTML lines under its heading."""
    if isinstance(proc, NationalProcedure):
        return render_national.section_lines(proc, section)
    heading = _bold(texts.HEADINGS[section])
    if section == "documents":
        return [heading, *(_document_line(d) for d in proc.documents)]
    if section == "processing_time":
        return [heading, _with_basis(proc, "processing_time"), *_per_channel(proc, "processing_time")]
    if section == "fee":
        return [heading, _with_basis(proc, "fee"), *_per_channel(proc, "fee")]
    if section == "agency":
        methods = ", ".join(METHOD_LABELS[c.method] for c in proc.channels)
        lines = [heading, esc(proc.agency), f"{_bold(texts.HEADINGS['channels'])}: {esc(methods)}"]
        notes = [f"• {esc(METHOD_LABELS[c.method])}: {esc(c.note)}" for c in proc.channels if c.note]
        return lines + notes + render_national.province_lines()
    if section == "legal_basis":
        items = []
        for law in proc.legal_basis:
            line = f"• {esc(law.title)} ({esc(law.number)}"
            line += f", {_date(law.issued)})" if law.issued else ")"
            if law.note:
                line += f" — {esc(law.note)}"
            items.append(line)
        return [heading, *items]
    if section == "requirements":
        return [heading, *(_bullets(proc.requirements) or ["—"])]
    if section == "steps":
        return [heading, *(f"{i}. {esc(step)}" for i, step in enumerate(proc.steps, 1))]
    if section == "result":
        return [heading, esc(proc.result)]
    if section == "channels":
        return [heading, *_channel_lines(proc)]
    raise KeyError(section)


def _channel_lines(proc: Procedure) -> list[str]:
    """Each way to submit, with its own time, fee and note when it has them."""
    online = any(c.method == Method.online for c in proc.channels)
    lines = [esc(texts.ONLINE_YES if online else texts.ONLINE_NO)]
    for channel in proc.channels:
        details = [d for d in (channel.processing_time, channel.fee, channel.note) if d]
        line = f"• {esc(METHOD_LABELS[channel.method])}"
        lines.append(line + (f": {esc('; '.join(details))}" if details else ""))
    return lines


def _procedure_footer(proc: Procedure) -> list[str]:
    source = texts.OFFICIAL
    if proc.source_url:
        source = f'{texts.OFFICIAL[:-1]}: <a href="{html.escape(proc.source_url)}">xem thủ tục</a>.'
    return ["", f"<i>{esc(texts.CHECKED.format(date=_date(proc.checked)))} </i>{source}"]


def render_procedure(proc: Procedure, field: str | None = None) -> str:
    """A short answer: the asked field first, then the essentials a citizen acts on."""
    if isinstance(proc, NationalProcedure):
        return render_national.render(proc, field)
    title = f"📋 {_bold(proc.title)}"
    if field in texts.HEADINGS:
        # on a phone: the asked part, one line of context, the rest behind the buttons
        lines = [title, "", *section_lines(proc, field), "", f"<i>{esc(_one_line(proc.summary))}</i>"]
        return "\n".join(lines + _procedure_footer(proc))
    docs = proc.documents[:MAX_DOCUMENTS_IN_SUMMARY]
    lines = [title, f"<i>{esc(proc.summary)}</i>", "", _bold(texts.HEADINGS["documents"])]
    lines += [_document_line(d, detail=False) for d in docs]
    if len(proc.documents) > len(docs):
        lines.append(esc(texts.MORE_DOCUMENTS.format(n=len(proc.documents) - len(docs))))
    lines.append("")
    for other in ("processing_time", "fee", "agency"):
        lines.append(f"{_bold(texts.HEADINGS[other])}: {_short_line(proc, other)}")
    return "\n".join(lines + _procedure_footer(proc))


def _short_line(proc: Procedure, field: str) -> str:
    # fee and time lines carry their legal basis wherever they are shown
    return _with_basis(proc, field) if field in ("fee", "processing_time") else esc(_short(proc, field))


def _one_line(text: str) -> str:
    """The first clause of a summary: context under a field answer, not a second answer."""
    head = text.split(";", 1)[0].strip()
    return head if head.endswith(".") else head + "."


def _short(proc: Procedure, field: str) -> str:
    return {"processing_time": proc.processing_time, "fee": proc.fee, "agency": proc.agency}[field]


def render_section(proc: Procedure, section: str) -> str:
    """One section of a procedure on its own (what a section button shows)."""
    if isinstance(proc, NationalProcedure):
        return render_national.render_section(proc, section)
    if section == "summary":
        return render_procedure(proc)
    lines = [f"📋 {_bold(proc.title)}", "", *section_lines(proc, section)]
    return "\n".join(lines + _procedure_footer(proc))


def render_fact(fact: Fact) -> str:
    """One precise line with its source."""
    lines = [f"📊 {_bold(fact.title)}", esc(fact.answer)]
    if fact.locality_today:
        lines.append(f"<i>{esc(texts.TODAY.format(place=fact.locality_today))}</i>")
    if fact.note:
        lines.append(f"<i>{esc(texts.NOTE.format(note=fact.note))}</i>")
    source = fact.source.title
    date = _date(fact.source.date)
    if date and fact.source.date_inferred:
        date = texts.DATE_INFERRED.format(date=date)
    extras = [p for p in (fact.source.publisher, date) if p]
    if extras:
        source += f" ({', '.join(extras)})"
    lines.append(esc(texts.SOURCE.format(source=source)))
    return "\n".join(lines)


def render_entry(entry: Entry, field: str | None = None) -> str:
    """An entry as Telegram HTML, leading with the asked field when there is one."""
    if isinstance(entry, Procedure):
        return render_procedure(entry, field)
    return render_fact(entry)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def cut_utf16(text: str, limit: int) -> str:
    """The longest start of ``text`` of at most ``limit`` UTF-16 code units."""
    if utf16_len(text) <= limit:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split HTML at line breaks into parts a message can hold; tags never span lines here.

    Lengths are UTF-16 code units, as Telegram counts them; the raw HTML is held to the limit
    too, so a part fits whatever the entities expand to.
    """
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        if utf16_len(line) > limit:
            # an entity can grow fivefold when escaped; cut the plain text so it still fits
            line = esc(cut_utf16(visible(line), limit // 5)) + "…"
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p for p in parts if visible(p).strip()]


@dataclass(frozen=True)
class Button:
    """An inline button: its label and its callback data (or a URL)."""

    label: str
    data: str | None = None
    url: str | None = None
