"""How long `/incident stats` and the weekly digest take as incidents pile up.

    .venv/bin/python benchmarks/insights.py [--sizes 1000,10000,100000]

Generates N synthetic incidents over the two years before now, with realistic lifecycles:
severities mostly minor, services of very different popularity, acknowledgements mostly
within target, resolutions spread over minutes to days, some without an impact start, a few
still open, a few private, commanders and leads from a pool of people. Then, on a fresh
SQLite file and a throwaway PostgreSQL schema, times:
- `/incident stats` for the last full quarter, as one person (reading, filtering what they
  may see, computing this quarter and the one before, drawing its chart; the upload is not
  timed);
- the weekly digest: its numbers and its three charts drawn (the upload is not timed).
Target: stats for a quarter at 100,000 incidents under 1 s."""

import argparse
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks.timing import timed as timed_runs  # noqa: E402
from bot.adapters.charts import MatplotlibCharts  # noqa: E402
from bot.adapters.db.engine import make_engine, migrate  # noqa: E402
from bot.adapters.db.insights import SqlInsightsStore  # noqa: E402
from bot.config import Policy  # noqa: E402
from bot.follow_through import report  # noqa: E402
from bot.insights.periods import Period, quarter_period  # noqa: E402
from bot.insights.service import InsightsService  # noqa: E402
from bot.ports import Chart  # noqa: E402
from models import Incident, IncidentRole, Role, Status  # noqa: E402
from tests.databases import fresh_database  # noqa: E402

RUNS = 3
TARGET_S = 1.0
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SEVERITIES = (("sev1", 0.05, 15), ("sev2", 0.2, 30), ("sev3", 0.45, 120), ("sev4", 0.3, 1440))
SERVICES = [f"service-{n:02d}" for n in range(30)]
PEOPLE = [f"U{n:05d}" for n in range(60)]


class _Uploads:
    """Documents that take uploads and keep nothing: the benchmark times the drawing."""

    def upload_image(self, chart: Chart) -> str:
        return f"F{len(chart.png)}"


def generate(count: int, rng: random.Random) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    """`count` incidents and their roles, declared over the two years before NOW."""
    incidents, roles = [], []
    span = timedelta(days=730).total_seconds()
    weights = [1 / (n + 1) for n in range(len(SERVICES))]  # a few services page most
    for number in range(1, count + 1):
        severity, _, target = rng.choices(SEVERITIES, weights=[s[1] for s in SEVERITIES])[0]
        declared = NOW - timedelta(seconds=rng.random() * span)
        acknowledged = declared + timedelta(minutes=rng.expovariate(1 / (target * 0.6)))
        resolve_minutes = rng.lognormvariate(4.2, 1.1)  # median about an hour
        still_open = declared > NOW - timedelta(days=3) and rng.random() < 0.3
        resolved = None if still_open else declared + timedelta(minutes=resolve_minutes)
        # Resolved incidents are closed a couple of days later, most of them.
        closed = resolved + timedelta(days=2) if resolved and rng.random() < 0.8 else None
        if closed is not None and closed > NOW:
            closed = None
        status = Status.CLOSED if closed else Status.RESOLVED if resolved else Status.INVESTIGATING
        incidents.append(
            {
                "id": number,
                "ref": f"INC-{declared.year}-{number:06d}",
                "title": f"Synthetic incident {number}",
                "description": "",
                "severity": severity,
                "status": status,
                "private": rng.random() < 0.03,
                "services": rng.choices(SERVICES, weights=weights, k=rng.choice((1, 1, 1, 2))),
                "reporter": rng.choice(PEOPLE),
                "channel_id": f"C{number:08d}",
                "resolution_summary": "",
                "version": 1,
                "impact_started_at": (
                    declared - timedelta(minutes=rng.expovariate(1 / 20))
                    if rng.random() < 0.6
                    else None
                ),
                "declared_at": declared,
                "acknowledged_at": acknowledged if rng.random() < 0.97 else None,
                "mitigated_at": None if resolved is None else declared + (resolved - declared) / 2,
                "resolved_at": resolved,
                "closed_at": closed,
                "updated_at": resolved or declared,
            }
        )
        for role in (Role.COMMANDER, Role.LEAD) if rng.random() < 0.5 else (Role.COMMANDER,):
            roles.append(
                {"incident_id": number, "role": role, "user_id": rng.choice(PEOPLE),
                 "assigned_at": acknowledged}
            )  # fmt: skip
    return incidents, roles


def seed(url: str, count: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    incidents, roles = generate(count, random.Random(42))
    with engine.begin() as connection:
        for start in range(0, len(incidents), 5_000):
            connection.execute(sa.insert(Incident), incidents[start : start + 5_000])
        for start in range(0, len(roles), 5_000):
            connection.execute(sa.insert(IncidentRole), roles[start : start + 5_000])
    engine.dispose()


Figures = tuple[float, float, tuple[float, float], tuple[float, float], int]


def bench(url: str, count: int) -> Figures:
    """Stats the first time after a start (nothing remembered yet: someone asking during the
    start-up warm-up), the first time after the warm-up (as app.py runs it), stats again
    (median and worst), the digest (median and worst), and how many incidents the quarter
    has."""
    seed(url, count)
    engine = make_engine(url)
    policy = Policy()
    clock = lambda: NOW  # noqa: E731
    no_items = lambda: report([], {}, NOW, policy)  # noqa: E731

    def started() -> InsightsService:  # a process's service, with nothing remembered yet
        return InsightsService(
            SqlInsightsStore(engine),
            no_items,
            MatplotlibCharts(),
            _Uploads(),
            policy,
            clock,  # type: ignore[arg-type]
        )

    service = started()
    quarter = quarter_period(2026, 3, ZoneInfo(policy.timezone))
    MatplotlibCharts().trends(service.stats(PEOPLE[0], Period(NOW, NOW, "-")).current, 1)

    def stats_answer() -> int:  # what the person waits for: the numbers and one chart
        found = service.stats(PEOPLE[0], quarter)
        service.pictures(found.current, count=1)
        return found.current.volume

    first, _ = timed_runs(stats_answer, 1)
    service = started()
    service.warm_up()
    warmed, _ = timed_runs(stats_answer, 1)
    stats = timed_runs(stats_answer, RUNS)
    digest = timed_runs(lambda: service.digest(NOW), RUNS)
    engine.dispose()
    return first, warmed, stats, digest, stats_answer()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"Insights over synthetic incidents (median and worst of {RUNS} runs)")
    print("| database | incidents | in the quarter | stats, first | first after warm-up "
          "| stats median | stats worst | digest median | digest worst |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    with tempfile.TemporaryDirectory() as directory:
        for dialect in ("sqlite", "postgres"):
            for size in sizes:
                place = Path(directory) / f"{dialect}-{size}"
                place.mkdir()
                try:
                    with fresh_database(dialect, place) as url:
                        found = bench(url, size)
                        first, warmed, (stats, stats_worst), (digest, worst), seen = found
                except BaseException as error:  # pytest.skip when PostgreSQL is away
                    print(f"| {dialect} | {size:,} | not run: {error} | | | | | | |")
                    continue
                figures = " | ".join(
                    f"{s * 1000:.0f} ms" for s in (first, warmed, stats, stats_worst, digest, worst)
                )
                print(f"| {dialect} | {size:,} | {seen:,} | {figures} |")
                if size == max(sizes):
                    verdicts.append(stats_worst < TARGET_S and warmed < TARGET_S)
    verdict = "met" if verdicts and all(verdicts) else "MISSED"
    print(f"\nTarget: stats for a quarter at {max(sizes):,} incidents under 1 s: {verdict}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
