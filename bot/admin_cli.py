"""Admin commands at a terminal: the review queue and its actions, exports of the log and of
learned aliases. What they print is Vietnamese, like the bot."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from bot import texts

CLI_ADMIN = 0  # the admin id recorded for actions taken at the terminal


def add_admin_commands(sub: argparse._SubParsersAction) -> None:
    """Register the admin subcommands."""
    review = sub.add_parser("review", help="review queue: list, show, assign, dismiss, undo")
    review.add_argument("--admin", type=int, default=CLI_ADMIN, help="admin id recorded for actions")
    review.set_defaults(func=cmd_review, review_command="list")
    actions = review.add_subparsers(dest="review_command")
    listing = actions.add_parser("list", help="groups that need review, busiest first")
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--per-page", type=int, default=20)
    show = actions.add_parser("show", help="the questions of one group")
    show.add_argument("group")
    assign = actions.add_parser("assign", help="teach a group's questions as aliases of an entry")
    assign.add_argument("group")
    assign.add_argument("entry_id")
    dismiss = actions.add_parser("dismiss", help="take a group off the queue")
    dismiss.add_argument("group")
    undo = actions.add_parser("undo", help="undo an action (default: the latest)")
    undo.add_argument("action_id", nargs="?", type=int)

    learned = sub.add_parser("learned", help="aliases learned in review")
    learned_sub = learned.add_subparsers(dest="learned_command", required=True)
    export = learned_sub.add_parser("export", help="write learned aliases as YAML for knowledge/data/")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_learned_export)

    log = sub.add_parser("export", help="write the query log")
    log.add_argument("--since", type=dt.date.fromisoformat, help="first day, YYYY-MM-DD")
    log.add_argument("--format", choices=["csv"], default="csv")
    log.add_argument("--output", "-o", help="file to write (default: standard output)")
    log.set_defaults(func=cmd_export)


def _settings(args: argparse.Namespace):
    from bot.config import load_settings

    return load_settings(getattr(args, "config", None))


def _storage(args: argparse.Namespace):
    from bot.storage import Storage

    return Storage(_settings(args).database_url)


def _write(data: bytes, output: str | None) -> None:
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _reasons(reasons: set[str]) -> str:
    from bot.review import REASONS

    return ", ".join(texts.REVIEW_REASONS[r] for r in REASONS if r in reasons)


def cmd_review(args: argparse.Namespace) -> int:
    """The review queue: list groups, show one, assign, dismiss or undo (as in Telegram)."""
    storage = _storage(args)
    try:
        command = args.review_command or "list"
        if command == "list":
            return _review_list(storage, getattr(args, "page", 1), getattr(args, "per_page", 20))
        if command == "show":
            return _review_show(storage, args.group)
        if command == "undo":
            return _review_undo(storage, args.action_id)
        return _review_act(args, storage, command)
    finally:
        storage.close()


def _review_list(storage, page: int, per_page: int) -> int:
    from bot.render import visible
    from bot.review import review_page

    shown = review_page(storage, max(page, 1) - 1, max(per_page, 1))
    if not shown.groups:
        print(visible(texts.REVIEW_EMPTY))
        return 0
    print(visible(texts.REVIEW_HEADER.format(groups=shown.total_groups, questions=shown.total_questions,
                                             page=shown.page + 1, pages=shown.pages)))
    for n, group in enumerate(shown.groups, shown.page * per_page + 1):
        print(f"{n}. [{group.key}] {group.text} — {group.count} lần ({_reasons(group.reasons)})")
    print(texts.CLI_REVIEW_HINT)
    return 0


def _review_show(storage, key: str) -> int:
    from bot.review import open_group

    group = open_group(storage, key)
    if group is None:
        print(texts.REVIEW_GONE, file=sys.stderr)
        return 1
    print(f"[{group.key}] {group.count} lần hỏi, {len(group.texts)} cách hỏi ({_reasons(group.reasons)})")
    for text, n in group.texts:
        print(f"  • {text} — {n} lần")
    hidden = group.count - sum(n for _, n in group.texts)
    if hidden > 0:
        print("  " + texts.REVIEW_MORE.format(count=hidden))
    if group.suggested:
        print(texts.REVIEW_SUGGESTED.format(entries=", ".join(f"{e} ({n})" for e, n in group.suggested)))
    if group.answered:
        print(texts.REVIEW_ANSWERED.format(entries=", ".join(f"{e} ({n})" for e, n in group.answered)))
    return 0


def _review_act(args: argparse.Namespace, storage, command: str) -> int:
    from bot import review

    group = review.open_group(storage, args.group)
    if group is None:
        print(texts.REVIEW_GONE, file=sys.stderr)
        return 1
    if command == "dismiss":
        action = review.dismiss(storage, group, admin_id=args.admin)
        print(f"{texts.DISMISSED.format(count=group.count)} " + texts.CLI_UNDO_HINT.format(id=action.id))
        return 0
    from knowledge.cache import load_indexed

    settings = _settings(args)
    kb, matcher = load_indexed(settings.knowledge_dir, settings.cache_dir)
    entry = kb.entries.get(args.entry_id)
    if entry is None:
        print(texts.CLI_UNKNOWN_ENTRY.format(entry=args.entry_id), file=sys.stderr)
        return 1
    action = review.assign(storage, group, entry.id, admin_id=args.admin,
                           normalise=lambda text: matcher.analyse(text).content_text)
    from bot.render import visible

    print(visible(texts.ASSIGNED.format(count=group.count, texts=len(group.texts), title=entry.title)),
          texts.CLI_UNDO_HINT.format(id=action.id))
    return 0


def _review_undo(storage, action_id: int | None) -> int:
    if action_id is None:
        latest = storage.latest_action()
        action_id = latest.id if latest else None
    undone = storage.undo_action(action_id=action_id) if action_id else None
    if undone is None:
        print(texts.NOTHING_TO_UNDO, file=sys.stderr)
        return 1
    action, _ = undone
    name = texts.ACTION_NAMES[action.action].format(entry=action.entry_id)
    print(texts.UNDONE.format(action=name))
    return 0


def cmd_learned_export(args: argparse.Namespace) -> int:
    """Write active learned aliases as an ``aliases:`` file the loader merges into the base."""
    storage = _storage(args)
    by_entry: dict[str, list[str]] = defaultdict(list)
    for text, entry_id in storage.learned_aliases().items():
        by_entry[entry_id].append(text)
    storage.close()
    header = (
        "# Aliases learned in review. Copy this file into knowledge/data/ (or merge the texts into\n"
        "# the entries' aliases), then run: python main.py check-kb\n"
    )
    body = yaml.safe_dump({"aliases": dict(sorted(by_entry.items()))}, allow_unicode=True, sort_keys=False)
    _write((header + body).encode("utf-8"), args.output)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the query log (pseudonymous user keys only), streamed: memory stays flat."""
    from bot.stats import query_rows, write_csv

    storage = _storage(args)
    since = dt.datetime.combine(args.since, dt.time(), tzinfo=dt.UTC) if args.since else None
    try:
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                write_csv(query_rows(storage, since), out)
        else:
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)
            write_csv(query_rows(storage, since), out)
            out.flush()
            out.detach()
    finally:
        storage.close()
    return 0
