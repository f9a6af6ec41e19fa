"""API tokens: how other systems (pipelines, portals, ticketing) prove who they are to the
REST API. Only a hash of the secret is kept; the secret is shown once, when created."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column, utc_column
from models.enums import TokenScope


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    __table_args__ = (
        sa.Index(
            "api_token_live_name",
            "name",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Unique among tokens not revoked; a revoked name may be used again.
    name: str = Field(max_length=40)
    # SHA-256 of the secret, hex: looked up directly, so no secret is ever compared by hand.
    secret_hash: str = Field(max_length=64, unique=True)
    scope: TokenScope = Field(sa_column=enum_column(TokenScope, nullable=False))
    # May see (and change) private incidents.
    private: bool = False
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())
