"""Accuracy of the matcher on labelled questions: top-1 in scope, precision/recall of "not found"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

from knowledge.matcher import Matcher, Outcome


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


# A predictor returns (entry id or None when it refuses, field or None).
Predictor = Callable[[str], tuple[str | None, str | None]]


def matcher_predictor(matcher: Matcher) -> Predictor:
    """The bot's behaviour: only a confident answer counts as naming an entry."""

    def predict(text: str) -> tuple[str | None, str | None]:
        result = matcher.match(text)
        if result.outcome is Outcome.answer and result.entry is not None:
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
    field_total: int = 0
    field_right: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def top1(self) -> float:
        """Share of in-scope questions answered with the right entry."""
        return self.correct / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_recall(self) -> float:
        """Share of out-of-scope questions the bot did not answer with an entry."""
        return self.refused_right / self.out_scope if self.out_scope else 0.0

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
                f"not found: precision {self.refusal_precision:.1%}, recall {self.refusal_recall:.1%}",
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
            else:
                report.errors.append(f"ANSWERED  {item.q!r} -> {got}")
            continue
        report.in_scope += 1
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
