"""The follow-up policy: which reminders open action items are owed at a moment. Pure.

Owners get a direct message a set time before the due day and on it; owners with overdue
items a periodic summary; incidents with overdue items a periodic roll-up, in the incident
channel or, once it is archived, to the commander. Like the incident notices, each has a
key naming its occasion (the due date and owner it is about, or the period it belongs to),
so it is queued once, and only the current one is ever due: after an outage the missed
ones come as one.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import ItemReminders, Policy
from bot.insights.periods import slot_start
from bot.scheduling.due import Notice
from models import ActionItem, ActionStatus, Incident, NoticeKind


@dataclass(frozen=True)
class Followup:
    """An open action item with what its reminders need of its incident."""

    item: ActionItem
    incident: Incident
    commander: str | None


def followup_notices(followups: Iterable[Followup], now: datetime, policy: Policy) -> list[Notice]:
    """Every reminder the open items are owed at `now`. A reminder queued earlier is still
    worth sending only if its key is still among these (the item has not moved on)."""
    rules, zone = policy.action_item_reminders, ZoneInfo(policy.timezone)
    open_items = [f for f in followups if f.item.status is ActionStatus.OPEN]
    found = [n for f in open_items if (n := _due_reminder(f, now, rules, zone))]
    period = rules.overdue_period
    if period is not None:
        start = slot_start(now, rules.overdue_weekday, rules.overdue_time, period, zone)
        late = [f for f in open_items if _overdue_at(f.item, start, zone)]
        found += _summaries(late, start)
        found += _rollups(late, start)
    return found


def _due_moment(due_on: date, rules: ItemReminders, zone: ZoneInfo) -> datetime:
    """When the due day's reminder falls: the reminder time on that day."""
    return datetime.combine(due_on, rules.remind_time, tzinfo=zone)


def _overdue_since(due_on: date, zone: ZoneInfo) -> datetime:
    """An item is due by the end of its day: overdue from the next midnight."""
    return datetime.combine(due_on + timedelta(days=1), time(), tzinfo=zone)


def _due_reminder(
    followup: Followup, now: datetime, rules: ItemReminders, zone: ZoneInfo
) -> Notice | None:
    """The latest of the before-due and due-day reminders that has fallen due, until the
    item is overdue. None for an item made after its reminder's time: its owner was just
    told."""
    item = followup.item
    if now >= _overdue_since(item.due_on, zone):
        return None
    on_day = _due_moment(item.due_on, rules, zone)
    before = rules.before
    candidates = [(NoticeKind.ITEM_DUE, on_day)] if rules.on_due_day else []
    if before is not None:
        candidates.append((NoticeKind.ITEM_DUE_SOON, on_day - before))
    for kind, due in candidates:  # the due day's first: it supersedes the earlier one
        if item.created_at < due <= now:
            key = f"{kind.value}:{item.id}:{item.due_on.isoformat()}:{item.owner}"
            return Notice(key, kind, followup.incident.id, item.owner, due, {"items": [_id(item)]})
    return None


def _overdue_at(item: ActionItem, moment: datetime, zone: ZoneInfo) -> bool:
    return _overdue_since(item.due_on, zone) <= moment


def _summaries(late: Sequence[Followup], start: datetime) -> list[Notice]:
    by_owner: dict[str, list[int]] = defaultdict(list)
    for followup in late:
        by_owner[followup.item.owner].append(_id(followup.item))
    return [
        Notice(
            f"{NoticeKind.OVERDUE_SUMMARY.value}:{owner}:{int(start.timestamp())}",
            NoticeKind.OVERDUE_SUMMARY,
            None,
            owner,
            start,
            {"items": sorted(ids)},
        )
        for owner, ids in sorted(by_owner.items())
    ]


def _rollups(late: Sequence[Followup], start: datetime) -> list[Notice]:
    by_incident: dict[int, list[Followup]] = defaultdict(list)
    for followup in late:
        by_incident[followup.item.incident_id].append(followup)
    notices = []
    for incident_id, group in sorted(by_incident.items()):
        target = _rollup_target(group[0])
        if target is None:
            continue
        key = f"{NoticeKind.OVERDUE_ROLLUP.value}:{incident_id}:{int(start.timestamp())}:{target}"
        items = sorted(_id(f.item) for f in group)
        notices.append(
            Notice(key, NoticeKind.OVERDUE_ROLLUP, incident_id, target, start, {"items": items})
        )
    return notices


def _rollup_target(followup: Followup) -> str | None:
    """The incident channel while it is open for posts; once archived, the commander (or,
    without one, the declarer) directly."""
    incident = followup.incident
    if incident.channel_id and incident.channel_archived_at is None:
        return incident.channel_id
    return followup.commander or incident.reporter or None


def _id(item: ActionItem) -> int:
    assert item.id is not None
    return item.id
