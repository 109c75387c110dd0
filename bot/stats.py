"""Answer-rate statistics, the daily chart and CSV exports of the query log. No telegram import.

Statistics are SQL aggregations and exports stream rows from the database into a file, so neither
holds the log in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import case, func, select

from bot.review import review_page
from bot.storage import Feedback, QueryLog, Storage

OUTCOMES = ("answer", "suggest", "not_found")
EXPORT_COLUMNS = (
    "created_at", "user_key", "chat_type", "channel", "raw_text", "normalized", "outcome",
    "entry_id", "field", "score", "latency_ms", "suggestions", "chosen_entry_id",
)
# a cell a spreadsheet would read as a formula (OWASP: CSV injection) gets a leading quote
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Telegram bots may upload 50 MB; a compressed part is closed well before that
PART_BYTES = 45 * 1024 * 1024
STREAM_ROWS = 5000
CHECK_ROWS = 1000  # rows between looks at the size of the part being written

_Q = QueryLog.__table__
_F = Feedback.__table__


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


def compute_stats(storage: Storage, days: int, today: dt.datetime | dt.date | None = None) -> Stats:
    """Counts for the last ``days`` days, aggregated by the database (index ranges, no row scan
    in Python)."""
    today = today or dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=days - 1)
    bounds = [dt.datetime.combine(start + dt.timedelta(days=i), dt.time(), tzinfo=dt.UTC)
              for i in range(days + 1)]
    since = bounds[0]
    stats = Stats(days=days)
    stats.daily = {start + dt.timedelta(days=i): Counter() for i in range(days)}
    in_period = _Q.c.created_at >= since
    entries = (
        select(_Q.c.entry_id, func.count().label("n"))
        .where(_Q.c.outcome == "answer", _Q.c.entry_id.is_not(None), in_period)
        .group_by(_Q.c.entry_id).order_by(func.count().desc(), _Q.c.entry_id).limit(5)
    )
    votes = select(
        func.coalesce(func.sum(case((_F.c.value > 0, 1), else_=0)), 0),
        func.coalesce(func.sum(case((_F.c.value < 0, 1), else_=0)), 0),
    ).where(_F.c.created_at >= since)
    with storage.engine.connect() as connection:
        # one count per outcome and day: each is a range of the (outcome, created_at) index
        for outcome in OUTCOMES:
            for day, (low, high) in zip(stats.daily, itertools.pairwise(bounds), strict=True):
                count = connection.execute(
                    select(func.count()).select_from(_Q)
                    .where(_Q.c.outcome == outcome, _Q.c.created_at >= low, _Q.c.created_at < high)
                ).scalar() or 0
                stats.daily[day][outcome] = count
                stats.outcomes[outcome] += count
        stats.top_entries = [(r.entry_id, int(r.n)) for r in connection.execute(entries)]
        stats.up, stats.down = (int(v) for v in connection.execute(votes).one())
    stats.total = sum(stats.outcomes.values())
    # the same groups and counts as /review, limited to the period
    stats.top_unanswered = [(g.text, g.count) for g in review_page(storage, 0, 5, since=since).groups]
    return stats


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


def safe_cell(value: object) -> object:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _iso_time(engine):
    """A row's time as ISO 8601 text in UTC, formatted by the database (cheaper than per row here)."""
    if engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", _Q.c.created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    return func.replace(_Q.c.created_at, " ", "T").concat("+00:00")


# columns people type into; the others are written by the bot itself
_TYPED = tuple(EXPORT_COLUMNS.index(name) for name in ("raw_text", "normalized"))


def query_rows(storage: Storage, since: dt.datetime | None = None) -> Iterator[tuple]:
    """Export rows in log order, streamed from the database a batch at a time."""
    columns = [_iso_time(storage.engine), *(_Q.c[name] for name in EXPORT_COLUMNS[1:])]
    stmt = select(*columns).order_by(_Q.c.id)
    with storage.engine.connect() as connection:
        if since:
            # rows are logged in time order: start at the first id of the period, walk the key
            first = connection.execute(select(func.min(_Q.c.id)).where(_Q.c.created_at >= since)).scalar()
            if first is None:
                return
            stmt = stmt.where(_Q.c.id >= first, _Q.c.created_at >= since)
        result = connection.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(stmt)
        for partition in result.partitions():
            for row in partition:
                if any(isinstance(row[i], str) and row[i].startswith(FORMULA_STARTS) for i in _TYPED):
                    row = tuple(safe_cell(v) for v in row)
                yield row


def _csv_writer(out: TextIO):
    """A CSV writer whose header is written, after a BOM so that spreadsheet programs read
    Vietnamese right."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    return writer


def write_csv(rows: Iterator[tuple], out: TextIO) -> int:
    """Write rows as CSV."""
    writer = _csv_writer(out)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def export_csv(storage: Storage, since: dt.datetime | None = None) -> bytes:
    """The query log as CSV bytes (small logs and tests; large ones use ``export_zip``)."""
    buffer = io.StringIO()
    write_csv(query_rows(storage, since), buffer)
    return buffer.getvalue().encode("utf-8")


def export_zip(
    storage: Storage, folder: Path, stem: str, since: dt.datetime | None = None,
    part_bytes: int = PART_BYTES,
) -> tuple[list[Path], int]:
    """The query log as zipped CSV files under ``folder``, each under ``part_bytes``; returns the
    files and the number of rows. Rows stream from the database straight into the archive."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = query_rows(storage, since)
    margin = min(2 * 1024 * 1024, part_bytes // 4)  # room for what the compressor still holds
    files: list[Path] = []
    count = 0
    while True:
        name = stem if not files else f"{stem}-{len(files) + 1}"
        path = folder / f"{name}.zip"
        files.append(path)
        full = False
        with path.open("wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive, \
                archive.open(f"{name}.csv", "w", force_zip64=True) as member, \
                io.TextIOWrapper(member, encoding="utf-8", newline="") as out:
            writer = _csv_writer(out)
            in_part = 0
            for row in rows:
                writer.writerow(row)
                in_part += 1
                if in_part % CHECK_ROWS == 0:
                    out.flush()
                    if raw.tell() > part_bytes - margin:
                        full = True
                        break
            count += in_part
        if not full:
            return files, count
        following = next(rows, None)
        if following is None:
            return files, count
        rows = itertools.chain([following], rows)
