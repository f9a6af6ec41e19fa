"""Sitrep's Slack acknowledgement latency and ingest, against a bare Bolt app as baseline.

    .venv/bin/python benchmarks/run.py            # full run: SQLite, PostgreSQL, bare Bolt (~2 min)
    .venv/bin/python benchmarks/run.py --quick    # fewer requests (~45 s)

Starts `python app.py` as Slack would see it (signed requests on loopback, the fake Slack
Web API behind it) once on SQLite and once on PostgreSQL, then benchmarks/bare_app.py;
fires slash commands, message events and block_actions at concurrency 1 and 32 over
keep-alive connections, paces message events at 500/s, and checks in the database that every
acknowledged request was stored once. See benchmarks/README.md."""

import argparse
import contextlib
import itertools
import re
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks.load import Classify, LoadResult, SlackRequest, Target, fire  # noqa: E402
from benchmarks.processes import (  # noqa: E402
    POSTGRES_URL,
    AppProcess,
    DatabaseUnavailable,
    MachineMeter,
    app_environment,
    free_port,
    postgres_schema,
    profiled,
    running_app,
    wait_idle,
)
from benchmarks.workspace import JSON, Hosting, SlackWorkspace, hosted_workspace  # noqa: E402
from bot.adapters.db.engine import database_url  # noqa: E402

PYTHON = sys.executable
CHANNEL_PREFIX = "inc"  # Sitrep's default policy
SEVERITY_ACTION = "incident.change_severity"
SEVERITY_CYCLE = ("sev1", "sev3", "sev2", "sev4")  # neighbours always differ
REF = re.compile(rb"INC-\d{4}-\d{4,}")

DATABASES = ("sqlite", "postgres")

# Targets from the issue.
MESSAGE_P99_MS = 50.0
DECLARE_P99_MS = 100.0
SUSTAINED_RATE = 500.0
RATE_TOLERANCE = 0.98  # a paced run "achieves" the rate within 2%


@dataclass(frozen=True)
class Plan:
    """How many requests of each kind, per concurrency."""

    declares: dict[int, int]
    messages: dict[int, int]
    clicks: dict[int, int]
    sustained_seconds: float
    retry_every: int = 10  # one message event in ten is delivered again as a Slack retry


FULL = Plan(
    declares={1: 60, 32: 320},
    messages={1: 300, 32: 2000},
    clicks={1: 60, 32: 320},
    sustained_seconds=10,
)
QUICK = Plan(
    declares={1: 20, 32: 48},
    messages={1: 100, 32: 400},
    clicks={1: 20, 32: 48},
    sustained_seconds=2,
)


@dataclass
class Row:
    """One (app, database, workload, concurrency) measurement."""

    app: str
    db: str
    workload: str
    concurrency: int
    result: LoadResult
    cpu_ms: float  # app CPU per request, the work after the ack included
    lost: int | None = None
    duplicated: int | None = None
    notes: str = ""
    target: str = ""  # e.g. "p99<50 pass"


@dataclass
class AppRun:
    app: str
    db: str
    startup_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    log_errors: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def label(self) -> str:
        """For file names: sitrep-sqlite, bare-bolt."""
        name = self.app if self.db == "-" else f"{self.app}-{self.db}"
        return name.replace(" ", "-").lower()


@dataclass(frozen=True)
class Stage:
    """The incident the message and click workloads aim at: its channel and announcement."""

    channel_id: str
    announcement_ts: str
    incident_id: int | None  # None for the bare app, which stores nothing


@dataclass(frozen=True)
class Setup:
    """What every app run shares: the fake Slack, the plan, the signing secret, a scratch
    directory (SQLite file, policy, app logs) and, when profiling, where profiles go."""

    workspace: SlackWorkspace
    fake_pid: int | None  # the fake's own process, None when it runs in a thread of ours
    plan: Plan
    secret: str
    workdir: Path
    profile_dir: Path | None = None
    log_dir: Path | None = None  # where app logs are kept; the scratch directory otherwise


class Ledger:
    """Reads back what the app stored, to count lost and duplicated requests."""

    def __init__(self, url: str) -> None:
        self._engine = sa.create_engine(database_url(url))

    def close(self) -> None:
        self._engine.dispose()

    def _rows(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]

    def incident_id(self, ref: str) -> int:
        [(incident_id,)] = self._rows("SELECT id FROM incident WHERE ref = :ref", ref=ref)
        return int(incident_id)

    def message_ts(self, incident_id: int) -> Counter[str]:
        rows = self._rows(
            "SELECT slack_ts FROM timeline_entry WHERE incident_id = :id AND kind = 'message'",
            id=incident_id,
        )
        return Counter(str(ts) for (ts,) in rows)

    def entries(self, incident_id: int, kind: str) -> int:
        [(count,)] = self._rows(
            "SELECT count(*) FROM timeline_entry WHERE incident_id = :id AND kind = :kind",
            id=incident_id,
            kind=kind,
        )
        return int(count)

    def severity(self, incident_id: int) -> str:
        [(severity,)] = self._rows("SELECT severity FROM incident WHERE id = :id", id=incident_id)
        return str(severity)

    def incidents_titled(self, prefix: str) -> list[tuple[str, str]]:
        rows = self._rows("SELECT ref, title FROM incident WHERE title LIKE :p", p=prefix + "%")
        return [(str(ref), str(title)) for ref, title in rows]


class Bench:
    """Drives one running app through every workload."""

    def __init__(
        self, run: AppRun, app: AppProcess, setup: Setup, target: Target, ledger: Ledger | None
    ) -> None:
        self.run, self.app, self.setup, self.target, self.ledger = run, app, setup, target, ledger
        self.workspace = setup.workspace
        self.idle_pids = [app.pid] + ([setup.fake_pid] if setup.fake_pid else [])
        self.general = self.workspace.channel_id("general")
        self.severities = itertools.cycle(SEVERITY_CYCLE)

    # -- helpers ---------------------------------------------------------------------------------

    def settle(self, timeout: float = 120.0) -> None:
        """Waits until the app (and the fake) are idle and Slack gets no more calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.workspace.call_count()
            wait_idle(self.idle_pids, timeout=deadline - time.monotonic())
            if self.workspace.call_count() == calls:
                return
        say(f"{self.run.label}: still busy after {timeout:.0f} s; counting anyway")

    def measure(
        self,
        workload: str,
        requests: list[SlackRequest],
        concurrency: int,
        *,
        rate: float | None = None,
        classify: Classify | None = None,
    ) -> Row:
        name = f"{self.run.label}-{workload}-c{concurrency}"
        with profiled(self.app.pid, self.setup.profile_dir, name):
            cpu = self.app.cpu_seconds()
            result = fire(
                self.target, requests, concurrency=concurrency, rate=rate, classify=classify
            )
            settling = time.monotonic()
            self.settle()
            settled = time.monotonic() - settling
            cpu_ms = (self.app.cpu_seconds() - cpu) * 1000 / max(result.sent, 1)
        row = Row(self.run.app, self.run.db, workload, concurrency, result, cpu_ms)
        self.run.rows.append(row)
        say(
            f"{self.run.label}: {workload} c={concurrency}, {result.sent} requests"
            f" in {result.elapsed:.1f} s, then {settled:.1f} s until idle"
        )
        return row

    # -- setup -----------------------------------------------------------------------------------

    def declare_stage(self, title: str) -> Stage:
        """Declares the incident the other workloads use, and waits for its room."""
        [payload] = self.workspace.slash_commands(
            "/incident", [f"declare sev2 {title}"], user="U_ALICE", channel=self.general
        )
        refs: list[bytes] = []

        def keep_ref(status: int, body: bytes) -> str:
            refs.extend(REF.findall(body))
            return str(status)

        fire(self.target, [SlackRequest.form(payload)], concurrency=1, classify=keep_ref)
        if not refs:
            raise RuntimeError(f"declaring {title!r} was not acknowledged with an incident ID")
        ref = refs[0].decode()
        channel, announcement = self.workspace.wait_for_room(CHANNEL_PREFIX, ref, title, 30)
        assert self.ledger is not None
        return Stage(channel, announcement, self.ledger.incident_id(ref))

    def warm_up(self, stage: Stage, tag: str) -> None:
        """A few requests of each kind first, unmeasured, so one-off costs (imports,
        statement caches, connection pools) stay out of the figures."""
        messages, _ = self.message_requests(stage, 40, retries=False)
        clicks, _ = self.click_requests(stage, 4)
        texts = [f"declare sev4 Bench warm-up {tag} {i}" for i in range(3)]
        payloads = self.workspace.slash_commands(
            "/incident", texts, user="U_ALICE", channel=self.general
        )
        for requests in (messages, clicks, [SlackRequest.form(p) for p in payloads]):
            fire(self.target, requests, concurrency=1)
        self.settle()

    # -- workloads -------------------------------------------------------------------------------

    def declares(self, count: int, concurrency: int) -> Row:
        prefix = f"Bench declare {self.run.db} c{concurrency} "
        titles = [f"{prefix}{i:04d}" for i in range(count)]
        payloads = self.workspace.slash_commands(
            "/incident", [f"declare sev3 {t}" for t in titles], user="U_ALICE", channel=self.general
        )
        row = self.measure(
            "declare",
            [SlackRequest.form(p) for p in payloads],
            concurrency,
            classify=lambda status, body: "declared" if b"is declared" in body else "other",
        )
        _judge_p99(row, DECLARE_P99_MS)
        notes = []
        if self.ledger is not None:
            notes += _other_outcomes(row.result, "declared")
            stored = self.ledger.incidents_titled(prefix)
            found = Counter(title for _, title in stored)
            row.lost = sum(1 for t in titles if t not in found)
            row.duplicated = sum(found.values()) - len(found)
            refs = {ref for ref, _ in stored}
            rooms = self.workspace.rooms_opened(CHANNEL_PREFIX, stored)
            notes.append(f"{len(refs)} distinct refs, rooms opened {rooms}/{count}")
        row.notes = "; ".join(notes)
        return row

    def messages(self, stage: Stage, count: int, concurrency: int) -> Row:
        requests, sent = self.message_requests(stage, count, retries=True)
        row = self.measure("message", requests, concurrency)
        retried = row.result.sent - count
        self.count_messages(row, stage, sent)
        if concurrency > 1:
            _judge_p99(row, MESSAGE_P99_MS)
        row.notes = f"incl. {retried} retries (X-Slack-Retry-Num: 1)"
        return row

    def sustained(self, stage: Stage, seconds: float, concurrency: int = 32) -> Row:
        count = round(SUSTAINED_RATE * seconds)
        requests, sent = self.message_requests(stage, count, retries=False)
        row = self.measure("sustained", requests, concurrency, rate=SUSTAINED_RATE)
        self.count_messages(row, stage, sent)
        kept_up = row.result.rate >= RATE_TOLERANCE * SUSTAINED_RATE
        whole = row.lost in (0, None) and row.duplicated in (0, None)
        verdict = "pass" if kept_up and whole and row.result.statuses == {200: count} else "MISS"
        row.target = f"{SUSTAINED_RATE:.0f}/s {verdict}"
        row.notes = "; ".join(
            [
                f"paced {SUSTAINED_RATE:.0f}/s for {seconds:g}s",
                f"sends up to {row.result.max_lag_ms:.0f} ms behind schedule",
            ]
        )
        return row

    def clicks(self, stage: Stage, count: int, concurrency: int) -> Row:
        incident, ledger = stage.incident_id, self.ledger
        before = ledger.entries(incident, "severity_changed") if ledger and incident else 0
        requests, payloads = self.click_requests(stage, count)
        row = self.measure(
            "click",
            requests,
            concurrency,
            classify=lambda status, body: "ack" if status == 200 and not body else "other",
        )
        notes = _other_outcomes(row.result, "ack")
        if ledger is not None and incident is not None:
            changed = ledger.entries(incident, "severity_changed") - before
            # A click that changes nothing is told so privately, at its response_url.
            told = self.workspace.responses_to([p["response_url"] for p in payloads])
            already = sum("already" in text for text in told)
            outcomes = changed + len(told)
            row.lost, row.duplicated = max(count - outcomes, 0), max(outcomes - count, 0)
            notes.insert(0, f"{changed} changed, {already} told 'already'")
            others = Counter(text for text in told if "already" not in text)
            notes += [f"{n} told {_clip(text)!r}" for text, n in others.most_common(2)]
            if concurrency == 1:  # one person clicking in turn: the last choice should stand
                last = payloads[-1]["actions"][0]["selected_option"]["value"]
                final = ledger.severity(incident)
                notes.append(
                    "last click won" if final == last else f"ends {final}, last click {last}"
                )
        row.notes = "; ".join(notes)
        return row

    def message_requests(
        self, stage: Stage, count: int, *, retries: bool
    ) -> tuple[list[SlackRequest], list[str]]:
        """`count` new messages by U_BOB in the stage's channel, and their ts; with `retries`,
        every `retry_every`-th is delivered again (same envelope) about 50 requests later."""
        stamps = [next_ts() for _ in range(count)]
        envelopes = self.workspace.message_envelopes(
            stage.channel_id, "U_BOB", [(ts, f"Bench update {ts}: still degraded") for ts in stamps]
        )
        ordered = [(float(i), SlackRequest.event(e)) for i, e in enumerate(envelopes)]
        if retries:
            every = self.setup.plan.retry_every
            ordered += [
                (i + 50.5, SlackRequest.event(e, retry_num=1))
                for i, e in enumerate(envelopes)
                if i % every == every // 2
            ]
        requests = [request for _, request in sorted(ordered, key=lambda pair: pair[0])]
        return requests, stamps

    def count_messages(self, row: Row, stage: Stage, sent: list[str]) -> None:
        if self.ledger is None or stage.incident_id is None:
            return
        stored = self.ledger.message_ts(stage.incident_id)
        distinct = sum(1 for ts in sent if stored[ts])
        row.lost = len(sent) - distinct
        row.duplicated = sum(stored[ts] for ts in sent) - distinct

    def click_requests(self, stage: Stage, count: int) -> tuple[list[SlackRequest], list[JSON]]:
        """U_CAROL picks severities in the announcement's menu, each different from the last."""
        values = [next(self.severities) for _ in range(count)]
        payloads = self.workspace.block_actions(
            stage.channel_id, stage.announcement_ts, SEVERITY_ACTION, user="U_CAROL", values=values
        )
        return [SlackRequest.interaction(p) for p in payloads], payloads


_clock = itertools.count(int(time.time() * 1_000_000))


def next_ts() -> str:
    """A fresh Slack message timestamp, unique within the benchmark."""
    seconds, micros = divmod(next(_clock), 1_000_000)
    return f"{seconds}.{micros:06d}"


def _clip(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def say(line: str) -> None:
    """Progress, on stderr: the report alone goes to stdout."""
    print(f"  {line}", file=sys.stderr, flush=True)


def _judge_p99(row: Row, limit_ms: float) -> None:
    verdict = "pass" if row.result.percentile(99) < limit_ms else "MISS"
    row.target = f"p99<{limit_ms:.0f} {verdict}"


def _other_outcomes(result: LoadResult, expected: str) -> list[str]:
    others = result.sent - result.outcomes[expected] - sum(result.failures.values())
    return [f"{others} replies not '{expected}'"] if others else []


# ---------------------------------------------------------------------------------------------
# One app process under test
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def started(
    setup: Setup, run: AppRun, script: Path, ledger: Ledger | None, **settings: str
) -> Iterator[Bench]:
    """Runs `python <script>` as Slack's counterpart and yields a Bench driving it; records
    its start-up time, peak RSS and logged errors in `run` before stopping it."""
    port = free_port()
    env = app_environment(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=setup.secret,
        SLACK_API_URL=setup.workspace.api_url(),
        PORT=str(port),
        HOST="127.0.0.1",
        **settings,
    )
    logs = setup.log_dir or setup.workdir
    command = [PYTHON, str(script)]
    with running_app(run.label, command, env, setup.workdir, port=port, logs=logs) as app:
        say(f"{run.label}: healthy after {app.startup_seconds:.1f} s (pid {app.pid})")
        yield Bench(run, app, setup, Target("127.0.0.1", port, setup.secret), ledger)
        run.startup_seconds, run.peak_rss_mb = app.startup_seconds, app.peak_rss_mb()
        run.log_errors = app.log_problems()
        stopping = time.monotonic()
    say(f"{run.label}: stopped in {time.monotonic() - stopping:.1f} s")


def bench_sitrep(setup: Setup, db: str, url: str) -> tuple[AppRun, Stage]:
    policy = setup.workdir / "sitrep.toml"
    policy.write_text(f'announcements_channel = "{setup.workspace.channel_id("incidents")}"\n')
    run = AppRun("sitrep", db)
    ledger = Ledger(url)
    try:
        app = ROOT / "app.py"
        with started(setup, run, app, ledger, DATABASE_URL=url, SITREP_CONFIG=str(policy)) as bench:
            preparing = time.monotonic()
            stage = bench.declare_stage(f"Bench target {db}")
            bench.warm_up(stage, db)
            say(f"{run.label}: target incident and warm-up in {time.monotonic() - preparing:.1f} s")
            run_workloads(bench, stage)
        return run, stage
    finally:
        ledger.close()


def bench_bare(setup: Setup, stage: Stage) -> AppRun:
    """The bare Bolt app, aimed at the same channel and announcement as Sitrep was."""
    run = AppRun("bare Bolt", "-")
    with started(setup, run, ROOT / "benchmarks" / "bare_app.py", None) as bench:
        bench.warm_up(stage, "bare")
        run_workloads(bench, Stage(stage.channel_id, stage.announcement_ts, None))
    return run


def run_workloads(bench: Bench, stage: Stage) -> None:
    plan = bench.setup.plan
    for concurrency, count in plan.messages.items():
        bench.messages(stage, count, concurrency)
    bench.sustained(stage, plan.sustained_seconds)
    for concurrency, count in plan.clicks.items():
        bench.clicks(stage, count, concurrency)
    for concurrency, count in plan.declares.items():
        bench.declares(count, concurrency)


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

WORKLOAD_ORDER = {"declare": 0, "message": 1, "sustained": 2, "click": 3}
APP_ORDER = {("bare Bolt", "-"): 0, ("sitrep", "sqlite"): 1, ("sitrep", "postgres"): 2}
COLUMNS = (
    ("workload", "<"),
    ("c", ">"),
    ("app", "<"),
    ("db", "<"),
    ("n", ">"),
    ("req/s", ">"),
    ("p50 ms", ">"),
    ("p95 ms", ">"),
    ("p99 ms", ">"),
    ("max ms", ">"),
    ("HTTP status:n", "<"),
    ("lost", ">"),
    ("dup", ">"),
    ("CPU ms/req", ">"),
    ("target", "<"),
    ("notes", "<"),
)


def report(runs: list[AppRun], notes: list[str]) -> str:
    rows = sorted(
        (row for run in runs for row in run.rows),
        key=lambda r: (WORKLOAD_ORDER[r.workload], r.concurrency, APP_ORDER[(r.app, r.db)]),
    )
    cells = [[_cell(row, name) for name, _ in COLUMNS] for row in rows]
    lines = _table([name for name, _ in COLUMNS], cells, [align for _, align in COLUMNS])
    processes = _table(
        ["app", "db", "start-up s", "peak RSS MB (VmHWM)", "ERROR lines in log"],
        [
            [
                run.app,
                run.db,
                f"{run.startup_seconds:.1f}",
                f"{run.peak_rss_mb:.0f}",
                str(len(run.log_errors)),
            ]
            for run in runs
        ],
        ["<", "<", ">", ">", ">"],
    )
    processes += [
        f"  {run.label}: {_clip(line, 300)}" for run in runs for line in run.log_errors[:3]
    ]
    remarks = ["", *notes] if notes else []
    return "\n".join([*lines, "", *processes, "", *_targets(rows), *remarks])


def _cell(row: Row, column: str) -> str:
    result = row.result
    match column:
        case "workload":
            return row.workload
        case "c":
            return str(row.concurrency)
        case "app":
            return row.app
        case "db":
            return row.db
        case "n":
            return str(result.sent)
        case "req/s":
            return f"{result.rate:.0f}"
        case "p50 ms" | "p95 ms" | "p99 ms":
            return f"{result.percentile(float(column[1:3])):.1f}"
        case "max ms":
            return f"{max(result.latencies_ms, default=float('nan')):.0f}"
        case "HTTP status:n":
            statuses = [f"{status}:{n}" for status, n in sorted(result.statuses.items())]
            failures = [f"{name}:{n}" for name, n in result.failures.items()]
            return " ".join(statuses + failures)
        case "lost":
            return "-" if row.lost is None else str(row.lost)
        case "dup":
            return "-" if row.duplicated is None else str(row.duplicated)
        case "CPU ms/req":
            return f"{row.cpu_ms:.1f}"
        case "target":
            return row.target
        case "notes":
            return row.notes
    raise KeyError(column)


def _table(header: list[str], rows: list[list[str]], align: list[str]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True))

    return [line(header).rstrip(), "  ".join("-" * w for w in widths)] + [
        line(cells).rstrip() for cells in rows
    ]


def _targets(rows: list[Row]) -> list[str]:
    def figures(workload: str, concurrency: int, what: str) -> str:
        found = [r for r in rows if r.workload == workload and r.concurrency == concurrency]
        parts = []
        for r in found:
            name = "bare Bolt" if r.app == "bare Bolt" else r.db
            if what == "p99":
                parts.append(f"{name} {r.result.percentile(99):.1f} ms {r.target.split()[-1]}")
            else:
                whole = f"lost {r.lost}, dup {r.duplicated}" if r.lost is not None else "not stored"
                parts.append(f"{name} {r.result.rate:.0f}/s ({whole}) {r.target.split()[-1]}")
        return "; ".join(parts) or "not measured"

    return [
        "Targets:",
        f"  message events p99 < {MESSAGE_P99_MS:.0f} ms at c=32:  "
        + figures("message", 32, "p99"),
        f"  sustained {SUSTAINED_RATE:.0f} msg/s, none lost or doubled:  "
        + figures("sustained", 32, "rate"),
        f"  declare ack p99 < {DECLARE_P99_MS:.0f} ms at c=1:  " + figures("declare", 1, "p99"),
        f"  declare ack p99 < {DECLARE_P99_MS:.0f} ms at c=32:  " + figures("declare", 32, "p99"),
    ]


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests: under a minute")
    parser.add_argument(
        "--fake",
        choices=["process", "thread"],
        default="process",
        help="host the fake Slack in its own process (default) or in a thread of this one",
    )
    parser.add_argument(
        "--databases",
        type=_databases,
        default=list(DATABASES),
        metavar="LIST",
        help="Sitrep's databases, comma-separated (default: sqlite,postgres)",
    )
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="server for the fresh schema")
    parser.add_argument(
        "--logs", type=Path, metavar="DIR", help="keep the apps' logs in DIR (sitrep-sqlite.log…)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the app with py-spy during each workload (collapsed stacks in DIR)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    _stop_on_sigterm()
    meter = MachineMeter()
    for directory in (args.profile, args.logs):
        if directory:
            directory.mkdir(parents=True, exist_ok=True)
    runs, notes = run_all(
        plan, args.fake, args.databases, args.postgres_url, args.profile, args.logs
    )
    print()
    print(report(runs, notes))
    elapsed = time.monotonic() - meter.wall_at_start
    print(
        f"\n{'quick' if args.quick else 'full'} run, fake Slack in a {args.fake}, {elapsed:.0f} s"
    )
    print(meter.summary())
    return 0


def run_all(
    plan: Plan,
    hosting: Hosting,
    databases: list[str],
    postgres_url: str,
    profile_dir: Path | None,
    log_dir: Path | None,
) -> tuple[list[AppRun], list[str]]:
    """Sitrep on each database, then bare Bolt; returns the runs and notes for the report."""
    runs: list[AppRun] = []
    notes: list[str] = []
    stage: Stage | None = None
    with (
        tempfile.TemporaryDirectory(prefix="sitrep-bench-") as tmp,
        hosted_workspace(hosting) as (workspace, fake_pid),
    ):
        secret = secrets.token_hex(16)
        setup = Setup(workspace, fake_pid, plan, secret, Path(tmp), profile_dir, log_dir)
        if "sqlite" in databases:
            run, stage = bench_sitrep(setup, "sqlite", f"sqlite:///{setup.workdir / 'sitrep.db'}")
            runs.append(run)
        if "postgres" in databases:
            try:
                with postgres_schema(postgres_url) as url:
                    run, stage = bench_sitrep(setup, "postgres", url)
                    runs.append(run)
            except DatabaseUnavailable as error:
                notes.append(f"PostgreSQL skipped: {error}")
                say(notes[-1])
        if stage is None:
            notes.append("bare Bolt skipped: it reuses the incident a Sitrep run declares")
        else:
            runs.append(bench_bare(setup, stage))
    return runs, notes


def _databases(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = set(chosen) - set(DATABASES)
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(DATABASES)}")
    return chosen


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every process started is stopped on the way out."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        print("\ninterrupted; every process started has been stopped", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    with _interruptible():
        sys.exit(main(sys.argv[1:]))
