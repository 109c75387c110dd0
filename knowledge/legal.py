"""The registry of cited legal documents (``legal.yaml``) and the checks that keep citations current.

Every legal basis an entry cites must be in the registry. A document the registry marks as
replaced, with the replacement in force on or before the day the entry was last checked, is an
error: the entry was checked against the old text. A replacement in force after that day, and an
entry checked too long ago, are warnings: the entry needs another look.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.loader import LEGAL_FILE, NATIONAL_DIR, KnowledgeBase, Problem
from knowledge.schema import NationalProcedure, Procedure, Strict, Text

DEFAULT_MAX_AGE_DAYS = 180
_ENTRY_ID = re.compile(r"^\s*-\s*id:\s*['\"]?([a-z0-9-]+)")
_NUMBER = re.compile(r"^\s*-?\s*number:\s*['\"]?([^'\"#]+?)['\"]?\s*(?:#.*)?$")


class LegalRecord(Strict):
    """One legal document: what it is, when it applies, and what replaced it."""

    number: Text
    title: Text
    issued: dt.date | None = None
    in_force: dt.date | None = None
    # the last day a temporary rule applies (e.g. a fee cut "đến hết ngày 31/12/2026")
    until: dt.date | None = None
    replaced_by: Text | None = None
    replaced_from: dt.date | None = None
    url: Text | None = None
    note: Text | None = None


def number_key(number: str) -> str:
    """Compare document numbers without case, spaces or the Đ/D spelling difference."""
    return re.sub(r"\s+", "", number).upper().replace("Đ", "D")


@dataclass
class LegalRegistry:
    """Documents by number, with the line each is defined on."""

    file: str = LEGAL_FILE
    records: dict[str, LegalRecord] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, number: str) -> LegalRecord | None:
        """The record of a number, however it is spelt."""
        return self.records.get(number_key(number))

    def __len__(self) -> int:
        return len(self.records)


def load_registry(path: Path) -> tuple[LegalRegistry, list[Problem]]:
    """Read ``legal.yaml``; every malformed record, duplicate or dangling replacement is a problem."""
    name = path.name
    registry = LegalRegistry(file=name)
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return registry, [Problem(name, 1, None, f"cannot read the legal registry: {exc}")]
    items = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return registry, [Problem(name, 1, None, "expected 'documents:' with a list of legal documents")]
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"^\s*-\s*number:", line)]
    for index, raw in enumerate(items):
        line = starts[index] if index < len(starts) else 1
        try:
            record = LegalRecord.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                problems.append(Problem(name, line, None, f"field '{where}': {error['msg']}"))
            continue
        key = number_key(record.number)
        if key in registry.records:
            problems.append(Problem(name, line, record.number, f"listed twice (first at line {registry.lines[key]})"))
            continue
        registry.records[key] = record
        registry.lines[key] = line
    for key, record in registry.records.items():
        line = registry.lines[key]
        if record.replaced_by and registry.get(record.replaced_by) is None:
            problems.append(
                Problem(name, line, record.number, f"replaced by '{record.replaced_by}', which is not in the registry")
            )
        if record.replaced_from and not record.replaced_by:
            problems.append(Problem(name, line, record.number, "replaced_from without replaced_by"))
    return registry, problems


def _citation_lines(files: Iterable[str]) -> dict[tuple[str, str], tuple[str, int]]:
    """Where each (entry id, cited number) is written, found by reading the YAML text."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for file in files:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        current = None
        for number, line in enumerate(lines, 1):
            if match := _ENTRY_ID.match(line):
                current = match.group(1)
                found.setdefault((current, ""), (file, number))
            elif current and (match := _NUMBER.match(line)):
                found.setdefault((current, number_key(match.group(1))), (file, number))
    return found


def _display(file: str, root: Path) -> str:
    try:
        return str(Path(file).resolve().relative_to(root.resolve().parent))
    except ValueError:
        return file


@dataclass
class CitationReport:
    """Errors fail check-kb; warnings are printed and do not."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check_citations(
    kb: KnowledgeBase,
    registry: LegalRegistry,
    root: Path,
    today: dt.date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> CitationReport:
    """Unknown and replaced citations (errors), later replacements and stale entries (warnings)."""
    report = CitationReport()
    # the registry keeps the curated entries current; a national record cites what the official
    # record cites, and its differences from a curated entry are reported by the comparison
    curated = [entry for entry in kb.procedures if not isinstance(entry, NationalProcedure)]
    where = _citation_lines(f for f in kb.files if f"{NATIONAL_DIR}/" not in Path(f).as_posix())

    def locate(entry_id: str, number: str = "") -> tuple[str, int]:
        file, line = where.get((entry_id, number_key(number)) if number else (entry_id, ""), ("", 0))
        if not file:
            file, line = where.get((entry_id, ""), (root.name, 1))
        return _display(file, root), line

    for entry in curated:
        for law in entry.legal_basis:
            file, line = locate(entry.id, law.number)
            record = registry.get(law.number)
            if record is None:
                report.errors.append(
                    Problem(file, line, entry.id, f"cites {law.number}, which is not in the legal registry")
                )
                continue
            if record.replaced_by:
                # a replacement whose date is unknown counts as in force before any check
                when = record.replaced_from.strftime("%d/%m/%Y") if record.replaced_from else "an unknown date"
                message = f"cites {law.number}, replaced by {record.replaced_by} from {when}"
                if record.replaced_from is None or record.replaced_from <= entry.checked:
                    report.errors.append(Problem(file, line, entry.id, message))
                elif record.replaced_from <= today:
                    report.warnings.append(Problem(file, line, entry.id, message + " (after it was checked)"))
    # facts record what a dated article said; only procedures go out of date
    for entry in curated:
        age = (today - entry.checked).days
        if age > max_age_days:
            file, line = locate(entry.id)
            report.warnings.append(
                Problem(file, line, entry.id, f"checked {entry.checked.isoformat()}, {age} days ago (limit {max_age_days})")
            )
    return report


def covered_basis(proc: Procedure, field_name: str) -> list[str]:
    """Numbers of the legal documents an entry names as the basis of one field (fee, processing_time)."""
    return [law.number for law in proc.legal_basis if field_name in law.covers]
