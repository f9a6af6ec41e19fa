"""What the status page shows, from published incidents: pure, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Policy, Service
from bot.statuspage.page import build_page, plain
from bot.statuspage.policy import ComponentState, StatusPage
from bot.update_entries import Update, update_entry
from models import Incident, Status, TimelineEntry

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
POLICY = Policy(
    services=(
        Service(name="checkout-api", public=True, component="Checkout"),
        Service(name="search", public=True),
        Service(name="ledger"),
    ),
    status_page=StatusPage(states={"sev3": ComponentState.PARTIAL_OUTAGE}),
)


def incident(
    severity: str = "sev2",
    status: Status = Status.INVESTIGATING,
    *,
    services: tuple[str, ...] = ("checkout-api",),
    published: bool = True,
    private: bool = False,
    resolved_days_ago: float | None = None,
) -> Incident:
    resolved = NOW - timedelta(days=resolved_days_ago) if resolved_days_ago is not None else None
    return Incident.model_validate(
        {
            "id": 1,
            "ref": "INC-2026-0001",
            "title": "Checkout &lt;down&gt; for <@U1>, see <https://x.example|the graph>",
            "severity": severity,
            "status": status,
            "private": private,
            "services": list(services),
            "reporter": "U1",
            "declared_at": NOW - timedelta(days=100 if resolved_days_ago else 0, hours=1),
            "resolved_at": resolved,
            "updated_at": NOW,
            "published_at": NOW if published else None,
        }
    )


def updates(*said: tuple[str, bool]) -> list[TimelineEntry]:
    return [
        update_entry(Update(happening=text, public=public), "U1", NOW - timedelta(minutes=i))
        for i, (text, public) in enumerate(said)
    ]


@pytest.mark.parametrize(
    ("severity", "status", "state"),
    [
        ("sev1", Status.INVESTIGATING, ComponentState.MAJOR_OUTAGE),
        ("sev2", Status.IDENTIFIED, ComponentState.PARTIAL_OUTAGE),
        ("sev3", Status.DECLARED, ComponentState.PARTIAL_OUTAGE),  # the policy's mapping
        ("sev4", Status.INVESTIGATING, ComponentState.DEGRADED),
        ("sev1", Status.MITIGATED, ComponentState.DEGRADED),
    ],
)
def test_an_open_published_incident_sets_its_components_state(
    severity: str, status: Status, state: ComponentState
) -> None:
    page = build_page([(incident(severity, status), [])], POLICY, NOW)
    assert {c.name: c.state for c in page.components} == {
        "Checkout": state,
        "search": ComponentState.OPERATIONAL,
    }
    assert page.overall is state


def test_only_public_updates_of_published_non_private_incidents_show() -> None:
    said = updates(("Fixed & watching", True), ("internal detail", False))
    page = build_page(
        [
            (incident(), said),
            (incident(private=True), said),
            (incident(published=False), said),
        ],
        POLICY,
        NOW,
    )
    [shown] = page.active
    assert [u.happening for u in shown.updates] == ["Fixed & watching"]
    assert shown.title == "Checkout <down> for , see the graph"


def test_resolved_incidents_are_history_for_the_configured_days() -> None:
    recent = incident(status=Status.RESOLVED, resolved_days_ago=10)
    old = incident(status=Status.RESOLVED, resolved_days_ago=91)
    page = build_page([(recent, []), (old, [])], POLICY, NOW)
    assert page.active == () and len(page.history) == 1
    assert page.overall is ComponentState.OPERATIONAL


def test_plain_text_drops_slack_markup() -> None:
    assert plain("<!here> a &amp; b <mailto:x@y.z|mail>") == "a & b mail"
