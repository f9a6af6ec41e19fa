"""Recurrence: earlier incidents on a service of this one with the same category, which
point to an underlying cause worth a problem record. Pure: no I/O, no clock."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

WINDOW: Final = timedelta(days=90)
# Earlier incidents that make this one a recurrence: with two, this is the third.
EARLIER_NEEDED: Final = 2


@dataclass(frozen=True)
class Past:
    """An incident as recurrence detection reads it. `category`: the one set, else the one
    suggested at declaration."""

    id: int
    ref: str
    declared_at: datetime
    services: tuple[str, ...]
    category: str | None
    problem_id: int | None = None
    private: bool = False


@dataclass(frozen=True)
class Recurrence:
    service: str  # as the incident spells it
    category: str
    earlier: tuple[Past, ...]  # oldest first
    # The problem most of the earlier incidents belong to, if any of them belongs to one.
    problem_id: int | None

    @property
    def count(self) -> int:
        """How many incidents, this one included."""
        return len(self.earlier) + 1


def recurrence(incident: Past, others: Iterable[Past]) -> Recurrence | None:
    """The recurrence `incident` is, or None: at least EARLIER_NEEDED incidents declared
    before it, within WINDOW, sharing one of its services (any case) and its category
    exactly ("Database" is not "Database/replication": the subcategory is what says the
    cause may be the same). Private incidents are left out, so no post names them. With
    several services, the one with the most earlier incidents (then the first listed)."""
    if not incident.category or not incident.services:
        return None
    wanted = incident.category.casefold()
    since = incident.declared_at - WINDOW
    earlier = sorted(
        (
            other
            for other in others
            if other.id != incident.id
            and not other.private
            and other.category is not None
            and other.category.casefold() == wanted
            and since <= other.declared_at
            and (other.declared_at, other.id) < (incident.declared_at, incident.id)
        ),
        key=lambda other: (other.declared_at, other.id),
    )
    best: tuple[str, list[Past]] | None = None
    for service in incident.services:
        sharing = [o for o in earlier if service.casefold() in {s.casefold() for s in o.services}]
        if best is None or len(sharing) > len(best[1]):
            best = (service, sharing)
    if best is None or len(best[1]) < EARLIER_NEEDED:
        return None
    service, sharing = best
    return Recurrence(service, incident.category, tuple(sharing), common_problem(sharing))


def common_problem(incidents: Sequence[Past]) -> int | None:
    """The problem most of `incidents` belong to; on a tie, the latest incident's."""
    counts = Counter(i.problem_id for i in incidents if i.problem_id is not None)
    if not counts:
        return None
    most = max(counts.values())
    return next(
        i.problem_id
        for i in reversed(incidents)
        if i.problem_id is not None and counts[i.problem_id] == most
    )


def ordinal(number: int) -> str:
    """1 -> 1st, 2 -> 2nd, 3 -> 3rd, 11 -> 11th, 22 -> 22nd, 113 -> 113th."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def describe(found: Recurrence) -> str:
    """`3rd Database/connection pool incident on orders-db in 90 days: INC-…, INC-…`."""
    refs = ", ".join(p.ref for p in found.earlier)
    return (
        f"{ordinal(found.count)} {found.category} incident on {found.service} in "
        f"{WINDOW.days} days: {refs}"
    )
