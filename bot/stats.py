"""Answer-rate statistics, the daily chart and CSV exports of the query log. No telegram import."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from bot.review import group_questions
from bot.storage import Feedback, QueryLog

OUTCOMES = ("answer", "suggest", "not_found")
EXPORT_COLUMNS = (
    "created_at", "user_key", "chat_type", "channel", "raw_text", "normalized", "outcome",
    "entry_id", "field", "score", "latency_ms", "suggestions", "chosen_entry_id",
)


@dataclass
class Stats:
    """What happened in a period."""

    days: int
    total: int = 0
    outcomes: Counter = field(default_factory=Counter)
    up: int = 0
    down: int = 0
    top_entries: list[tuple[str, int]] = field(default_factory=list)
    top_unanswered: list[tuple[str, int]] = field(default_factory=list)
    daily: dict[dt.date, Counter] = field(default_factory=dict)

    def rate(self, outcome: str) -> float:
        """Share of questions with that outcome."""
        return self.outcomes[outcome] / self.total if self.total else 0.0


def compute_stats(
    rows: list[QueryLog], feedback: list[Feedback], days: int, today: dt.date | None = None
) -> Stats:
    """Counts for the last ``days`` days (rows are already limited to that period)."""
    today = today or dt.datetime.now(dt.UTC).date()
    rows = [r for r in rows if r.outcome in OUTCOMES]
    stats = Stats(days=days, total=len(rows))
    stats.outcomes = Counter(r.outcome for r in rows)
    stats.up = sum(1 for f in feedback if f.value > 0)
    stats.down = sum(1 for f in feedback if f.value < 0)
    stats.top_entries = Counter(r.entry_id for r in rows if r.entry_id).most_common(5)
    unanswered = [(r, r.outcome) for r in rows if r.outcome == "not_found" and r.normalized]
    stats.top_unanswered = [(g.label, g.count) for g in group_questions(unanswered)[:5]]
    start = today - dt.timedelta(days=days - 1)
    stats.daily = {start + dt.timedelta(days=i): Counter() for i in range(days)}
    for row in rows:
        day = _utc(row.created_at).date()
        if day in stats.daily:
            stats.daily[day][row.outcome] += 1
    return stats


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def chart_png(stats: Stats) -> bytes:
    """A small stacked bar chart of daily questions by outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = sorted(stats.daily)
    labels = {"answer": "Trả lời", "suggest": "Gợi ý", "not_found": "Không tìm thấy"}
    colours = {"answer": "#2e7d32", "suggest": "#f9a825", "not_found": "#c62828"}
    figure, axis = plt.subplots(figsize=(6, 3), dpi=100)
    bottom = [0] * len(days)
    for outcome in OUTCOMES:
        values = [stats.daily[d][outcome] for d in days]
        axis.bar([d.strftime("%d/%m") for d in days], values, bottom=bottom,
                 label=labels[outcome], color=colours[outcome])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axis.set_title(f"Câu hỏi mỗi ngày ({stats.days} ngày)")
    axis.legend(fontsize=8)
    axis.tick_params(axis="x", labelrotation=60, labelsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def export_csv(rows: list[QueryLog]) -> bytes:
    """The query log as CSV (UTF-8 with BOM so spreadsheet programs read Vietnamese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        values = []
        for column in EXPORT_COLUMNS:
            value = getattr(row, column)
            values.append(_utc(value).isoformat() if isinstance(value, dt.datetime) else value)
        writer.writerow(["" if v is None else v for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
