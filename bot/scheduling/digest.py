"""When the incident digest is due: once per period (a week, by default) from the configured
weekday and time, keyed by when it falls due, so one digest is sent however many replicas
tick. The latest one stays due until the next falls due: after an outage (or on a first
deployment) it is sent late, and an older one is never sent. Changing when digests fall due
starts new keys, so the week of the change may get two. Pure."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Policy
from bot.insights.periods import slot_start
from bot.scheduling.due import Notice
from models import NoticeKind


def digest_notices(now: datetime, policy: Policy) -> list[Notice]:
    """The digest due at `now`, if a digest channel is set: it covers the period ending when
    it falls due."""
    rules = policy.insights
    if rules.digest_channel is None:
        return []
    zone = ZoneInfo(policy.timezone)
    due = slot_start(now, rules.digest_weekday, rules.digest_time, rules.digest_period, zone)
    return [
        Notice(
            f"{NoticeKind.DIGEST.value}:{int(due.timestamp())}",
            NoticeKind.DIGEST,
            None,
            rules.digest_channel,
            due,
            {"end": due.isoformat()},
        )
    ]
