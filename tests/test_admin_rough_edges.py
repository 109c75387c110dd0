"""What a new admin (and a new citizen) runs into: each rough edge as the user meets it."""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import texts
from bot.keyboards import cut, vietnamese_key
from bot.storage import QueryLog
from tests.harness import ADMIN_ID, running_bot
from tests.harness import button as _button
from tests.harness import buttons as _buttons

ROOT = Path(__file__).resolve().parent.parent
REAL_KB = ROOT / "knowledge" / "data"
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
USER = 3003
UNKNOWN = "cấp thẻ thư viện cho sinh viên"


@pytest.fixture
async def bot(tmp_path):
    async with running_bot(tmp_path) as running:
        yield running
        assert running.api.refused == [], running.api.refused


async def _open_first_group(bot) -> dict:
    [queue] = await bot.ask(ADMIN_ID, "/review")
    await bot.tap(ADMIN_ID, queue, _buttons(queue)[0]["callback_data"])
    return bot.api.messages[(ADMIN_ID, queue["message"]["message_id"])]


async def test_counts_agree_from_the_group_to_the_assignment(bot):
    await bot.ask(USER, UNKNOWN)
    await bot.ask(USER + 1, UNKNOWN)
    await bot.flush()
    group = await _open_first_group(bot)
    assert f"• {UNKNOWN} — 2 lần" in group["text"]
    assert "2 lần hỏi, 1 cách hỏi" in group["text"]
    await bot.tap(ADMIN_ID, group, _button(group, texts.ASSIGN)["callback_data"])
    [choices] = await bot.ask(ADMIN_ID, "hộ chiếu")
    await bot.tap(ADMIN_ID, choices, _button(choices, "hộ chiếu")["callback_data"])
    done = bot.api.messages[(ADMIN_ID, choices["message"]["message_id"])]
    assert "Đã gán 2 lần hỏi (1 cách hỏi)" in done["text"]


async def test_cancel_command_and_button_end_the_entry_search(bot):
    await bot.ask(USER, UNKNOWN)
    await bot.flush()
    group = await _open_first_group(bot)
    mark = bot.api.mark()
    await bot.tap(ADMIN_ID, group, _button(group, texts.ASSIGN)["callback_data"])
    prompt = bot.api.sent_after(mark, ADMIN_ID)[0]
    assert "/cancel" in prompt["text"]
    [cancelled] = await bot.ask(ADMIN_ID, "/cancel")
    assert cancelled["text"] == texts.CANCELLED
    [answer] = await bot.ask(ADMIN_ID, "lệ phí hộ chiếu")  # a question again, not an entry search
    assert answer["text"].startswith("📋 Cấp hộ chiếu phổ thông")
    # the button does the same
    await bot.tap(ADMIN_ID, group, _button(group, texts.ASSIGN)["callback_data"])
    mark = bot.api.mark()
    await bot.tap(ADMIN_ID, prompt, _button(prompt, texts.CANCEL)["callback_data"])
    await bot.api.wait_until(lambda: bot.api.sent_after(mark, ADMIN_ID))
    assert bot.api.sent_after(mark, ADMIN_ID)[0]["text"] == texts.CANCELLED


async def test_assign_goes_on_when_the_next_update_reaches_another_instance(tmp_path):
    url = f"sqlite:///{tmp_path}/shared.db"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with running_bot(tmp_path / "a", url) as first, running_bot(tmp_path / "b", url) as second:
        await first.ask(USER, UNKNOWN)
        await first.flush()
        group = await _open_first_group(first)
        await first.tap(ADMIN_ID, group, _button(group, texts.ASSIGN)["callback_data"])
        [choices] = await second.ask(ADMIN_ID, "hộ chiếu")  # typed; served by the other instance
        assert choices["text"].startswith("Chọn mục để gán 1 cách hỏi")
        await second.tap(ADMIN_ID, choices, _button(choices, "hộ chiếu")["callback_data"])
        done = second.api.messages[(ADMIN_ID, choices["message"]["message_id"])]
        assert done["text"].startswith("✅ Đã gán")


async def test_entry_picker_offers_only_close_entries(bot):
    await bot.ask(USER, UNKNOWN)
    await bot.flush()
    group = await _open_first_group(bot)
    await bot.tap(ADMIN_ID, group, _button(group, texts.ASSIGN)["callback_data"])
    [choices] = await bot.ask(ADMIN_ID, "so do")
    labels = [b["text"] for b in _buttons(choices) if b["text"] != texts.CANCEL]
    # "sổ đỏ" is the land certificate: every entry offered is a land matter (labels are cut short)
    assert labels and all("đất" in label for label in labels), labels
    assert not any(word in " ".join(labels) for word in ("kết hôn", "doanh nghiệp", "hộ kinh doanh"))


async def test_a_group_shows_what_the_bot_had_suggested(bot):
    bot.assistant.storage.add_queries([
        QueryLog(ref=f"s{i}", outcome="suggest", raw_text="so do nha", normalized="so do nha",
                 suggestions="khai-sinh,ho-chieu") for i in range(2)
    ])
    group = await _open_first_group(bot)
    assert "Bot đã gợi ý: Đăng ký khai sinh (2), Cấp hộ chiếu phổ thông (2)" in group["text"]


async def test_deep_link_and_catalogue_answers_have_feedback_buttons(bot):
    [linked] = await bot.ask(USER, "/start khai-sinh")
    assert linked["text"].startswith("📋 Đăng ký khai sinh")
    await bot.tap(USER, linked, _button(linked, texts.FEEDBACK_DOWN)["callback_data"])
    await bot.flush()
    assert [f.value for f in bot.assistant.storage.feedback()] == [-1]
    [queue] = await bot.ask(ADMIN_ID, "/review")
    assert "👎" in queue["text"]  # the disliked page is in review

    [menu] = await bot.ask(USER, "/thutuc")
    await bot.tap(USER, menu, _buttons(menu)[0]["callback_data"])
    domain = bot.api.messages[(USER, menu["message"]["message_id"])]
    mark = bot.api.mark()
    await bot.tap(USER, domain, _buttons(domain)[0]["callback_data"])
    await bot.api.wait_until(lambda: bot.api.sent_after(mark, USER))
    opened = bot.api.sent_after(mark, USER)[0]
    assert opened["text"].startswith("📋")
    assert _button(opened, texts.FEEDBACK_UP) and _button(opened, texts.FEEDBACK_DOWN)


async def test_catalogues_sort_the_vietnamese_way_with_whole_word_labels(bot):
    for command in ("/thutuc", "/chitieu"):
        [menu] = await bot.ask(USER, command)
        names = [b["text"] for b in _buttons(menu) if b["callback_data"].endswith(":0")
                 and not b["text"].startswith(("«", "‹", "Sau"))]
        assert names == sorted(names, key=vietnamese_key)
        # no button that does nothing: every page button leads to another page
        for b in _buttons(menu):
            assert "/" not in b["text"] or b["text"].startswith("«")
    assert sorted(["Việc làm", "Đất đai", "Chứng thực", "Căn cước", "Dân số"], key=vietnamese_key) == \
        ["Căn cước", "Chứng thực", "Dân số", "Đất đai", "Việc làm"]
    title = "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất"
    label = cut(title)
    assert label.endswith("…") and len(label) <= 60 and title.startswith(label[:-1])
    assert title[len(label) - 1] in " ,"  # cut between words


def test_console_is_logged_apart_saves_files_and_closes_the_database(tmp_path, monkeypatch):
    from bot import console
    from bot.config import load_settings

    monkeypatch.setattr(console, "FILES", tmp_path / "files")
    db = tmp_path / "console.db"
    settings = load_settings(Path("/nonexistent"), env={"DATABASE_URL": f"sqlite:///{db}",
                                                         "ADMIN_IDS": str(console.USER_ID)})
    out = io.StringIO()
    console.run_console(settings, io.StringIO("giá vàng hôm nay\n/stats\n/export\n"), out)
    text = out.getvalue()
    saved = [Path(line.split(": ", 1)[1].rstrip("]")) for line in text.splitlines()
             if line.startswith(("[tệp đã lưu", "[ảnh đã lưu"))]
    assert len(saved) == 2 and all(p.exists() and p.parent == tmp_path / "files" for p in saved)
    assert {p.suffix for p in saved} == {".png", ".zip"}
    assert not Path(f"{db}-wal").exists()
    channels = sqlite3.connect(db).execute("SELECT DISTINCT channel FROM query_log").fetchall()
    assert channels == [("console",)]


def test_database_path_is_relative_to_the_project(tmp_path, monkeypatch):
    from bot.config import load_settings

    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("/nonexistent"), env={"DATABASE_URL": "sqlite:///data/x.db"})
    assert settings.database_url == f"sqlite:///{ROOT / 'data' / 'x.db'}"
    assert load_settings(Path("/nonexistent"), env={}).database_url.startswith(f"sqlite:///{ROOT}")


def _main(*args: str, stdin: str | None = None, env: dict | None = None, cwd: Path = ROOT):
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], input=stdin, capture_output=True, text=True,
        cwd=cwd, timeout=120, env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://", **(env or {})},
    )


def test_cli_review_assigns_dismisses_and_undoes_in_vietnamese(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    from bot.storage import Storage

    storage = Storage(url)
    storage.add_queries([QueryLog(ref=f"r{i}", outcome="not_found", raw_text=text, normalized=norm)
                         for i, (text, norm) in enumerate([("giá vàng", "gia vang")] * 2
                                                          + [("pháo hoa", "phao hoa")])])
    env = {"DATABASE_URL": url}
    listing = _main("review", env=env)
    assert listing.returncode == 0 and "Cần xem lại: 2 nhóm, 3 câu hỏi" in listing.stdout
    gold, fireworks = [line.split("[")[1].split("]")[0] for line in listing.stdout.splitlines()
                       if line[:1].isdigit()]
    done = _main("review", "assign", gold, "ho-chieu", env=env)
    assert done.returncode == 0 and "Đã gán 2 lần hỏi (1 cách hỏi) vào Cấp hộ chiếu phổ thông" in done.stdout
    assert storage.learned_aliases() == {"giá vàng": "ho-chieu"}
    assert _main("review", "dismiss", fireworks, env=env).returncode == 0
    assert texts.REVIEW_EMPTY.strip("✅ ") in _main("review", env=env).stdout
    undone = _main("review", "undo", env=env)
    assert "Đã hoàn tác: bỏ qua nhóm" in undone.stdout
    assert "pháo hoa" in _main("review", "list", env=env).stdout
    storage.close()


def test_ask_into_head_ends_quietly():
    questions = "\n".join(["le phi ho chieu"] * 300) + "\n"
    done = subprocess.run(
        f"{sys.executable} {ROOT / 'main.py'} ask --json - | head -n 1", shell=True, input=questions,
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"},
    )
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_check_kb_into_head_ends_quietly():
    done = subprocess.run(
        f"{sys.executable} {ROOT / 'main.py'} check-kb | head -n 1", shell=True,
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"},
    )
    assert done.stdout.startswith("OK:") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_ask_json_stdin_skips_blank_lines():
    done = _main("ask", "--json", "-", stdin="le phi ho chieu\n\n   \ngia vang\n")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2


def test_check_kb_asks_eight_aliases_of_a_curated_procedure(tmp_path):
    shutil.copytree(FIXTURE_KB, tmp_path / "kb")
    done = _main("check-kb", str(tmp_path / "kb"))
    assert done.returncode == 1
    assert "khai-sinh: a curated procedure needs at least 8 aliases (has 2)" in done.stdout
    # national records come without aliases and pass
    path = tmp_path / "kb" / "procedures.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["procedures"]:
        entry["aliases"] = []
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = _main("check-kb", str(tmp_path / "kb"))
    assert "curated" not in done.stdout


def test_starting_on_a_broken_base_prints_the_clean_message(tmp_path):
    shutil.copytree(REAL_KB, tmp_path / "kb")
    (tmp_path / "kb" / "procedures" / "broken.yaml").write_text(
        "procedures:\n  - id: Bad_Id\n    title: x\n", encoding="utf-8")
    for env in ({}, {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}):
        done = _main(env={"KNOWLEDGE_DIR": str(tmp_path / "kb"), **env}, stdin="")
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert "procedures/broken.yaml:2: Bad_Id" in done.stderr
        assert "lỗi trong cơ sở tri thức; không thể khởi động." in done.stderr
