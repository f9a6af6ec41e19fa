"""The due-work policy with an injected clock: which notices an incident is owed, when."""

from datetime import UTC, datetime, timedelta

from bot.config import Policy, Reminders
from bot.scheduling.due import Situation, due_notices
from models import Incident, NoticeKind, Postmortem, PostmortemStatus, Status

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
POLICY = Policy(reminders=Reminders(escalation_channel="C_ESC", escalation_users=("U_BOSS",)))


def incident(**fields: object) -> Incident:
    data: dict[str, object] = {
        "id": 7, "ref": "INC-2026-0007", "title": "Checkout down", "severity": "sev2",
        "status": Status.INVESTIGATING, "reporter": "U1", "channel_id": "C7",
        "declared_at": T0, "acknowledged_at": T0, "updated_at": T0,
    }  # fmt: skip
    return Incident.model_validate(data | fields)


def due(
    situation: Situation, after: timedelta, policy: Policy = POLICY
) -> dict[NoticeKind, list[str]]:
    found: dict[NoticeKind, list[str]] = {}
    for notice in due_notices(situation, T0 + after, policy):
        found.setdefault(notice.kind, []).append(notice.key)
    return found


def at(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def test_a_nudge_is_due_a_cadence_after_the_last_update_not_before() -> None:
    quiet = Situation(incident(), commander="U2", last_update=None)
    assert NoticeKind.NUDGE not in due(quiet, at(29.9))  # SEV2: every 30 minutes
    [first] = due(quiet, at(30))[NoticeKind.NUDGE]
    assert due(quiet, at(59))[NoticeKind.NUDGE] == [first]  # the same nudge, queued once
    [second] = due(quiet, at(60))[NoticeKind.NUDGE]
    assert second != first


def test_a_human_update_resets_the_cadence() -> None:
    talked = Situation(incident(), commander="U2", last_update=T0 + at(20))
    assert NoticeKind.NUDGE not in due(talked, at(49))
    assert NoticeKind.NUDGE in due(talked, at(50))


def test_missed_slots_coalesce_into_one_nudge_after_an_outage() -> None:
    quiet = Situation(incident(), commander="U2", last_update=None)
    keys = {k for minutes in (30, 60, 90, 600) for k in due(quiet, at(minutes))[NoticeKind.NUDGE]}
    assert len(keys) == 4  # one per moment asked, never the slots skipped in between
    assert len(due(quiet, at(600))[NoticeKind.NUDGE]) == 1


def test_a_snooze_holds_nudges_back_until_it_ends() -> None:
    snoozed = Situation(
        incident(nudges_snoozed_until=T0 + at(45)), commander="U2", last_update=None
    )
    before = due(Situation(incident(), "U2", None), at(30))[NoticeKind.NUDGE]
    assert NoticeKind.NUDGE not in due(snoozed, at(44))
    [after] = due(snoozed, at(45))[NoticeKind.NUDGE]
    assert after not in before  # a new nudge, not the one already sent


def test_resolution_and_closing_stop_every_nudge() -> None:
    for status in (Status.RESOLVED, Status.CLOSED):
        done = Situation(incident(status=status, resolved_at=T0), commander=None, last_update=None)
        kinds = due(done, at(120))
        assert not {NoticeKind.NUDGE, NoticeKind.NO_COMMANDER, NoticeKind.ESCALATION} & set(kinds)


def test_sev4_has_no_cadence() -> None:
    low = Situation(incident(severity="sev4"), commander="U2", last_update=None)
    assert NoticeKind.NUDGE not in due(low, timedelta(days=3))


def test_no_commander_after_the_grace_period_once() -> None:
    alone = Situation(incident(), commander=None, last_update=T0 + at(4))
    assert NoticeKind.NO_COMMANDER not in due(alone, at(4.9))
    assert due(alone, at(5))[NoticeKind.NO_COMMANDER] == ["no-commander:7"]
    assert due(alone, at(500))[NoticeKind.NO_COMMANDER] == ["no-commander:7"]
    led = Situation(incident(), commander="U2", last_update=None)
    assert NoticeKind.NO_COMMANDER not in due(led, at(10))


def test_an_unacknowledged_incident_escalates_at_its_response_target() -> None:
    waiting = Situation(incident(acknowledged_at=None), commander=None, last_update=None)
    assert NoticeKind.ESCALATION not in due(waiting, at(29))
    notices = [
        n for n in due_notices(waiting, T0 + at(30), POLICY) if n.kind is NoticeKind.ESCALATION
    ]
    assert {(n.key, n.target) for n in notices} == {
        ("escalation:7", "C_ESC"), ("escalation:7:U_BOSS", "U_BOSS")
    }  # fmt: skip
    acknowledged = Situation(incident(), commander=None, last_update=None)
    assert NoticeKind.ESCALATION not in due(acknowledged, at(60))


def test_a_private_incident_escalates_only_in_its_own_channel() -> None:
    private = Situation(incident(acknowledged_at=None, private=True), None, None)
    notices = [
        n for n in due_notices(private, T0 + at(30), POLICY) if n.kind is NoticeKind.ESCALATION
    ]
    assert [(n.target, n.data["users"]) for n in notices] == [("C7", ["U_BOSS"])]


def test_stale_incidents_are_reminded_every_period() -> None:
    mitigated = incident(status=Status.MITIGATED, mitigated_at=T0)
    situation = Situation(mitigated, commander="U2", last_update=T0 + timedelta(hours=30))
    assert NoticeKind.STALE_MITIGATED not in due(situation, timedelta(hours=23))
    [day_one] = due(situation, timedelta(hours=24))[NoticeKind.STALE_MITIGATED]
    [day_two] = due(situation, timedelta(hours=48))[NoticeKind.STALE_MITIGATED]
    assert day_one != day_two
    resolved = Situation(incident(status=Status.RESOLVED, resolved_at=T0), "U2", None)
    assert NoticeKind.STALE_RESOLVED not in due(resolved, timedelta(days=2))
    assert NoticeKind.STALE_RESOLVED in due(resolved, timedelta(days=3))


def test_a_post_mortem_past_due_is_reminded_until_published() -> None:
    record = Postmortem.model_validate(
        {"incident_id": 7, "status": PostmortemStatus.DRAFT, "due_at": T0 + timedelta(hours=48),
         "created_at": T0, "updated_at": T0}
    )  # fmt: skip
    resolved = incident(status=Status.RESOLVED, resolved_at=T0)
    situation = Situation(resolved, "U2", None, record)
    assert NoticeKind.POSTMORTEM_DUE not in due(situation, timedelta(hours=47))
    assert NoticeKind.POSTMORTEM_DUE in due(situation, timedelta(hours=48))
    record.status = PostmortemStatus.PUBLISHED
    assert NoticeKind.POSTMORTEM_DUE not in due(situation, timedelta(hours=49))


def test_an_incident_without_a_channel_yet_is_owed_nothing() -> None:
    unopened = Situation(incident(channel_id=None, acknowledged_at=None), None, None)
    assert due(unopened, timedelta(days=1)) == {}


def test_second_scale_cadences_work() -> None:
    fast = Policy.model_validate(
        {"severities": [{"key": "sev2", "name": "Major", "response_target": "5s",
                         "update_cadence": "2s"}],
         "reminders": {"commander_within": "3s"}}
    )  # fmt: skip
    quiet = Situation(incident(acknowledged_at=None), commander=None, last_update=None)
    kinds = due(quiet, timedelta(seconds=5), fast)
    assert set(kinds) == {NoticeKind.NUDGE, NoticeKind.NO_COMMANDER, NoticeKind.ESCALATION}


def test_a_new_cadence_after_a_severity_change_never_reuses_a_sent_nudges_key() -> None:
    quiet = Situation(incident(severity="sev1"), commander="U2", last_update=None)
    sent = {k for m in (15, 30, 45, 60) for k in due(quiet, at(m))[NoticeKind.NUDGE]}
    downgraded = Situation(incident(severity="sev3"), commander="U2", last_update=None)
    [later] = due(downgraded, timedelta(hours=4))[NoticeKind.NUDGE]  # SEV3: every 2 hours
    assert later not in sent


def test_a_nudge_after_a_snooze_says_how_long_it_has_really_been_quiet() -> None:
    snoozed = Situation(
        incident(nudges_snoozed_until=T0 + at(90)), commander="U2", last_update=None
    )
    [notice] = [n for n in due_notices(snoozed, T0 + at(90), POLICY) if n.kind is NoticeKind.NUDGE]
    assert notice.data["silent_since"] == T0.isoformat()


def test_an_incident_that_paged_escalates_by_its_escalation_policy_instead() -> None:
    waiting = incident(acknowledged_at=None)
    paged = Situation(waiting, commander=None, last_update=None, paged=True)
    assert NoticeKind.ESCALATION not in due(paged, at(60))
    unpaged = Situation(waiting, commander=None, last_update=None)
    assert NoticeKind.ESCALATION in due(unpaged, at(60))
