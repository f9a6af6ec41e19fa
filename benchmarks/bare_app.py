"""The baseline: a Bolt app that only acknowledges, served exactly as Sitrep is (the same
WSGI front and waitress server from handlers.http, the same number of threads).

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… python benchmarks/bare_app.py

It listens for what the benchmark sends Sitrep — `/incident`, `message` events and
block_actions — and acknowledges each without doing anything, so the difference between its
figures and Sitrep's is Sitrep's own cost."""

import logging
import os
import re
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from slack_bolt import Ack, App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from handlers.http import HttpServer, make_wsgi  # noqa: E402


def build(token: str, signing_secret: str, api_url: str) -> App:
    # Like Sitrep: a client on the (fake) Web API, auth.test at start-up, ack after the listener.
    app = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        process_before_response=True,
    )

    @app.command("/incident")
    def command(ack: Ack) -> None:
        ack()

    @app.event("message")
    def message() -> None:
        """Bolt acknowledges events itself."""

    @app.action(re.compile(".*"))
    def action(ack: Ack) -> None:
        ack()

    return app


def main() -> int:
    env = os.environ
    logging.basicConfig(level=env.get("LOG_LEVEL", "INFO").upper())
    app = build(
        env["SLACK_BOT_TOKEN"],
        env["SLACK_SIGNING_SECRET"],
        env.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    health = sa.create_engine("sqlite://")  # /readyz wants a database; this one is in memory
    server = HttpServer(
        make_wsgi(app, health, slack=SignatureVerifier(env["SLACK_SIGNING_SECRET"])),
        env.get("HOST", "127.0.0.1"),
        int(env.get("PORT", "3000")),
        threads=int(env.get("SITREP_HTTP_THREADS", "16")),
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop())
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
