"""What action items cost the scheduler's tick and the App Home, as they pile up.

    .venv/bin/python benchmarks/follow_up.py

With 1,000 and 10,000 action items over 200 incidents (a third overdue, a third done), on
a fresh SQLite file and a throwaway PostgreSQL schema, times:
- planning the items' reminders, as every replica's tick does (reading the open items
  with their incidents, deciding what is due, skipping the notices already queued);
- the follow-through report the App Home shows (every item, the recurrence check).
Targets: planning under 1 s and the report under 0.5 s at 10,000 items."""

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks.timing import timed as timed_runs  # noqa: E402
from bot.action_items import ActionItemService  # noqa: E402
from bot.adapters.db.action_items import SqlActionItemStore  # noqa: E402
from bot.adapters.db.engine import make_engine, migrate  # noqa: E402
from bot.adapters.db.outbox import SqlOutboxStore  # noqa: E402
from bot.adapters.db.postmortems import SqlPostmortemStore  # noqa: E402
from bot.adapters.db.store import SqlIncidentStore  # noqa: E402
from bot.config import Policy  # noqa: E402
from bot.incidents import IncidentService  # noqa: E402
from bot.scheduling.followups import followup_notices  # noqa: E402
from models import ActionItem, ActionStatus, Incident, Status  # noqa: E402
from tests.databases import POSTGRES_URL, fresh_database  # noqa: E402

SIZES = (1_000, 10_000)
INCIDENTS = 200
RUNS = 5
PLAN_TARGET_S, REPORT_TARGET_S = 1.0, 0.5
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday: the weekly summaries are due


def seed(engine: sa.Engine, size: int) -> None:
    incidents = [
        Incident.model_validate(
            {
                "ref": f"INC-2026-{n:04d}", "title": f"Incident {n}", "severity": "sev2",
                "status": Status.RESOLVED, "reporter": "U1", "channel_id": f"C{n}",
                "services": [f"service-{n % 17}"],
                "declared_at": NOW - timedelta(days=200 - n % 180), "updated_at": NOW,
            }
        ).model_dump(exclude={"id"})
        for n in range(1, INCIDENTS + 1)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Incident), incidents)
        ids = [row[0] for row in connection.execute(sa.select(Incident.id))]  # type: ignore[call-overload]
        items = []
        for n in range(size):
            created = NOW - timedelta(days=n % 120)
            done = n % 3 == 0
            items.append(
                ActionItem.model_validate(
                    {
                        "incident_id": ids[n % len(ids)], "title": f"Item {n}",
                        "owner": f"U{n % 40}", "created_by": "U1", "priority": "p2",
                        "due_on": (created + timedelta(days=30 if n % 3 else 90)).date(),
                        "status": ActionStatus.DONE if done else ActionStatus.OPEN,
                        "created_at": created,
                        "completed_at": created + timedelta(days=9) if done else None,
                        "updated_at": NOW,
                    }
                ).model_dump(exclude={"id"})
            )  # fmt: skip
        connection.execute(sa.insert(ActionItem), items)


def bench(url: str, size: int) -> tuple[tuple[float, float], tuple[float, float], int]:
    engine = make_engine(url)
    migrate(engine)
    seed(engine, size)
    policy = Policy()
    outbox = SqlOutboxStore(engine)
    incidents = IncidentService(SqlIncidentStore(engine), policy, lambda: NOW)
    items = ActionItemService(
        SqlActionItemStore(engine), incidents, SqlPostmortemStore(engine), policy, lambda: NOW
    )
    notices = followup_notices(outbox.followups(), NOW, policy)
    outbox.enqueue(notices, NOW)  # a later tick finds them queued: the usual case

    def plan() -> None:
        outbox.enqueue(followup_notices(outbox.followups(), NOW, policy), NOW)

    planning = timed_runs(plan, RUNS)
    reporting = timed_runs(lambda: items.report("U1"), RUNS)
    engine.dispose()
    return planning, reporting, len(notices)


def main() -> int:
    print(f"Action items: the tick's planning and the App Home's report (median, worst of {RUNS})")
    print("| database | items | reminders due | plan median | plan worst | report median | "
          "report worst |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    with tempfile.TemporaryDirectory() as directory:
        for dialect in ("sqlite", "postgres"):
            for size in SIZES:
                try:
                    with fresh_database(dialect, Path(directory)) as url:
                        if dialect == "sqlite":
                            url = f"sqlite:///{Path(directory) / f'follow-{size}.db'}"
                        (plan, plan_worst), (rep, rep_worst), due = bench(url, size)
                except BaseException as error:  # pytest.skip when PostgreSQL is away
                    print(f"| {dialect} | {size:,} | not run: {error} | | | | |")
                    continue
                figures = (plan, plan_worst, rep, rep_worst)
                shown = " | ".join(f"{seconds * 1000:.0f} ms" for seconds in figures)
                print(f"| {dialect} | {size:,} | {due:,} | {shown} |")
                if size == SIZES[-1]:
                    verdicts.append(plan_worst < PLAN_TARGET_S and rep_worst < REPORT_TARGET_S)
    met = "met" if verdicts and all(verdicts) else "MISSED"
    print(
        f"\nTargets at {SIZES[-1]:,} items: planning under {PLAN_TARGET_S:.0f} s, report under "
        f"{REPORT_TARGET_S} s: {met}. PostgreSQL: {POSTGRES_URL}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
