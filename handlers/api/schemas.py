"""The REST API's request and response bodies. pydantic validates what comes in and
describes both for the OpenAPI document; nothing here knows HTTP."""

import html
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.insights.metrics import Metrics, Spread
from models import (
    ActionItem,
    ActionStatus,
    Incident,
    IncidentLink,
    LinkKind,
    Postmortem,
    PostmortemStatus,
    Role,
    Status,
    TimelineEntry,
)

UserId = Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9_]{2,30}$")]
# No NUL anywhere (PostgreSQL can't store it), and for what must say something, one
# character that is not white space by any of the regex dialects involved (JSON Schema's,
# pydantic's, Python's): so the document and the validation agree on every string.
_NO_NUL = r"^[^\u0000]*$"
_SOMETHING = r"^[^\u0000]*[^\s\u0000\u001c-\u001f\u0085\ufeff][^\u0000]*$"
Service = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=_SOMETHING)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_SOMETHING)]
Text = Annotated[str, StringConstraints(max_length=3000, pattern=_NO_NUL)]
Said = Annotated[str, StringConstraints(min_length=1, max_length=3000, pattern=_SOMETHING)]


def _plain(markup: str) -> str:
    """Sitrep stores Slack markup (&, < and > escaped); the API speaks plain text."""
    return html.unescape(markup) if "&" in markup else markup


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentCreate(Strict):
    title: Title
    severity: Annotated[str, StringConstraints(min_length=1, max_length=16)] = Field(
        description="A configured severity key, e.g. `sev2`."
    )
    description: Text = ""
    services: list[Service] = Field(default_factory=list, max_length=20)
    commander: UserId | None = Field(None, description="Slack user ID of the commander.")
    reporter: UserId | None = Field(
        None, description="Slack user ID of the person declaring, when a person asked."
    )
    private: bool = False
    impact_started_at: datetime | None = Field(
        None, description="When the impact began (ISO 8601 with offset); not in the future."
    )


class IncidentUpdate(Strict):
    """Only the fields given change (none: nothing does). A status change follows the
    lifecycle."""

    title: Title | None = None
    severity: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    status: Status | None = None
    commander: UserId | None = None
    services: list[Service] | None = Field(None, max_length=20)
    note: Text = Field("", description="Why: kept with a status or severity change.")


class EntryCreate(Strict):
    text: Said


class LinkCreate(Strict):
    # An http(s) address with an ASCII host (punycode for others) and a printable ASCII
    # rest (percent-encode the others): what the links service accepts, said in the schema.
    url: Annotated[
        str,
        StringConstraints(
            max_length=2000,
            pattern=r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(:[0-9]{1,4})?([/?#][!-~]*)?$",
        ),
    ]
    kind: LinkKind = LinkKind.OTHER
    title: Annotated[str, StringConstraints(max_length=200, pattern=_NO_NUL)] = ""


class ActionItemUpdate(Strict):
    status: Literal["done", "cancelled"]
    note: Said = Field(description="What was done (or a link to it), or why it is cancelled.")


class IncidentFilter(Strict):
    status: list[Status] = Field(default_factory=list)
    severity: str | None = None
    service: Service | None = None
    declared_after: datetime | None = None
    declared_before: datetime | None = None
    cursor: str | None = Field(
        None, pattern=r"^i[0-9]{1,12}$", description="The `next_cursor` of the previous page."
    )
    limit: int = Field(50, ge=1, le=200)


class MetricsFilter(Strict):
    range: str = Field(
        "30d",
        description="`7d`, `30d`, `90d` (any 1 to 366 days), `quarter` or `YYYY-Qn` (from 1970).",
        pattern=r"^(([1-9][0-9]?|[12][0-9]{2}|3[0-5][0-9]|36[0-6])d|quarter|(19[7-9][0-9]|[2-9][0-9]{3})-[Qq][1-4])$",
    )
    service: Service | None = None
    severity: str | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorReply(BaseModel):
    error: ErrorBody


class IncidentOut(BaseModel):
    id: int
    ref: str
    title: str
    description: str
    severity: str
    status: Status
    private: bool
    services: list[str]
    commander: str | None
    reporter: str | None
    channel_id: str | None
    channel_name: str | None
    category: str | None
    tags: list[str]
    resolution_summary: str
    impact_started_at: datetime | None
    declared_at: datetime
    acknowledged_at: datetime | None
    identified_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, incident: Incident, roles: dict[Role, str]) -> "IncidentOut":
        assert incident.id is not None
        return cls(
            id=incident.id,
            ref=incident.ref,
            title=_plain(incident.title),
            description=_plain(incident.description),
            severity=incident.severity,
            status=incident.status,
            private=incident.private,
            services=list(incident.services),
            commander=roles.get(Role.COMMANDER),
            reporter=incident.reporter or None,
            channel_id=incident.channel_id,
            channel_name=incident.channel_name,
            category=incident.category,
            tags=list(incident.tags),
            resolution_summary=_plain(incident.resolution_summary),
            impact_started_at=incident.impact_started_at,
            declared_at=incident.declared_at,
            acknowledged_at=incident.acknowledged_at,
            identified_at=incident.identified_at,
            mitigated_at=incident.mitigated_at,
            resolved_at=incident.resolved_at,
            closed_at=incident.closed_at,
            updated_at=incident.updated_at,
        )


class IncidentPage(BaseModel):
    incidents: list[IncidentOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class EntryOut(BaseModel):
    id: int
    kind: str
    occurred_at: datetime
    author: str | None = Field(description="A Slack user ID, `api:<token name>`, or null (Sitrep).")
    text: str
    data: dict[str, Any]

    @classmethod
    def of(cls, entry: TimelineEntry) -> "EntryOut":
        assert entry.id is not None
        return cls(
            id=entry.id,
            kind=entry.kind.value,
            occurred_at=entry.occurred_at,
            author=entry.author,
            text=_plain(entry.text),
            data=dict(entry.data),
        )


class Timeline(BaseModel):
    entries: list[EntryOut]


class LinkOut(BaseModel):
    kind: LinkKind
    url: str
    title: str

    @classmethod
    def of(cls, link: IncidentLink) -> "LinkOut":
        return cls(kind=link.kind, url=link.url, title=_plain(link.title))


class Links(BaseModel):
    links: list[LinkOut]


class ActionItemOut(BaseModel):
    id: int
    incident_id: int
    title: str
    owner: str
    priority: str
    due_on: date
    status: ActionStatus
    evidence: str
    cancel_reason: str
    external_url: str | None
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, item: ActionItem) -> "ActionItemOut":
        assert item.id is not None
        return cls(
            id=item.id,
            incident_id=item.incident_id,
            title=_plain(item.title),
            owner=item.owner,
            priority=item.priority,
            due_on=item.due_on,
            status=item.status,
            evidence=_plain(item.evidence),
            cancel_reason=_plain(item.cancel_reason),
            external_url=item.external_url,
            created_at=item.created_at,
            completed_at=item.completed_at,
        )


class ActionItems(BaseModel):
    action_items: list[ActionItemOut]


class PostmortemOut(BaseModel):
    incident_id: int
    status: PostmortemStatus
    author: str | None
    canvas_url: str | None
    markdown: str
    drafted_at: datetime | None
    published_at: datetime | None

    @classmethod
    def of(cls, record: Postmortem) -> "PostmortemOut":
        return cls(
            incident_id=record.incident_id,
            status=record.status,
            author=record.author,
            canvas_url=record.canvas_url,
            markdown=record.markdown,
            drafted_at=record.drafted_at,
            published_at=record.published_at,
        )


class SpreadOut(BaseModel):
    count: int
    mean_minutes: float | None
    median_minutes: float | None
    p90_minutes: float | None

    @classmethod
    def of(cls, spread: Spread) -> "SpreadOut":
        def minutes(value: Any) -> float | None:
            return None if value is None else round(value.total_seconds() / 60, 1)

        return cls(
            count=spread.count,
            mean_minutes=minutes(spread.mean),
            median_minutes=minutes(spread.median),
            p90_minutes=minutes(spread.p90),
        )


class PeriodMetrics(BaseModel):
    start: datetime
    end: datetime
    label: str
    incidents: int
    open: int
    by_severity: dict[str, int]
    by_service: dict[str, int]
    measures: dict[str, SpreadOut] = Field(
        description="to_detect, to_acknowledge, to_mitigate, to_resolve, impact."
    )
    acknowledged_on_target: int
    with_response_target: int

    @classmethod
    def of(cls, metrics: Metrics) -> "PeriodMetrics":
        period = metrics.period
        return cls(
            start=period.start,
            end=period.end,
            label=period.label,
            incidents=metrics.volume,
            open=metrics.open,
            by_severity=dict(metrics.by_severity),
            by_service=dict(metrics.by_service),
            measures={name: SpreadOut.of(s) for name, s in metrics.spreads.items()},
            acknowledged_on_target=metrics.on_target,
            with_response_target=metrics.targeted,
        )


class MetricsOut(BaseModel):
    scope: str
    current: PeriodMetrics
    previous: PeriodMetrics
