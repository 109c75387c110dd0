"""Importing the national database's records: what an admin running import-national sees."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import load_knowledge
from knowledge.national import parse
from knowledge.national.importer import entry_id, import_national
from knowledge.schema import Method, NationalProcedure

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "data" / "national-sample.jsonl"  # seven real records of the 2026 export
FIXTURE_KB = HERE / "fixtures" / "kb"
CRAWLED = dt.date(2026, 7, 31)


@pytest.fixture()
def base(tmp_path: Path) -> Path:
    """A small curated base to import into."""
    root = tmp_path / "data"
    shutil.copytree(FIXTURE_KB, root)
    return root


def _imported(base: Path, source: Path = SAMPLE):
    report = import_national(source, base, CRAWLED)
    return report, load_knowledge(base)


def test_records_become_national_entries_with_their_official_fields(base):
    report, kb = _imported(base)
    assert report.read == 7 and report.imported == 6
    passport = kb.entries[entry_id("1.001456")]
    assert isinstance(passport, NationalProcedure)
    assert passport.id == "tthc-1-001456"
    assert passport.title == "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"
    assert passport.levels == ["Cấp tỉnh"] and passport.subjects == ["Công dân Việt Nam"]
    assert passport.domain == "Quản lý xuất nhập cảnh"
    assert passport.decision and passport.ministry == "Bộ Công an"
    assert passport.source_url.startswith("https://dichvucong.gov.vn/")
    assert passport.crawled == CRAWLED
    # channels: method × time × fee × note, one row each
    by_method = {c.method: c for c in passport.channels}
    assert set(by_method) == {Method.direct, Method.online, Method.postal}
    assert by_method[Method.direct].processing_time == "8 Ngày làm việc"
    assert by_method[Method.direct].fee.startswith("200,000 Việt Nam Đồng (200.000đ/ hộ chiếu")
    assert by_method[Method.online].fee.startswith("160,000 Việt Nam Đồng")
    # documents with their counts; steps as a list; legal basis number + title
    photo = next(d for d in passport.documents if d.name.startswith("Ảnh mới chụp"))
    assert photo.originals == 1 and photo.copies == 0
    assert [s[:6] for s in passport.steps] == ["Bước 1", "Bước 2", "Bước 3"]
    numbers = {law.number for law in passport.legal_basis}
    assert "25/2021/TT-BTC" in numbers
    assert all(law.title and law.number not in ("", law.title) for law in passport.legal_basis)


def test_a_law_whose_title_repeats_its_number_is_split_once():
    rows = parse.parse_legal(
        "Tên văn bản pháp lýMã văn bảnLuật Nhà ở số 27/2023/QH1527/2023/QH15Nghị định98/2024/NĐ-CP"
        "Quyết định số 09/2023/QĐ-TTg09/2023/QĐ-TTg"
    )
    assert [(r.title, r.number) for r in rows] == [
        ("Luật Nhà ở số 27/2023/QH15", "27/2023/QH15"),
        ("Nghị định", "98/2024/NĐ-CP"),
        ("Quyết định số 09/2023/QĐ-TTg", "09/2023/QĐ-TTg"),
    ]


def test_documents_keep_their_groups_counts_and_forms():
    rows = parse.parse_documents(
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai theo mẫu (Thông tư 1)Mẫu số 01.docx"
        "1 bản chínhGiấy chứng nhận đăng ký doanh nghiệp0 bản chính,5 bản sao"
    )
    assert [(r.name, r.originals, r.copies, r.form, r.group) for r in rows] == [
        ("Tờ khai theo mẫu (Thông tư 1)", 1, 0, "Mẫu số 01.docx", "* Giấy tờ phải nộp:"),
        ("Giấy chứng nhận đăng ký doanh nghiệp", 0, 5, None, "* Giấy tờ phải nộp:"),
    ]


def test_no_information_means_empty():
    assert parse.clean("Không có thông tin") is None
    assert parse.parse_channels(
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếpKhông có thông tinKhông có thông tin"
    )[0] == parse.ChannelRow(Method.direct, None, None, None)


def test_a_record_showing_another_procedures_page_is_skipped_and_listed(base):
    report, kb = _imported(base)
    assert ("2.001428", "its page shows another procedure (3.000579)") in report.skipped
    assert entry_id("2.001428") not in kb.entries
    assert any("skipped 2.001428" in line for line in report.lines())


def test_what_cannot_be_split_is_kept_verbatim_and_reported_with_ids(base):
    report, kb = _imported(base)
    assert "1.014905" in report.unparsed["channels"]
    record = kb.entries[entry_id("1.014905")]
    assert not record.channels and record.channels_text.startswith("Hình thức nộp")
    assert any(line.startswith("  channels: 1 — 1.014905") for line in report.lines())


def test_re_running_changes_nothing_and_a_newer_export_updates_in_place(base, tmp_path):
    import_national(SAMPLE, base, CRAWLED)
    files = sorted((base / "national").glob("*.yaml"))
    before = {f.name: f.read_bytes() for f in files}
    again = import_national(SAMPLE, base, CRAWLED)
    assert again.unchanged == 6 and again.added == again.updated == 0
    assert {f.name: f.read_bytes() for f in files} == before

    newer = tmp_path / "newer.jsonl.gz"
    with gzip.open(newer, "wt", encoding="utf-8") as out:
        for line in SAMPLE.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["ma_thu_tuc"] == "1.004194":
                record["raw_text"] = record["raw_text"].replace("3 Ngày làm việc", "2 Ngày làm việc")
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    report = import_national(newer, base, CRAWLED)
    assert (report.read, report.updated) == (1, 1)
    kb = load_knowledge(base)
    assert {c.processing_time for c in kb.entries[entry_id("1.004194")].channels} == {"2 Ngày làm việc"}
    assert entry_id("1.001456") in kb.entries  # entries the newer export does not carry stay
    assert sorted(f.name for f in (base / "national").glob("*.yaml")) == [f.name for f in files]


def test_usage_weight_is_kept_per_code(base, tmp_path):
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps([{"TTHC_MA": "1.004194", "WEIGHT": "15539622"}]), encoding="utf-8")
    import_national(SAMPLE, base, CRAWLED, [usage])
    kb = load_knowledge(base)
    assert kb.entries[entry_id("1.004194")].usage == 15539622
    assert kb.entries[entry_id("1.001456")].usage is None


def test_import_national_command_prints_the_report_and_check_kb_counts_the_entries(base):
    root = HERE.parent
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"}
    done = subprocess.run(
        [sys.executable, str(root / "main.py"), "import-national", str(SAMPLE),
         "--crawled", "2026-07-31", "--knowledge-dir", str(base)],
        capture_output=True, text=True, cwd=root, timeout=120, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("read 7 records; imported 6 (6 new, 0 updated, 0 unchanged); skipped 1")
    check = subprocess.run(
        [sys.executable, str(root / "main.py"), "check-kb", str(base)],
        capture_output=True, text=True, cwd=root, timeout=120, env=env,
    )
    assert check.returncode == 0, check.stdout
    assert "6 national" in check.stdout


def _covering(base: Path, fee: str, agency: str) -> None:
    """The fixture's curated tạm trú entry names the national record 1.004194 it covers."""
    path = base / "procedures.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("- id: tam-tru\n", "- id: tam-tru\n    codes: ['1.004194', '9.999999']\n")
    text = text.replace(
        "    fee: 15.000 đồng (miễn khi nộp trực tuyến theo quy định từng thời kỳ)\n", f"    fee: {fee}\n"
    )
    text = text.replace("    agency: Công an cấp xã nơi tạm trú\n", f"    agency: {agency}\n")
    path.write_text(text, encoding="utf-8")


def _check_kb(base: Path) -> subprocess.CompletedProcess:
    root = HERE.parent
    return subprocess.run(
        [sys.executable, str(root / "main.py"), "check-kb", str(base)],
        capture_output=True, text=True, cwd=root, timeout=120,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"},
    )


def test_check_kb_warns_where_a_curated_entry_disagrees_with_a_record_it_covers(base):
    import_national(SAMPLE, base, CRAWLED)
    _covering(base, fee="15.000 đồng", agency="Phòng Cảnh sát quản lý hành chính Công an cấp tỉnh")
    done = _check_kb(base)
    assert done.returncode == 0, done.stdout  # warnings do not block the base
    lines = done.stdout.splitlines()
    at = lines.index("  tam-tru:")
    warnings = lines[at + 1:at + 4]
    assert warnings[0].startswith("    fee differs from 1.004194: here '15.000 đồng', national '7,000 Việt Nam Đồng")
    assert warnings[1].startswith("    agency differs from 1.004194: here 'Phòng Cảnh sát")
    assert warnings[2] == "    covers 9.999999, which the national catalogue does not hold"
    assert not any("processing_time" in line for line in lines)  # 3 days on both sides


def test_check_kb_is_quiet_where_curated_and_national_agree(base):
    import_national(SAMPLE, base, CRAWLED)
    _covering(base, fee="7.000 đồng trực tuyến, 10.000 đồng trực tiếp", agency="Công an cấp xã nơi tạm trú")
    text = (base / "procedures.yaml").read_text(encoding="utf-8").replace(", '9.999999'", "")
    (base / "procedures.yaml").write_text(text, encoding="utf-8")
    done = _check_kb(base)
    assert done.returncode == 0 and "warnings" not in done.stdout, done.stdout


def test_the_shipped_catalogue_is_what_the_importer_makes_of_the_shipped_export(tmp_path):
    sources = HERE.parent / "knowledge" / "sources"
    shipped = HERE.parent / "knowledge" / "data" / "national"
    report = import_national(
        sources / "tthc-national-2026.jsonl.gz", tmp_path, CRAWLED,
        [sources / "dvc-usage-citizens.json", sources / "dvc-usage-businesses.json"],
    )
    assert (report.read, report.imported, len(report.skipped)) == (2642, 2625, 17)
    made = sorted((tmp_path / "national").glob("*.yaml"))
    assert [p.name for p in made] == sorted(p.name for p in shipped.glob("*.yaml"))
    for path in made:
        assert path.read_bytes() == (shipped / path.name).read_bytes(), f"{path.name}: run import-national again"
