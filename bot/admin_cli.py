"""Admin commands at a terminal: the review queue, exports of the log and of learned aliases."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import defaultdict
from pathlib import Path

import yaml


def add_admin_commands(sub: argparse._SubParsersAction) -> None:
    """Register the admin subcommands."""
    review = sub.add_parser("review", help="list questions that need review, grouped")
    review.set_defaults(func=cmd_review)

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


def _storage(args: argparse.Namespace):
    from bot.config import load_settings
    from bot.storage import Storage

    return Storage(load_settings(getattr(args, "config", None)).database_url)


def _write(data: bytes, output: str | None) -> None:
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def cmd_review(args: argparse.Namespace) -> int:
    """Print the review groups, busiest first."""
    from bot.review import review_groups

    storage = _storage(args)
    groups = review_groups(storage)
    if not groups:
        print("Nothing to review.")
    for n, group in enumerate(groups, 1):
        reasons = ", ".join(sorted(group.reasons))
        print(f"{n}. [{group.key}] {group.label} — {group.count} time(s) ({reasons})")
        for text in group.texts[:5]:
            print(f"     · {text}")
    storage.close()
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
    """Write the query log (pseudonymous user keys only)."""
    from bot.stats import export_csv

    storage = _storage(args)
    since = dt.datetime.combine(args.since, dt.time(), tzinfo=dt.UTC) if args.since else None
    _write(export_csv(storage.queries(since=since)), args.output)
    storage.close()
    return 0
