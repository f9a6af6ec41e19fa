"""The closing checklist read from an incident, and the closing commands parsed. Pure."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.checklist import assess, missing_text
from bot.commands import parse
from bot.config import Policy
from bot.errors import UsageError
from bot.requests import RecordFix, RecordRootCause, Resolve, Verify
from models import ChecklistItem, Fix, Incident, PostmortemStatus, Status, Verification

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
EVERY = tuple(ChecklistItem)
SEVERITIES = ["sev1", "sev2", "sev3", "sev4"]


def incident(**fields: object) -> Incident:
    return Incident.model_validate(
        {"id": 1, "ref": "INC-2026-0001", "title": "Checkout down", "severity": "sev2",
         "status": Status.RESOLVED, "reporter": "U1", "declared_at": NOW, "updated_at": NOW,
         **fields}
    )  # fmt: skip


def test_a_fresh_resolution_misses_everything_but_what_it_has() -> None:
    found = assess(incident(resolution_summary="Rolled back"), EVERY, postmortem=None,
                   action_items=0)  # fmt: skip
    assert found.missing == [i for i in EVERY if i is not ChecklistItem.RESOLUTION]
    said = missing_text("INC-2026-0001", found)
    assert "root cause (no root cause recorded)" in said and "post-mortem (not written)" in said
    assert "resolution" not in said


def test_every_item_is_done_in_its_own_way() -> None:
    done = incident(
        resolution_summary="Rolled back", root_cause_unknown=True, category="Network/DNS",
        closing={"postmortem": "Trivial", "runbook": "not_applicable"},
    )  # fmt: skip
    found = assess(done, EVERY, postmortem=PostmortemStatus.DRAFT, action_items=2)
    assert found.complete
    details = {c.item: c.detail for c in found.items}
    assert details[ChecklistItem.ROOT_CAUSE] == "unknown, deliberately"
    assert details[ChecklistItem.POSTMORTEM] == "waived: Trivial"
    assert details[ChecklistItem.FOLLOW_UP] == "2 action item(s)"
    assert details[ChecklistItem.RUNBOOK] == "not applicable"
    published = assess(incident(), [ChecklistItem.POSTMORTEM],
                       postmortem=PostmortemStatus.PUBLISHED, action_items=0)  # fmt: skip
    assert published.complete and published.items[0].detail == "published"


def test_only_the_required_items_are_checked_in_the_policy_order() -> None:
    found = assess(incident(), [ChecklistItem.RUNBOOK, ChecklistItem.CATEGORY], postmortem=None,
                   action_items=0)  # fmt: skip
    assert [c.item for c in found.items] == [ChecklistItem.CATEGORY, ChecklistItem.RUNBOOK]
    assert assess(incident(), (), postmortem=None, action_items=0).complete


def test_default_checklists_ask_more_of_the_worst_severities() -> None:
    policy = Policy()
    sev1, sev3 = policy.severity("sev1"), policy.severity("sev3")
    assert sev1 is not None and sev3 is not None
    assert ChecklistItem.POSTMORTEM in sev1.close_checklist
    assert ChecklistItem.POSTMORTEM not in sev3.close_checklist
    assert sev1.verify_for == timedelta(hours=24) and sev3.verify_for is None
    assert sev1.workaround_opens_problem and not sev3.workaround_opens_problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [("resolve workaround: Restarted pods", Resolve(None, "Restarted pods", Fix.WORKAROUND)),
     ("resolve Fixed the config", Resolve(None, "Fixed the config", None)),
     ("resolve INC-2026-0001 permanent", Resolve("INC-2026-0001", "", Fix.PERMANENT)),
     ("fix temporary", RecordFix(None, Fix.WORKAROUND)),
     ("verify metrics", Verify(None, Verification.METRICS)),
     ("verify monitor 90m", Verify(None, Verification.MONITORING, timedelta(minutes=90))),
     ("cause Unknown", RecordRootCause(None, "", unknown=True)),
     ("cause INC-2026-0001 Cron ran twice", RecordRootCause("INC-2026-0001", "Cron ran twice"))],
)  # fmt: skip
def test_closing_commands(text: str, expected: object) -> None:
    assert parse(text, SEVERITIES) == expected


@pytest.mark.parametrize(
    "text", ["fix", "fix later", "verify", "verify metrics now", "verify monitor", "cause",
             "verify monitor 2 hours", "cause " + "x" * 3001],
)  # fmt: skip
def test_closing_commands_refuse_what_they_cannot_take(text: str) -> None:
    with pytest.raises(UsageError):
        parse(text, SEVERITIES)
