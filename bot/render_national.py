"""National records as Telegram HTML: field-led like the curated entries, short on a phone.

Every value comes from the record itself; the footer names its code, its official page and the
date its content was taken. A province's own facts (``Province``) complete "where to submit".
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from bot import texts
from knowledge.schema import METHOD_LABELS, Method, NationalProcedure

MAX_DOCUMENTS = 6
MAX_ITEM = 120  # characters of one document in a short answer
MAX_LINE = 160  # characters of the time, fee or agency line under it
MAX_VERBATIM = 900  # characters of a cell kept verbatim


@dataclass(frozen=True)
class Province:
    """The deploying province's own facts, shown with "where to submit"."""

    name: str | None = None
    hotline: str | None = None
    portal_url: str | None = None
    centre_address: str | None = None


_province = Province()


def set_province(province: Province) -> None:
    """The province whose facts answers show (set once at start)."""
    global _province
    _province = province


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bold(label: str) -> str:
    return f"<b>{_esc(label)}</b>"


def _date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _amount(fee: str) -> str:
    """A fee without its explanation: "200,000 Việt Nam Đồng (…)" -> "200,000 Việt Nam Đồng"."""
    return fee.split(" (", 1)[0].strip()


def _by_channel(proc: NationalProcedure, value) -> list[tuple[str, str]]:
    """(channel label, value) for the channels that state one."""
    return [(METHOD_LABELS[c.method], v) for c in proc.channels if (v := value(c))]


def _joined(pairs: list[tuple[str, str]]) -> str | None:
    """One value when every channel agrees, else "Trực tiếp: …; Trực tuyến: …"."""
    if not pairs:
        return None
    values = list(dict.fromkeys(v for _, v in pairs))
    if len(values) == 1:
        return values[0]
    return "; ".join(f"{label}: {value}" for label, value in pairs)


def short(proc: NationalProcedure, field: str) -> str:
    """One line of a field for the footer of an answer."""
    if field == "processing_time":
        value = _joined(_by_channel(proc, lambda c: c.processing_time))
    elif field == "fee":
        value = _joined(_by_channel(proc, lambda c: _amount(c.fee) if c.fee else None))
    else:
        value = proc.agency or proc.competent_agency
    if value is None and field in ("processing_time", "fee") and proc.channels_text:
        value = texts.NATIONAL_SEE_CHANNELS
    return _cut(value or texts.NATIONAL_NO_INFO, MAX_LINE)


def _document_line(doc, limit: int | None) -> str:
    counts = []
    if doc.originals:
        counts.append(texts.ORIGINALS.format(n=doc.originals))
    if doc.copies:
        counts.append(texts.COPIES.format(n=doc.copies))
    name = _cut(doc.name, limit) if limit else doc.name
    line = f"• {_esc(name)}"
    if counts:
        line += f" ({_esc(', '.join(counts))})"
    if limit is None and doc.form:
        line += f" — <i>{_esc(texts.NATIONAL_FORM.format(form=doc.form))}</i>"
    return line


def _documents(proc: NationalProcedure, limit: int | None) -> list[str]:
    if not proc.documents:
        if proc.documents_text:
            return [_esc(_cut(proc.documents_text, MAX_VERBATIM))]
        return [_esc(texts.NATIONAL_NO_INFO)]
    lines: list[str] = []
    group = None
    shown = proc.documents if limit is None else proc.documents[:MAX_DOCUMENTS]
    for doc in shown:
        if doc.group and doc.group != group:
            group = doc.group
            lines.append(f"<i>{_esc(_cut(group, MAX_LINE))}</i>")
        lines.append(_document_line(doc, limit))
    if len(shown) < len(proc.documents):
        lines.append(_esc(texts.MORE_DOCUMENTS.format(n=len(proc.documents) - len(shown))))
    return lines


def _agency_lines(proc: NationalProcedure) -> list[str]:
    lines = []
    for label, value in (
        (texts.NATIONAL_AGENCY, proc.agency),
        (texts.NATIONAL_COMPETENT, proc.competent_agency),
        (texts.NATIONAL_AUTHORIZED, proc.authorized_agency),
        (texts.NATIONAL_ADDRESS, proc.receiving_address),
    ):
        if value:
            lines.append(f"{_esc(label)}: {_esc(value)}")
    if not lines:  # the record names no agency: say so rather than show an empty heading
        lines.append(_esc(texts.NATIONAL_NO_INFO))
    methods = ", ".join(METHOD_LABELS[c.method] for c in proc.channels)
    if methods:
        lines.append(f"{_bold(texts.HEADINGS['channels'])}: {_esc(methods)}")
    lines += province_lines()
    return lines or [_esc(texts.NATIONAL_NO_INFO)]


def province_lines() -> list[str]:
    """The deploying province's own facts under "where to submit" (none when not set)."""
    province = _province
    if not province.name or not (province.centre_address or province.portal_url or province.hotline):
        return []
    lines = ["", _esc(texts.PROVINCE_WHERE.format(province=province.name))]
    if province.centre_address:
        lines.append(f"• {_esc(texts.PROVINCE_CENTRE.format(address=province.centre_address))}")
    if province.portal_url:
        url = html.escape(province.portal_url)
        lines.append(f'• {_esc(texts.PROVINCE_PORTAL)}: <a href="{url}">{_esc(province.portal_url)}</a>')
    if province.hotline:
        lines.append(f"• {_esc(texts.PROVINCE_HOTLINE.format(hotline=province.hotline))}")
    return lines


def section_lines(proc: NationalProcedure, section: str) -> list[str]:
    """The full content of one section of a national record, under its heading."""
    heading = _bold(texts.HEADINGS[section])
    if section == "documents":
        return [heading, *_documents(proc, None)]
    if section in ("processing_time", "fee"):
        attr = section
        pairs = _by_channel(proc, lambda c: getattr(c, attr))
        lines = [f"• {_esc(label)}: {_esc(value)}" for label, value in pairs]
        if not lines and proc.channels_text:
            lines = [_esc(_cut(proc.channels_text, MAX_VERBATIM))]
        return [heading, *(lines or [_esc(texts.NATIONAL_NO_INFO)])]
    if section == "agency":
        return [heading, *_agency_lines(proc)]
    if section == "legal_basis":
        items = [f"• {_esc(law.title)} ({_esc(law.number)})" for law in proc.legal_basis]
        if not items and proc.legal_basis_text:
            items = [_esc(_cut(proc.legal_basis_text, MAX_VERBATIM))]
        return [heading, *(items or [_esc(texts.NATIONAL_NO_INFO)])]
    if section == "requirements":
        return [heading, *([f"• {_esc(r)}" for r in proc.requirements] or ["—"])]
    if section == "steps":
        steps = [f"{i}. {_esc(step)}" for i, step in enumerate(proc.steps, 1)]
        return [heading, *(steps or [_esc(texts.NATIONAL_NO_INFO)])]
    if section == "result":
        return [heading, _esc(proc.result or texts.NATIONAL_NO_INFO)]
    if section == "channels":
        return [heading, *_channel_lines(proc)]
    if section == "subjects":
        return [heading, *([f"• {_esc(s)}" for s in proc.subjects] or [_esc(texts.NATIONAL_NO_INFO)])]
    raise KeyError(section)


def _channel_lines(proc: NationalProcedure) -> list[str]:
    """Whether it can be submitted online, then each way to submit with its time, fee and note."""
    if not proc.channels:
        return [_esc(_cut(proc.channels_text, MAX_VERBATIM) if proc.channels_text else texts.NATIONAL_NO_INFO)]
    online = any(c.method == Method.online for c in proc.channels)
    lines = [_esc(texts.ONLINE_YES if online else texts.ONLINE_NO)]
    for channel in proc.channels:
        details = "; ".join(d for d in (channel.processing_time, channel.fee, channel.note) if d)
        label = METHOD_LABELS[channel.method]
        lines.append(f"• {_esc(label)}" + (f": {_esc(_cut(details, MAX_LINE))}" if details else ""))
    return lines


def _identity(proc: NationalProcedure) -> str:
    parts = [texts.NATIONAL_CODE.format(code=proc.code), *proc.levels[:3]]
    return f"<i>{_esc(' · '.join(parts))}</i>"


def footer(proc: NationalProcedure) -> list[str]:
    """Code, official link and the date the content was taken."""
    url = html.escape(proc.source_url)
    link = f'<a href="{url}">{_esc(texts.NATIONAL_CODE.format(code=proc.code))}</a>'
    taken = _esc(texts.NATIONAL_TAKEN.format(date=_date(proc.crawled)))
    return ["", f"<i>{_esc(texts.NATIONAL_SOURCE)}</i> {link}. <i>{taken}</i>"]


def render(proc: NationalProcedure, field: str | None = None) -> str:
    """A short answer from the record's own fields: the asked field first, then the essentials."""
    title = f"📋 {_bold(proc.title)}"
    lines = [title, _identity(proc), ""]
    if field in texts.HEADINGS:
        lines += [*section_lines(proc, field), ""]
    else:
        lines += [_bold(texts.HEADINGS["documents"]), *_documents(proc, MAX_ITEM), ""]
    for other in ("processing_time", "fee", "agency"):
        if other != field:
            lines.append(f"{_bold(texts.HEADINGS[other])}: {_esc(short(proc, other))}")
    return "\n".join(lines + footer(proc))


def render_section(proc: NationalProcedure, section: str) -> str:
    """One section on its own (what a section button shows)."""
    if section == "summary":
        return render(proc)
    lines = [f"📋 {_bold(proc.title)}", _identity(proc), "", *section_lines(proc, section)]
    return "\n".join(lines + footer(proc))
