"""Quality of similar-incident suggestions on the labelled sets (tests/data/similar_*.json):
precision@3 and recall@3, on SQLite and PostgreSQL, asked as at declaration (no category
set), once the incident is categorised, and once its channel has said what the fix was;
plus the time one suggestion takes.

    .venv/bin/python benchmarks/similar.py [--misses]

precision@3: of the three shown, the share a person labelled similar (fewer shown count as
misses); "of those shown" divides by the number shown instead. recall@3: of the labelled
similar ones, the share among the three. Loners are incidents with nothing similar: the
quieter the better."""

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.search_hot_path import POSTGRES, postgres_url, upgrade
from bot.adapters.db.engine import make_engine
from bot.config import Policy
from tests.similar_eval import BLIND, BLIND2, BLIND3, EVAL_SET, HELD_OUT, evaluate, load

TARGET = 0.8
ASKED = ("at declaration", "categorised", "cause said")
SETS = {
    EVAL_SET: "first   ",
    HELD_OUT: "held out",
    BLIND: "blind   ",
    BLIND2: "blind 2 ",
    BLIND3: "blind 3 ",
}


@contextmanager
def database(dialect: str) -> Iterator[sa.Engine]:
    """A migrated, empty database of `dialect`, dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        if dialect == "sqlite":
            engine = make_engine(f"sqlite:///{tmp}/similar.db")
            upgrade(engine, "head")
            yield engine
            engine.dispose()
            return
        admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        schema, url = postgres_url(admin)
        engine = make_engine(url)
        try:
            upgrade(engine, "head")
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def timing(engine: sa.Engine) -> float:
    """Median milliseconds of one stored incident's suggestions, over the set."""
    service, ids = load(engine, Policy())
    times = []
    for incident_id in ids.values():
        start = time.perf_counter()
        service.find(incident_id)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="list each query that missed")
    args = parser.parse_args()
    for dialect in ("sqlite", "postgres"):
        for eval_set, when in itertools.product(SETS, ASKED):
            with database(dialect) as engine:
                score = evaluate(
                    engine,
                    Policy(),
                    categorised=when == "categorised",
                    cause_said=when == "cause said",
                    eval_set=eval_set,
                )
            verdict = "meets" if score.precision >= TARGET else "below"
            which = SETS[eval_set]
            print(
                f"{dialect:8} {which} {when:14}  precision@3 {score.precision:.2f} ({verdict} the "
                f"{TARGET} target; {score.precision_shown:.2f} of those shown)  "
                f"recall@3 {score.recall:.2f}  over {score.asked} incidents; "
                f"loners left quiet {score.loners_quiet}/{score.loners}"
            )
            if args.misses:
                print("\n".join(f"    {miss}" for miss in score.misses))
        with database(dialect) as engine:
            print(f"{dialect:8} one suggestion: median {timing(engine):.1f} ms")


if __name__ == "__main__":
    main()
