"""The status page's part of the policy file (`[status_page]`). Pure."""

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class ComponentState(StrEnum):
    """A public component's state, least to most severe."""

    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def rank(self) -> int:
        return list(ComponentState).index(self)


DEFAULT_STATES = {
    "sev0": ComponentState.MAJOR_OUTAGE,
    "sev1": ComponentState.MAJOR_OUTAGE,
    "sev2": ComponentState.PARTIAL_OUTAGE,
    "sev3": ComponentState.DEGRADED,
    "sev4": ComponentState.DEGRADED,
}


class StatusPage(BaseModel):
    """`GET /status`: the organisation's name and colour, what each severity does to the
    components an open published incident affects, and how much history is shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, Field(min_length=1, max_length=80)] = "Status"
    organisation: Annotated[str, Field(max_length=80)] = ""
    # The page's accent colour, a CSS hex colour.
    colour: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")] = "#1f6feb"
    # The public address of the page, used as the Atom feed's links ("" : relative links).
    url: Annotated[str, Field(pattern=r"^(https?://\S+)?$", max_length=300)] = ""
    # A severity's effect on the components its open published incidents affect; severities
    # not named take the defaults (SEV0/1 major outage, SEV2 partial, the rest degraded).
    states: dict[str, ComponentState] = Field(default_factory=dict)
    history_days: Annotated[int, Field(ge=1, le=365)] = 90
    # How long a rendered page is served from memory (and by browsers and proxies).
    cache_seconds: Annotated[int, Field(ge=0, le=3600)] = 30

    def state_of(self, severity: str) -> ComponentState:
        key = severity.lower()
        return self.states.get(key) or DEFAULT_STATES.get(key, ComponentState.DEGRADED)

    @property
    def history(self) -> timedelta:
        return timedelta(days=self.history_days)
