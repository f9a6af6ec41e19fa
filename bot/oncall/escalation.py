"""Who an incident pages, level by level, and when a level moves up. Pure: no clock, no
I/O; who is on call is handed in (`OnCall`), as the shell read it from the rotation.

A chain is one escalation policy paging for an incident (a service's, or a schedule's first
layer when the service names no policy). Every page has a key naming the incident, the
chain, the level and the target's place in the level, never the person: two replicas that
resolve a level at either side of a handoff still make one page."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from bot.config import Policy
from bot.oncall.policy import DEFAULT_ACK_WITHIN, EscalationPolicy, Level
from models import Incident, Page, Status

# (schedule, layer) -> the user on call now; a layer nobody covers is absent.
OnCall = Mapping[tuple[str, str], str]


@dataclass(frozen=True)
class Chain:
    name: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Target:
    id: str  # a user or a channel ID
    via: str  # how it was found: `payments/primary`, `named`, `channel`


@dataclass(frozen=True)
class NewPage:
    """A page to make, unless its key was made already."""

    key: str
    chain: str
    level: int
    target: Target
    ack_by: datetime


@dataclass(frozen=True)
class Unanswered:
    """The last level is told, once, that nobody acknowledged."""

    key: str
    chain: str
    targets: tuple[str, ...]
    due_at: datetime


@dataclass(frozen=True)
class Decision:
    pages: list[NewPage] = field(default_factory=list)
    unanswered: list[Unanswered] = field(default_factory=list)


DEFAULT_PREFIX: Final = "schedule:"
# Pages escalate, and are worth sending, while the impact lasts: not once it is mitigated.
PAGING_STATUSES: Final = frozenset({Status.DECLARED, Status.INVESTIGATING, Status.IDENTIFIED})


def chains_for(services: Sequence[str], policy: Policy) -> list[Chain]:
    """The chains that page for an incident on `services` (any case), each once, in the
    catalogue's order."""
    wanted = {s.casefold() for s in services}
    found: dict[str, Chain] = {}
    for service in policy.services:
        if service.name.casefold() not in wanted:
            continue
        chosen: EscalationPolicy | None = None
        if service.escalation_policy is not None:
            chosen = policy.oncall.escalation_policy(service.escalation_policy)
        if chosen is not None:
            found.setdefault(chosen.name, Chain(chosen.name, chosen.levels))
        elif service.schedule is not None:
            name = DEFAULT_PREFIX + service.schedule
            level = Level(schedule=service.schedule, ack_within=DEFAULT_ACK_WITHIN)
            found.setdefault(name, Chain(name, (level,)))
    return list(found.values())


def schedules_of(chains: Sequence[Chain]) -> set[str]:
    """The schedules whose on-call the chains need to know."""
    return {level.schedule_and_layer[0] for c in chains for level in c.levels if level.schedule}


def targets(level: Level, on_call: OnCall, policy: Policy) -> list[Target]:
    """Whom `level` pages now: the layer's on-call person (nobody if the layer is empty
    now), the named people, or the channel."""
    if level.channel is not None:
        return [Target(level.channel, "channel")]
    if level.users:
        return [Target(user, "named") for user in level.users]
    name, layer = level.schedule_and_layer
    schedule = policy.oncall.schedule(name)
    if schedule is None:
        return []
    layer = layer or schedule.layers[0].name
    user = on_call.get((name, layer))
    return [Target(user, f"{name}/{layer}")] if user else []


def first_pages(
    incident: Incident, chains: Sequence[Chain], on_call: OnCall, policy: Policy, now: datetime
) -> list[NewPage]:
    """The pages an incident makes when its room opens: each chain's first level that has
    someone to page."""
    return [p for chain in chains for p in _level_pages(incident, chain, 0, on_call, policy, now)]


def escalations(
    incident: Incident,
    pages: Sequence[Page],
    chains: Sequence[Chain],
    on_call: OnCall,
    policy: Policy,
    now: datetime,
) -> Decision:
    """What is due at `now` for an incident's unacknowledged pages: the next level of each
    chain whose current level's time ran out (or was escalated by hand), or, past the last
    level, the word that nobody acknowledged. Nothing once anyone acknowledged or the
    incident is mitigated (or further)."""
    decision = Decision()
    if incident.status not in PAGING_STATUSES or any(p.acknowledged_at for p in pages):
        return decision
    for chain in chains:
        current = [p for p in pages if p.chain == chain.name]
        if not current:
            continue  # never paged (it is paged when the room opens, not later)
        top = max(p.level for p in current)
        at_top = [p for p in current if p.level == top]
        due = _moves_up_at(at_top)
        if due is None or now < due:
            continue
        following = _level_pages(incident, chain, top, on_call, policy, now)
        if following:
            decision.pages.extend(following)
        else:
            key = f"unanswered:{incident.id}:{chain.name}"
            told = tuple(dict.fromkeys(p.target for p in at_top))
            decision.unanswered.append(Unanswered(key, chain.name, told, due))
    return decision


def _moves_up_at(pages: Sequence[Page]) -> datetime | None:
    """When a level's pages move up: the first Escalate click, else the deadline."""
    escalated = [p.escalated_at for p in pages if p.escalated_at is not None]
    if escalated:
        return min(escalated)
    deadlines = [p.ack_by for p in pages if p.ack_by is not None]
    return min(deadlines) if deadlines else None


def _level_pages(
    incident: Incident, chain: Chain, after: int, on_call: OnCall, policy: Policy, now: datetime
) -> list[NewPage]:
    """The pages of the first level after `after` (1-based levels; 0: from the start) that
    has someone to page; none past the last."""
    for number in range(after + 1, len(chain.levels) + 1):
        level = chain.levels[number - 1]
        found = targets(level, on_call, policy)
        if found:
            ack_by = now + level.wait(incident.severity)
            key = f"page:{incident.id}:{chain.name}:{number}"
            return [
                NewPage(f"{key}:{i}", chain.name, number, t, ack_by) for i, t in enumerate(found)
            ]
    return []
