"""Accuracy of the matcher on labelled questions: top-1 in scope, precision/recall of "not found"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

from knowledge.matcher import Matcher, Outcome
from knowledge.schema import NationalProcedure


class Question(BaseModel):
    """One labelled question; ``expect`` is None for questions the base must not answer."""

    model_config = ConfigDict(extra="forbid")

    q: str
    expect: str | None
    field: str | None = None
    tags: list[str] = []


def load_questions(path: Path) -> list[Question]:
    """Every question in a YAML file, or in all YAML files of a folder."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    adapter = TypeAdapter(list[Question])
    questions: list[Question] = []
    for file in files:
        questions += adapter.validate_python(yaml.safe_load(file.read_text(encoding="utf-8")) or [])
    return questions


# A predictor returns (entry id or None when it refuses, field or None); an id after
# NATIONAL_MARK is a national record. The curated set's out-of-scope labels predate the national
# catalogue: such a question answered from a record is counted apart, not as a curated error.
NATIONAL_MARK = "="
Predictor = Callable[[str], tuple[str | None, str | None]]


def matcher_predictor(matcher: Matcher) -> Predictor:
    """The bot's behaviour: only a confident answer counts as naming an entry."""

    def predict(text: str) -> tuple[str | None, str | None]:
        result = matcher.match(text)
        if result.outcome is Outcome.answer and result.entry is not None:
            if isinstance(result.entry, NationalProcedure):
                return NATIONAL_MARK + result.entry.id, result.field
            return result.entry.id, result.field
        if result.outcome is Outcome.suggest and result.suggestions:
            return "?" + result.suggestions[0].entry_id, result.field
        return None, result.field

    return predict


@dataclass
class Report:
    """Counts and rates of one evaluation run."""

    total: int = 0
    in_scope: int = 0
    correct: int = 0
    suggested_right: int = 0
    out_scope: int = 0
    refused_right: int = 0
    refused_total: int = 0
    national: int = 0  # out-of-scope questions answered from a national record
    field_total: int = 0
    field_right: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def top1(self) -> float:
        """Share of in-scope questions answered with the right entry."""
        return self.correct / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_recall(self) -> float:
        """Share of out-of-scope questions the bot did not answer with a curated entry."""
        return (self.refused_right + self.national) / self.out_scope if self.out_scope else 0.0

    @property
    def refusal_precision(self) -> float:
        """Share of the bot's refusals that were right to refuse."""
        return self.refused_right / self.refused_total if self.refused_total else 1.0

    def summary(self) -> str:
        """A few lines a person reads."""
        return "\n".join(
            [
                f"questions: {self.total} ({self.in_scope} in scope, {self.out_scope} out of scope)",
                f"top-1 accuracy (in scope, answered right): {self.top1:.1%}"
                f"  (+{self.suggested_right} more offered as first suggestion)",
                f"not found: precision {self.refusal_precision:.1%}, recall {self.refusal_recall:.1%}"
                + (f"  ({self.national} answered from a national record instead)"
                   if self.national else ""),
                f"field detection: {self.field_right}/{self.field_total}",
            ]
        )


def evaluate(matcher: Matcher, questions: Iterable[Question]) -> Report:
    """Run every question through the matcher."""
    return evaluate_predictor(matcher_predictor(matcher), questions)


def evaluate_predictor(predict: Predictor, questions: Iterable[Question]) -> Report:
    """Score any predictor (the matcher, or a baseline) on labelled questions."""
    report = Report()
    for item in questions:
        report.total += 1
        got, got_field = predict(item.q)
        refused = got is None or got.startswith("?")
        if refused:
            report.refused_total += 1
        if item.expect is None:
            report.out_scope += 1
            if refused:
                report.refused_right += 1
            elif got.startswith(NATIONAL_MARK):
                report.national += 1
                report.errors.append(f"NATIONAL  {item.q!r} -> {got[1:]}")
            else:
                report.errors.append(f"ANSWERED  {item.q!r} -> {got}")
            continue
        report.in_scope += 1
        got = got.removeprefix(NATIONAL_MARK) if got else got
        if got == item.expect:
            report.correct += 1
        elif got == "?" + item.expect:
            report.suggested_right += 1
            report.errors.append(f"SUGGESTED {item.q!r} -> {item.expect}")
        else:
            report.errors.append(f"MISSED    {item.q!r} -> {got} (want {item.expect})")
        if item.field:
            report.field_total += 1
            if got_field == item.field:
                report.field_right += 1
    return report


# -- categories: blind questions, conversations and real portal questions ---------------------

SMALLTALK = "smalltalk"  # the ``expect`` of a message that is conversation, not a question
PORTAL_FIELDS = {
    "ho_so": "documents", "thoi_han": "processing_time", "le_phi": "fee", "noi_nop": "agency",
    "dieu_kien": "requirements", "trinh_tu": "steps", "can_cu": "legal_basis", "ket_qua": "result",
    "cach_thuc": "channels",
}


class Labelled(BaseModel):
    """One question of a category file: an entry id, a national code, ``smalltalk`` or nothing."""

    model_config = ConfigDict(extra="ignore")

    q: str
    expect: str | None = None
    code: str | None = None
    codes: list[str] = []
    field: str | None = None
    tags: list[str] = []

    @property
    def answerable(self) -> bool:
        """The base should answer it with an entry."""
        return bool(self.expect and self.expect != SMALLTALK) or bool(self.code or self.codes)


class Turn(BaseModel):
    """One message of a scripted conversation and the answer it should get."""

    model_config = ConfigDict(extra="ignore")

    q: str
    expect: str | None = None
    code: str | None = None
    field: str | None = None


class Conversation(BaseModel):
    """A scripted conversation: every turn is read in the context of the previous answers."""

    model_config = ConfigDict(extra="ignore")

    turns: list[Turn]
    tags: list[str] = []


def load_category_files(folder: Path) -> tuple[list[Labelled], list[Conversation]]:
    """Every question and conversation in the YAML files of a folder (blind dev or holdout)."""
    questions: list[Labelled] = []
    conversations: list[Conversation] = []
    for file in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        for item in yaml.safe_load(file.read_text(encoding="utf-8")) or []:
            if "turns" in item:
                conversations.append(Conversation.model_validate(item))
            else:
                questions.append(Labelled.model_validate(item))
    return questions, conversations


def blind_batches(root: Path) -> list[str]:
    """The blind batches under an evaluation folder, in order: blind, blind2, blind3 …"""
    found = [p.name for p in root.glob("blind*") if p.is_dir() and (p.name[5:].isdigit() or p.name == "blind")]
    return sorted(found, key=lambda name: int(name[5:] or 1))


def load_portal(folder: Path) -> list[Labelled]:
    """The labelled real portal questions (JSON lines), tagged ``portal``."""
    import json

    questions: list[Labelled] = []
    for file in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                why = row.get("why") or "in_catalogue"
                questions.append(
                    Labelled(
                        q=row["q"], codes=row.get("codes") or [],
                        field=PORTAL_FIELDS.get(row.get("field") or ""), tags=["portal", why],
                    )
                )
    return questions


@dataclass
class Tally:
    """Counts of one category."""

    total: int = 0
    answerable: int = 0
    first: int = 0  # right entry answered (or, for a national code, offered in a clarification)
    clarified: int = 0  # of ``first``: by a clarifying question that offers it
    top3: int = 0
    refuse: int = 0
    refused: int = 0
    smalltalk: int = 0
    smalltalk_right: int = 0
    fields: int = 0
    fields_right: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        """One row of the per-category table."""
        parts = [f"{name:<18} n={self.total:<4}"]
        if self.answerable:
            parts.append(f"first {self.first / self.answerable:6.1%} ({self.first}/{self.answerable}"
                         + (f", {self.clarified} by clarifying" if self.clarified else "") + ")")
            parts.append(f"top-3 {self.top3 / self.answerable:6.1%}")
        if self.refuse:
            parts.append(f"refused {self.refused / self.refuse:6.1%} ({self.refused}/{self.refuse})")
        if self.smalltalk:
            parts.append(f"small talk {self.smalltalk_right}/{self.smalltalk}")
        if self.fields:
            parts.append(f"field {self.fields_right}/{self.fields}")
        return "  ".join(parts)


def _names(matcher: Matcher, entry_id: str) -> set[str]:
    """An entry's id and the national codes it answers for."""
    from knowledge.matcher import codes_of

    entry = matcher.kb.entries.get(entry_id)
    return {entry_id, *codes_of(entry)}


def judge(matcher: Matcher, item: Labelled | Turn, result, tally: Tally) -> bool:
    """Count one result against its label; True when it is what a person should get."""
    tally.total += 1
    wanted = {x for x in (item.expect, item.code, *getattr(item, "codes", ())) if x}
    wanted.discard(SMALLTALK)
    if item.expect == SMALLTALK:
        tally.smalltalk += 1
        ok = result.outcome is Outcome.smalltalk
        tally.smalltalk_right += ok
        if not ok:
            tally.errors.append(f"NOT SMALL TALK {item.q!r} -> {result.outcome.value}")
        return ok
    if not wanted:
        tally.refuse += 1
        ok = result.outcome not in (Outcome.answer, Outcome.clarify)
        tally.refused += ok
        if not ok:
            got = result.entry.id if result.entry else [s.entry_id for s in result.suggestions]
            tally.errors.append(f"ANSWERED  {item.q!r} -> {got}")
        return ok
    tally.answerable += 1
    answered = result.entry.id if result.outcome is Outcome.answer and result.entry else None
    offered = [s.entry_id for s in result.suggestions[:3]]
    ok = answered is not None and bool(_names(matcher, answered) & wanted)
    if not ok and result.outcome is Outcome.clarify:
        ok = any(_names(matcher, e) & wanted for e in offered)
        tally.clarified += ok
    tally.first += ok
    tally.top3 += ok or any(_names(matcher, e) & wanted for e in offered)
    if item.field:
        tally.fields += 1
        tally.fields_right += ok and result.field == item.field
    if not ok:
        tally.errors.append(
            f"MISSED    {item.q!r} -> {result.outcome.value} {answered or offered} "
            f"(want {sorted(wanted)})"
        )
    return ok


def by_category(matcher: Matcher, questions: Iterable[Labelled]) -> dict[str, Tally]:
    """Tallies per tag, and ``all``."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for item in questions:
        result = matcher.match(item.q)
        for name in ("all", *item.tags):
            judge(matcher, item, result, tallies[name])
    return dict(tallies)


def conversations_tally(matcher: Matcher, conversations: Iterable[Conversation]) -> Tally:
    """Every turn of every scripted conversation, each read with the context of the previous."""
    from knowledge.matcher import next_context

    tally = Tally()
    for conversation in conversations:
        context = None
        for turn in conversation.turns:
            result = matcher.match(turn.q, context=context)
            judge(matcher, turn, result, tally)
            context = next_context(result, context)
    return tally
