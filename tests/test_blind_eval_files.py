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
# a third batch, written later by two more writers under the same rule, split the same way
BLIND3 = Path(__file__).parent / "eval" / "blind3"
MINIMUM3 = {
    "plain.yaml": ("plain", 30),
    "teencode.yaml": ("teencode", 80),
    "long.yaml": ("long", 50),
    "conversations.yaml": ("followup", 30),
    "near_miss.yaml": ("near_miss", 100),
    "top100.yaml": ("top100", 80),
    "smalltalk.yaml": ("smalltalk", 16),
}
# a fourth batch, by two more writers (Northern, and Southern and Central) under the same rule
BLIND4 = Path(__file__).parent / "eval" / "blind4"
MINIMUM4 = {
    "plain.yaml": ("plain", 20),
    "teencode.yaml": ("teencode", 80),
    "long.yaml": ("long", 50),
    "conversations.yaml": ("followup", 28),
    "near_miss.yaml": ("near_miss", 80),
    "top100.yaml": ("top100", 60),
    "smalltalk.yaml": ("smalltalk", 12),
}
# a fifth batch, by two more writers (the Centre and the Mekong delta; young city people)
BLIND5 = Path(__file__).parent / "eval" / "blind5"
MINIMUM5 = {
    "plain.yaml": ("plain", 20),
    "teencode.yaml": ("teencode", 80),
    "long.yaml": ("long", 60),
    "conversations.yaml": ("followup", 30),
    "near_miss.yaml": ("near_miss", 80),
    "top100.yaml": ("top100", 60),
    "smalltalk.yaml": ("smalltalk", 12),
}
# a sixth batch (the North, many working away from home; the Southeast and the Central Highlands)
BLIND6 = Path(__file__).parent / "eval" / "blind6"
MINIMUM6 = {
    "plain.yaml": ("plain", 20),
    "teencode.yaml": ("teencode", 80),
    "long.yaml": ("long", 60),
    "conversations.yaml": ("followup", 30),
    "near_miss.yaml": ("near_miss", 80),
    "top100.yaml": ("top100", 60),
    "facts.yaml": ("facts", 15),
    "smalltalk.yaml": ("smalltalk", 12),
}
# a seventh batch (the Centre; the Mekong delta and Hồ Chí Minh City)
BLIND7 = Path(__file__).parent / "eval" / "blind7"
MINIMUM7 = {**MINIMUM6, "facts.yaml": ("facts", 16)}
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
BATCHES = {
    "blind": (BLIND, MINIMUM), "blind2": (BLIND2, MINIMUM2), "blind3": (BLIND3, MINIMUM3),
    "blind4": (BLIND4, MINIMUM4), "blind5": (BLIND5, MINIMUM5), "blind6": (BLIND6, MINIMUM6),
    "blind7": (BLIND7, MINIMUM7),
}
CASES = [(batch, name) for batch, (_, minimum) in BATCHES.items() for name in sorted(minimum)]


def _items(split: str, name: str, batch: str = "blind") -> list[dict]:
    """One split's items of one category of a batch."""
    root = BATCHES[batch][0]
    return yaml.safe_load((root / split / name).read_text(encoding="utf-8"))


def _turns(item: dict) -> list[dict]:
    """The labelled questions of an item: its turns, or the item itself."""
    return item.get("turns", [item])


@pytest.mark.parametrize(("batch", "name"), CASES)
def test_each_category_has_enough_questions_in_both_halves(batch: str, name: str) -> None:
    tag, minimum = BATCHES[batch][1][name]
    dev, holdout = _items("dev", name, batch), _items("holdout", name, batch)
    assert len(dev) + len(holdout) >= minimum
    assert abs(len(dev) - len(holdout)) <= 0.1 * (len(dev) + len(holdout)) + 2
    assert all(tag in item["tags"] for item in dev + holdout)


@pytest.mark.parametrize(("batch", "name"), CASES)
def test_every_question_is_labelled_with_known_keys(batch: str, name: str) -> None:
    for item in _items("dev", name, batch) + _items("holdout", name, batch):
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


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_out_of_scope_questions_are_near_misses_or_follow_ups(batch: str) -> None:
    for name in BATCHES[batch][1]:
        for item in _items("dev", name, batch) + _items("holdout", name, batch):
            for turn in _turns(item):
                if turn["expect"] is None and "code" not in turn:
                    tags = set(item["tags"])
                    assert tags & {"near_miss", "new_topic"} or batch == "blind2", turn


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_long_questions_tell_a_story_of_120_to_500_characters(batch: str) -> None:
    for item in _items("dev", "long.yaml", batch) + _items("holdout", "long.yaml", batch):
        assert 120 <= len(item["q"]) <= 500, item["q"]


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_no_question_is_in_both_dev_and_holdout(batch: str) -> None:
    def firsts(split: str) -> set[str]:
        return {
            _turns(item)[0]["q"].casefold()
            for name in BATCHES[batch][1] for item in _items(split, name, batch)
        }

    assert not firsts("dev") & firsts("holdout")


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_running_the_split_again_changes_nothing(tmp_path: Path, batch: str) -> None:
    root, minimum = BATCHES[batch]
    copy = tmp_path / batch
    shutil.copytree(root, copy)
    spec = importlib.util.spec_from_file_location("blind_split", BLIND / "split.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in minimum:
        module.split_file(name, copy)
        for split in ("dev", "holdout"):
            assert (copy / split / name).read_text(encoding="utf-8") == (root / split / name).read_text(
                encoding="utf-8"
            )
