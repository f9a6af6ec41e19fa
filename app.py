"""Sitrep's composition root: builds settings, storage, Slack adapters, services and the
Bolt app, then serves it over HTTP (waitress) or Socket Mode.

    python app.py            run the bot
    python app.py migrate    bring the database schema up to date and exit
"""

import sys

if __name__ == "__main__":
    from bootstrap import ensure_environment

    ensure_environment()

import argparse
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_bolt import App
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

import handlers
from bot.adapters.db.engine import make_engine, migrate
from bot.adapters.db.store import SqlIncidentStore
from bot.adapters.slack.client import make_client
from bot.adapters.slack.publisher import Publisher
from bot.config import Policy, Settings, load_policy
from bot.errors import ConfigError
from bot.incidents import ROOM_LEASE, IncidentService
from bot.ports import Clock
from bot.timeline import TimelineService
from handlers.deps import Deps
from handlers.http import HttpServer, make_wsgi

log = logging.getLogger("sitrep")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Sitrep:
    """A built application: what the server, the tests and the benchmarks run."""

    bolt: App
    engine: Engine
    deps: Deps
    executor: ThreadPoolExecutor

    def recover(self, grace: timedelta = ROOM_LEASE) -> None:
        """Finishes what a process that died after acknowledging left undone."""
        self.deps.publisher.open_missing_rooms(grace)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()


def build(settings: Settings, policy: Policy, *, clock: Clock = utc_now) -> Sitrep:
    """Wires every concrete class together. The only place that knows them all."""
    settings.require_slack()
    assert settings.slack_bot_token is not None
    # Request threads and the threads finishing work after acks each hold one at a time.
    engine = make_engine(settings.database_url, connections=2 * settings.sitrep_http_threads)
    if settings.sitrep_migrate_on_start:
        migrate(engine)
    store = SqlIncidentStore(engine)
    incidents = IncidentService(store, policy, clock)
    client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    deps = Deps(
        incidents=incidents,
        timeline=TimelineService(store, clock),
        publisher=Publisher(client, incidents, policy, clock),
        policy=policy,
        clock=clock,
    )
    executor = ThreadPoolExecutor(
        max_workers=settings.sitrep_http_threads, thread_name_prefix="sitrep-lazy"
    )
    secret = settings.slack_signing_secret
    bolt = App(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=not settings.socket_mode,
        # Listeners finish their (fast) database write before Slack gets its 200, so an
        # acknowledged event is a stored event; slow work runs in lazy listeners.
        process_before_response=True,
        listener_executor=executor,
    )
    handlers.register(bolt, deps)
    return Sitrep(bolt=bolt, engine=engine, deps=deps, executor=executor)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Sitrep: incidents in Slack")
    parser.add_argument("command", nargs="?", choices=["run", "migrate"], default="run")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if args.command == "migrate":
            migrate(make_engine(settings.database_url))
            return 0
        policy = load_policy(settings.sitrep_config)
        sitrep = build(settings, policy)
    except ConfigError as error:
        print(f"sitrep: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        print(
            f"sitrep: DATABASE_URL: can't connect: {str(error.orig).strip().splitlines()[0]}",
            file=sys.stderr,
        )
        return 2
    threading.Thread(target=sitrep.recover, name="sitrep-recover", daemon=True).start()
    if settings.socket_mode:
        return _run_socket_mode(sitrep, settings)
    server = HttpServer(
        make_wsgi(sitrep.bolt, sitrep.engine),
        settings.host,
        settings.port,
        threads=settings.sitrep_http_threads,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop())
    log.info("Sitrep is listening on http://%s:%s/slack/events", settings.host, server.port)
    server.serve()
    sitrep.close()  # finishes work already started after acknowledgements
    log.info("Sitrep stopped")
    return 0


def _run_socket_mode(sitrep: Sitrep, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    handler = SocketModeHandler(
        sitrep.bolt, settings.slack_app_token.get_secret_value(), web_client=sitrep.bolt.client
    )
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    log.info("Sitrep is connecting to Slack in Socket Mode")
    handler.connect()  # type: ignore[no-untyped-call]
    stopping.wait()
    handler.close()  # type: ignore[no-untyped-call]
    sitrep.close()
    log.info("Sitrep stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
