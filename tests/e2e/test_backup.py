"""`python app.py backup export|import`: everything Sitrep knows, to JSON and back into an
empty database, on SQLite and PostgreSQL; the restored database serves as the old one did."""

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import build
from bot.adapters.db.engine import make_engine
from bot.config import Policy
from bot.settings import Settings
from handlers.http import HttpServer
from tests.databases import fresh_database
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import SIGNING_SECRET, SlackDriver, eventually
from tests.e2e.test_declare import FIRST, YEAR
from tests.e2e.test_postmortem import resolved_with_draft
from tests.e2e.test_startup import environment, run_app

TABLES = ("incident", "incident_role", "timeline_entry", "incident_link", "postmortem",
          "action_item", "problem", "incident_sequence")  # fmt: skip


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


def worked_incident(running: Running) -> str:
    """An incident with everything: roles, talk, notes, a link, a post-mortem draft, an
    action item, a problem."""
    channel = resolved_with_draft(running)
    driver = running.driver
    for text in (
        "link https://grafana.example.com/d/checkout dashboard Checkout errors",
        "action Alert on checkout error rate @U_CAROL p1",
        "problem new Deploys skip the canary",
    ):
        assert driver.command(text, user="U_BOB", channel=channel).status == 200
    incidents = running.sitrep.deps.incidents
    incident = incidents.find(FIRST, channel)
    eventually(lambda: incidents.get(incident.id or 0).problem_id is not None)
    eventually(lambda: bool(running.sitrep.deps.action_items.report(None)))
    return channel


def backup(url: str, tmp_path: Path, *args: str) -> Any:
    result = run_app("backup", *args, env=environment(DATABASE_URL=url), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result


@contextmanager
def serving(running: Running, url: str, policy: Policy, clock: FastForward) -> Iterator[Running]:
    """A second Sitrep on `url`, talking to the same fake Slack."""
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=running.slack.api_url,
        database_url=url,
        sitrep_http_threads=8,
    )
    sitrep = build(settings, policy, clock=clock)
    server = HttpServer(sitrep.wsgi(), "127.0.0.1", 0, threads=8)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.port}"
    try:
        yield Running(running.slack, SlackDriver(address, running.slack), sitrep, address)
    finally:
        server.stop()
        thread.join(timeout=15)
        sitrep.close()


def test_a_backup_restored_into_an_empty_database_exports_the_same_and_serves(
    running: Running, database_url: str, tmp_path: Path, policy: Policy, clock: FastForward
) -> None:
    channel = worked_incident(running)
    saved = tmp_path / "backup.json"
    backup(database_url, tmp_path, "export", str(saved))
    document = json.loads(saved.read_text())
    assert (document["format"], document["version"]) == ("sitrep-backup", 1)
    for table in TABLES:
        assert document["tables"][table], f"nothing backed up from {table}"

    with fresh_database(dialect_of(database_url), tmp_path / "restored") as restored:
        (tmp_path / "restored").mkdir(exist_ok=True)
        told = backup(restored, tmp_path, "import", str(saved))
        assert re.search(r"restored .*\b1 incident\b(?!_)", told.stderr), told.stderr
        again = json.loads(backup(restored, tmp_path, "export").stdout)
        assert again["tables"] == document["tables"]
        assert again["schema"] == document["schema"]

        with serving(running, restored, policy, clock) as twin:
            # Search finds the restored incident by what was said in its channel.
            found = twin.driver.command("search rollback 4411", user="U_BOB")
            assert FIRST in found.text
            # New rows take new IDs: a note on the old incident, a new incident after it.
            note = twin.driver.command("note Restored from backup", user="U_BOB", channel=channel)
            assert note.status == 200
            second = f"INC-{YEAR}-0002"
            declared = twin.driver.command("declare sev3 Docs search is slow", user="U_ALICE")
            assert second in declared.json["text"]
            incidents = twin.sitrep.deps.incidents
            eventually(lambda: incidents.find(second, None).channel_id is not None)
            assert incidents.find(second, None).id == incidents.find(FIRST, None).id + 1  # type: ignore[operator]
            timeline = incidents.timeline(incidents.find(FIRST, None).id or 0, limit=1000)
            assert "Restored from backup" in [e.text for e in timeline]


def test_import_refuses_a_database_that_holds_data(
    running: Running, database_url: str, tmp_path: Path
) -> None:
    assert running.driver.command("declare sev2 Checkout API returning 500s").status == 200
    eventually(lambda: running.sitrep.deps.incidents.find(FIRST, None) is not None)
    saved = tmp_path / "backup.json"
    backup(database_url, tmp_path, "export", str(saved))
    refused = run_app(
        "backup", "import", str(saved), env=environment(DATABASE_URL=database_url), cwd=tmp_path
    )
    assert refused.returncode == 2
    holding = re.search(r"already holds data \((.*)\): restore into an empty", refused.stderr)
    assert holding is not None, refused.stderr
    assert {"incident", "timeline_entry"} <= set(holding.group(1).split(", "))
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            count = connection.execute(sa.text("SELECT COUNT(*) FROM incident")).scalar()
        assert count == 1
    finally:
        engine.dispose()


def test_import_refuses_what_is_not_a_backup(database_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"incidents": []}))
    refused = run_app(
        "backup", "import", str(junk), env=environment(DATABASE_URL=database_url), cwd=tmp_path
    )
    assert refused.returncode == 2
    assert "not a Sitrep backup" in refused.stderr
