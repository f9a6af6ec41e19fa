"""The cost of the search index on the hot path: per-message time of
`SqlIncidentStore.add_channel_message` with the schema before search (revision 0006) and
with it (head), on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/search_hot_path.py [--messages 2000] [--history 5000]
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.db.engine import MIGRATIONS, make_engine
from bot.adapters.db.store import SqlIncidentStore
from bot.config import Policy
from bot.incidents import Declaration, IncidentService

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORDS = [
    "database",
    "timeout",
    "pool",
    "exhausted",
    "primary",
    "replica",
    "lag",
    "checkout",
    "orders",
    "retry",
]


def upgrade(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def per_message(url: str, revision: str, messages: int, history: int) -> float:
    """Microseconds per stored message, after `history` messages already stored."""
    engine = make_engine(url)
    upgrade(engine, revision)
    store = SqlIncidentStore(engine)
    incidents = IncidentService(store, Policy(), lambda: datetime.now(UTC))
    declared = incidents.declare(Declaration("Checkout slow", "sev2", "U_ALICE"))
    assert declared.id is not None
    incidents.attach_channel(declared.id, "C_BENCH", "bench")

    def add(n: int) -> None:
        text = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(12)) + f" message {n}"
        store.add_channel_message(
            "C_BENCH",
            {"occurred_at": datetime.now(UTC), "author": "U_BOB", "text": text,
             "slack_ts": f"{1_764_000_000 + n}.000100"},
        )  # fmt: skip

    for n in range(history):
        add(n)
    start = time.perf_counter()
    for n in range(history, history + messages):
        add(n)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed / messages * 1e6


def postgres_url(admin: sa.Engine) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return schema, f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    for dialect in ("sqlite", "postgres"):
        for revision in ("0006", "head"):
            results = []
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory() as tmp:
                    if dialect == "sqlite":
                        url = f"sqlite:///{tmp}/bench.db"
                        results.append(per_message(url, revision, args.messages, args.history))
                        continue
                    schema, url = postgres_url(admin)
                    try:
                        results.append(per_message(url, revision, args.messages, args.history))
                    finally:
                        with admin.connect() as connection:
                            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            shown = ", ".join(f"{r:.0f}" for r in results)
            print(
                f"{dialect:8} {revision:5} median {statistics.median(results):6.0f} µs/message "
                f"(runs: {shown})"
            )
    admin.dispose()


if __name__ == "__main__":
    main()
