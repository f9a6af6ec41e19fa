"""What a draft is made of: the facts, the condensed timeline, and a narrative or none. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Policy, Priority
from bot.postmortem.condense import Condensed
from bot.postmortem.facts import Facts
from bot.postmortem.narrative import Narrative
from models import ActionItem, DraftSource, Incident, TimelineEntry


@dataclass(frozen=True)
class Material:
    """What the narrative's writer reads."""

    facts: Facts
    timeline: Condensed


@dataclass(frozen=True)
class Proposal:
    """An action item the draft proposes, with a due date from the policy."""

    title: str
    priority: Priority
    owner: str | None
    due: datetime
    rationale: str


@dataclass(frozen=True)
class Draft:
    facts: Facts
    # Every entry, for condensing again to another budget (the canvas's).
    entries: tuple[TimelineEntry, ...]
    timeline: Condensed
    narrative: Narrative | None
    proposals: tuple[Proposal, ...]
    source: DraftSource
    # Why the template wrote the narrative, in plain words; "" when the model did.
    fallback_reason: str
    # The incident's action items already tracked (beside the ones the draft proposes).
    tracked: tuple[ActionItem, ...] = ()

    @property
    def incident(self) -> Incident:
        return self.facts.incident

    @property
    def title(self) -> str:
        return f"{self.incident.ref} post-mortem: {self.incident.title}"


def proposals(narrative: Narrative | None, policy: Policy, now: datetime) -> tuple[Proposal, ...]:
    """The narrative's proposed action items, due by their priority's default."""
    if narrative is None:
        return ()
    return tuple(
        Proposal(a.title, a.priority, a.owner, now + policy.due_after(a.priority), a.rationale)
        for a in narrative.action_items
        if a.title.strip()
    )


def draft_stamp(drafted_at: datetime) -> str:
    """Names one draft (to the microsecond, exactly): its proposals are accepted under it,
    so a later draft's cannot be mistaken for them."""
    return str((drafted_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))


def texts_of(incident: Incident, lines: Sequence[str]) -> list[str]:
    """Every text of the incident a link may legitimately come from."""
    return [incident.title, incident.description, incident.resolution_summary, *lines]
