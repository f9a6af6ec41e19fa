"""Response measures of one incident, from its stored milestones. Pure.

Every measure starts where the industry's does: detection from when impact began, the rest
from the declaration. A measure whose milestones are not both recorded is None, never a guess.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class Milestones(Protocol):
    """What the measures read of an incident (an Incident, or a lighter record of one)."""

    @property
    def impact_started_at(self) -> datetime | None: ...
    @property
    def declared_at(self) -> datetime: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def mitigated_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None:
        return None
    return max(end - start, timedelta(0))


@dataclass(frozen=True)
class Measures:
    """How long each phase took; None where a milestone is missing."""

    impact: timedelta | None  # impact start (or declaration) to resolution
    to_detect: timedelta | None  # impact start to declaration
    to_acknowledge: timedelta | None  # declaration to acknowledgement
    to_mitigate: timedelta | None  # declaration to mitigation
    to_resolve: timedelta | None  # declaration to resolution

    @classmethod
    def of(cls, incident: Milestones) -> "Measures":
        declared = incident.declared_at
        return cls(
            impact=_between(incident.impact_started_at or declared, incident.resolved_at),
            to_detect=_between(incident.impact_started_at, declared),
            to_acknowledge=_between(declared, incident.acknowledged_at),
            to_mitigate=_between(declared, incident.mitigated_at),
            to_resolve=_between(declared, incident.resolved_at),
        )
