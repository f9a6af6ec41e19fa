"""Schema migrations: replicas starting together take turns instead of colliding."""

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.adapters.db.engine import MIGRATIONS, make_engine
from tests.e2e.test_startup import ROOT, environment


def test_replicas_migrating_at_once_all_succeed(database_url: str, tmp_path: Path) -> None:
    env = environment(DATABASE_URL=database_url)
    replicas = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "migrate"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [replica.communicate(timeout=120)[0] for replica in replicas]
    assert [r.returncode for r in replicas] == [0, 0, 0], "\n".join(outputs)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        tables = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert [v[0] for v in versions] == [head]
    assert {"incident", "incident_role", "incident_sequence", "timeline_entry", "postmortem"} <= (
        tables
    )


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def test_an_unreachable_database_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = environment(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET="s",
        DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere",
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sitrep: DATABASE_URL: can't connect")
