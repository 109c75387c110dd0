"""Turn a match into a reply: HTML text and buttons, the same for Telegram and the console."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import callbacks, texts
from bot.render import Button, render_entry, render_section, split_message, to_plain
from knowledge.matcher import MatchResult, Outcome
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
    """The reply for a matched question: an answer, suggestions or an honest not found."""
    if result.outcome is Outcome.answer and result.entry is not None:
        return entry_reply(result.entry, result.field, ref)
    if result.outcome is Outcome.suggest and result.suggestions:
        buttons = [
            [Button(s.title[:60], callbacks.open_entry(s.entry_id, ref))]
            for s in result.suggestions[:3]
        ]
        return Reply([texts.SUGGEST], buttons)
    parts = [texts.NOT_FOUND]
    buttons = [
        [
            Button("📋 " + texts.COMMANDS["thutuc"], callbacks.browse("t")),
        ],
        [Button("📊 " + texts.COMMANDS["chitieu"], callbacks.browse("c"))],
    ]
    return Reply(parts, buttons)


def plain_answer(result: MatchResult) -> str:
    """The reply as a person would read it in a terminal, suggestions listed."""
    reply = match_reply(result)
    text = reply.text
    if result.outcome is Outcome.suggest:
        text += "\n" + "\n".join(f"  - {s.title} ({s.entry_id})" for s in result.suggestions[:3])
    return text


__all__ = ["Reply", "entry_reply", "match_reply", "plain_answer", "section_reply"]
