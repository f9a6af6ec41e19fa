"""Bad input, systematically: every entry point (interactive payloads for each action and
callback ID, shortcuts, events for each subscribed type, slash command fields, alert webhooks
for each source) gets payloads derived from real ones with keys removed, values of the wrong
type, huge strings, unknown IDs and stale view hashes.

The property, per request: a 2xx or 4xx answer, never a 5xx; no ERROR record in the log,
including from the work done after the acknowledgement; and a 4xx changes no row."""

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack.ids import Action, Callback, status_action_id
from bot.alerts.formats import SOURCES
from models import Status
from tests.e2e.conftest import Running
from tests.e2e.harness import Reply, declare_form
from tests.e2e.test_alerts import PAGERDUTY_SECRET, deliver, pagerduty_signature
from tests.e2e.test_alerts import policy as policy
from tests.e2e.test_declare import declare
from tests.e2e.watch import ErrorLog, error_log, row_counts, settle

PAYLOADS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "payloads"
# Derandomised: the same examples on every run, so CI is stable; raise max_examples (150
# runs in about a minute) to search further.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
HUGE = "\u202e" + "x" * 100_000

# What a control carries, per action ID (values as Sitrep's own blocks set them).
_ITEM, _INCIDENT = "1", "1"
ACTIONS: dict[str, dict[str, Any]] = {
    **{
        status_action_id(s): {"type": "button", "value": _INCIDENT}
        for s in Status
        if s is not Status.DECLARED
    },
    Action.CHANGE_SEVERITY: {"type": "static_select", "selected_option": {"value": "sev1"}},
    Action.CLAIM_COMMANDER: {"type": "button", "value": _INCIDENT},
    Action.ASSIGN_COMMANDER: {"type": "users_select", "selected_user": "U_BOB"},
    Action.POST_UPDATE: {"type": "button", "value": _INCIDENT},
    f"{Action.SNOOZE}.30": {"type": "button", "value": "30"},
    Action.CONFIRM_CATEGORY: {"type": "button", "value": "Database"},
    Action.CHOOSE_CATEGORY: {"type": "static_select", "selected_option": {"value": "Network"}},
    Action.SHOW_SIMILAR: {"type": "button", "value": _INCIDENT},
    Action.SUBSCRIBE: {"type": "button", "value": _INCIDENT},
    Action.PUBLISH: {"type": "button", "value": _INCIDENT},
    Action.UNPUBLISH: {"type": "button", "value": _INCIDENT},
    Action.FIX_PERMANENT: {"type": "button", "value": _INCIDENT},
    Action.FIX_WORKAROUND: {"type": "button", "value": _INCIDENT},
    Action.VERIFY_REPORTER: {"type": "button", "value": _INCIDENT},
    Action.VERIFY_METRICS: {"type": "button", "value": _INCIDENT},
    Action.MONITOR: {"type": "static_select", "selected_option": {"value": "2h"}},
    Action.OPEN_PROBLEM: {"type": "button", "value": _INCIDENT},
    Action.LINK_PROBLEM: {"type": "button", "value": "PRB-0001"},
    Action.COMPLETE_ITEM: {"type": "button", "value": _ITEM},
    Action.CANCEL_ITEM: {"type": "button", "value": _ITEM},
    Action.REASSIGN_ITEM: {"type": "users_select", "selected_user": "U_BOB", "block_id": _ITEM},
    Action.RESCHEDULE_ITEM: {
        "type": "datepicker",
        "selected_date": "2031-01-01",
        "block_id": _ITEM,
    },
    Action.ACCEPT_PROPOSAL: {"type": "button", "value": "1:0"},
    Action.DECLARE_FROM_ALERT: {"type": "button", "value": "1"},
    Action.DISMISS_ALERT: {"type": "button", "value": "1"},
    Action.ACK_PAGE: {"type": "button", "value": "1"},
    Action.ESCALATE_PAGE: {"type": "button", "value": "1"},
    Action.MORE_RESULTS: {"type": "button", "value": json.dumps({"q": "checkout", "p": 2})},
}
CALLBACKS = [str(c) for c in Callback]


# -- mutations --------------------------------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.just(HUGE),
    st.just("INC-2026-9999"),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if len(at) > 7:
        return
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        yield (*at, key)
        yield from _paths(child, (*at, key))


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any], ids: list[str] | None = None) -> dict[str, Any]:
    """`base` with one to three changes: a key removed, a value of another type or huge, or
    (where `ids` are given) an ID swapped for another or an unknown one."""
    payload = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(payload))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        kind = draw(st.sampled_from(["remove", "replace", "id"] if ids else ["remove", "replace"]))
        if kind == "remove":
            del parent[path[-1]]
        elif kind == "replace":
            parent[path[-1]] = draw(JUNK)
        else:
            parent[path[-1]] = draw(
                st.one_of(st.sampled_from(ids or ["x"]), st.text(max_size=30), st.just(HUGE))
            )
    return payload


# -- the property -----------------------------------------------------------------------------


class Checked:
    """Sends one request and checks the property on what followed."""

    def __init__(self, running: Running, log: ErrorLog) -> None:
        self.running, self.log = running, log

    def __call__(self, send: Callable[[], Reply]) -> Reply:
        settle(self.running.sitrep)
        self.log.take()
        before = row_counts(self.running.sitrep.engine)
        reply = send()
        settle(self.running.sitrep)
        assert reply.status < 500, reply
        assert self.log.take() == []
        if 400 <= reply.status < 500:
            assert row_counts(self.running.sitrep.engine) == before, reply
        assert "Something went wrong" not in reply.body
        return reply


@pytest.fixture
def checked(running: Running) -> Iterator[Checked]:
    with error_log() as log:
        yield Checked(running, log)


@pytest.fixture
def channel(running: Running) -> str:
    """An open incident (INC-…-0001, ID 1) whose channel the payloads come from."""
    return declare(running)


# -- interactive payloads ---------------------------------------------------------------------


@pytest.fixture
def block_actions(running: Running, channel: str) -> dict[str, dict[str, Any]]:
    """A real block_actions payload from the incident's announcement, per action ID."""
    [pinned] = running.slack.pins(channel)
    envelope = running.slack.click(channel, pinned.ts, "incident.claim_commander", "U_BOB")
    bases = {}
    for action_id, control in ACTIONS.items():
        payload = copy.deepcopy(envelope)
        action = {"action_id": action_id, "block_id": "b1", "action_ts": "1.2", **control}
        payload["actions"] = [action]
        bases[action_id] = payload
    return bases


@FUZZ
@given(data=st.data())
def test_any_block_action_is_answered_without_an_error(
    running: Running,
    block_actions: dict[str, dict[str, Any]],
    checked: Checked,
    data: st.DataObject,
) -> None:
    action_id = data.draw(st.sampled_from(sorted(block_actions)))
    payload = data.draw(mutated(block_actions[action_id], [*ACTIONS, *CALLBACKS]))
    checked(lambda: running.driver.interact(payload))


@pytest.fixture
def submissions(running: Running, channel: str) -> dict[str, dict[str, Any]]:
    """A real submission of the declare form, re-addressed to each callback ID with a
    plausible private_metadata and a stale hash."""
    running.driver.command("declare", user="U_BOB")
    view = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))[-1]
    real = running.slack.submit_view(view.id, "U_BOB", declare_form("Fuzzed", "sev3"))
    found = {}
    for callback_id in CALLBACKS:
        payload = copy.deepcopy(real)
        payload["view"]["callback_id"] = callback_id
        if callback_id != Callback.DECLARE:
            payload["view"]["private_metadata"] = json.dumps({"incident": 1, "item": 1})
        payload["view"]["hash"] = "1712345678.stale"
        found[callback_id] = payload
    return found


@FUZZ
@given(data=st.data())
def test_any_view_submission_is_answered_without_an_error(
    running: Running,
    submissions: dict[str, dict[str, Any]],
    checked: Checked,
    data: st.DataObject,
) -> None:
    base = submissions[data.draw(st.sampled_from(CALLBACKS))]
    payload = data.draw(mutated(base, [*CALLBACKS, *ACTIONS]))
    checked(lambda: running.driver.interact(payload))


@pytest.fixture
def shortcuts(running: Running, channel: str) -> list[dict[str, Any]]:
    """A global and a message shortcut, and an options request."""
    [pinned] = running.slack.pins(channel)
    shortcut = json.loads((PAYLOADS / "shortcut_global.json").read_text())
    shortcut |= {"callback_id": Callback.DECLARE, "user": {"id": "U_BOB", "team_id": "T_TEST"}}
    shortcut["trigger_id"] = running.slack.issue_trigger_id("U_BOB")
    message = running.slack.message_shortcut(channel, pinned.ts, Callback.CREATE_ITEM, "U_BOB")
    suggestion = {
        "type": "block_suggestion",
        "user": {"id": "U_BOB"},
        "team": {"id": "T_TEST"},
        "action_id": Action.CHANGE_SEVERITY,
        "block_id": "b1",
        "value": "sev",
        "container": {"type": "message", "channel_id": channel},
    }
    return [shortcut, message, suggestion]


@FUZZ
@given(data=st.data())
def test_any_shortcut_or_suggestion_is_answered_without_an_error(
    running: Running, shortcuts: list[dict[str, Any]], checked: Checked, data: st.DataObject
) -> None:
    base = data.draw(st.sampled_from(shortcuts))
    payload = data.draw(mutated(base, [*CALLBACKS, *ACTIONS]))
    checked(lambda: running.driver.interact(payload))


# -- events -----------------------------------------------------------------------------------


@pytest.fixture
def events(running: Running, channel: str) -> list[dict[str, Any]]:
    """One real event of each subscribed type, in the incident's channel, in its envelope."""
    slack = running.slack
    said = slack.user_posts(channel, "U_ALICE", "the database is on fire")
    home = json.loads((PAYLOADS / "event_app_home_opened.json").read_text())["event"]
    home["user"] = "U_BOB"
    found = [
        said,
        slack.user_posts(channel, "U_ALICE", "in a thread", thread_ts=said["ts"]),
        slack.user_edits(channel, said["ts"], "U_ALICE", "it is the cache"),
        slack.user_deletes(channel, said["ts"]),
        slack.user_reacts(channel, said["ts"], "U_BOB", "pushpin"),
        slack.user_joins(channel, "U_DAVE"),
        slack.user_archives(channel, "U_ALICE"),
        slack.user_archives(channel, "U_ALICE", archived=False),
        home,
    ]
    return [slack.event_callback(event) for event in found]


@FUZZ
@given(data=st.data())
def test_any_event_is_answered_without_an_error(
    running: Running, events: list[dict[str, Any]], checked: Checked, data: st.DataObject
) -> None:
    envelope = data.draw(mutated(data.draw(st.sampled_from(events))))
    checked(
        lambda: running.driver.post(json.dumps(envelope).encode(), "application/json", headers=None)
    )


# -- slash command fields ---------------------------------------------------------------------


@pytest.fixture
def command_form(running: Running, channel: str) -> dict[str, Any]:
    return running.slack.slash_command(
        "/incident", "status mitigated", user="U_BOB", channel=channel
    )


@FUZZ
@given(data=st.data())
def test_any_slash_command_form_is_answered_without_an_error(
    running: Running, command_form: dict[str, Any], checked: Checked, data: st.DataObject
) -> None:
    form = data.draw(mutated(command_form))
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    checked(
        lambda: running.driver.post(urlencode(fields).encode(), "application/x-www-form-urlencoded")
    )


# -- alert webhooks ---------------------------------------------------------------------------

SAMPLES = {
    "alertmanager": "alertmanager_webhook_v0.34_fields.json",
    "grafana": "grafana_webhook.json",
    "datadog": "datadog_webhook_default_template.json",
    "opsgenie": "opsgenie_webhook_create.json",
    "pagerduty": "pagerduty_v3_incident_triggered.json",
    "generic": "alertmanager_webhook.json",
}


def test_every_alert_source_has_a_sample() -> None:
    assert set(SAMPLES) == set(SOURCES)


@FUZZ
@given(data=st.data())
def test_any_alert_webhook_is_answered_without_an_error(
    running: Running, checked: Checked, data: st.DataObject
) -> None:
    source = data.draw(st.sampled_from(sorted(SAMPLES)))
    base = json.loads((PAYLOADS / SAMPLES[source]).read_text())
    payload = data.draw(st.one_of(mutated(base), JUNK))
    body = json.dumps(payload).encode()
    headers = {"X-PagerDuty-Signature": pagerduty_signature(body, PAGERDUTY_SECRET)}
    checked(
        lambda: deliver(running, source, body, headers=headers if source == "pagerduty" else None)
    )
