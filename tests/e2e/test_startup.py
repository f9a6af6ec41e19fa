"""`python app.py` as an operator runs it: clear start-up errors, then a serving bot."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.harness import SIGNING_SECRET, SlackDriver
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SITREP_"))}
    env.pop("DATABASE_URL", None)
    env.update(overrides)
    return env


def run_app(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_token_the_sandbox_starts_on_loopback_and_prints_its_page(
    tmp_path: Path,
) -> None:
    env = environment(PORT="0", SITREP_SCHEDULER="false")
    command = [sys.executable, str(ROOT / "app.py")]
    with subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as app:
        try:
            assert app.stdout is not None
            line = app.stdout.readline()  # blocks until the sandbox prints its address
            assert line.startswith("Sitrep sandbox (no Slack needed): open http://localhost:")
            url = line.split()[-1].replace("localhost", "127.0.0.1")
            with urllib.request.urlopen(url, timeout=10) as page:
                assert "Nothing here reaches Slack" in page.read().decode()
        finally:
            app.terminate()
            app.wait(timeout=30)
    assert (tmp_path / "sandbox.db").exists() and (tmp_path / "sandbox-slack.json").exists()


def test_run_means_slack_so_a_missing_token_stops_start_up_instead_of_a_sandbox(
    tmp_path: Path,
) -> None:
    result = run_app("run", env=environment(), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("sitrep: SLACK_BOT_TOKEN is not set")
    assert not (tmp_path / "sandbox.db").exists()


def test_a_missing_signing_secret_is_named_in_http_mode(tmp_path: Path) -> None:
    result = run_app(env=environment(SLACK_BOT_TOKEN="xoxb-test-token"), cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr


def test_a_bad_policy_key_stops_start_up_naming_it(tmp_path: Path) -> None:
    (tmp_path / "sitrep.toml").write_text('timezone = "Mars/Olympus"\n')
    result = run_app(
        env=environment(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET="s"), cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "sitrep: sitrep.toml: timezone: unknown timezone 'Mars/Olympus'"
    )


def test_an_unknown_policy_key_is_named(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[[severities]]\nkey = "sev1"\nname = "x"\nresponse_target = "5m"\ncolour = 1\n'
    )
    result = run_app(
        env=environment(
            SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET="s", SITREP_CONFIG=str(policy)
        ),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"sitrep: {policy}: severities.0.colour: unknown key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def app_process(slack: FakeSlack, cwd: Path, **settings: str) -> Iterator[str]:
    """`python app.py` in HTTP mode against the fake Slack, until it answers /readyz;
    yields its URL and stops it (SIGTERM) afterwards, failing if it did not exit cleanly."""
    with replica(slack, cwd, **settings) as (url, process):
        yield url
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output


@contextmanager
def replica(
    slack: FakeSlack, cwd: Path, **settings: str
) -> Iterator[tuple[str, "subprocess.Popen[str]"]]:
    """`python app.py` as `app_process` starts it; yields its URL and the process, which the
    test stops (it is killed afterwards if still running)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=cwd,
        env=environment(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            PORT=str(port),
            HOST="127.0.0.1",
            **settings,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"app did not start: {process.communicate()[0]}")
                time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, FakeSlack]]:
    """`python app.py` on a fresh SQLite file, against the fake Slack."""
    with FakeSlack() as slack, app_process(slack, tmp_path) as url:
        yield url, slack


def test_the_bot_serves_slack_on_a_fresh_sqlite_database(
    served: tuple[str, FakeSlack], tmp_path: Path
) -> None:
    url, slack = served
    reply = SlackDriver(url, slack).command("declare sev2 Checkout API returning 500s")
    assert reply.status == 200
    assert "INC-" in reply.json["text"]
    assert slack.wait_for(
        lambda: (
            slack.channel_by_name(f"inc-{time.gmtime().tm_year}-0001-checkout-api-returning-500s")
            is not None
        )
    )
    assert (tmp_path / "sitrep.db").exists()


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        ({"PORT": "abc"}, "sitrep: PORT: Input should be a valid integer"),
        ({"LOG_LEVEL": "chatty"}, "sitrep: LOG_LEVEL: Input should be 'DEBUG'"),
        ({"LOG_FORMAT": "xml"}, "sitrep: LOG_FORMAT: Input should be 'text' or 'json'"),
        ({"SLACK_BOT_TOKEN": "xoxb-wrong"}, "sitrep: SLACK_BOT_TOKEN: Slack rejected it"),
        ({"SLACK_API_URL": "http://127.0.0.1:1/api/"}, "sitrep: SLACK_API_URL: can't reach"),
    ],
    ids=["port", "log-level", "log-format", "token", "api-url"],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(
    tmp_path: Path, overrides: dict[str, str], line: str
) -> None:
    with FakeSlack() as slack:
        env = environment(
            SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET="s", SLACK_API_URL=slack.api_url
        )
        env.update(overrides)
        result = run_app(env=env, cwd=tmp_path)
    assert result.returncode == 2
    errors = [x for x in result.stderr.splitlines() if x.startswith("sitrep:")]
    assert len(errors) == 1 and errors[0].startswith(line), result.stderr
    assert "Traceback" not in result.stderr


def test_json_logs_are_one_object_per_line(tmp_path: Path) -> None:
    env = environment(LOG_FORMAT="JSON", DATABASE_URL=f"sqlite:///{tmp_path / 'sitrep.db'}")
    result = run_app("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert {"level": "INFO", "message": "database schema is current"}.items() <= lines[-1].items()
    assert lines[-1]["logger"] == "bot.adapters.db.engine" and "time" in lines[-1]
