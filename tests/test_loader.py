"""The loader refuses a broken base and says where, for every problem at once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import KnowledgeError, load_knowledge
from tests.conftest import FIXTURE_KB

ROOT = Path(__file__).resolve().parent.parent


def _base(tmp_path: Path, procedures: str | None = None, facts: str | None = None) -> Path:
    root = tmp_path / "data"
    shutil.copytree(FIXTURE_KB, root)
    if procedures is not None:
        (root / "procedures.yaml").write_text(procedures, encoding="utf-8")
    if facts is not None:
        (root / "facts.yaml").write_text(facts, encoding="utf-8")
    return root


def _problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    return [str(p) for p in caught.value.problems]


def _procedures_text() -> str:
    return (FIXTURE_KB / "procedures.yaml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = text.splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[occurrence - 1]


def test_fixture_base_loads_with_counts(small_kb):
    assert small_kb.counts() == {"procedures": 3, "national": 0, "facts": 2, "aliases": 9}


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    text = _procedures_text().replace("    domain: Xuất nhập cảnh", "    domain: [Xuất nhập cảnh")
    problems = _problems(_base(tmp_path, procedures=text))
    assert len(problems) == 1
    assert problems[0].startswith("data/procedures.yaml:")
    assert "YAML syntax error" in problems[0]
    line = int(problems[0].split(":")[1])
    assert abs(line - _line_of(text, "domain: [Xuất")) <= 2


def test_missing_field_names_entry_and_field(tmp_path):
    text = _procedures_text().replace("    fee: 200.000 đồng/hộ chiếu\n", "")
    problems = _problems(_base(tmp_path, procedures=text))
    expected_line = _line_of(text, "- id: ho-chieu")
    assert problems == [f"data/procedures.yaml:{expected_line}: ho-chieu: missing field 'fee'"]


def test_unknown_and_mistyped_fields_reported_at_their_lines(tmp_path):
    text = _procedures_text().replace(
        "    result: Hộ chiếu phổ thông\n", "    result: Hộ chiếu phổ thông\n    colour: xanh\n"
    ).replace("        originals: 1\n", "        originals: many\n", 1)
    problems = _problems(_base(tmp_path, procedures=text))
    assert f"data/procedures.yaml:{_line_of(text, 'colour: xanh')}: ho-chieu: unknown field 'colour'" in problems
    mistyped = [p for p in problems if "documents.0.originals" in p]
    assert mistyped and mistyped[0].startswith(
        f"data/procedures.yaml:{_line_of(text, 'originals: many')}: khai-sinh: field 'documents.0.originals'"
    )
    assert len(problems) == 2  # all problems at once, not only the first


def test_duplicate_id_points_at_first_definition(tmp_path):
    text = _procedures_text().replace("  - id: ho-chieu", "  - id: khai-sinh")
    problems = _problems(_base(tmp_path, procedures=text))
    dup = [p for p in problems if "duplicate id" in p]
    first = _line_of(text, "- id: khai-sinh")
    second = _line_of(text, "- id: khai-sinh", 2)
    assert dup == [
        f"data/procedures.yaml:{second}: khai-sinh: duplicate id (first defined at data/procedures.yaml:{first})"
    ]


def test_id_must_be_lowercase_slug(tmp_path):
    text = _procedures_text().replace("  - id: tam-tru", "  - id: Tam_Tru")
    problems = _problems(_base(tmp_path, procedures=text))
    assert problems == [
        f"data/procedures.yaml:{_line_of(text, 'id: Tam_Tru')}: Tam_Tru: field 'id': "
        "id must be a lowercase slug such as 'khai-sinh'"
    ]


def test_alias_clash_across_entries_after_folding(tmp_path):
    facts = (FIXTURE_KB / "facts.yaml").read_text(encoding="utf-8")
    facts = facts.replace("      - an giang papi 2011", "      - AN GIANG PAPI 2014")
    problems = _problems(_base(tmp_path, facts=facts))
    line = _line_of(facts, "AN GIANG PAPI 2014")
    assert len(problems) == 1
    assert problems[0].startswith(f"data/facts.yaml:{line}: an-giang-papi-2011: alias 'AN GIANG PAPI 2014'")
    assert "an-giang-papi-2014" in problems[0]


def test_duplicate_yaml_key_is_reported(tmp_path):
    text = _procedures_text().replace("    domain: Cư trú\n", "    domain: Cư trú\n    domain: Hộ khẩu\n")
    problems = _problems(_base(tmp_path, procedures=text))
    assert f"data/procedures.yaml:{_line_of(text, 'domain: Hộ khẩu')}: duplicate key 'domain'" in problems


def test_problems_in_several_files_all_reported(tmp_path):
    procedures = _procedures_text().replace("    agency: Công an cấp xã nơi tạm trú\n", "")
    facts = (FIXTURE_KB / "facts.yaml").read_text(encoding="utf-8").replace("category: xep-hang", "category: rank", 1)
    problems = _problems(_base(tmp_path, procedures=procedures, facts=facts))
    assert any(p.startswith("data/procedures.yaml:") and "tam-tru: missing field 'agency'" in p for p in problems)
    assert any(p.startswith("data/facts.yaml:") and "an-giang-papi-2014: field 'category'" in p for p in problems)


def _check_kb(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "check-kb", str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


def test_check_kb_passes_on_real_base_and_prints_counts():
    done = _check_kb(ROOT / "knowledge" / "data")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: ")
    assert "procedures" in done.stdout and "facts" in done.stdout and "aliases" in done.stdout


def test_check_kb_fails_with_file_and_line(tmp_path):
    text = _procedures_text().replace("    fee: 200.000 đồng/hộ chiếu\n", "")
    done = _check_kb(_base(tmp_path, procedures=text))
    assert done.returncode == 1
    assert f"data/procedures.yaml:{_line_of(text, '- id: ho-chieu')}: ho-chieu: missing field 'fee'" in done.stdout


def test_cache_restart_reads_entries_even_if_a_newer_cache_replaced_the_files(tmp_path):
    from knowledge.cache import load_indexed

    root = _base(tmp_path)
    cache = tmp_path / "cache"
    load_indexed(root, cache)  # first start writes the cache
    kb, matcher = load_indexed(root, cache)  # a restart reads it
    assert type(kb.entries).__name__ == "DiskEntries"
    (root / "procedures.yaml").write_text(_procedures_text() + "\n", encoding="utf-8")
    load_indexed(root, cache)  # another instance starts on changed files and replaces the cache
    result = matcher.match("làm hộ chiếu")
    assert result.entry is not None and result.entry.id == "ho-chieu"
    assert kb.counts() == {"procedures": 3, "national": 0, "facts": 2, "aliases": 9}


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
procedures: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_aliases_are_refused_before_they_expand(tmp_path):
    root = _base(tmp_path)
    (root / "laughs.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS.encode()) < 500
    done = _check_kb(root)  # 10^9 items if expanded: the run would not end within the timeout
    assert done.returncode == 1
    assert "data/laughs.yaml:1: YAML error: anchors and aliases (&name, *name) are not allowed" in done.stdout


@pytest.mark.parametrize("text, anchored", [
    ("a: &x 1\nb: *x\n", True),
    ("&x [1]\n", True),
    ("a: [&x 1, *x]\n", True),
    ("a:\u00a0&x 1\n", True),  # after a non-breaking space too
    ("a: Q&A và R&D\n", False),  # an ampersand inside a word names no anchor
    ("a: 'x & y'\n", False),
])
def test_an_anchor_is_told_from_an_ampersand_in_text(text, anchored):
    from knowledge.loader import _has_anchor

    assert _has_anchor(text) is anchored


def test_a_huge_file_is_refused_with_its_name(tmp_path, monkeypatch):
    from knowledge import loader

    root = _base(tmp_path)
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    problems = _problems(root)
    assert any(p.startswith("data/procedures.yaml:1: file too large (") for p in problems)


def test_an_unclosed_bracket_is_reported_on_its_own_line(tmp_path):
    text = _procedures_text().replace("    domain: Xuất nhập cảnh", "    domain: [Xuất nhập cảnh")
    [problem] = _problems(_base(tmp_path, procedures=text))
    assert problem.startswith(f"data/procedures.yaml:{_line_of(text, 'domain: [Xuất')}: YAML syntax error")


def test_an_unclosed_quote_is_reported_on_its_own_line(tmp_path):
    text = _procedures_text().replace("    domain: Xuất nhập cảnh", '    domain: "Xuất nhập cảnh')
    [problem] = _problems(_base(tmp_path, procedures=text))
    line = _line_of(text, 'domain: "Xuất')
    assert problem.startswith(f"data/procedures.yaml:{line}: YAML syntax error")


def test_an_id_too_long_for_button_data_is_refused_where_it_is(tmp_path):
    long_id = "ho-chieu-" + "x" * 40  # 49 characters
    text = _procedures_text().replace("- id: ho-chieu\n", f"- id: {long_id}\n")
    problems = _problems(_base(tmp_path, procedures=text))
    line = _line_of(text, f"- id: {long_id}")
    assert f"data/procedures.yaml:{line}: {long_id}: field 'id': id is 49 characters, at most 48" in problems[0]


def test_the_longest_id_allowed_fits_every_button():
    from bot import callbacks
    from knowledge.schema import MAX_ID_LENGTH

    assert callbacks.entry_id_budget() == MAX_ID_LENGTH
    longest = "x" * MAX_ID_LENGTH
    for name in callbacks.CODE_OF_SECTION:
        callbacks.section(longest, name, "r" * callbacks.REF_LENGTH)  # raises when over 64 bytes
    callbacks.open_entry(longest, "r" * callbacks.REF_LENGTH)


def test_the_fast_parser_and_libyaml_read_the_shipped_base_the_same(monkeypatch):
    from knowledge import loader

    fast = load_knowledge(ROOT / "knowledge" / "data")
    monkeypatch.setattr(loader, "_fast", None)
    strict = load_knowledge(ROOT / "knowledge" / "data")
    assert fast.synonyms == strict.synonyms
    assert list(fast.entries) == list(strict.entries)
    assert all(fast.entries[i] == strict.entries[i] for i in fast.entries)


def test_loading_leaves_the_collector_as_it_was_and_a_start_freezes_what_survives(tmp_path):
    import gc

    from knowledge.cache import load_indexed

    assert gc.isenabled()
    load_knowledge(FIXTURE_KB)
    assert gc.isenabled()
    gc.disable()
    try:
        load_knowledge(FIXTURE_KB)
        assert not gc.isenabled()
    finally:
        gc.enable()
    before = gc.get_freeze_count()
    load_indexed(FIXTURE_KB, tmp_path / "cache")
    assert gc.isenabled() and gc.get_freeze_count() > before


def test_the_cache_is_kept_per_selection_of_national_records(tmp_path):
    import datetime as dt

    from knowledge.cache import load_indexed
    from knowledge.national.importer import import_national
    from knowledge.national.select import NationalSelection

    root = _base(tmp_path)
    import_national(Path(__file__).parent / "data" / "national-sample.jsonl", root, dt.date(2026, 7, 31))
    cache = tmp_path / "cache"
    kb_all, _ = load_indexed(root, cache)
    kb_some, matcher = load_indexed(root, cache, NationalSelection(codes=("6.003636",)))
    assert sum(i.national for i in kb_all.catalogue) == 6
    assert [i.id for i in kb_some.catalogue if i.national] == ["tthc-6-003636"]
    assert matcher.match("đăng ký tạm trú").entry.id == "tam-tru"
