"""`/incident search` as people use it: signed slash commands into the running app, the
answer read from the fake Slack, on SQLite and PostgreSQL."""

import json
from typing import Any

from bot.adapters.slack.ids import Action
from tests.e2e.conftest import Running
from tests.e2e.harness import declare_form
from tests.e2e.test_declare import YEAR


def declare(running: Running, text: str, user: str) -> str:
    """Declares by command; returns the channel once the room is open."""
    assert running.driver.command(text, user=user).status == 200
    return opened(running, text.split(maxsplit=2)[2], user)


def declare_private(running: Running, title: str, by: str) -> str:
    """A private incident declared through the form; returns its channel."""
    slack = running.slack
    running.driver.command("declare", user=by)
    [view] = slack.wait_for(lambda: slack.open_views(by))
    running.driver.submit(view.id, declare_form(title, "sev2", private=True), user=by)
    return opened(running, title, by)


def opened(running: Running, title: str, by: str) -> str:
    slack = running.slack
    incident = slack.wait_for(
        lambda: [i for i in running.sitrep.deps.incidents.list_incidents(
            include_resolved=True, viewer=by) if i.title == title and i.channel_id]
    )[0]  # fmt: skip
    slack.wait_for(lambda: slack.pins(incident.channel_id))  # the room is open
    return str(incident.channel_id)


def search(running: Running, text: str, user: str, channel: str | None = None) -> Any:
    reply = running.driver.command(f"search {text}", user=user, channel=channel)
    assert reply.status == 200, reply
    assert reply.json["response_type"] == "ephemeral"
    return reply.json


def shown(answer: Any) -> str:
    return json.dumps(answer.get("blocks", [])) + answer.get("text", "")


def test_search_finds_the_right_incidents_and_never_a_private_one_of_others(
    running: Running,
) -> None:
    secret = declare_private(running, "Payroll database timeout", by="U_BOB")
    running.driver.say(secret, "payroll batch hit a database timeout again", user="U_BOB")
    checkout = declare(running, "declare sev2 Checkout failing", user="U_ALICE")
    running.driver.say(
        checkout, "seeing database timeout errors from the orders service", user="U_ALICE"
    )
    running.driver.command("resolve Raised the connection pool size", channel=checkout)
    declare(running, "declare sev3 Images not loading", user="U_ALICE")
    public_ref, secret_ref = f"INC-{YEAR}-0002", f"INC-{YEAR}-0001"

    found = shown(search(running, "database timeout", user="U_CAROL"))
    assert public_ref in found and f"<#{checkout}>" in found
    assert "*database*" in found and "*timeout*" in found  # the matches in bold
    assert "Raised the connection pool size" in found  # the resolution summary
    assert "Images" not in found
    assert secret_ref not in found and "Payroll" not in found and secret not in found

    # Asking for the private incident by its own words: the answer is that of a search
    # for something no incident mentions, so nothing hints that it exists.
    hidden = search(running, "payroll", user="U_CAROL")
    nothing = search(running, "zeppelin", user="U_CAROL")
    assert shown(hidden).replace("payroll", "zeppelin") == shown(nothing)

    # Its own people find it: the declarer anywhere, anyone asking in its channel.
    assert secret_ref in shown(search(running, "payroll", user="U_BOB"))
    assert secret_ref in shown(search(running, "payroll", user="U_DAVE", channel=secret))


def test_filters_hostile_words_and_bad_filters(running: Running) -> None:
    checkout = declare(running, "declare sev2 Checkout database timeout", user="U_ALICE")
    ref = f"INC-{YEAR}-0001"
    assert ref in shown(search(running, "timeout sev:2 status:declared", user="U_BOB"))
    assert ref not in shown(search(running, "timeout sev:3", user="U_BOB"))
    assert ref not in shown(search(running, "timeout after:2999-01-01", user="U_BOB"))
    for hostile in ("'; DROP TABLE incident; --", '" OR 1=1 --', "NEAR(database", "data*"):
        search(running, hostile, user="U_BOB")
    assert ref in shown(search(running, "database", user="U_BOB"))  # all still there
    refused = search(running, "timeout sev:9", user="U_BOB")
    assert "is not a severity" in shown(refused) and "/incident search" in shown(refused)
    empty = search(running, "", user="U_BOB")
    assert "What should I search for?" in shown(empty)
    assert checkout  # the room opened; nothing above changed it


def test_many_results_come_five_at_a_time_with_more_results(running: Running) -> None:
    for n in range(7):
        declare(running, f"declare sev3 Queue backlog {n}", user="U_ALICE")
    first = search(running, "backlog", user="U_BOB")
    assert shown(first).count("Queue backlog") == 5
    general = running.slack.channel_by_name("general")
    assert general is not None
    payload = running.slack.click_ephemeral(
        general.id, first["blocks"], Action.MORE_RESULTS, "U_BOB"
    )
    assert running.driver.interact(payload).status == 200
    [page] = running.slack.wait_for(lambda: running.slack.responses(payload["response_url"]))
    assert page.body["replace_original"] is True
    text = json.dumps(page.body["blocks"])
    assert text.count("Queue backlog") == 2 and "6 to 7" in text
    assert Action.MORE_RESULTS not in text  # no page after the last
