"""The public status page through HTTP on the running app: only what was published shows
(public updates of published, non-private incidents), resolved incidents move to history,
and whatever people typed is rendered inert in HTML, JSON and Atom."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

import pytest

from bot.config import Policy, Service
from bot.statuspage.policy import StatusPage
from tests.e2e.conftest import Running
from tests.e2e.harness import declare_form
from tests.e2e.test_updates import form, post_update, updates_in
from tests.fakes.slack_api import FakeSlack

ATOM = "{http://www.w3.org/2005/Atom}"
EVIL_TITLE = '<script>alert("t")</script> Checkout <img src=x onerror=alert(1)> & "co"'
EVIL_UPDATE = "Payments <b onmouseover=alert(2)>fail</b> & </p><script>alert(3)</script>"


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    incidents = slack.channel_by_name("incidents")
    assert incidents is not None
    return Policy(
        announcements_channel=incidents.id,
        services=(
            Service(name="checkout-api", public=True, component="Checkout"),
            Service(name="search", public=True),
            Service(name="billing-batch"),  # internal: never on the page
        ),
        status_page=StatusPage(organisation="Acme", colour="#aa3300", cache_seconds=0),
    )


@dataclass
class Got:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def get(running: Running, path: str, headers: dict[str, str] | None = None) -> Got:
    request = urllib.request.Request(running.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Got(response.status, _lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Got(error.code, _lower(error.headers.items()), error.read())


def _lower(headers: Any) -> dict[str, str]:
    """Header names in lower case: HTTP names are case-insensitive."""
    return {name.lower(): value for name, value in headers}


@dataclass
class Parsed(HTMLParser):
    """The page as a browser's parser sees it: its elements, attributes and visible text."""

    tags: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


def page(running: Running) -> Parsed:
    got = get(running, "/status")
    assert got.status == 200, got
    parsed = Parsed()
    parsed.feed(got.text)
    parsed.close()
    return parsed


def declared(running: Running, text: str) -> str:
    """Declares by command, whatever the title, and waits until its room is open."""
    slack = running.slack
    before = {c.id for c in slack.channels()}
    assert running.driver.command(text, user="U_ALICE").status == 200
    channel = slack.wait_for(
        lambda: next(
            (c.id for c in slack.channels() if c.id not in before and c.name.startswith("inc-")),
            None,
        )
    )
    slack.wait_for(lambda: [r for r in slack.responses() if f"<#{channel}>" in r.text])
    return channel


def published_incident(running: Running) -> str:
    channel = declared(running, f"declare sev1 {EVIL_TITLE}")
    running.driver.command("services checkout-api", user="U_ALICE", channel=channel)
    reply = running.driver.command("publish", user="U_ALICE", channel=channel)
    assert reply.status == 200 and not reply.body, reply
    post_update(running, channel, form(EVIL_UPDATE, "Card payments fail", public=True), "U_ALICE")
    post_update(running, channel, form("Internal: db-7 is on fire, ask Bob"), "U_ALICE")
    running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if "db-7" in m.all_text]
    )
    return channel


def test_a_published_incident_shows_with_its_public_updates_only(running: Running) -> None:
    empty = page(running)
    assert "All systems operational" in empty.text
    assert "Checkout" in empty.text and "Search" in empty.text.title()
    assert "billing-batch" not in empty.text

    published_incident(running)
    shown = page(running)
    assert "Acme Status" in shown.text
    assert "Major outage" in shown.text  # SEV1 on Checkout, by the default mapping
    assert EVIL_TITLE.replace("  ", " ") in shown.text  # shown as typed…
    assert EVIL_UPDATE in shown.text
    assert "script" not in shown.tags and "img" not in shown.tags and "b" not in shown.tags
    assert not any(a.startswith("on") for a in shown.attributes)  # …and inert
    assert "db-7" not in shown.text  # a non-public update never shows
    assert "Card payments fail" in shown.text


def test_the_page_sends_security_and_caching_headers_and_answers_304(running: Running) -> None:
    got = get(running, "/status")
    assert got.headers["content-type"].startswith("text/html")
    csp = got.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["referrer-policy"] == "no-referrer"
    assert "max-age=0" in got.headers["cache-control"]
    again = get(running, "/status", {"If-None-Match": got.headers["etag"]})
    assert again.status == 304 and again.body == b""
    assert get(running, "/status.json").headers["x-content-type-options"] == "nosniff"


def test_json_and_atom_carry_the_same_public_record(running: Running) -> None:
    published_incident(running)
    data = json.loads(get(running, "/status.json").body)
    assert data["status"]["indicator"] == "major_outage"
    assert {"name": "Checkout", "status": "major_outage"} in data["components"]
    [incident] = data["incidents"]
    assert incident["title"] == EVIL_TITLE.replace("  ", " ")
    assert [u["happening"] for u in incident["updates"]] == [EVIL_UPDATE]

    got = get(running, "/status/feed.atom")
    assert got.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(got.body)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}title") == "Acme Status"
    assert feed.findtext(f"{ATOM}updated", "").endswith("Z")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    for entry in entries:
        assert entry.findtext(f"{ATOM}id", "").startswith("urn:sitrep:")
        assert entry.findtext(f"{ATOM}updated") and entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}content").get("type") == "text"  # type: ignore[union-attr]
        assert entry.findtext(f"{ATOM}content", "").startswith(EVIL_UPDATE)  # text, not markup


def test_resolving_posts_a_final_public_update_and_moves_it_to_history(running: Running) -> None:
    channel = published_incident(running)
    running.driver.command("resolve Rolled back the deploy", user="U_ALICE", channel=channel)
    running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if "has been resolved" in m.all_text]
    )
    data = json.loads(get(running, "/status.json").body)
    assert data["incidents"] == [] and data["status"]["indicator"] == "operational"
    [past] = data["history"]
    assert past["updates"][0]["final"] is True
    assert "Rolled back the deploy" in past["updates"][0]["happening"]
    shown = page(running)
    assert "All systems operational" in shown.text and "Past incidents" in shown.text


def test_private_and_unpublished_incidents_never_show(running: Running) -> None:
    declared(running, "declare sev2 Unpublished checkout trouble")
    running.driver.command("declare", user="U_ALICE")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_ALICE"))
    running.driver.submit(view.id, declare_form("Secret breach", "sev1", private=True))
    channel = running.slack.wait_for(
        lambda: next(
            (c.id for c in running.slack.channels() if c.is_private and "secret" in c.name), None
        )
    )
    running.slack.wait_for(lambda: running.slack.pins(channel))
    refused = running.driver.command("publish", user="U_ALICE", channel=channel)
    assert "private" in refused.json["text"]
    [announcement] = running.slack.pins(channel)
    assert "Publish to status page" not in json.dumps(announcement.blocks)
    for path in ("/status", "/status.json", "/status/feed.atom"):
        body = get(running, path).text
        assert "Secret" not in body and "Unpublished" not in body


def test_the_announcement_button_publishes_and_unpublishes(running: Running) -> None:
    channel = declared(running, "declare sev3 Search is slow")
    [announcement] = running.slack.pins(channel)
    running.driver.click(channel, announcement.ts, "Publish to status page", user="U_ALICE")
    running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if "published it to" in m.all_text]
    )
    assert "Search is slow" in page(running).text
    pinned = running.slack.wait_for(
        lambda: "Unpublish" in json.dumps(running.slack.message(channel, announcement.ts).blocks)
    )
    assert pinned
    running.driver.click(channel, announcement.ts, "Unpublish", user="U_ALICE")
    running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if "took it off" in m.all_text]
    )
    assert "Search is slow" not in page(running).text


def test_only_get_is_served(running: Running) -> None:
    request = urllib.request.Request(running.url + "/status", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 405


def test_stakeholder_posts_are_unaffected_by_publishing(running: Running) -> None:
    """Publishing is about the status page only: no stakeholder channel is configured here,
    so an update stays in the incident channel."""
    channel = published_incident(running)
    assert updates_in(running, running.general) == []
    assert channel
