"""When the incident digest is due: once per period (a week, by default) from the configured
weekday and time, keyed by the period, so one digest is sent however many replicas tick.
Only the current period's is due: after an outage the missed one is not sent late. Pure."""

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
