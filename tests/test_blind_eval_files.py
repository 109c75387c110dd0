"""The blind evaluation questions are well formed and split into disjoint dev and holdout halves."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
import yaml

BLIND = Path(__file__).parent / "eval" / "blind"
# a second batch, written later the same way by another writer, split the same way
BLIND2 = Path(__file__).parent / "eval" / "blind2"
MINIMUM2 = {
    "plain.yaml": ("plain", 40),
    "teencode.yaml": ("teencode", 80),
    "long.yaml": ("long", 50),
    "conversations.yaml": ("followup", 30),
    "near_miss.yaml": ("near_miss", 80),
    "top100.yaml": ("top100", 120),
    "smalltalk.yaml": ("smalltalk", 20),
}
FIELDS = {
    "documents",
    "processing_time",
    "fee",
    "agency",
    "requirements",
    "result",
    "legal_basis",
    "steps",
    "channels",
}
CODE = re.compile(r"^\d\.\d{6}$")
ENTRY_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MINIMUM = {
    "plain.yaml": ("plain", 80),
    "teencode.yaml": ("teencode", 80),
    "long.yaml": ("long", 60),
    "conversations.yaml": ("followup", 30),
    "near_miss.yaml": ("near_miss", 80),
    "top100.yaml": ("top100", 120),
    "facts.yaml": ("facts", 60),
    "smalltalk.yaml": ("smalltalk", 30),
}


def _items(split: str, name: str, root: Path = BLIND) -> list[dict]:
    """One split's items of one category."""
    return yaml.safe_load((root / split / name).read_text(encoding="utf-8"))


def _turns(item: dict) -> list[dict]:
    """The labelled questions of an item: its turns, or the item itself."""
    return item.get("turns", [item])


@pytest.mark.parametrize("name", sorted(MINIMUM))
def test_each_category_has_enough_questions_in_both_halves(name: str) -> None:
    tag, minimum = MINIMUM[name]
    dev, holdout = _items("dev", name), _items("holdout", name)
    assert len(dev) + len(holdout) >= minimum
    assert abs(len(dev) - len(holdout)) <= 0.1 * (len(dev) + len(holdout)) + 2
    assert all(tag in item["tags"] for item in dev + holdout)


@pytest.mark.parametrize("name", sorted(MINIMUM))
def test_every_question_is_labelled_with_known_keys(name: str) -> None:
    for item in _items("dev", name) + _items("holdout", name):
        assert item["tags"], item
        turns = _turns(item)
        assert ("turns" in item) == (name == "conversations.yaml")
        assert 1 <= len(turns) <= 3
        for turn in turns:
            assert set(turn) <= {"q", "expect", "code", "field", "tags"}, turn
            assert isinstance(turn["q"], str) and turn["q"].strip(), turn
            assert "expect" in turn, turn
            assert turn["expect"] is None or ENTRY_ID.match(turn["expect"]), turn
            assert "code" not in turn or CODE.match(turn["code"]), turn
            assert "field" not in turn or turn["field"] in FIELDS, turn


def test_out_of_scope_questions_are_near_misses_or_follow_ups() -> None:
    for name in MINIMUM:
        for item in _items("dev", name) + _items("holdout", name):
            for turn in _turns(item):
                if turn["expect"] is None and "code" not in turn:
                    assert "near_miss" in item["tags"] or "new_topic" in item["tags"], turn


def test_long_questions_tell_a_story_of_120_to_500_characters() -> None:
    for item in _items("dev", "long.yaml") + _items("holdout", "long.yaml"):
        assert 120 <= len(item["q"]) <= 500, item["q"]


def test_no_question_is_in_both_dev_and_holdout() -> None:
    def firsts(split: str) -> set[str]:
        return {_turns(item)[0]["q"].casefold() for name in MINIMUM for item in _items(split, name)}

    assert not firsts("dev") & firsts("holdout")


def test_running_the_split_again_changes_nothing(tmp_path: Path) -> None:
    copy = tmp_path / "blind"
    shutil.copytree(BLIND, copy)
    spec = importlib.util.spec_from_file_location("blind_split", copy / "split.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in MINIMUM:
        module.split_file(name)
        for split in ("dev", "holdout"):
            assert (copy / split / name).read_text(encoding="utf-8") == (BLIND / split / name).read_text(
                encoding="utf-8"
            )


@pytest.mark.parametrize("name", sorted(MINIMUM2))
def test_the_second_batch_is_labelled_and_split_the_same_way(name: str) -> None:
    tag, minimum = MINIMUM2[name]
    dev, holdout = _items("dev", name, BLIND2), _items("holdout", name, BLIND2)
    assert len(dev) + len(holdout) >= minimum
    assert abs(len(dev) - len(holdout)) <= 0.1 * (len(dev) + len(holdout)) + 2
    for item in dev + holdout:
        assert tag in item["tags"], item
        for turn in _turns(item):
            assert set(turn) <= {"q", "expect", "code", "field", "tags"}, turn
            assert turn["expect"] is None or ENTRY_ID.match(turn["expect"]), turn
            assert "code" not in turn or CODE.match(turn["code"]), turn
            assert "field" not in turn or turn["field"] in FIELDS, turn
    firsts = {_turns(item)[0]["q"].casefold() for item in dev}
    assert not firsts & {_turns(item)[0]["q"].casefold() for item in holdout}


def test_the_second_batch_split_runs_again_to_the_same_files(tmp_path: Path) -> None:
    copy = tmp_path / "blind2"
    shutil.copytree(BLIND2, copy)
    spec = importlib.util.spec_from_file_location("blind_split", BLIND / "split.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in MINIMUM2:
        module.split_file(name, copy)
        for split in ("dev", "holdout"):
            assert (copy / split / name).read_text(encoding="utf-8") == (BLIND2 / split / name).read_text(
                encoding="utf-8"
            )
