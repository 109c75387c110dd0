"""Import an export of the national database (JSON lines) into ``knowledge/data/national/``.

read → split the flattened cells (``knowledge.national.parse``) → validate as
``NationalProcedure`` → merge with the entries already there (a newer export updates them in
place) → write one YAML file per ministry, entries in code order, so that a re-run on the same
file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.national import parse
from knowledge.schema import NationalProcedure

SECTION = "national"
NATIONAL_DIR = "national"
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# folder of the crawl (``_source_path``) -> ministry
MINISTRIES: dict[str, str] = {
    "bo-tai-chinh": "Bộ Tài chính",
    "bo-nong-nghiep-mt": "Bộ Nông nghiệp và Môi trường",
    "bo-xay-dung": "Bộ Xây dựng",
    "bo-cong-an": "Bộ Công an",
    "bo-tu-phap": "Bộ Tư pháp",
    "ngan-hang-nha-nuoc": "Ngân hàng Nhà nước Việt Nam",
    "toa-an-nhan-dan": "Tòa án nhân dân",
}
OTHER_FILE = "khac"
_CODE = re.compile(r"^\d+\.\d+$")


def entry_id(code: str) -> str:
    """The stable id of a national record: ``1.001193`` -> ``tthc-1-001193``."""
    return "tthc-" + code.replace(".", "-")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """JSON objects, one a line, from a plain or gzipped file."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                yield json.loads(line)


def read_usage(paths: Iterable[Path]) -> dict[str, int]:
    """The portal's usage weight per code (the largest when a code is in several lists)."""
    weights: dict[str, int] = {}
    for path in paths:
        for item in json.loads(path.read_text(encoding="utf-8")):
            code = str(item.get("TTHC_MA", "")).strip()
            try:
                weight = int(item.get("WEIGHT", 0))
            except (TypeError, ValueError):
                continue
            if code:
                weights[code] = max(weight, weights.get(code, 0))
    return weights


@dataclass
class ImportReport:
    """What an import read, wrote and could not split."""

    read: int = 0
    imported: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (code, why)
    unparsed: dict[str, list[str]] = field(default_factory=dict)  # field -> codes kept verbatim
    doubtful: dict[str, list[str]] = field(default_factory=dict)  # field -> codes split by a guess
    files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as printed."""
        out = [
            f"read {self.read} records; imported {self.imported} "
            f"({self.added} new, {self.updated} updated, {self.unchanged} unchanged); "
            f"skipped {len(self.skipped)}",
        ]
        for code, why in self.skipped:
            out.append(f"  skipped {code}: {why}")
        for title, table in (("kept verbatim (could not be split)", self.unparsed),
                             ("split by a guess", self.doubtful)):
            if table:
                out.append(f"{title}:")
                for name, codes in sorted(table.items()):
                    out.append(f"  {name}: {len(codes)} — {', '.join(codes)}")
        out.append(f"wrote {len(self.files)} files")
        return out


def _field(record: dict[str, Any], sections: dict[str, str], name: str) -> str:
    """A field as the page shows it (the crawl's own field may be shifted), else as crawled."""
    value = sections.get(name)
    return value if value is not None else str(record.get(name) or "")


def build_entry(
    record: dict[str, Any], crawled: dt.date, usage: dict[str, int], report: ImportReport
) -> tuple[str, dict[str, Any]] | None:
    """One record as entry data (validated) and its file; ``None`` when it is skipped."""
    code = str(record.get("ma_thu_tuc") or "").strip()
    raw = str(record.get("raw_text") or "")
    if not _CODE.match(code):
        report.skipped.append((code or "?", "no national code"))
        return None
    shown = parse.page_code(raw)
    if shown and shown != code:
        report.skipped.append((code, f"its page shows another procedure ({shown})"))
        return None
    sections = parse.page_sections(raw) if raw else {}
    get = lambda name: _field(record, sections, name)  # noqa: E731
    title = parse.clean(record.get("ten_thu_tuc")) or parse.clean(get("ten_thu_tuc"))
    url = parse.clean(record.get("detail_url"))
    if not title or not url:
        report.skipped.append((code, "no title" if not title else "no detail URL"))
        return None
    data: dict[str, Any] = {
        "id": entry_id(code),
        "title": _title(title, code),
        "code": code,
        "decision": parse.clean(get("so_quyet_dinh")),
        "procedure_type": parse.clean(get("loai_thu_tuc")),
        "ministry": None,
        "domain": parse.clean(get("linh_vuc")) or "Khác",
        "levels": parse.split_list(get("cap_thuc_hien")),
        "subjects": parse.split_list(get("doi_tuong_thuc_hien")),
        "competent_agency": parse.clean(get("co_quan_co_tham_quyen")),
        "agency": parse.clean(get("co_quan_thuc_hien")),
        "authorized_agency": parse.clean(get("co_quan_duoc_uy_quyen")),
        "coordinating_agency": parse.clean(get("co_quan_phoi_hop")),
        "receiving_address": parse.clean(get("dia_chi_tiep_nhan")),
        "steps": parse.parse_steps(get("trinh_tu_thuc_hien")),
        "requirements": [
            line for line in (parse.clean(x) for x in (parse.clean(get("yeu_cau_dieu_kien")) or "").split("\n"))
            if line
        ],
        "result": parse.parse_result(get("ket_qua_xu_ly")),
        "source_url": url,
        "crawled": crawled.isoformat(),
        "checked": crawled.isoformat(),
        "usage": usage.get(code),
    }
    folder = Path(str(record.get("_source_path") or "")).parent.name
    data["ministry"] = MINISTRIES.get(folder)

    def split(field: str, source: str, parser: Callable[[str], list | None]) -> list | None:
        """The cell split by ``parser``; what it cannot split is kept verbatim and reported."""
        text = get(source)
        rows = parser(text)
        if rows is None:
            report.unparsed.setdefault(field, []).append(code)
            data[f"{field}_text"] = parse.clean(text)
        return rows

    channels = split("channels", "cach_thuc_thuc_hien", parse.parse_channels)
    if channels is not None:
        data["channels"] = [
            {"method": c.method.value, "processing_time": c.processing_time, "fee": c.fee, "note": c.note}
            for c in channels
        ]
    documents = split("documents", "thanh_phan_ho_so", parse.parse_documents)
    if documents is not None:
        groups = {d.group for d in documents}
        data["documents"] = [
            {"name": d.name, "originals": d.originals, "copies": d.copies, "form": d.form,
             "group": d.group if len(groups) > 1 else None}
            for d in documents
        ]
        if any(d.fused for d in documents):
            report.doubtful.setdefault("documents (count run into the name)", []).append(code)
    legal = split("legal_basis", "can_cu_phap_ly", parse.parse_legal)
    if legal is not None:
        data["legal_basis"] = [{"number": row.number, "title": row.title} for row in legal]
    data = _prune(data)
    try:
        entry = NationalProcedure.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        report.skipped.append((code, f"invalid: {'.'.join(map(str, first['loc']))}: {first['msg']}"))
        return None
    return folder if folder in MINISTRIES else OTHER_FILE, to_data(entry)


def _title(title: str, code: str) -> str:
    """The title as a heading: spaces tidied, without a trailing copy of its own code
    ("… (cấp Tỉnh) ( 1.010727 )") or a closing full stop."""
    title = re.sub(r"\s+", " ", title).strip()
    title = re.sub(rf"\s*\(\s*{re.escape(code)}\s*\)$", "", title)
    return title.rstrip(" .") or title


def _prune(value: Any) -> Any:
    """Drop empty values: a missing field and an empty one mean the same here."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, [], "")}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def to_data(entry: NationalProcedure) -> dict[str, Any]:
    """An entry as the plain data written to YAML, in the schema's field order."""
    data = entry.model_dump(mode="json", exclude_defaults=True)
    data["id"] = entry.id
    data.pop("kind", None)
    return _prune(data)


def _read_existing(folder: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Entries already imported: id -> (file stem, data)."""
    existing: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        for item in data.get(SECTION) or []:
            if isinstance(item, dict) and "id" in item:
                existing[str(item["id"])] = (path.stem, item)
    return existing


def _sort_key(item: tuple[str, tuple[str, dict[str, Any]]]) -> tuple[int, ...]:
    code = item[1][1].get("code", "0.0")
    return tuple(int(part) for part in re.findall(r"\d+", code))


HEADER = (
    "# National procedure records imported from the national database of administrative\n"
    "# procedures (dichvucong.gov.vn) by `python main.py import-national`. Do not edit by hand:\n"
    "# a new import rewrites this file. Provenance: knowledge/sources/README.md\n"
)


def write_files(folder: Path, entries: dict[str, tuple[str, dict[str, Any]]]) -> list[Path]:
    """One file per ministry, entries in code order; files whose text is unchanged are not touched."""
    folder.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for _entry_id, (stem, data) in sorted(entries.items(), key=_sort_key):
        by_file.setdefault(stem, []).append(data)
    written: list[Path] = []
    for stem, items in sorted(by_file.items()):
        path = folder / f"{stem}.yaml"
        body = yaml.dump(
            {SECTION: items}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000
        )
        text = HEADER + body
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def import_national(
    source: Path,
    knowledge_dir: Path,
    crawled: dt.date,
    usage_files: Iterable[Path] = (),
) -> ImportReport:
    """Import an export into ``knowledge_dir/national/``; returns the report."""
    report = ImportReport()
    usage = read_usage(usage_files)
    folder = Path(knowledge_dir) / NATIONAL_DIR
    entries = _read_existing(folder) if folder.exists() else {}
    seen: set[str] = set()
    for record in read_records(Path(source)):
        report.read += 1
        built = build_entry(record, crawled, usage, report)
        if built is None:
            continue
        stem, data = built
        if data["id"] in seen:
            report.skipped.append((data["code"], "appears twice in the export (first kept)"))
            continue
        seen.add(data["id"])
        report.imported += 1
        before = entries.get(data["id"])
        if before is None:
            report.added += 1
        elif before[1] == data:
            report.unchanged += 1
        else:
            report.updated += 1
        entries[data["id"]] = (stem, data)
    report.files = [str(p) for p in write_files(folder, entries)]
    return report
