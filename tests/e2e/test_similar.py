"""Similar past incidents as responders meet them: posted in the new incident's thread when
its room opens, and behind the announcement's Similar incidents button; signed Slack
requests in, the fake Slack read back, on SQLite and PostgreSQL."""

import json

from sandbox.slack.records import ResponsePost
from tests.e2e.conftest import Running
from tests.e2e.test_declare import YEAR
from tests.e2e.test_lifecycle import posts
from tests.e2e.test_postmortem import canvas_of
from tests.e2e.test_search import declare, declare_private


def similar_posts(running: Running, channel: str) -> list[str]:
    """Sitrep's similar-incident posts in the channel, each checked to be a reply in the
    announcement's thread."""
    slack = running.slack
    [announcement] = slack.pins(channel)
    found = []
    for message in slack.messages(channel):
        if message.bot_id and "Similar past incidents" in message.all_text:
            assert message.thread_ts == announcement.ts, "not in the announcement's thread"
            found.append(message.all_text)
    return found


def history(running: Running) -> str:
    """A resolved connection-pool incident, an unrelated one, and a private one of Bob's
    about the same thing; returns the private incident's channel."""
    pool = declare(running, "declare sev2 Orders database connection pool exhausted", "U_ALICE")
    running.driver.command("resolve Raised the pool size from 20 to 50", channel=pool)
    images = declare(running, "declare sev3 Product images not loading", "U_ALICE")
    running.driver.command("resolve Purged the CDN cache", channel=images)
    return declare_private(running, "Payroll database connection pool exhausted", by="U_BOB")


def test_a_new_incident_is_greeted_with_the_past_incidents_like_it(running: Running) -> None:
    secret = history(running)
    pool_ref, images_ref, secret_ref = (f"INC-{YEAR}-000{n}" for n in (1, 2, 3))
    first = running.sitrep.deps.incidents.find(pool_ref, None)
    assert first.channel_id is not None
    assert similar_posts(running, first.channel_id) == []  # nothing came before it

    channel = declare(
        running, "declare sev2 Connection pool exhausted on the orders database again", "U_CAROL"
    )
    [post] = running.slack.wait_for(lambda: similar_posts(running, channel))
    assert pool_ref in post and "Raised the pool size from 20 to 50" in post
    assert f"<#{first.channel_id}>" in post
    assert images_ref not in post
    # The thread is read by everyone in the channel: a private incident never shows there.
    assert secret_ref not in post and "Payroll" not in post and secret not in post

    # The post-mortem draft lists them too, for the review.
    running.driver.command("resolve Restarted the pool", channel=channel)
    markdown = canvas_of(running, channel)
    assert "| Category | _not set: `/incident category`_ |" in markdown
    assert "| Detected by | _not recorded_ |" in markdown
    section = markdown.split("## Similar past incidents", 1)[1].split("## ", 1)[0]
    assert f"**{pool_ref}** Orders database connection pool exhausted" in section
    assert "Raised the pool size from 20 to 50" in section and secret_ref not in section


def test_the_similar_incidents_button_answers_the_clicker_with_what_they_may_see(
    running: Running,
) -> None:
    history(running)
    pool_ref, secret_ref = f"INC-{YEAR}-0001", f"INC-{YEAR}-0003"
    channel = declare(running, "declare sev2 Database connection pool exhausted", "U_CAROL")
    [announcement] = running.slack.pins(channel)
    slack = running.slack

    def answer_to(user: str) -> str:
        def answers() -> list[ResponsePost]:
            return [r for r in slack.responses() if "similar past incidents" in r.text]

        before = len(answers())
        assert running.driver.click(channel, announcement.ts, "Similar incidents", user=user)
        [reply] = slack.wait_for(lambda: answers()[before:] or None)
        assert reply.body["response_type"] == "ephemeral"
        return json.dumps(reply.blocks)

    bob_sees = answer_to("U_BOB")  # declared the private one
    assert pool_ref in bob_sees and secret_ref in bob_sees
    dave_sees = answer_to("U_DAVE")
    assert pool_ref in dave_sees and secret_ref not in dave_sees and "Payroll" not in dave_sees


def test_a_new_category_suggests_again_only_when_the_answer_changes(running: Running) -> None:
    past = declare(running, "declare sev2 Replica lag on the orders database", "U_ALICE")
    running.driver.command("services orders-db", channel=past)
    running.driver.command("category Database/replication", channel=past)
    running.driver.command("resolve Restarted replication from a fresh base backup", channel=past)

    latest = declare(running, "declare sev3 Reports show yesterday's numbers", "U_CAROL")
    assert similar_posts(running, latest) == []  # no word in common
    running.driver.command("services orders-db", channel=latest)
    running.slack.wait_for(lambda: [p for p in posts(running, latest) if "orders-db" in p] or None)
    assert similar_posts(running, latest) == []  # a shared service alone is not enough

    running.driver.command("category Database/replication", channel=latest)
    [post] = running.slack.wait_for(lambda: similar_posts(running, latest) or None)
    assert f"INC-{YEAR}-0001" in post and "Restarted replication" in post

    # Another service that changes nothing: the same answer is not posted again.
    running.driver.command("services orders-db, reporting", channel=latest)
    running.slack.wait_for(lambda: [p for p in posts(running, latest) if "reporting" in p] or None)
    assert len(similar_posts(running, latest)) == 1


def test_a_past_incident_with_the_same_failure_is_found_in_other_words(running: Running) -> None:
    """No word in common: what they share is the failure, said as the logs say it."""
    pooled = declare(running, "declare sev2 Checkout 504s on confirm", "U_ALICE")
    running.driver.command(
        "resolve PgBouncer max_client_conn reached; raised it to 400", channel=pooled
    )
    declare(running, "declare sev3 Checkout 504s after the release", "U_ALICE")
    channel = declare(
        running, "declare sev2 Orders: FATAL: sorry, too many clients already", "U_CAROL"
    )
    [post] = running.slack.wait_for(lambda: similar_posts(running, channel))
    assert f"INC-{YEAR}-0001" in post and f"INC-{YEAR}-0002" not in post
    assert "*Same failure:* connection pool exhausted" in post


def test_when_the_channel_names_the_failure_the_past_incidents_with_it_follow(
    running: Running,
) -> None:
    """Declared on symptoms, with nothing like it; a responder's finding in the channel
    names the failure, and the past incident with that failure is posted in the thread."""
    pooled = declare(running, "declare sev2 Checkout 504s on confirm", "U_ALICE")
    running.driver.command(
        "resolve PgBouncer max_client_conn reached; raised it to 400", channel=pooled
    )
    channel = declare(running, "declare sev2 Order history page spinning", "U_CAROL")
    slack = running.slack
    slack.user_joins(channel, "U_BOB")
    for text in ("looking at it", "db log: FATAL: sorry, too many clients already"):
        event = slack.user_posts(channel, "U_BOB", text)
        assert running.driver.event(event).status == 200
    [post] = slack.wait_for(lambda: similar_posts(running, channel))
    assert f"INC-{YEAR}-0001" in post and "*Same failure:* connection pool exhausted" in post
