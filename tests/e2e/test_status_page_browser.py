"""The status page in a real headless browser (Debian's Chromium): it renders on a phone's
screen with its stylesheet allowed by its own Content-Security-Policy, nothing people typed
runs, and a screenshot is kept in tests/artefacts/ (the README's picture is a copy).

Skipped with a reason where Chromium is missing, except where SITREP_REQUIRE_BROWSER=1
(as in .ci/run, which installs it): there a missing browser fails the run."""

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.e2e.conftest import Running
from tests.e2e.test_status_page import EVIL_TITLE, EVIL_UPDATE, policy, published_incident

__all__ = ["policy"]  # the status page's policy fixture, reused

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
PHONE = "390,844"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("SITREP_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def browse(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium(),
            "--headless=new",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--window-size={PHONE}",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_page_renders_in_chromium_on_a_phone_with_nothing_typed_running(
    running: Running, tmp_path: Path
) -> None:
    published_incident(running)
    url = running.url + "/status"
    dom = browse(url, tmp_path / "dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    seen = Elements()
    seen.feed(dom.stdout)
    text = " ".join(" ".join(seen.text).split())
    # What the browser built: the typed title and update as text, no element of theirs.
    assert EVIL_TITLE.replace("  ", " ") in text and EVIL_UPDATE in text
    assert "script" not in seen.tags and "img" not in seen.tags
    assert "Major outage" in text
    # The page's own stylesheet is allowed by its policy; nothing else was tried.
    assert "Content Security Policy" not in dom.stderr, dom.stderr[-2000:]

    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "status-page.png"
    shot.unlink(missing_ok=True)
    taken = browse(url, tmp_path / "shot", f"--screenshot={shot}")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
