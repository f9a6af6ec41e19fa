"""The impact-by-urgency priority matrix (ITIL's P1 to P5): impact from an incident's scope,
urgency from its severity. Optional: off unless the policy's `[priority_matrix]` turns it
on. Pure."""

from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models import ImpactScope

Level = Literal["high", "medium", "low"]
PriorityLabel = Annotated[str, Field(pattern=r"^P[1-5]$")]

IMPACT: Final[dict[ImpactScope, Level]] = {
    ImpactScope.COMPANY_WIDE: "high",
    ImpactScope.DEPARTMENT: "medium",
    ImpactScope.INDIVIDUAL: "low",
}
LEVELS: Final[tuple[Level, ...]] = ("high", "medium", "low")


class PriorityMatrix(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    # Each severity's urgency; a severity not named here is of medium urgency.
    urgency: dict[str, Level] = {"sev1": "high", "sev2": "high", "sev3": "medium", "sev4": "low"}
    # impact -> urgency -> priority.
    matrix: dict[Level, dict[Level, PriorityLabel]] = {
        "high": {"high": "P1", "medium": "P2", "low": "P3"},
        "medium": {"high": "P2", "medium": "P3", "low": "P4"},
        "low": {"high": "P3", "medium": "P4", "low": "P5"},
    }

    @model_validator(mode="after")
    def _complete(self) -> Self:
        for impact in LEVELS:
            missing = [u for u in LEVELS if u not in self.matrix.get(impact, {})]
            if missing:
                raise ValueError(
                    f"matrix.{impact}: give a priority for every urgency "
                    f"(missing: {', '.join(missing)})"
                )
        return self

    def of(self, severity: str, scope: ImpactScope | None) -> str | None:
        """The priority of an incident of `severity` affecting `scope`; None when the matrix
        is off or the scope is not recorded (the impact is then unknown)."""
        if not self.enabled or scope is None:
            return None
        return self.matrix[IMPACT[scope]][self.urgency.get(severity, "medium")]
