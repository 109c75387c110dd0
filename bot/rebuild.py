"""Rebuilding the knowledge cache in a child process, for /reload.

Parsing, validating and indexing a large base holds the interpreter for seconds and leaves its
garbage behind. Done in a child, the bot's event loop keeps running and its memory stays as it
was; the bot then loads the finished cache, which is quick.

Run as ``python -m bot.rebuild <knowledge dir> <cache dir> [<selection as JSON>]``: exit 0 when the cache is written,
3 with the problems as JSON lines on standard output when the base is broken.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
from pathlib import Path

from knowledge import KnowledgeError
from knowledge.cache import fingerprint
from knowledge.loader import Problem
from knowledge.national.select import NationalSelection

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
BROKEN = 3


def cache_is_current(root: Path, cache_dir: Path, select: NationalSelection | None = None) -> bool:
    """Whether the cache already holds this version of the base (for this selection of records)."""
    key = fingerprint(root, select)
    return all((cache_dir / f"knowledge-{key}.{suffix}").exists() for suffix in ("pickle", "entries"))


def rebuild(root: Path, cache_dir: Path, select: NationalSelection | None = None) -> None:
    """Write the cache for the base in a child process; raise ``KnowledgeError`` if it is broken.
    If the child cannot run at all, nothing is raised: the caller builds in-process."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.rebuild", str(root), str(cache_dir), _selection_arg(select)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if done.returncode == BROKEN:
        raise KnowledgeError([Problem(**json.loads(line)) for line in done.stdout.splitlines() if line])
    if done.returncode != 0:
        log.warning("knowledge cache rebuild failed in a child process: %s", done.stderr[-500:])


def _selection_arg(select: NationalSelection | None) -> str:
    if select is None:
        return "{}"
    return json.dumps({"levels": select.levels, "domains": select.domains, "codes": select.codes})


def _selection(arg: str) -> NationalSelection | None:
    fields = json.loads(arg)
    return NationalSelection(**{k: tuple(v) for k, v in fields.items()}) if fields else None


def _main(argv: list[str]) -> int:
    from knowledge.cache import load_indexed

    try:
        load_indexed(Path(argv[0]), Path(argv[1]), _selection(argv[2]) if len(argv) > 2 else None)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(json.dumps(dataclasses.asdict(problem), ensure_ascii=False))
        return BROKEN
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
