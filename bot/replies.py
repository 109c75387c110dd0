"""Turn a match into a reply: HTML text and buttons, the same for Telegram and the console."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import callbacks, texts
from bot.render import Button, esc, render_entry, render_section, split_message, to_plain
from knowledge.matcher import NO_FACT, NO_TOPIC, MatchResult, Outcome
from knowledge.schema import Entry, Procedure


@dataclass(frozen=True)
class Reply:
    """What the bot sends: one or more HTML parts, buttons under the last one."""

    parts: list[str]
    buttons: list[list[Button]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The reply as plain text."""
        return "\n".join(to_plain(p) for p in self.parts)


def section_buttons(entry: Entry, current: str | None, ref: str = "") -> list[list[Button]]:
    """Buttons for the other sections of a procedure, then 👍/👎."""
    rows: list[list[Button]] = []
    if isinstance(entry, Procedure):
        current = current if current in texts.SECTIONS else "summary"
        row = [
            Button(label, callbacks.section(entry.id, name, ref))
            for name, label in texts.SECTIONS.items()
            if name != current
        ]
        rows += [row[:3], row[3:]]
    if ref:
        rows.append(
            [
                Button(texts.FEEDBACK_UP, callbacks.feedback(ref, True)),
                Button(texts.FEEDBACK_DOWN, callbacks.feedback(ref, False)),
            ]
        )
    return [r for r in rows if r]


def entry_reply(entry: Entry, field_name: str | None = None, ref: str = "") -> Reply:
    """An entry as a reply, leading with the asked field."""
    return Reply(
        split_message(render_entry(entry, field_name)),
        section_buttons(entry, field_name if field_name in texts.SECTIONS else None, ref),
    )


def section_reply(entry: Entry, section: str, ref: str = "") -> Reply:
    """One section of a procedure (what a section button shows)."""
    if not isinstance(entry, Procedure):
        return entry_reply(entry, ref=ref)
    parts = split_message(render_section(entry, section))
    return Reply(parts[:1], section_buttons(entry, section, ref))


def match_reply(result: MatchResult, ref: str = "") -> Reply:
    """The reply for a matched question: an answer, a clarifying question, suggestions,
    a small-talk reply or an honest not found that says what can be done instead."""
    if result.outcome is Outcome.answer and result.entry is not None:
        return entry_reply(result.entry, result.field, ref)
    if result.outcome is Outcome.smalltalk:
        return Reply([texts.SMALLTALK.get(result.smalltalk or "", texts.SMALLTALK["greeting"])])
    if result.outcome is Outcome.clarify and result.suggestions:
        part = texts.PARTS.get(result.field or "")
        question = texts.CLARIFY_FIELD.format(part=part) if part else texts.CLARIFY
        return Reply([question], _entry_buttons(result, ref))
    if result.outcome is Outcome.suggest and result.suggestions:
        return Reply([texts.SUGGEST], _entry_buttons(result, ref))
    if result.reason == NO_TOPIC:
        part = texts.PARTS.get(result.field or "", texts.PARTS["documents"])
        return Reply([texts.NO_TOPIC.format(part=part, example=texts.NO_TOPIC_EXAMPLE)])
    lines = [texts.NOT_FOUND]
    buttons: list[list[Button]] = []
    if result.reason == NO_FACT and result.available:
        lines = [texts.NO_FACT]
        for fact in result.available:
            figures = ", ".join(getattr(fact, "figures", ()) or ()) or getattr(fact, "period", "")
            lines.append(texts.NO_FACT_ITEM.format(title=esc(fact.title), figures=esc(figures or "")))
            buttons.append([Button(fact.title[:60], callbacks.open_entry(fact.id, ref))])
    elif result.suggestions:
        lines += ["", texts.NEAREST]
        buttons += _entry_buttons(result, ref)
    if result.normalized and ref:
        lines += ["", texts.NOT_FOUND_LOGGED]  # only what really goes to review says so
    if result.long:
        lines += ["", texts.NOT_FOUND_SHORTER]
    lines += ["", texts.NO_FACT_INSTEAD if result.reason == NO_FACT else texts.NOT_FOUND_INSTEAD]
    buttons += [
        [Button("📋 " + texts.COMMANDS["thutuc"], callbacks.browse("t"))],
        [Button("📊 " + texts.COMMANDS["chitieu"], callbacks.browse("c"))],
    ]
    return Reply(["\n".join(lines)], buttons)


def _entry_buttons(result: MatchResult, ref: str) -> list[list[Button]]:
    """One button per offered entry; a field already asked opens at that section."""
    rows = []
    for s in result.suggestions[:3]:
        if result.field in callbacks.CODE_OF_SECTION:
            data = callbacks.section(s.entry_id, result.field, ref)
        else:
            data = callbacks.open_entry(s.entry_id, ref)
        rows.append([Button(s.title[:60], data)])
    return rows


def plain_answer(result: MatchResult) -> str:
    """The reply as a person would read it in a terminal, suggestions listed."""
    reply = match_reply(result)
    text = reply.text
    if result.suggestions and result.outcome is not Outcome.answer:
        text += "\n" + "\n".join(f"  - {s.title} ({s.entry_id})" for s in result.suggestions[:3])
    return text


__all__ = ["Reply", "entry_reply", "match_reply", "plain_answer", "section_reply"]
