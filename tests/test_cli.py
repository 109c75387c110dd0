"""The command line as an admin or a script would use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"},
    )


def test_ask_prints_a_readable_answer():
    done = _run("ask", "lệ phí làm hộ chiếu bao nhiêu")
    assert done.returncode == 0, done.stderr
    assert "Cấp hộ chiếu phổ thông" in done.stdout
    assert "Phí, lệ phí" in done.stdout.split("\n")[2]  # the asked field comes first
    assert "<b>" not in done.stdout


def test_ask_json_has_the_documented_keys():
    done = _run("ask", "--json", "lam giay khai sinh can gi")
    data = json.loads(done.stdout)
    assert {"answered", "entry_id", "score", "field", "text", "suggestions"} <= set(data)
    assert data["answered"] is True and data["entry_id"] == "khai-sinh" and data["field"] == "documents"
    for suggestion in data["suggestions"]:
        assert set(suggestion) == {"id", "title", "score"}


def test_ask_json_reads_stdin_one_line_each_in_order():
    questions = ["le phi ho chieu", "gia vang hom nay", "an giang papi 2014"] * 50
    done = _run("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    lines = done.stdout.splitlines()
    assert len(lines) == len(questions)
    results = [json.loads(line) for line in lines]
    assert [r["entry_id"] for r in results[:3]] == ["ho-chieu", None, "an-giang-papi-2014"]
    assert results[1]["answered"] is False
