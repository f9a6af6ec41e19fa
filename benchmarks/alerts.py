"""How fast Sitrep answers alert webhooks, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/alerts.py [--alerts 200]

Runs the real app in-process (waitress on loopback, the fake Slack Web API in a thread),
then POSTs Alertmanager deliveries: new alerts (each declares an incident; the channel and
posts follow after the answer), repeats of those (counted, nothing new), and bursts of 20
copies of one new alert at once (one incident). Prints the answer times. Target: every
answer under 1 s, a tenth of the 10 s monitoring tools commonly wait before retrying."""

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app import build  # noqa: E402
from bot.config import Alerts, AlertSource, Policy  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.http import HttpServer  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402

TOKEN = "bench-token"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_WORST_S = 1.0
BURST = 20


def delivery(fingerprint: str, service: str) -> bytes:
    alert = {
        "status": "firing",
        "labels": {"alertname": "HighErrorRate", "service": service, "severity": "critical"},
        "annotations": {"summary": f"High 5xx rate on {service}"},
        "startsAt": "2026-11-29T08:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.com/graph",
        "fingerprint": fingerprint,
    }
    return json.dumps(
        {"version": "4", "status": "firing", "groupKey": fingerprint, "alerts": [alert]}
    ).encode()


def post(url: str, body: bytes) -> float:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 202, response.status
    return time.perf_counter() - began


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"  {name:<26} n={len(times):<5} median {statistics.median(times) * 1000:7.1f} ms"
        f"  p95 {p95 * 1000:7.1f} ms  worst {ordered[-1] * 1000:7.1f} ms"
    )


def run(database_url: str, count: int) -> list[str]:
    with FakeSlack() as slack:
        incidents = slack.channel_by_name("incidents")
        assert incidents is not None
        sources = {"alertmanager": AlertSource(token=TOKEN, rate_per_minute=100_000)}
        policy = Policy(announcements_channel=incidents.id, alerts=Alerts(sources=sources))
        settings = Settings(
            slack_bot_token="xoxb-test-token",
            slack_signing_secret="bench",
            slack_api_url=slack.api_url,
            database_url=database_url,
        )
        sitrep = build(settings, policy)
        server = HttpServer(sitrep.wsgi(), "127.0.0.1", 0, threads=16)
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.port}/webhooks/alertmanager"
        try:
            new = [post(url, delivery(f"fp-{n}", f"svc-{n}")) for n in range(count)]
            repeats = [post(url, delivery(f"fp-{n}", f"svc-{n}")) for n in range(count)]
            bursts = [t for n in range(5) for t in _burst(url, delivery(f"b-{n}", f"b-{n}"))]
            with sitrep.engine.connect() as connection:
                declared = connection.execute(sa.text("SELECT count(*) FROM incident")).scalar()
        finally:
            server.stop()
            thread.join(timeout=30)
            sitrep.close()
    return [
        summary("new alert (declares)", new),
        summary("repeat (counted)", repeats),
        summary(f"burst of {BURST} copies", bursts),
        f"  incidents declared: {declared} (expected {count + 5})",
    ]


def _burst(url: str, body: bytes) -> list[float]:
    """The same delivery `BURST` times at once: one incident, however many copies."""
    times: list[float] = []
    start = threading.Barrier(BURST)

    def one() -> None:
        start.wait()
        times.append(post(url, body))

    threads = [threading.Thread(target=one) for _ in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        targets: dict[str, Any] = {"SQLite": f"sqlite:///{directory}/bench.db"}
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(POSTGRES)
        try:
            with admin.begin() as connection:
                connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
            targets["PostgreSQL"] = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        except sa.exc.OperationalError:
            print("PostgreSQL: no server answered; skipped", file=sys.stderr)
        try:
            for name, url in targets.items():
                print(f"{name}:")
                for line in run(url, args.alerts):
                    print(line)
        finally:
            if "PostgreSQL" in targets:
                with admin.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    print(f"target: every answer under {TARGET_WORST_S:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
