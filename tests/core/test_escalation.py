"""Escalation decisions, pure: which chains page for an incident, whom each level pages,
and what is due as time passes, with stable keys."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.config import Policy
from bot.oncall.escalation import chains_for, escalations, first_pages, schedules_of
from models import Incident, Page, Status

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LAYER = {"start": date(2026, 1, 5).isoformat()}
ON_CALL = {("payments", "primary"): "U_CAROL", ("payments", "secondary"): "U_DAVE"}


def policy(**more: object) -> Policy:
    data: dict[str, object] = {
        "services": [
            {"name": "checkout-api", "schedule": "payments", "escalation_policy": "payments"},
            {"name": "cart-api", "schedule": "payments", "escalation_policy": "payments"},
            {"name": "search-api", "schedule": "payments"},
        ],
        "oncall": {
            "schedules": [
                {
                    "name": "payments",
                    "layers": [
                        {"name": "primary", "members": ["U_CAROL"], **LAYER},
                        {"name": "secondary", "members": ["U_DAVE"], **LAYER},
                    ],
                }
            ],
            "escalation_policies": [
                {
                    "name": "payments",
                    "levels": [
                        {"schedule": "payments", "ack_within": {"sev1": "5m", "default": "15m"}},
                        {"schedule": "payments/secondary", "ack_within": "10m"},
                        {"users": ["U_BOSS", "U_CTO"]},
                        {"channel": "C_TEAM"},
                    ],
                }
            ],
        },
    }
    return Policy.model_validate(data | more)


POLICY = policy()


def incident(severity: str = "sev2", status: Status = Status.INVESTIGATING) -> Incident:
    return Incident.model_validate(
        {"id": 7, "ref": "INC-2026-0007", "title": "Checkout down", "severity": severity,
         "status": status, "reporter": "U1", "channel_id": "C7", "declared_at": T0,
         "updated_at": T0}
    )  # fmt: skip


def stored(new: list, at: datetime = T0) -> list[Page]:  # type: ignore[type-arg]
    return [
        Page.model_validate(
            {"key": p.key, "incident_id": 7, "chain": p.chain, "level": p.level,
             "target": p.target.id, "via": p.target.via, "paged_at": at, "ack_by": p.ack_by}
        )
        for p in new
    ]  # fmt: skip


def test_services_sharing_a_policy_page_once_and_a_schedule_alone_pages_its_first_layer() -> None:
    chains = chains_for(["Checkout-API", "cart-api", "search-api", "unknown"], POLICY)
    assert [c.name for c in chains] == ["payments", "schedule:payments"]
    assert len(chains[1].levels) == 1 and chains[1].levels[0].wait("sev1") == timedelta(minutes=15)
    assert schedules_of(chains) == {"payments"}
    assert chains_for(["unknown"], POLICY) == []


def test_the_first_level_pages_the_primary_with_the_severitys_time_to_acknowledge() -> None:
    chains = chains_for(["checkout-api"], POLICY)
    [sev1] = first_pages(incident("sev1"), chains, ON_CALL, POLICY, T0)
    assert (sev1.key, sev1.target.id, sev1.target.via) == (
        "page:7:payments:1:0", "U_CAROL", "payments/primary"
    )  # fmt: skip
    assert sev1.ack_by == T0 + timedelta(minutes=5)
    [sev3] = first_pages(incident("sev3"), chains, ON_CALL, POLICY, T0)
    assert sev3.ack_by == T0 + timedelta(minutes=15)  # the default


def test_levels_move_up_only_when_their_time_runs_out_then_the_last_is_told_once() -> None:
    chains = chains_for(["checkout-api"], POLICY)
    pages = stored(first_pages(incident(), chains, ON_CALL, POLICY, T0))
    assert (
        escalations(incident(), pages, chains, ON_CALL, POLICY, T0 + timedelta(minutes=14)).pages
        == []
    )
    later = T0 + timedelta(minutes=15)
    [second] = escalations(incident(), pages, chains, ON_CALL, POLICY, later).pages
    assert (second.key, second.target.id, second.level) == ("page:7:payments:2:0", "U_DAVE", 2)
    # The same decision however often it is asked: the key names no person or time.
    again = escalations(incident(), pages, chains, ON_CALL, POLICY, later + timedelta(seconds=30))
    assert [p.key for p in again.pages] == [second.key]

    pages += stored([second], later)
    third = escalations(incident(), pages, chains, ON_CALL, POLICY, later + timedelta(minutes=10))
    assert [(p.key, p.target.id) for p in third.pages] == [
        ("page:7:payments:3:0", "U_BOSS"), ("page:7:payments:3:1", "U_CTO")
    ]  # fmt: skip
    pages += stored(third.pages, later + timedelta(minutes=10))
    fourth = escalations(incident(), pages, chains, ON_CALL, POLICY, later + timedelta(minutes=25))
    assert [(p.target.id, p.target.via) for p in fourth.pages] == [("C_TEAM", "channel")]
    pages += stored(fourth.pages, later + timedelta(minutes=25))
    end = escalations(incident(), pages, chains, ON_CALL, POLICY, later + timedelta(hours=2))
    assert end.pages == []
    [told] = end.unanswered
    assert (told.key, told.targets) == ("unanswered:7:payments", ("C_TEAM",))


def test_an_acknowledgement_or_an_incident_no_longer_open_stops_escalation() -> None:
    chains = chains_for(["checkout-api"], POLICY)
    pages = stored(first_pages(incident(), chains, ON_CALL, POLICY, T0))
    late = T0 + timedelta(hours=1)
    assert escalations(incident(), pages, chains, ON_CALL, POLICY, late).pages != []
    answered = [
        p.model_copy(update={"acknowledged_at": T0, "acknowledged_by": "U_CAROL"}) for p in pages
    ]
    stopped = escalations(incident(), answered, chains, ON_CALL, POLICY, late)
    assert (stopped.pages, stopped.unanswered) == ([], [])
    for status in (Status.MITIGATED, Status.RESOLVED, Status.CLOSED):
        over = escalations(incident(status=status), pages, chains, ON_CALL, POLICY, late)
        assert (over.pages, over.unanswered) == ([], [])


def test_escalate_moves_up_at_once_and_an_empty_layer_is_skipped() -> None:
    chains = chains_for(["checkout-api"], POLICY)
    pages = stored(first_pages(incident(), chains, ON_CALL, POLICY, T0))
    clicked = [pages[0].model_copy(update={"escalated_at": T0 + timedelta(minutes=1)})]
    nobody_secondary = {("payments", "primary"): "U_CAROL"}
    decision = escalations(
        incident(), clicked, chains, nobody_secondary, POLICY, T0 + timedelta(minutes=1)
    )
    assert [(p.level, p.target.id) for p in decision.pages] == [(3, "U_BOSS"), (3, "U_CTO")]


def test_nobody_on_call_at_the_first_level_pages_the_next() -> None:
    chains = chains_for(["checkout-api"], POLICY)
    [page] = first_pages(incident(), chains, {("payments", "secondary"): "U_DAVE"}, POLICY, T0)
    assert (page.level, page.target.id) == (2, "U_DAVE")


@pytest.mark.parametrize(
    ("levels", "says"),
    [
        ([{"schedule": "billing"}], "'billing' is not in oncall.schedules"),
        ([{"schedule": "payments/night"}], "has no layer 'night'"),
        ([{"schedule": "payments", "users": ["U_A"]}], "exactly one of"),
        ([{}], "exactly one of"),
        ([{"channel": "C_TEAM", "ack_within": "soon"}], "not a time to acknowledge"),
        ([{"channel": "C_TEAM", "ack_within": {"sev1": "0m"}}], "not a time to acknowledge"),
        ([], "at least 1"),
    ],
)
def test_bad_escalation_policies_are_refused_naming_the_key(levels: list, says: str) -> None:  # type: ignore[type-arg]
    oncall = POLICY.oncall.model_dump()
    oncall["escalation_policies"] = [{"name": "payments", "levels": levels}]
    with pytest.raises(ValidationError, match=says):
        Policy.model_validate({"oncall": oncall})


def test_a_service_naming_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"services\.0\.escalation_policy: 'ops' is not in"):
        policy(services=[{"name": "checkout-api", "escalation_policy": "ops"}])
