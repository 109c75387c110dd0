"""Split the blind evaluation questions of each category into dev and holdout, about 50/50.

The questions of a category are pooled from ``dev/<file>`` and ``holdout/<file>``, put in a
canonical order (by question text) and shuffled with a fixed seed, so the split is the same
however often the script runs. Within a file, near misses and catalogue-labelled items are split
separately so that both halves hold some of each.

Usage: ``python tests/eval/blind/split.py [FOLDER]`` (rewrites the YAML files in place; FOLDER is
``tests/eval/blind`` by default, or another batch written the same way, such as ``tests/eval/blind2``).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEED = 20261201
FILES = (
    "plain.yaml",
    "teencode.yaml",
    "long.yaml",
    "conversations.yaml",
    "near_miss.yaml",
    "top100.yaml",
    "facts.yaml",
    "smalltalk.yaml",
)
KEY_ORDER = ("q", "turns", "expect", "code", "field", "tags")


def _load(path: Path) -> list[dict]:
    """Read one YAML list (an absent file is an empty list)."""
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def _sort_key(item: dict) -> str:
    """Canonical order of an item: its first question's text."""
    return item["turns"][0]["q"] if "turns" in item else item["q"]


def _stratum(item: dict) -> tuple[bool, bool]:
    """Items split separately within a file: near misses and catalogue-labelled ones."""
    tags = set(item.get("tags", ()))
    return ("near_miss" in tags, "catalogue" in tags)


def _scalar(value: object) -> str:
    """One YAML flow scalar; JSON strings are valid YAML and keep Vietnamese text readable."""
    if value is None:
        return "null"
    if isinstance(value, str) and value and all(c.isalnum() or c in "-_." for c in value):
        return value if not value.replace(".", "").isdigit() else json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _flow(mapping: dict) -> str:
    """One mapping as a single flow-style line, keys in a fixed order."""
    parts = []
    for key in sorted(mapping, key=lambda k: KEY_ORDER.index(k) if k in KEY_ORDER else 99):
        value = mapping[key]
        if key == "tags":
            text = "[" + ", ".join(_scalar(t) for t in value) + "]"
        elif key == "turns":
            text = "[" + ", ".join(_flow(t) for t in value) + "]"
        else:
            text = _scalar(value)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def _dump(items: list[dict], path: Path) -> None:
    """Write a list of items, one per line."""
    lines = ["- " + _flow(item) for item in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == items, path


def split_file(name: str, root: Path = HERE) -> tuple[int, int]:
    """Re-split one category file of a batch; returns the dev and holdout counts."""
    pool = _load(root / "dev" / name) + _load(root / "holdout" / name)
    if not pool:
        return 0, 0
    rng = random.Random(f"{SEED}:{name}")
    strata: dict[tuple[bool, bool], list[dict]] = {}
    for item in sorted(pool, key=_sort_key):
        strata.setdefault(_stratum(item), []).append(item)
    dev: list[dict] = []
    holdout: list[dict] = []
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        half = (len(group) + 1) // 2
        dev.extend(group[:half])
        holdout.extend(group[half:])
    dev.sort(key=_sort_key)
    holdout.sort(key=_sort_key)
    _dump(dev, root / "dev" / name)
    _dump(holdout, root / "holdout" / name)
    return len(dev), len(holdout)


def main() -> None:
    """Split every category file of a batch and print the counts."""
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE
    for name in FILES:
        n_dev, n_hold = split_file(name, root)
        print(f"{name:20} dev {n_dev:4}  holdout {n_hold:4}")


if __name__ == "__main__":
    main()
