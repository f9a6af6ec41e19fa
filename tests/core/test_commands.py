"""Parsing `/incident` text: every input gives a request or a friendly UsageError."""

from datetime import UTC, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import MAX_TEXT, USAGE, parse, usage_for
from bot.errors import UsageError
from bot.requests import (
    AddLink,
    AddNote,
    AssignRole,
    Close,
    Declare,
    Help,
    ListIncidents,
    Reopen,
    Resolve,
    SetServices,
    SetSeverity,
    SetStatus,
    Show,
)
from models import LinkKind, Role, Status

SEVERITIES = ["sev1", "sev2", "sev3", "sev4"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "declare sev2 Checkout API returning 500s",
            Declare("sev2", "Checkout API returning 500s"),
        ),
        ("DECLARE SEV1 db down", Declare("sev1", "db down")),
        ("declare 3 slow search", Declare("sev3", "slow search")),
        ("declare", Declare(None, None)),
        ("declare Checkout is slow", Declare(None, "Checkout is slow")),
        ("status mitigated rolled back v42", SetStatus(None, Status.MITIGATED, "rolled back v42")),
        ("status inc-2026-0042 identified", SetStatus("INC-2026-0042", Status.IDENTIFIED, "")),
        ("sev 1 now affecting EU too", SetSeverity(None, "sev1", "now affecting EU too")),
        ("sev INC-2026-0001 sev4", SetSeverity("INC-2026-0001", "sev4", "")),
        ("role commander <@U123ABC|bob>", AssignRole(None, Role.COMMANDER, "U123ABC")),
        ("role INC-2026-0042 scribe <@W9>", AssignRole("INC-2026-0042", Role.SCRIBE, "W9")),
        ("note deploy 4f2a rolled back", AddNote(None, "deploy 4f2a rolled back")),
        (
            "services checkout-api, payments ,checkout-api",
            SetServices(None, ("checkout-api", "payments")),
        ),
        ("services INC-2026-0042 none", SetServices("INC-2026-0042", ())),
        ("resolve cache flushed", Resolve(None, "cache flushed")),
        ("resolve", Resolve(None, "")),
        ("reopen errors are back", Reopen(None, "errors are back")),
        ("close INC-2026-0042", Close("INC-2026-0042")),
        ("list", ListIncidents(include_resolved=False)),
        ("list all", ListIncidents(include_resolved=True)),
        ("show", Show(None)),
        ("show INC-2026-0042", Show("INC-2026-0042")),
        ("help", Help()),
        ("", Help()),
        ("   ", Help()),
    ],
)
def test_commands_parse_to_requests(text: str, expected: object) -> None:
    assert parse(text, SEVERITIES) == expected


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("frobnicate", "I don't know `frobnicate`", "/incident declare"),
        (
            "declare sev9 x",
            "`sev9` is not a severity. Use one of SEV1, SEV2, SEV3, SEV4.",
            "/incident declare",
        ),
        ("status", "Which status?", "/incident status"),
        ("status done", "`done` is not a status.", "/incident status"),
        ("sev", "Which severity?", "/incident sev"),
        ("sev 7", "`7` is not a severity", "/incident sev"),
        ("role commander bob", "Mention the person with @", "/incident role"),
        ("role boss <@U1>", "`boss` is not a role.", "/incident role"),
        ("role commander", "Name a role and a person.", "/incident role"),
        ("note", "What should the note say?", "/incident note"),
        ("services", "Which services?", "/incident services"),
        ("close now please", "`close` takes no text.", "/incident close"),
        ("list closed", "List `open` or `all`", "/incident list"),
        ("show yesterday", "is not an incident ID", "/incident show"),
        ("declare sev2 " + "x" * 201, "keep it under 200", "/incident declare"),
    ],
)
def test_bad_input_explains_itself_and_shows_usage(text: str, message: str, usage: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text, SEVERITIES)
    assert message in str(caught.value)
    assert usage in caught.value.usage


def test_oversized_text_is_refused_with_its_size() -> None:
    with pytest.raises(UsageError, match=f"commands take at most {MAX_TEXT}"):
        parse("note " + "x" * MAX_TEXT, SEVERITIES)


def test_severities_come_from_the_policy() -> None:
    assert parse("declare sev0 everything is down", ["sev0", "sev1"]) == Declare(
        "sev0", "everything is down"
    )
    with pytest.raises(UsageError, match="Use one of SEV0, SEV1"):
        parse("declare sev4 minor", ["sev0", "sev1"])


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_request_or_a_usage_error(text: str) -> None:
    try:
        parse(text, SEVERITIES)
    except UsageError as error:
        assert str(error)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            *USAGE,
            "DECLARE",
            "Status",
        ]
    ),
    st.lists(
        st.sampled_from(
            [
                "sev2",
                "INC-2026-0042",
                "mitigated",
                "<@U1|a>",
                "commander",
                "all",
                "7",
                "",
                "…",
                "<script>",
                "'; DROP TABLE incident;--",
            ]
        ),
        max_size=5,
    ),
)
def test_subcommands_with_any_arguments_never_crash(verb: str, words: list[str]) -> None:
    try:
        parse(" ".join([verb, *words]), SEVERITIES)
    except UsageError as error:
        assert str(error)


def test_usage_is_found_for_subcommands_and_their_aliases() -> None:
    assert (
        usage_for("severity 1 worse") == usage_for("sev 1") == "/incident sev [INC-…] <N> [reason]"
    )
    assert usage_for("frobnicate") == usage_for("") == ""


def test_an_action_item_takes_its_owner_due_date_and_priority_from_anywhere_in_the_text() -> None:
    from datetime import date, timedelta

    from bot.requests import AddAction

    parsed = parse("action Add alerting on pool saturation <@U_BOB> due:2026-12-01 P1", ["sev1"])
    assert parsed == AddAction(None, "Add alerting on pool saturation", "U_BOB",
                               date(2026, 12, 1), None, "p1")  # fmt: skip
    relative = parse("action INC-2026-0042 p0 Fix retries due:in 2w", ["sev1"])
    assert relative == AddAction(
        "INC-2026-0042", "Fix retries", None, None, timedelta(weeks=2), "p0"
    )
    assert parse("action Check dashboards", ["sev1"]) == AddAction(
        None, "Check dashboards", None, None, None, None
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("action", "What needs doing?"),
        ("action Fix it due:tomorrow", "is not a date"),
        ("action Fix it due:in soon", "is not a span"),
        ("actions later", "List `mine`, `open`, `overdue` or `all`"),
    ],
)
def test_bad_action_item_commands_say_what_is_wrong(text: str, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        parse(text, ["sev1"])


def test_listing_action_items_defaults_to_mine_or_to_the_named_incident() -> None:
    from bot.requests import ListActions

    assert parse("actions", ["sev1"]) == ListActions("mine", None)
    assert parse("actions overdue", ["sev1"]) == ListActions("overdue", None)
    assert parse("actions INC-2026-0001", ["sev1"]) == ListActions("all", "INC-2026-0001")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "link https://grafana.example.com/d/api",
            AddLink(None, "https://grafana.example.com/d/api", LinkKind.OTHER, ""),
        ),
        # Slack sends links wrapped, `&` escaped, and a label when one was typed.
        (
            "link <https://ci.example.com/runs?id=42&amp;job=deploy> deploy v42 rollout",
            AddLink(
                None, "https://ci.example.com/runs?id=42&job=deploy", LinkKind.DEPLOY, "v42 rollout"
            ),
        ),
        (
            "link INC-2026-0042 <https://jira.example.com/OPS-1|OPS-1> TICKET",
            AddLink("INC-2026-0042", "https://jira.example.com/OPS-1", LinkKind.TICKET, "OPS-1"),
        ),
        (
            "link <https://x.example.com/a|https://x.example.com/a> runbook",
            AddLink(None, "https://x.example.com/a", LinkKind.RUNBOOK, ""),
        ),
        (
            "link https://ci.example.com/1 deploy v42 at 14:05",
            AddLink(None, "https://ci.example.com/1", LinkKind.DEPLOY, "v42", time(14, 5)),
        ),
        (
            "link https://ci.example.com/1 deploy at 2026-11-29T14:05Z",
            AddLink(
                None,
                "https://ci.example.com/1",
                LinkKind.DEPLOY,
                "",
                datetime(2026, 11, 29, 14, 5, tzinfo=UTC),
            ),
        ),
        (
            "link https://ci.example.com/1 deploy at 2026-11-29T14:05 canary",
            AddLink(
                None,
                "https://ci.example.com/1",
                LinkKind.DEPLOY,
                "canary",
                datetime(2026, 11, 29, 14, 5),
            ),
        ),
        # Only deploys take a time; elsewhere, and where `at` is no time, it is the title.
        (
            "link https://x.example.com dashboard busiest at 14:05",
            AddLink(None, "https://x.example.com", LinkKind.DASHBOARD, "busiest at 14:05"),
        ),
        (
            "link https://x.example.com deploy at peak",
            AddLink(None, "https://x.example.com", LinkKind.DEPLOY, "at peak"),
        ),
        # Characters a URL can't carry as they are are percent-encoded; hosts become ASCII.
        (
            'link https://bücher.example/a|b"c',
            AddLink(None, "https://xn--bcher-kva.example/a%7Cb%22c", LinkKind.OTHER, ""),
        ),
    ],
)
def test_links_parse_with_their_kind_title_and_time(text: str, expected: object) -> None:
    assert parse(text, SEVERITIES) == expected


def test_a_link_title_is_clipped_to_200_characters() -> None:
    parsed = parse("link https://x.example.com " + "t" * 300, SEVERITIES)
    assert isinstance(parsed, AddLink) and len(parsed.title) == 200
    assert parsed.title.endswith("…")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("link", "Which link?"),
        ("link grafana.example.com/d/api", "is not a web address"),
        ("link ftp://files.example.com/x", "is not a web address"),
        ("link <mailto:oncall@example.com>", "is not a web address"),
        ("link javascript:alert(1)", "is not a web address"),
        ("link https:example.com", "is not a web address"),
        ("link https://example.com:99999/", "is not a web address"),
        ("link <@U123>", "is not a web address"),
        ("link https://bob:hunter2@example.com", "without them"),
        ("link https://example.com/" + "a" * 2000, "links take at most 2000"),
        ("link https://ci.example.com/1 deploy at 25:00", "is not a time like `14:05`"),
        ("link https://ci.example.com/1 deploy at 2026-11-29", "is not a time"),
    ],
)
def test_bad_links_say_what_is_wrong_with_the_usage(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text, SEVERITIES)
    assert message in str(caught.value)
    assert "/incident link" in caught.value.usage


def test_link_usage_is_in_help() -> None:
    assert usage_for("link https://x") == USAGE["link"]
    assert "[alert|deploy|trace|dashboard|ticket|runbook]" in USAGE["link"]
