"""On-call overrides: someone on call for a schedule's layer instead of its rotation, for a
while. Schedules themselves live in the policy file."""

from datetime import datetime

import sqlalchemy as sa
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


class RotationEdit(SQLModel, table=True):
    """A layer's rotation as edited by command: the members in order from `effective_at`
    (a handoff) on, and whose turn comes first then. The policy file's members hold until
    a layer's first edit takes effect; the latest edit in force holds after."""

    __tablename__ = "rotation_edit"
    # One edit per version of a layer: two made at once on the same version can't both win.
    __table_args__ = (sa.UniqueConstraint("schedule", "layer", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=40)
    layer: str = Field(max_length=40)
    version: int
    # What was asked (`add`, `remove`, `swap`) and of whom, for people reading it back.
    action: str = Field(max_length=10)
    users: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    members: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    cursor: int
    effective_at: datetime = Field(sa_column=utc_column(nullable=False))
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # The command that made it: a retried request makes one edit.
    request_key: str = Field(unique=True, max_length=80)
