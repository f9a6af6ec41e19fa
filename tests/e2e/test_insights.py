"""Insights as people get them: `/incident stats` with its numbers and chart, the export,
and the weekly digest, from incidents worked through Slack with time moved forward."""

import csv
import io
import json
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from PIL import Image

from app import Sitrep, build
from bot.config import Insights, Policy
from bot.settings import Settings
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import SIGNING_SECRET, tick
from tests.e2e.test_startup import environment, run_app
from tests.fakes.slack_api import FakeSlack, Message


def shown(value: object) -> str:
    """What Slack shows, as one text to search."""
    return json.dumps(value, ensure_ascii=False)


def declared(running: Running, text: str, slug: str, user: str = "U_ALICE") -> str:
    """Declares by command and waits for the room; returns its channel."""
    assert running.driver.command(f"declare {text}", user=user).status == 200
    slack = running.slack
    channel = slack.wait_for(
        lambda: next((c for c in slack.channels() if c.name.endswith(slug)), None)
    )
    slack.wait_for(lambda: slack.pins(channel.id))
    return channel.id


def command(running: Running, text: str, channel: str, user: str = "U_ALICE") -> None:
    reply = running.driver.command(text, user=user, channel=channel)
    assert reply.status == 200 and reply.body == "", reply.body


def worked_incidents(running: Running, clock: FastForward) -> list[str]:
    """Three incidents: a SEV1 acknowledged in 2 minutes and resolved in 45, a SEV2
    acknowledged in 10 and resolved in 2 hours, a SEV3 never acknowledged, still open."""
    first = declared(running, "sev1 Checkout down", "checkout-down")
    command(running, "services checkout-api", first)
    clock.advance(minutes=2)
    command(running, "role commander <@U_BOB>", first)
    clock.advance(minutes=18)
    command(running, "status mitigated", first, user="U_BOB")
    clock.advance(minutes=25)
    command(running, "resolve rolled back", first, user="U_BOB")
    clock.advance(days=1)
    second = declared(running, "sev2 Search slow", "search-slow")
    command(running, "services search, checkout-api", second)
    clock.advance(minutes=10)
    command(running, "role commander <@U_CAROL>", second)
    clock.advance(minutes=110)
    command(running, "resolve reindexed", second, user="U_CAROL")
    third = declared(running, "sev3 Docs typo", "docs-typo", user="U_DAVE")
    clock.advance(hours=3)  # past the SEV3's 2-hour response target, unacknowledged
    return [first, second, third]


def answer(slack: FakeSlack, text: str) -> dict:  # type: ignore[type-arg]
    [found] = slack.wait_for(lambda: [r.body for r in slack.responses() if text in shown(r.body)])
    return found


def png_of(slack: FakeSlack, blocks: list[dict]) -> list[Image.Image]:  # type: ignore[type-arg]
    """The pictures the image blocks show, as Slack stored their uploads."""
    images = []
    for block in blocks:
        if block.get("type") == "image":
            upload = slack.file(block["slack_file"]["id"])
            assert upload.completed and upload.data is not None
            image = Image.open(io.BytesIO(upload.data))
            image.load()  # decodes every pixel: a broken PNG raises here
            images.append(image)
    return images


def test_stats_show_the_headline_numbers_against_the_period_before_with_a_chart(
    running: Running, clock: FastForward
) -> None:
    worked_incidents(running, clock)
    reply = running.driver.command("stats 7d", user="U_ALICE")
    assert reply.json["text"] == "Working out the numbers for the last 7 days…"
    body = answer(running.slack, "Incidents, the last 7 days")
    assert body["response_type"] == "ephemeral"
    text = shown(body["blocks"])
    assert "*Incidents*\\n3 (was 0)" in text and "*Still open*\\n1" in text
    assert "*Response targets met*\\n67% (2 of 3)" in text
    assert "*Time to acknowledge*\\nmedian 6m\\nmean 6m · p90 10m · of 2" in text
    assert "*Time to resolve*\\nmedian 1h 22m\\nmean 1h 22m · p90 2h 0m · of 2" in text
    assert "checkout-api 2 (2h 45m of impact)" in text and "search 1 (2h 0m of impact)" in text
    assert "*Median time to resolve by severity:* SEV1 45m · SEV2 2h 0m" in text
    assert "*…by service:* checkout-api 1h 22m · search 2h 0m" in text
    assert "<@U_BOB> 1 (1 severe" in text
    assert "*Repeats* (a service hit again soon after): 1: INC-" in text
    [chart] = png_of(running.slack, body["blocks"])
    assert chart.format == "PNG" and chart.size == (800, 420)


def test_stats_say_which_categories_grew_against_the_period_before(
    running: Running, clock: FastForward
) -> None:
    before = declared(running, "sev3 Replica lag", "replica-lag")
    command(running, "category Database/replication", before)
    clock.advance(days=8)
    for text, slug, category in (
        ("sev3 Cache cold", "cache-cold", "Database/caching"),
        ("sev3 Pool full", "pool-full", "Database/connection pool"),
        ("sev3 Resolver down", "resolver-down", "Network/DNS"),
    ):
        command(running, f"category {category}", declared(running, text, slug))
    running.driver.command("stats 7d", user="U_ALICE")
    text = shown(answer(running.slack, "Incidents, the last 7 days")["blocks"])
    assert "*By category:* Database 2 (was 1) · Network 1 (was 0)" in text


def test_stats_go_out_without_the_chart_while_slack_is_still_processing_it(
    running: Running, clock: FastForward
) -> None:
    worked_incidents(running, clock)
    running.slack.process_files_slowly()
    running.driver.command("stats 7d", user="U_ALICE")
    body = answer(running.slack, "weren't ready to show")
    assert "*Incidents*\\n3 (was 0)" in shown(body["blocks"])
    assert [b for b in body["blocks"] if b["type"] == "image"] == []


def test_stats_for_one_service_or_severity_and_in_the_channel(
    running: Running, clock: FastForward
) -> None:
    worked_incidents(running, clock)
    running.driver.command("stats 30d service:search public", user="U_BOB")
    body = answer(running.slack, "service search")
    assert body["response_type"] == "in_channel"
    assert "*Incidents*\\n1 (was 0)" in shown(body["blocks"])
    running.driver.command("stats 30d sev:3", user="U_BOB")
    only = shown(answer(running.slack, "· SEV3")["blocks"])
    assert "*Incidents*\\n1 (was 0)" in only and "*Still open*\\n1" in only


def test_bad_stats_requests_are_answered_and_change_nothing(running: Running) -> None:
    for text, says in (
        ("stats fortnight", "is not a range"),
        ("stats sev:9", "is not a severity"),
        ("stats 2099-Q1", "hasn't started yet"),
        ("export 7d 30d", "Export takes one range"),
    ):
        reply = running.driver.command(text, user="U_ALICE")
        assert reply.status == 200 and says in reply.text, (text, reply.text)
    assert running.slack.files() == []


def test_private_incidents_count_only_for_those_who_may_see_them(
    running: Running, clock: FastForward
) -> None:
    from tests.e2e.harness import declare_form

    running.driver.command("declare", user="U_BOB")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))
    running.driver.submit(view.id, declare_form("Secret", "sev2", private=True), user="U_BOB")
    running.slack.wait_for(lambda: [c for c in running.slack.channels() if "secret" in c.name])
    headed = "Incidents, the last 7 days"
    running.driver.command("stats 7d", user="U_BOB")
    bob = answer(running.slack, headed)
    assert "*Incidents*\\n1 (was 0)" in shown(bob["blocks"])  # he declared it
    running.driver.command("stats 7d", user="U_CAROL")
    carol = running.slack.wait_for(
        lambda: [r.body for r in running.slack.responses() if headed in shown(r.body)][1:]
    )
    assert "No incidents declared" in shown(carol)
    running.driver.command("stats 7d public", user="U_BOB")  # for everyone in the channel
    posted = running.slack.wait_for(
        lambda: [r.body for r in running.slack.responses() if headed in shown(r.body)][2:]
    )
    assert posted[0]["response_type"] == "in_channel"
    assert "No incidents declared" in shown(posted[0])


def test_the_export_sends_a_csv_of_every_timestamp_and_duration(
    running: Running, clock: FastForward
) -> None:
    first = worked_incidents(running, clock)[0]
    command(running, "category Application/API", first)
    command(running, "tag checkout deploy", first)
    command(running, "scope company_wide", first)
    reply = running.driver.command("export 7d", user="U_ALICE")
    assert "arrives in your direct messages" in reply.json["text"]
    [shared] = running.slack.wait_for(
        lambda: [m for m in running.slack.direct_messages("U_ALICE") if m.files]
    )
    upload = running.slack.file(shared.files[0]["id"])
    rows = list(csv.DictReader(io.StringIO(upload.text)))
    assert [r["severity"] for r in rows] == ["sev1", "sev2", "sev3"]
    first = rows[0]
    assert (first["commander"], first["minutes_to_acknowledge"]) == ("U_BOB", "2.0")
    assert (first["minutes_to_resolve"], first["services"]) == ("45.0", "checkout-api")
    assert rows[2]["resolved_at"] == "" and rows[2]["minutes_to_resolve"] == ""
    assert (first["category"], first["tags"]) == ("Application/API", "checkout; deploy")
    assert (first["impact_scope"], first["detection"]) == ("company_wide", "")
    assert "3 incidents declared the last 7 days" in shared.text


def test_the_command_line_writes_the_export_for_bi_tools(
    running: Running, database_url: str, tmp_path: Path
) -> None:
    declared(running, "sev2 Checkout down", "checkout-down")
    declared(running, "sev3 Docs typo", "docs-typo")
    out = tmp_path / "incidents.json"
    result = run_app(
        "export", "7d", "--format", "json", "--output", str(out),
        env=environment(DATABASE_URL=database_url), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote 2 incidents" in result.stderr
    rows = json.loads(out.read_text())
    assert [(r["severity"], r["title"]) for r in rows] == [
        ("sev2", "Checkout down"), ("sev3", "Docs typo"),
    ]  # fmt: skip
    as_csv = run_app("export", "30d", env=environment(DATABASE_URL=database_url), cwd=tmp_path)
    assert as_csv.stdout.splitlines()[0].startswith("ref,title,severity,status")
    bad = run_app("export", "fortnight", env=environment(DATABASE_URL=database_url), cwd=tmp_path)
    assert bad.returncode == 2 and "is not a range" in bad.stderr
    fresh = f"sqlite:///{tmp_path / 'never-used.db'}"
    empty = run_app("export", "7d", env=environment(DATABASE_URL=fresh), cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.splitlines() == [as_csv.stdout.splitlines()[0]]  # the header only


def digests_to_incidents(slack: FakeSlack, every: str) -> Policy:
    """Digests every `every` (from Monday 09:00) in #incidents, the announcements channel."""
    incidents = slack.channel_by_name("incidents")
    assert incidents is not None
    rules = Insights(digest_channel=incidents.id, digest_at="mon 09:00", digest_every=every)
    return Policy(announcements_channel=incidents.id, insights=rules)


class TestTheWeeklyDigest:
    @pytest.fixture
    def clock(self) -> FastForward:
        """Tuesday 10:00 UTC: the incidents below all fall in one digest week."""
        clock = FastForward()
        today = clock().date()
        tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
        start = datetime.combine(tuesday, time(10), tzinfo=UTC)
        clock.advance(seconds=(start - clock()).total_seconds())
        return clock

    @pytest.fixture
    def policy(self, slack: FakeSlack) -> Policy:
        return digests_to_incidents(slack, every="1w")

    def digests(self, running: Running) -> dict[str, Message]:
        """The digests in the channel, by the period they are for."""
        found = {}
        for message in running.slack.messages(running.announcements):
            key = ((message.metadata or {}).get("event_payload") or {}).get("key", "")
            if key.startswith("digest"):
                assert key not in found, f"{key} twice"
                found[key] = message
        return found

    def test_one_digest_a_week_with_the_weeks_numbers_and_charts(
        self, running: Running, clock: FastForward
    ) -> None:
        tick(running)  # a first start sends last week's digest at once
        assert len(self.digests(running)) == 1
        worked_incidents(running, clock)
        monday = clock().date() + timedelta(days=7 - clock().weekday())
        target = datetime.combine(monday, time(9), tzinfo=UTC)
        clock.advance(seconds=(target - clock()).total_seconds() - 60)
        tick(running)
        assert len(self.digests(running)) == 1  # not yet: a minute early
        clock.advance(seconds=61)
        tick(running)
        tick(running)
        digest = self.digests(running)[f"digest:{int(target.timestamp())}"]
        text = shown(digest.blocks)
        assert "Incident digest: the 7 days to Mon" in text
        assert "*3 incidents* (was 0): SEV1 1 · SEV2 1 · SEV3 1" in text
        assert "Checkout down · resolved in 45m" in text
        assert "*Time to resolve* (median)\\nthis week 1h 22m · last week — · quarter" in text
        assert "*Action items:* 0 open" in text
        charts = png_of(running.slack, digest.blocks)
        assert len(charts) == 3 and all(c.format == "PNG" for c in charts)
        clock.advance(days=3)
        tick(running)
        assert len(self.digests(running)) == 2  # one a week

    def test_replicas_ticking_at_once_send_one_digest(
        self, running: Running, slack: FakeSlack, policy: Policy, database_url: str,
        clock: FastForward,
    ) -> None:  # fmt: skip
        settings = Settings(
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
            database_url=database_url,
        )
        replicas = [running.sitrep, *(build(settings, policy, clock=clock) for _ in range(2))]
        barrier = threading.Barrier(len(replicas))

        def together(replica: Sitrep) -> None:
            barrier.wait()
            replica.tick()

        try:
            threads = [threading.Thread(target=together, args=(r,)) for r in replicas]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            for replica in replicas[1:]:
                replica.close()
        assert len(self.digests(running)) == 1


def test_a_reopened_incident_counts_to_its_final_resolution(
    running: Running, clock: FastForward
) -> None:
    channel = declared(running, "sev2 Flapping queue", "flapping-queue")
    command(running, "role commander <@U_BOB>", channel)
    clock.advance(minutes=10)
    command(running, "resolve drained", channel)
    clock.advance(minutes=10)
    command(running, "reopen it came back", channel)
    clock.advance(minutes=40)
    command(running, "resolve scaled the consumers", channel)
    running.driver.command("stats 7d", user="U_ALICE")
    text = shown(answer(running.slack, "Incidents, the last 7 days")["blocks"])
    assert "*Time to resolve*\\nmedian 1h 0m" in text


class TestADigestOnASecondScale:
    """A demo's digest: every 20 seconds instead of every week."""

    @pytest.fixture
    def policy(self, slack: FakeSlack) -> Policy:
        return digests_to_incidents(slack, every="20s")

    def test_one_digest_each_period(self, running: Running, clock: FastForward) -> None:
        def digests() -> list[Message]:
            return [m for m in running.slack.messages(running.announcements)
                    if "Incident digest" in m.text]  # fmt: skip

        declared(running, "sev2 Checkout down", "checkout-down")
        # A second into a period (periods count from a Monday 09:00, in whole 20 seconds).
        clock.advance(seconds=(20 - (clock().timestamp() - 1) % 20) % 20)
        tick(running)
        tick(running)
        assert len(digests()) == 1
        clock.advance(seconds=15)
        tick(running)
        assert len(digests()) == 1  # the same period
        clock.advance(seconds=10)
        tick(running)
        assert len(digests()) == 2
        assert "Incident digest: the 20 seconds to" in digests()[-1].text


class TestADigestWithAPrivateIncident:
    @pytest.fixture
    def policy(self, slack: FakeSlack) -> Policy:
        return digests_to_incidents(slack, every="1h")

    def test_a_private_incident_is_only_counted(self, running: Running, clock: FastForward) -> None:
        from tests.e2e.harness import declare_form

        declared(running, "sev2 Checkout down", "checkout-down")
        running.driver.command("declare", user="U_BOB")
        [view] = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))
        form = declare_form("Secret acquisition", "sev1", private=True)
        running.driver.submit(view.id, form, user="U_BOB")
        secret = running.slack.wait_for(
            lambda: next((c for c in running.slack.channels() if "secret" in c.name), None)
        )
        running.slack.wait_for(lambda: running.slack.pins(secret.id))
        command(running, "services secret-db", secret.id, user="U_BOB")
        command(running, "role commander <@U_BOB>", secret.id, user="U_BOB")
        running.slack.process_files_slowly()  # and the charts are not ready in time
        clock.advance(seconds=3600 - clock().timestamp() % 3600 + 1)  # the next hour's digest
        tick(running)
        [digest] = running.slack.wait_for(
            lambda: [
                m
                for m in running.slack.messages(running.announcements)
                if "Incident digest" in m.text
            ]
        )
        text = shown(digest.blocks)
        assert "*2 incidents*" in text and "and 1 private incident" in text
        assert "Secret" not in text and "secret-db" not in text and "U_BOB" not in text
        assert "weren't ready to show" in text  # sent without its charts, not lost
        alts = " ".join(u.alt_txt or "" for u in running.slack.files())
        assert "secret-db" not in alts


def test_the_start_up_warm_up_reads_ahead_without_changing_an_answer(
    running: Running, clock: FastForward
) -> None:
    insights = running.sitrep.deps.insights
    assert insights.warm_up() == 0  # nothing to read yet: it still draws its chart
    worked_incidents(running, clock)
    period = insights.period("7d")
    cold = insights.stats("U_ALICE", period)
    assert insights.warm_up() == 3
    assert insights.stats("U_ALICE", period) == cold
