"""On-call overrides: someone on call for a schedule's layer instead of its rotation, for a
while. Schedules themselves live in the policy file."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.columns import utc_column


class OncallOverride(SQLModel, table=True):
    __tablename__ = "oncall_override"

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=40, index=True)
    layer: str = Field(max_length=40)
    # Who is on call instead, and whom the rotation had on call when it was made (if anyone).
    user: str = Field(max_length=32)
    covers: str | None = Field(default=None, max_length=32)
    starts_at: datetime = Field(sa_column=utc_column(nullable=False))
    ends_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # The command that made it: a retried or doubled request makes one override.
    request_key: str = Field(unique=True, max_length=80)
    # A cancelled override stops at its cancellation: what was before it happened.
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column())
    cancelled_by: str | None = Field(default=None, max_length=32)

    @property
    def effective_end(self) -> datetime:
        """When it stops (or stopped) covering: its end, or its cancellation if sooner."""
        if self.cancelled_at is None:
            return self.ends_at
        return max(self.starts_at, min(self.ends_at, self.cancelled_at))
