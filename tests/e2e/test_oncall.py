"""On-call as a team sees it: `/incident oncall` through signed slash commands, overrides
and taken shifts, the App Home's next shifts, who was on call when an incident started,
and the calendar feeds over HTTP; on SQLite and PostgreSQL."""

import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest

from bot.config import Policy
from tests.core.test_ical import events, unescape, unfolded
from tests.e2e.conftest import Running
from tests.e2e.harness import Reply
from tests.e2e.test_app_home import open_home, text
from tests.e2e.test_problems import open_incident
from tests.fakes.slack_api import FakeSlack

TOKEN = "feed-token-0123456789abcdef"
START = date.today() - timedelta(days=10)


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    channel = slack.channel_by_name("incidents")
    assert channel is not None
    layer = {"start": START.isoformat(), "length": "weekly", "handoff": "09:00"}
    return Policy.model_validate(
        {
            "announcements_channel": channel.id,
            "services": [
                {"name": "checkout-api", "schedule": "payments"},
                {"name": "search-api", "schedule": "search"},
            ],
            "oncall": {
                "feed_token": TOKEN,
                "schedules": [
                    {
                        "name": "payments",
                        "owner": "U_OWNER",
                        "timezone": "Europe/London",
                        "layers": [
                            {"name": "primary", "members": ["U_ALICE"], **layer},
                            {"name": "secondary", "members": ["U_BOB"], **layer},
                        ],
                    },
                    {
                        "name": "search",
                        "timezone": "Asia/Tokyo",
                        "layers": [{"name": "primary", "members": ["U_CAROL"], **layer}],
                    },
                ],
            },
        }
    )


def oncall(running: Running, text: str, user: str = "U_ALICE", **more: str) -> Reply:
    reply = running.driver.command(f"oncall {text}".strip(), user=user, **more)
    assert reply.status == 200, reply
    assert reply.json["response_type"] == "ephemeral"
    return reply


def stamp(*parts: int) -> str:
    """How a UTC instant appears in a Slack date: `<!date^<epoch>^…`."""
    return f"<!date^{int(datetime(*parts, tzinfo=UTC).timestamp())}^"  # type: ignore[misc]


def test_who_is_on_call_now_and_next_for_every_schedule_a_schedule_or_a_service(
    running: Running,
) -> None:
    everyone = oncall(running, "").text
    assert "*payments* (Europe/London, owner <@U_OWNER>)" in everyone
    assert "*primary*: <@U_ALICE> until <!date^" in everyone
    assert "*secondary*: <@U_BOB> until" in everyone and "next <@U_BOB> from <!date^" in everyone
    assert "*search* (Asia/Tokyo)" in everyone and "<@U_CAROL>" in everyone

    search = oncall(running, "search-api").text  # a service's schedule
    assert "<@U_CAROL>" in search and "payments" not in search
    assert "<@U_ALICE>" in oncall(running, "PAYMENTS").text


def test_an_override_in_the_askers_timezone_shows_and_a_retry_makes_one(running: Running) -> None:
    # Bob is in New York: 18:00 on 10 January 2030 is 23:00 UTC.
    text = "override <@U_DAVE> 2030-01-10 18:00 2030-01-11 09:00 payments"
    reply = oncall(running, text, user="U_BOB")
    assert "<@U_DAVE> on *payments* primary from " + stamp(2030, 1, 10, 23) in reply.text
    assert "instead of <@U_ALICE>" in reply.text
    again = running.driver.post(  # Slack retries the same request
        urlencode(running.driver.last_command).encode(), "application/x-www-form-urlencoded"
    )
    assert again.status == 200
    [made] = running.sitrep.deps.oncall.upcoming(None)
    assert (made.starts_at, made.ends_at) == (
        datetime(2030, 1, 10, 23, tzinfo=UTC),
        datetime(2030, 1, 11, 14, tzinfo=UTC),
    )
    listed = oncall(running, "overrides payments", user="U_CAROL").text
    assert f"*#{made.id}* <@U_DAVE>" in listed and "by <@U_BOB>" in listed

    refused = oncall(running, f"cancel {made.id}", user="U_CAROL").text
    assert "Only whoever made" in refused
    assert "Cancelled override" in oncall(running, f"cancel #{made.id}", user="U_ALICE").text
    assert "No overrides of *payments* to come" in oncall(running, "overrides payments").text


def test_taking_the_shift_puts_me_on_call_now(running: Running) -> None:
    reply = oncall(running, "take payments", user="U_CAROL")
    assert "<@U_CAROL> on *payments* primary" in reply.text
    assert "instead of <@U_ALICE>" in reply.text
    now = oncall(running, "payments").text
    assert "*primary*: <@U_CAROL> (override) until" in now


def test_overrides_made_taken_and_cancelled_are_audited_once(running: Running) -> None:
    oncall(running, "override <@U_DAVE> 2030-01-10 18:00 2030-01-11 09:00 payments", user="U_BOB")
    again = running.driver.post(  # Slack retries the same request: one override, one entry
        urlencode(running.driver.last_command).encode(), "application/x-www-form-urlencoded"
    )
    assert again.status == 200
    oncall(running, "take payments", user="U_CAROL")
    made = running.sitrep.deps.oncall.upcoming(None)
    assert len(made) == 2
    dave = next(o for o in made if o.user == "U_DAVE")
    oncall(running, f"cancel {dave.id}", user="U_ALICE")

    assert running.audited() == [
        ("U_BOB", "override_created", "slash_command", "payments/primary"),
        ("U_CAROL", "override_taken", "slash_command", "payments/primary"),
        ("U_ALICE", "override_cancelled", "slash_command", "payments/primary"),
    ]
    audit = running.sitrep.deps.audit
    [created] = [e for e in audit.export(None, audit.query("7d")) if "created" in e["action"]]
    assert '"user": "U_DAVE"' in created["details"] and '"covers": "U_ALICE"' in created["details"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("billing", "I don't know a schedule or service called `billing`. Known: `payments`"),
        ("override <@U_DAVE> today 18:00 tomorrow 09:00", "Which schedule? Name one"),
        ("override <@U_DAVE> soon 18:00 tomorrow 09:00 payments", "is not a day"),
        ("override <@U_DAVE> today 7pm tomorrow 09:00 payments", "is not a time"),
        ("override <@U_DAVE> 2030-01-11 09:00 2030-01-10 18:00 payments", "end after it starts"),
        ("override <@U_DAVE> 2030-01-01 09:00 2030-03-01 09:00 payments", "at most 31 days"),
        ("override <@U_DAVE> 2020-01-01 09:00 2020-01-02 09:00 payments", "already over"),
        ("override <@U_DAVE> 2030-01-01 09:00 2030-01-02 09:00 payments night", "no layer"),
        ("cancel 4242", "no override #4242"),
        ("override " + "x" * 3100, "commands take at most 3000"),
    ],
)
def test_bad_input_gets_a_friendly_private_answer_and_changes_nothing(
    running: Running, text: str, says: str
) -> None:
    reply = oncall(running, text, user="U_BOB")
    assert says in reply.text
    assert running.sitrep.deps.oncall.upcoming(None) == []


def test_in_an_incident_channel_its_services_schedules_and_who_was_on_call(
    running: Running,
) -> None:
    channel = open_incident(running, 1, "Checkout down", services="checkout-api")
    here = oncall(running, "", channel=channel).text
    assert "Who is on call for INC-" in here and "*payments*" in here and "*search*" not in here
    shown = running.driver.command("show", user="U_BOB", channel=channel).text
    assert "On call when it started:* payments primary <@U_ALICE>, payments secondary <@U_BOB>" in (
        shown
    )


def test_the_home_tab_shows_my_next_shifts(running: Running) -> None:
    oncall(running, "override <@U_DAVE> 2030-01-10 18:00 2030-01-11 09:00 payments")
    alice = text(open_home(running, "U_ALICE"))
    assert "Your next on-call shifts" in alice and "*payments* primary: from <!date^" in alice
    dave = text(open_home(running, "U_DAVE"))  # 2030 is beyond the twelve weeks shown
    assert "None in the next twelve weeks." in dave


def get(running: Running, path: str, method: str = "GET") -> tuple[int, str, bytes]:
    request = urllib.request.Request(running.url + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_calendar_feeds_serve_every_shift_and_one_persons(running: Running) -> None:
    oncall(running, "take payments secondary", user="U_CAROL")  # an override in the feed
    status, kind, body = get(running, f"/oncall/payments.ics?token={TOKEN}")
    assert (status, kind) == (200, "text/calendar; charset=utf-8")
    assert unfolded(body)[0] == "BEGIN:VCALENDAR"
    shifts = events(body)
    summaries = {unescape(e["SUMMARY"]) for e in shifts}
    assert {"On call: alice (payments primary)", "On call: carol (payments secondary)"} <= (
        summaries
    )
    starts = sorted(datetime.strptime(e["DTSTART"], "%Y%m%dT%H%M%S%z") for e in shifts)
    now = datetime.now(UTC)
    assert starts[0] <= now - timedelta(days=9)  # the rotation began ten days ago
    assert starts[-1] >= now + timedelta(weeks=11)
    assert len({e["UID"] for e in shifts}) == len(shifts)

    status, _, mine = get(running, f"/oncall/payments/U_BOB.ics?token={TOKEN}")
    assert status == 200 and events(mine)
    assert {unescape(e["SUMMARY"]) for e in events(mine)} == {"On call: bob (payments secondary)"}


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/oncall/payments.ics", "GET", 401),
        ("/oncall/payments.ics?token=wrong", "GET", 401),
        (f"/oncall/billing.ics?token={TOKEN}", "GET", 404),
        (f"/oncall/checkout-api.ics?token={TOKEN}", "GET", 404),  # a service is not a feed
        (f"/oncall/payments.json?token={TOKEN}", "GET", 404),
        (f"/oncall/payments/bob.ics?token={TOKEN}", "GET", 404),
        (f"/oncall/payments.ics?token={TOKEN}", "POST", 405),
    ],
)
def test_feeds_refuse_wrong_tokens_and_unknown_schedules(
    running: Running, path: str, method: str, status: int
) -> None:
    got, kind, _ = get(running, path, method)
    assert (got, kind) == (status, "application/json")


def test_a_rotation_edited_by_command_shows_and_feeds_from_the_next_handoff(
    running: Running,
) -> None:
    reply = oncall(running, "rotation payments add <@U_DAVE>", user="U_BOB")
    assert "Added <@U_DAVE> to *payments* primary. From the handoff <!date^" in reply.text
    assert "<@U_ALICE> → <@U_DAVE>; <@U_ALICE> is on first" in reply.text
    again = running.driver.post(  # Slack retries the same request: one edit
        urlencode(running.driver.last_command).encode(), "application/x-www-form-urlencoded"
    )
    assert again.status == 200 and "Added <@U_DAVE>" in again.text

    blocks = oncall(running, "payments").json["blocks"]
    shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "*primary*: <@U_ALICE> until" in shown and "rotation: <@U_ALICE>\n" in shown
    assert ": <@U_ALICE> → <@U_DAVE>\n" in shown  # from the next handoff

    status, _, daves = get(running, f"/oncall/payments/U_DAVE.ics?token={TOKEN}")
    starts = [datetime.strptime(e["DTSTART"], "%Y%m%dT%H%M%S%z") for e in events(daves)]
    assert status == 200 and starts and min(starts) > datetime.now(UTC) + timedelta(days=3)
    _, _, everyone = get(running, f"/oncall/payments.ics?token={TOKEN}")
    primary = sorted(
        (datetime.strptime(e["DTSTART"], "%Y%m%dT%H%M%S%z"), unescape(e["SUMMARY"]).split()[2])
        for e in events(everyone)
        if "primary" in e["SUMMARY"]
    )
    soon = datetime.now(UTC) + timedelta(days=7)
    # The shifts begun, and the next one, keep Alice; then Dave and Alice take turns.
    assert {who for start, who in primary if start <= soon} == {"alice"}
    later = [who for start, who in primary if start > soon]
    assert later[:4] == ["dave", "alice", "dave", "alice"]

    refused = oncall(running, "rotation payments swap <@U_ALICE> <@U_ERIN>", user="U_BOB")
    assert "<@U_ERIN> is not in the rotation" in refused.text
    assert len(running.sitrep.deps.oncall.now_and_next(
        running.sitrep.deps.oncall.schedule("payments")).layers[0].members) == 1  # fmt: skip
