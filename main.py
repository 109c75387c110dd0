"""Trợ lý TTHC command line: run the bot, ask a question, check the knowledge base, admin tools."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn


def _settings(args: argparse.Namespace):
    from bot.config import ConfigError, load_settings

    try:
        return load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        sys.exit(f"Cấu hình không hợp lệ: {exc}")


def _knowledge(path: Path, select=None):
    from knowledge import KnowledgeError, load_knowledge

    try:
        return load_knowledge(path, select=select)
    except KnowledgeError as exc:
        _refuse(exc)


def _refuse(exc) -> NoReturn:
    """Print the problems of a broken base, one per line, and stop."""
    print("\n".join(str(p) for p in exc.problems), file=sys.stderr)
    sys.exit(f"{len(exc.problems)} lỗi trong cơ sở tri thức; không thể khởi động.")


def cmd_check_kb(args: argparse.Namespace) -> int:
    """Validate the base and print counts; exit 1 on any problem."""
    from knowledge import KnowledgeError, load_knowledge
    from knowledge.loader import MIN_CURATED_ALIASES

    root = Path(args.path) if args.path else _settings(args).knowledge_dir
    try:
        kb = load_knowledge(root, curated_aliases=MIN_CURATED_ALIASES)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"FAILED: {len(exc.problems)} problem(s)")
        return 1
    errors, notes = _check_citations(kb, root, args)
    if errors:
        for line in [*errors, *notes]:
            print(line)
        print(f"FAILED: {len(errors)} problem(s)")
        return 1
    counts = kb.counts()
    print(
        f"OK: {counts['procedures']} procedures ({counts['national']} national), {counts['facts']} facts, "
        f"{counts['aliases']} aliases in {len(kb.files)} files"
    )
    for line in notes:
        print(line)
    from knowledge.national.compare import disagreements

    found, missing = disagreements(kb)
    if found or missing:
        print(f"warnings: {len(found) + len(missing)} (curated entries and the national records they cover)")
        by_entry: dict[str, list[str]] = {}
        for item in found:
            by_entry.setdefault(item.entry_id, []).append(
                f"{item.field} differs from {item.code}: here '{item.curated}', national '{item.national}'"
            )
        for entry_id, code in missing:
            by_entry.setdefault(entry_id, []).append(f"covers {code}, which the national catalogue does not hold")
        for entry_id, lines in by_entry.items():
            print(f"  {entry_id}:")
            for line in lines:
                print(f"    {line}")
    return 0


def _check_citations(kb, root: Path, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Check cited documents against the legal registry: (problems that fail, warnings and counts)."""
    import datetime as dt

    from knowledge.legal import check_citations, load_registry
    from knowledge.loader import LEGAL_FILE

    path = root / LEGAL_FILE
    if not path.exists():
        return [], [f"warning: no {LEGAL_FILE} in {root}: cited documents not checked"]
    registry, problems = load_registry(path)
    max_age = args.max_age if args.max_age is not None else _settings(args).checked_max_age_days
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    report = check_citations(kb, registry, root, today, max_age)
    notes = [f"warning: {w}" for w in report.warnings]
    notes.append(f"legal registry: {len(registry)} documents, {len(report.warnings)} warning(s)")
    return [str(p) for p in [*problems, *report.errors]], notes


def _matcher(args: argparse.Namespace):
    from bot.render_national import set_province
    from knowledge import Matcher, Thresholds

    settings = _settings(args)
    set_province(settings.province.facts())
    kb = _knowledge(settings.knowledge_dir, settings.national.selection())
    m = settings.matching
    learned = {}
    if not getattr(args, "no_learned", False):
        learned = _learned_aliases(settings)
    return Matcher(kb, Thresholds(m.answer, m.suggest, m.margin), learned=learned)


def _learned_aliases(settings) -> dict[str, str]:
    """Aliases admins taught the bot, if the database is reachable."""
    try:
        from bot import storage

        store = storage.Storage(settings.database_url, create=False)
        try:
            return store.learned_aliases()
        finally:
            store.close()
    except Exception:  # the CLI still answers from the YAML base alone
        return {}


def _result_json(result, kb) -> dict:
    """One answer in the evaluation contract: ``outcome`` is answer, clarify, suggest or not_found."""
    from bot.replies import plain_answer
    from knowledge.matcher import Outcome, codes_of

    def code(entry_id: str | None) -> str | None:
        codes = codes_of(kb.entries[entry_id]) if entry_id in kb.entries else ()
        return codes[0] if codes else None

    entry_id = result.entry.id if result.entry else None
    smalltalk = result.outcome is Outcome.smalltalk
    return {
        "answered": result.answered,
        "entry_id": entry_id,
        "code": code(entry_id),
        "codes": list(codes_of(result.entry)),
        "score": result.score,
        "field": result.field,
        "outcome": Outcome.not_found.value if smalltalk else result.outcome.value,
        "smalltalk": result.smalltalk,
        "followup": result.followup,
        "text": plain_answer(result),
        "suggestions": [
            {"id": s.entry_id, "code": code(s.entry_id), "title": s.title, "score": s.score}
            for s in result.suggestions
        ],
    }


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one per line of standard input with ``-``."""
    from bot.replies import plain_answer
    from knowledge.matcher import next_context

    matcher = _matcher(args)
    streaming = args.question == "-"
    questions = sys.stdin if streaming else [args.question]
    context = None  # with --chat, each message is read in the light of the previous answer
    for line in questions:
        question = line.rstrip("\n")
        if (streaming or args.chat is not None) and not question.strip():
            continue  # a blank line is no question
        result = matcher.match(question, context=context)
        if args.chat is not None:
            context = next_context(result, context)
        if args.json:
            row = _result_json(result, matcher.kb)
            if args.chat is not None:
                row["chat"] = args.chat
            print(json.dumps(row, ensure_ascii=False), flush=streaming)
        else:
            print(plain_answer(result))
    sys.stdout.flush()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot: Telegram with a token, a console chat without one."""
    from bot.app import run
    from knowledge import KnowledgeError

    try:
        return run(_settings(args), console=args.console)
    except KnowledgeError as exc:  # the same clean message as check-kb and ask
        _refuse(exc)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print accuracy: the curated set, the blind sets per category, conversations, portal questions."""
    from knowledge.evaluation import (
        blind_batches,
        by_category,
        conversations_tally,
        evaluate,
        load_category_files,
        load_portal,
        load_questions,
    )

    matcher = _matcher(argparse.Namespace(config=args.config, no_learned=True))
    root = Path(args.path)
    report = evaluate(matcher, load_questions(root))
    print(f"== curated evaluation ({root})")
    print(report.summary())
    if args.errors:
        for line in report.errors:
            print(line)
    sets = [
        (f"{batch} {name}", root / batch / name)
        for batch in blind_batches(root) for name in ("dev", "holdout")
    ]
    for title, folder in sets:
        questions, conversations = load_category_files(folder)
        if not questions and not conversations:
            continue
        print(f"\n== {title}: per category")
        tallies = by_category(matcher, questions)
        for name in sorted(tallies, key=lambda n: (n != "all", n)):
            print(tallies[name].line(name))
        if conversations:
            turns = conversations_tally(matcher, conversations)
            print(turns.line(f"conversations ({len(conversations)})"))
            tallies["conversations"] = turns
        if args.errors and "holdout" not in title:  # holdout misses are not read one by one
            for name, tally in tallies.items():
                if name != "all":
                    for line in tally.errors:
                        print(f"[{name}] {line}")
    portal = load_portal(root / "portal")
    if portal:
        print("\n== real portal questions")
        tallies = by_category(matcher, portal)
        for name in sorted(tallies, key=lambda n: (n != "all", n)):
            print(tallies[name].line(name))
        if args.errors:
            for line in tallies["all"].errors:
                print(f"[portal] {line}")
    return 0


def cmd_import_national(args: argparse.Namespace) -> int:
    """Import an export of the national database into the knowledge base and print the report."""
    import datetime as dt

    from knowledge.national.importer import import_national

    root = Path(args.knowledge_dir) if args.knowledge_dir else _settings(args).knowledge_dir
    try:
        crawled = dt.date.fromisoformat(args.crawled)
    except ValueError:
        sys.exit(f"--crawled must be a date such as 2026-07-31, not {args.crawled!r}")
    report = import_national(Path(args.file), root, crawled, [Path(u) for u in args.usage])
    for line in report.lines():
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="main.py", description="Trợ lý TTHC")
    parser.add_argument("--config", help="path to config.yaml")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run the bot (default)")
    run.add_argument("--console", action="store_true", help="console chat even with a token")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check-kb", help="validate the knowledge base")
    check.add_argument("path", nargs="?", help="folder of YAML files (default: the configured one)")
    check.add_argument("--max-age", type=int, help="warn when an entry was checked more than this many days ago")
    check.add_argument("--today", help="the date to check against, YYYY-MM-DD (default: today)")
    check.set_defaults(func=cmd_check_kb)

    ask = sub.add_parser("ask", help="answer a question ('-' reads one per line from stdin)")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--no-learned", action="store_true", help="ignore aliases learned in review")
    ask.add_argument("--chat", help="play the lines as one conversation of this chat (follow-ups)")
    ask.set_defaults(func=cmd_ask)

    ev = sub.add_parser("evaluate", help="accuracy on the evaluation set")
    ev.add_argument("--path", default=str(Path(__file__).parent / "tests" / "eval"))
    ev.add_argument("--errors", action="store_true", help="list every miss")
    ev.set_defaults(func=cmd_evaluate)

    imp = sub.add_parser("import-national", help="import national procedure records (JSON lines)")
    imp.add_argument("file", help="the export: JSON lines, gzipped or not")
    imp.add_argument("--crawled", required=True, help="date the records were taken, e.g. 2026-07-31")
    imp.add_argument("--usage", action="append", default=[],
                     help="the portal's usage ranking (JSON with TTHC_MA and WEIGHT); repeatable")
    imp.add_argument("--knowledge-dir", help="the base to write into (default: the configured one)")
    imp.set_defaults(func=cmd_import_national)

    from bot.admin_cli import add_admin_commands

    add_admin_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "run"])
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader has had enough (``… | head``): stop quietly; the interpreter's own final
        # flush must not fail again on the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
