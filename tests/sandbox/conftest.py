"""The sandbox as `python app.py --sandbox` starts it, in-process on a free port: the fake
workspace (saved in tmp_path), the bot built by the composition root, the page in front."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import Sitrep, build, sandbox_demo
from bot.config import Policy
from bot.settings import Settings
from handlers.http import HttpServer
from sandbox.run import Sandbox


@dataclass
class RunningSandbox:
    box: Sandbox
    sitrep: Sitrep
    url: str  # the page
    demo: Callable[[], int] | None = None  # loads the demo data, as the page's button does


def start(folder: Path) -> tuple[RunningSandbox, HttpServer, threading.Thread]:
    box = Sandbox(folder / "sandbox-slack.json").start()
    settings = box.settings(
        Settings(
            database_url=f"sqlite:///{folder / 'sandbox.db'}",
            sitrep_http_threads=8,
            sitrep_scheduler=False,
        )
    )
    policy = box.policy(Policy())
    sitrep = build(settings, policy)
    demo = sandbox_demo(settings, policy, box, sitrep)
    server = HttpServer(box.wsgi(sitrep.wsgi(), demo=demo), "127.0.0.1", 0, threads=8)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    return RunningSandbox(box, sitrep, box.listening(server.port), demo), server, thread


def stop(running: RunningSandbox, server: HttpServer, thread: threading.Thread) -> None:
    server.stop()
    thread.join(timeout=15)
    running.sitrep.close()
    running.box.stop()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    running, server, thread = start(tmp_path)
    try:
        yield running
    finally:
        stop(running, server, thread)
