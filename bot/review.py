"""What needs an admin's review, grouped; and the actions that teach the matcher. No telegram import."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.storage import QueryLog, ReviewAction, Storage

SIMILAR = 80  # token-set similarity (0-100) from which two questions are one group


@dataclass
class Group:
    """Similar questions that need the same decision."""

    key: str
    label: str
    rows: list[QueryLog] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        """How many times it was asked."""
        return len(self.rows)

    @property
    def texts(self) -> list[str]:
        """Distinct raw questions, most recent first."""
        seen: dict[str, None] = {}
        for row in sorted(self.rows, key=lambda r: r.created_at, reverse=True):
            text = (row.raw_text or row.normalized).strip()
            if text and text.casefold() not in {t.casefold() for t in seen}:
                seen[text] = None
        return list(seen)


def group_key(normalized: str) -> str:
    """A short, stable id for a group (fits in callback data)."""
    return hashlib.sha1(normalized.encode()).hexdigest()[:8]


def needs_review(storage: Storage) -> list[tuple[QueryLog, str]]:
    """Unanswered questions, suggestions nobody chose, and answers that got 👎 — not yet handled."""
    handled = storage.reviewed_refs()
    disliked = {f.ref for f in storage.feedback() if f.value < 0}
    found: list[tuple[QueryLog, str]] = []
    for row in storage.queries():
        if row.ref in handled or row.channel == "flood":
            continue
        if row.outcome == "not_found" and row.normalized:
            found.append((row, "not_found"))
        elif row.outcome == "suggest" and not row.chosen_entry_id:
            found.append((row, "suggest"))
        elif row.outcome == "answer" and row.ref in disliked:
            found.append((row, "disliked"))
    return found


def group_questions(items: list[tuple[QueryLog, str]]) -> list[Group]:
    """Cluster similar normalised questions; the busiest group first."""
    groups: list[Group] = []
    for row, reason in items:
        text = row.normalized
        for group in groups:
            if fuzz.token_set_ratio(text, group.label) >= SIMILAR:
                group.rows.append(row)
                group.reasons.add(reason)
                break
        else:
            groups.append(Group(group_key(text), text, [row], {reason}))
    groups.sort(key=lambda g: (-g.count, g.label))
    return groups


def review_groups(storage: Storage) -> list[Group]:
    """The review queue as groups."""
    return group_questions(needs_review(storage))


def find_group(storage: Storage, key: str) -> Group | None:
    """A group by its key, recomputed from the log (so any instance can act on it)."""
    return next((g for g in review_groups(storage) if g.key == key), None)


def assign(
    storage: Storage, group: Group, entry_id: str, *, admin_id: int, normalise: Callable[[str], str]
) -> ReviewAction:
    """Make a group's questions learned aliases of an entry (the caller teaches the live matcher)."""
    aliases = [(text, normalise(text)) for text in group.texts]
    return storage.record_action(
        admin_id=admin_id,
        action="assign",
        entry_id=entry_id,
        normalized=group.label,
        refs=[r.ref for r in group.rows],
        aliases=aliases,
    )


def dismiss(storage: Storage, group: Group, *, admin_id: int) -> ReviewAction:
    """Take a group off the queue without teaching anything."""
    return storage.record_action(
        admin_id=admin_id, action="dismiss", entry_id=None, normalized=group.label,
        refs=[r.ref for r in group.rows],
    )
