"""Where a curated entry disagrees with a national record it covers (``codes:``).

Only what can be compared without guessing is compared: the money amounts of the fee, the
numbers of days (or hours) of the processing time, and the level of the agency (xã, tỉnh,
trung ương). A warning names both sides so that a person can decide which one is out of date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.loader import KnowledgeBase
from knowledge.national.importer import entry_id
from knowledge.normalize import fold
from knowledge.schema import NationalProcedure, Procedure

_AMOUNT = re.compile(r"(?<![\d.,/])(\d{1,3}(?:[.,]\d{3})+|\d{4,})(?![\d/])")
_DURATION = re.compile(r"(\d+(?:[.,]\d+)?)\s*(ngay|gio|thang)")
# levels of government, on folded text ("hồ sơ" and "xã hội" are not Sở and xã)
_LEVELS = {
    "xa": re.compile(r"\b(?:cap xa|phuong|xa(?! hoi)(?: [a-z]+)?)\b"),
    "tinh": re.compile(r"\b(?:cap tinh|tinh|thanh pho truc thuoc trung uong|(?<!ho )so(?= [a-z]))\b"),
    "trung uong": re.compile(r"\b(?:cap bo|trung uong|cuc|tong cuc|bo(?! phan)(?= [a-z]))\b"),
}


@dataclass(frozen=True)
class Disagreement:
    """One field of a curated entry that says something else than a record it covers."""

    entry_id: str
    code: str
    field: str
    curated: str
    national: str

    def __str__(self) -> str:
        return (
            f"{self.entry_id}: {self.field} differs from national record {self.code}: "
            f"here '{self.curated}', there '{self.national}'"
        )


def amounts(text: str) -> set[int]:
    """Money amounts named in a text (1.000 and more), e.g. "200.000 đồng" -> {200000}."""
    return {int(re.sub(r"[.,]", "", m)) for m in _AMOUNT.findall(text)}


def durations(text: str) -> set[tuple[float, str]]:
    """Numbers of days, hours or months named in a text."""
    return {(float(n.replace(",", ".")), unit) for n, unit in _DURATION.findall(fold(text))}


def levels(text: str) -> set[str]:
    """Levels of government an agency text names."""
    folded = fold(text)
    return {level for level, cue in _LEVELS.items() if cue.search(folded)}


def _national_fees(record: NationalProcedure) -> list[str]:
    return [c.fee for c in record.channels if c.fee]


def _national_times(record: NationalProcedure) -> list[str]:
    return [c.processing_time for c in record.channels if c.processing_time]


def compare(curated: Procedure, record: NationalProcedure) -> list[Disagreement]:
    """The fields where ``curated`` and ``record`` say different things."""
    found: list[Disagreement] = []
    code = record.code

    fees = _national_fees(record)
    ours = amounts(curated.fee)
    theirs = set().union(*(amounts(f) for f in fees)) if fees else set()
    free_there = bool(fees) and not theirs and all(fold(f).startswith("mien phi") for f in fees)
    free_here = "mien" in fold(curated.fee) or "khong thu" in fold(curated.fee)
    if (ours and theirs and not ours & theirs) or (free_there and ours and not free_here):
        found.append(Disagreement(curated.id, code, "fee", curated.fee, "; ".join(dict.fromkeys(fees))))

    times = _national_times(record)
    ours_t = durations(curated.processing_time)
    theirs_t = set().union(*(durations(t) for t in times)) if times else set()
    if ours_t and theirs_t and not ours_t & theirs_t:
        found.append(Disagreement(
            curated.id, code, "processing_time", curated.processing_time, "; ".join(dict.fromkeys(times))
        ))

    agency = record.agency or record.competent_agency
    if agency:
        ours_l, theirs_l = levels(curated.agency), levels(agency)
        if ours_l and theirs_l and not ours_l & theirs_l:
            found.append(Disagreement(curated.id, code, "agency", curated.agency, agency))
    return found


def disagreements(kb: KnowledgeBase) -> tuple[list[Disagreement], list[tuple[str, str]]]:
    """Every disagreement between curated entries and the records they cover, and the codes a
    curated entry names that the catalogue does not hold (entry id, code)."""
    found: list[Disagreement] = []
    missing: list[tuple[str, str]] = []
    for info in kb.catalogue:
        if info.kind != "procedure" or info.national:
            continue
        curated = kb.entries[info.id]
        for code in getattr(curated, "codes", ()):
            record = kb.entries.get(entry_id(code))
            if not isinstance(record, NationalProcedure):
                missing.append((curated.id, code))
                continue
            found.extend(compare(curated, record))
    return found, missing
