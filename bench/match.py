"""Matching benchmark: latency, cold start and memory of the matcher against a naive baseline.

Prints a table (no assertions). For each base (the real one, and synthetic bases of 1,000 and
50,000 entries generated from it) it measures, in the same run:

- cold start: loading the YAML files and building the index, in a fresh process;
- memory: the resident set size of that process after loading and indexing;
- match latency p50 / p99 / max over the evaluation questions (repeated), and over random
  phrases of the real base's words (a workload not built from the synthetic clones);
- the garbage collector's passes while matching;
- two naive baselines, ``rapidfuzz.process.extractOne(query, all_aliases, scorer=...,
  score_cutoff=...)`` with ``fuzz.WRatio`` and with ``fuzz.token_set_ratio``, each with the cutoff
  that gives it its best accuracy; accuracy of every method on ALL evaluation questions.

Usage: python bench/match.py [--sizes 1000 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from knowledge import load_knowledge  # noqa: E402
from knowledge.cache import load_indexed  # noqa: E402
from knowledge.evaluation import evaluate, evaluate_predictor, load_questions  # noqa: E402
from knowledge.normalize import fold  # noqa: E402

DATA = ROOT / "knowledge" / "data"
EVAL = ROOT / "tests" / "eval"
_LETTERS = "bcdghklmnpqrstvx"


def tag(i: int) -> str:
    """A made-up word, different for every synthetic entry (like a distinguishing term)."""
    word = ""
    i += 1
    while i:
        i, r = divmod(i, len(_LETTERS))
        word += _LETTERS[r] + "aeiou"[r % 5]
    return word


def write_synthetic(size: int, folder: Path) -> Path:
    """A base of ``size`` entries: the real ones, then variants of them with a word of their own."""
    real = yaml.safe_load((DATA / "synonyms.yaml").read_text(encoding="utf-8"))
    (folder / "synonyms.yaml").write_text(yaml.safe_dump(real, allow_unicode=True), encoding="utf-8")
    kb = load_knowledge(DATA, national=False)  # national records have fields of their own
    entries = list(kb.entries.values())
    per_file = 2000
    batch: list[dict] = []
    count = 0
    for i in range(size):
        base = entries[i % len(entries)]
        data = base.model_dump(mode="json", exclude={"kind"}, exclude_none=True)  # as the base is written
        if i >= len(entries):
            word = tag(i)
            data = _light(data)
            data["id"] = f"{base.id[:38].rstrip('-')}-{word}"  # within the 48-character id limit
            data["title"], data["aliases"] = _related(base.title, base.aliases[:8], word)
        batch.append(data)
        if len(batch) == per_file or i == size - 1:
            doc = {}
            for section, items in (
                ("procedures", [d for d in batch if "domain" in d and "crawled" not in d]),
                ("national", [d for d in batch if "crawled" in d]),
                ("facts", [d for d in batch if "domain" not in d]),
            ):
                if items:
                    doc[section] = items
            path = folder / f"part{count:03d}.yaml"
            path.write_text(yaml.dump(doc, allow_unicode=True, Dumper=yaml.CSafeDumper), encoding="utf-8")
            count += 1
            batch = []
    return folder


def synthetic_bases(tmp: Path, sizes: list[int]) -> list[tuple[str, Path]]:
    """(label, folder) of a synthetic base of each size, written under ``tmp``."""
    bases = []
    for size in sizes:
        folder = tmp / f"synthetic-{size}"
        folder.mkdir()
        bases.append((f"{size:,}", write_synthetic(size, folder)))
    return bases


def _related(title: str, aliases: list[str], word: str) -> tuple[str, list[str]]:
    """A related procedure: the title and aliases with their topic word replaced by a made-up
    one, everywhere ("đăng ký khai sinh" / "đăng ký khai tử" differ in one word)."""
    texts = [fold(title), *(fold(a) for a in aliases)]
    title_words = [w for w in texts[0].split() if len(w) >= 3] or texts[0].split()
    topic = max(title_words, key=lambda w: sum(w in t.split() for t in texts))
    swapped = []
    for text in texts:
        words = text.split()
        # a text without the topic word gets the new word added, so no two entries share it
        swapped.append(" ".join(word if w == topic else w for w in words) if topic in words else f"{text} {word}")
    return swapped[0], swapped[1:]


def _light(data: dict) -> dict:
    """A variant's content: the same fields, one item each and short texts, nested ones too
    (a national record is longer; matching cost depends on titles and aliases, memory on what
    is kept)."""
    def short(value, key=""):
        if isinstance(value, dict):
            return {k: short(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return value if key == "aliases" else [short(v) for v in value[:1]]
        if isinstance(value, str) and key not in {"id", "title", "checked", "crawled"}:
            return value[:80]
        return value

    return short(data)


_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from knowledge.cache import load_indexed
import psutil
t1 = time.perf_counter()
kb, m = load_indexed(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
t2 = time.perf_counter()
m.match("lam giay khai sinh can gi")
rss = psutil.Process().memory_info().rss / 2**20
print(json.dumps({"imports": t1 - t0, "start": t2 - t1, "rss_mb": rss, "entries": len(kb.entries)}))
"""


def cold_start(folder: Path, cache: Path | None = None) -> dict:
    """Load and index in a fresh process (from the YAML files, or from the cache); seconds and MB."""
    args = [sys.executable, "-c", _CHILD, str(folder)] + ([str(cache)] if cache else [])
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timings(fn, questions: list[str], repeat: int) -> list[float]:
    """Milliseconds per call."""
    for q in questions[:20]:
        fn(q)  # warm caches the way a running bot has them
    out = []
    for _ in range(repeat):
        for q in questions:
            started = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - started) * 1000)
    return out


class Baseline:
    """``extractOne(query, all_aliases, scorer=..., score_cutoff=...)`` over every folded alias and title."""

    def __init__(self, kb, cutoff: float, scorer=fuzz.WRatio) -> None:
        self.choices: list[str] = []
        self.owners: list[str] = []
        for entry in kb.entries.values():
            for text in (entry.title, *entry.aliases):
                self.choices.append(fold(text))
                self.owners.append(entry.id)
        self.cutoff = cutoff
        self.scorer = scorer

    def best(self, query: str, cutoff: float = 0) -> tuple[str | None, float]:
        found = process.extractOne(fold(query), self.choices, scorer=self.scorer, score_cutoff=cutoff)
        return (self.owners[found[2]], found[1]) if found else (None, 0.0)

    def predict(self, query: str) -> tuple[str | None, str | None]:
        # the cutoff goes to rapidfuzz, which skips what cannot reach it: the baseline's fair speed
        entry_id, _score = self.best(query, self.cutoff)
        return entry_id, None


def best_baseline_cutoff(kb, questions, scorer=fuzz.WRatio) -> float:
    """The cutoff that gives the baseline its best accuracy (fair to it)."""
    base = Baseline(kb, 0, scorer)
    scored = [(q, *base.best(q.q)) for q in questions]
    best, best_value = 0.0, -1.0
    for cutoff in range(50, 100):
        inscope = [s for s in scored if s[0].expect]
        outscope = [s for s in scored if not s[0].expect]
        top1 = sum(1 for q, e, sc in inscope if e == q.expect and sc >= cutoff) / len(inscope)
        refuse = sum(1 for q, e, sc in outscope if sc < cutoff) / len(outscope)
        value = top1 + refuse
        if value > best_value:
            best, best_value = float(cutoff), value
    return best


def random_phrases(kb, count: int = 1000, seed: int = 7) -> list[str]:
    """Phrases of 2-6 words drawn at random from the real base's own words: not built from any
    entry, so no synthetic clone is its near copy."""
    words = sorted({w for e in kb.entries.values() for t in (e.title, *e.aliases) for w in fold(t).split()})
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(rng.randint(2, 6))) for _ in range(count)]


class GcPauses:
    """Garbage-collector passes while a block runs: how many, and how long each stopped the world."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._started) * 1000)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        if not self.pauses:
            return "no collector pass"
        return f"{len(self.pauses)} collector passes, max {max(self.pauses):.1f} ms, total {sum(self.pauses):.0f} ms"


def row(name: str, values: list[float]) -> str:
    return (
        f"{name:<24} {statistics.median(values):>8.3f} {percentile(values, 0.99):>8.3f} "
        f"{max(values):>8.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phrases", type=int, default=1000, help="random phrases in the second workload")
    args = parser.parse_args()

    questions = load_questions(EVAL)
    texts = [q.q for q in questions]
    real_kb = load_knowledge(DATA)
    cutoffs = {
        "WRatio": (fuzz.WRatio, best_baseline_cutoff(real_kb, questions, fuzz.WRatio)),
        "token_set_ratio": (fuzz.token_set_ratio, best_baseline_cutoff(real_kb, questions, fuzz.token_set_ratio)),
    }
    phrases = random_phrases(real_kb, args.phrases)
    tuned = ", ".join(f"{name} {cutoff:.0f}" for name, (_, cutoff) in cutoffs.items())
    print(f"evaluation set: {len(questions)} questions; baseline cutoffs tuned on the real base: {tuned}")
    print(f"random-phrase workload: {len(phrases)} phrases of 2-6 words of the real base\n")

    with tempfile.TemporaryDirectory() as tmp:
        bases = [("real", DATA), *synthetic_bases(Path(tmp), args.sizes)]

        print("cold start in a fresh process: load + index (s) and resident memory (MB)")
        print(f"{'base':<8} {'entries':>8} {'YAML s':>8} {'RSS MB':>8} {'cached s':>9} {'RSS MB':>8}")
        for name, folder in bases:
            cache = Path(tmp) / f"cache-{name}"
            first = cold_start(folder, cache)  # parses the YAML and writes the cache
            again = cold_start(folder, cache)  # a restart: reads the cache
            print(
                f"{name:<8} {first['entries']:>8,} {first['start']:>8.2f} {first['rss_mb']:>8.0f} "
                f"{again['start']:>9.2f} {again['rss_mb']:>8.0f}"
            )
        print()

        for name, folder in bases:
            kb, matcher = load_indexed(folder, Path(tmp) / f"cache-{name}")
            with GcPauses() as pauses:
                ours = timings(matcher.match, texts, args.repeat)
                random_ms = timings(matcher.match, phrases, 1)
            ours_report = evaluate(matcher, questions)
            print(f"base {name}: {len(kb.entries):,} entries; accuracy on all {len(questions)} questions")
            print(f"{'method (ms per query)':<24} {'p50':>8} {'p99':>8} {'max':>8}   top-1   refusals")
            print(row("matcher", ours) + f"   {ours_report.top1:6.1%}  {ours_report.refusal_recall:6.1%}")
            print(row("matcher, random phrases", random_ms))
            print(f"  while matching: {pauses.summary()}")
            for label, (scorer, cutoff) in cutoffs.items():
                baseline = Baseline(kb, cutoff, scorer)
                naive: list[float] = []

                def timed(text: str, naive=naive, baseline=baseline) -> tuple[str | None, str | None]:
                    started = time.perf_counter()
                    answer = baseline.predict(text)
                    naive.append((time.perf_counter() - started) * 1000)
                    return answer

                report = evaluate_predictor(timed, questions)
                speedup = statistics.median(naive) / statistics.median(ours)
                print(row(f"{label} >= {cutoff:.0f}", naive) + f"   {report.top1:6.1%}  {report.refusal_recall:6.1%}"
                      f"   (matcher {speedup:,.0f}x faster at p50)")
            print(f"  ({len(matcher_choices(kb)):,} aliases and titles)\n")


def matcher_choices(kb) -> list[str]:
    """Every title and alias of a base (what the baselines scan)."""
    return [t for e in kb.entries.values() for t in (e.title, *e.aliases)]


if __name__ == "__main__":
    main()
