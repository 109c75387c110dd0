"""The matcher on the labelled evaluation set: the accuracy users feel."""

from __future__ import annotations

from pathlib import Path

from knowledge.evaluation import evaluate, load_questions

EVAL = Path(__file__).parent / "eval"


def test_evaluation_set_is_large_and_varied(real_kb):
    questions = load_questions(EVAL)
    assert len(questions) >= 250
    out = [q for q in questions if q.expect is None]
    assert len(out) / len(questions) >= 0.20
    plain = [q for q in questions if q.q.isascii()]
    assert len(plain) / len(questions) >= 0.40
    assert sum(1 for q in questions if q.field) >= 50
    unknown = {q.expect for q in questions if q.expect} - set(real_kb.entries)
    assert not unknown, f"eval names entries that do not exist: {sorted(unknown)}"


def test_top1_accuracy_and_refusals(curated_matcher):
    report = evaluate(curated_matcher, load_questions(EVAL))
    print(report.summary())
    assert report.top1 >= 0.95, "\n".join(report.errors)
    assert report.refusal_recall >= 0.90, "\n".join(e for e in report.errors if e.startswith("ANSWERED"))


def test_the_shipped_base_with_the_national_catalogue_holds_its_measured_floor(real_matcher):
    # National titles take some curated questions and answer some near misses the set calls out
    # of scope (counted apart: the labels predate the catalogue). A floor, to be raised, never lowered.
    report = evaluate(real_matcher, load_questions(EVAL))
    print(report.summary())
    assert report.top1 >= 0.945, "\n".join(report.errors)
    assert report.refusal_recall >= 0.90, "\n".join(e for e in report.errors if e.startswith("ANSWERED"))


# Measured floors on the halves tuned on (first = right entry answered or offered by a clarifying
# question; refused = near misses given no answer). To be raised, never lowered; the holdout halves
# are measured by `python main.py evaluate`, never pinned.
DEV_FLOORS = {
    "blind": (0.94, 0.84),
    "blind2": (0.90, 0.92),
    "blind3": (0.88, 0.84),
    "blind4": (0.90, 0.96),
    "blind5": (0.88, 0.88),
    "blind6": (0.94, 0.86),
    "blind7": (0.87, 0.80),
}


def test_the_blind_dev_halves_hold_their_measured_floors(real_matcher):
    from knowledge.evaluation import by_category, load_category_files

    for batch, (first, refused) in DEV_FLOORS.items():
        questions, _ = load_category_files(EVAL / batch / "dev")
        tally = by_category(real_matcher, questions)["all"]
        assert tally.first / tally.answerable >= first, (batch, tally.errors)
        assert tally.refused / tally.refuse >= refused, (batch, tally.errors)


def test_the_real_portal_questions_hold_their_measured_floor(real_matcher):
    from knowledge.evaluation import by_category, load_portal

    tally = by_category(real_matcher, load_portal(EVAL / "portal"))["all"]
    assert tally.first / tally.answerable >= 0.80, tally.errors
    assert tally.refused / tally.refuse >= 0.78, tally.errors
