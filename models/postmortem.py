"""The post-mortem record: one per incident, pointing to its canvas."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column, utc_column
from models.enums import DraftSource, PostmortemStatus


class Postmortem(SQLModel, table=True):
    __tablename__ = "postmortem"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    status: PostmortemStatus = Field(sa_column=enum_column(PostmortemStatus, nullable=False))
    author: str | None = Field(default=None, max_length=32)
    reviewers: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    due_at: datetime | None = Field(default=None, sa_column=utc_column())
    canvas_id: str | None = Field(default=None, max_length=32)
    canvas_url: str | None = Field(default=None, max_length=300)
    # The latest draft as written, for the Markdown export; people refine it in the canvas.
    markdown: str = Field(default="", sa_type=sa.Text)
    # The model's narrative as validated, kept so its proposed action items can be accepted.
    narrative: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    source: DraftSource | None = Field(default=None, sa_column=enum_column(DraftSource))
    # Why the template wrote it when the model did not, in plain words ("" otherwise).
    fallback_reason: str = ""
    drafted_at: datetime | None = Field(default=None, sa_column=utc_column())
    published_at: datetime | None = Field(default=None, sa_column=utc_column())
    published_by: str | None = Field(default=None, max_length=32)
    # One process drafts at a time: it claims the record; a claim whose process died lapses.
    drafting_since: datetime | None = Field(default=None, sa_column=utc_column())
    # Drafts that failed since the last one that worked.
    draft_failures: int = 0
    version: int = 1
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
