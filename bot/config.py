"""The organisation's incident policy, from a TOML file (deployment settings and secrets are
in `bot.settings`)."""

import re
import tomllib
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.categories import DEFAULT_CATEGORIES, Category
from bot.errors import ConfigError, IncidentError
from bot.failure_modes import DEFAULT_FAILURE_MODES, FailureMode
from bot.links import web_address
from bot.oncall.policy import Oncall
from bot.permissions import PermissionsPolicy
from bot.priority import PriorityMatrix
from bot.statuspage.policy import StatusPage
from bot.webhooks.policy import OutgoingWebhooks
from models import ChecklistItem

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|min|h|d|w)\s*$")
NEXT_BUSINESS_DAY = "next business day"


def parse_duration(text: str) -> timedelta:
    """'30s', '15m', '2h', '1d', '2w' as a timedelta; raises ValueError otherwise."""
    match = _DURATION.match(text.lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration like '30s', '15m', '2h', '1d' or '2w'")
    amount, unit = int(match[1]), match[2]
    return {
        "s": timedelta(seconds=amount),
        "m": timedelta(minutes=amount),
        "min": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
        "w": timedelta(weeks=amount),
    }[unit]


def _duration(value: str) -> str:
    if parse_duration(value) <= timedelta(0):
        raise ValueError(f"{value!r} must be longer than nothing")
    return value


Duration = Annotated[str, AfterValidator(_duration)]


def _response_target(value: str) -> str:
    if value.strip().lower() != NEXT_BUSINESS_DAY:
        parse_duration(value)
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}") from None
    return value


_SEVERE_CHECKLIST = tuple(ChecklistItem)  # every item, the post-mortem included
_KEY_DEFAULTS: dict[str, dict[str, object]] = {
    "sev1": {
        "draft_postmortem_on_resolve": True,
        "postmortem_due": "48h",
        "update_cadence": "15m",
        "close_checklist": _SEVERE_CHECKLIST,
        "verification_window": "24h",
        "workaround_opens_problem": True,
    },
    "sev2": {
        "draft_postmortem_on_resolve": True,
        "postmortem_due": "48h",
        "update_cadence": "30m",
        "close_checklist": _SEVERE_CHECKLIST,
        "workaround_opens_problem": True,
    },
    "sev3": {"update_cadence": "2h"},
}


class Severity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, Field(pattern=r"^sev[0-9]$")]
    name: str
    description: str = ""
    response_target: Annotated[str, AfterValidator(_response_target)]
    # Resolving drafts the post-mortem without being asked; by default for SEV1 and SEV2.
    draft_postmortem_on_resolve: bool = False
    # How long after resolution the post-mortem is due.
    postmortem_due: Duration = "7d"
    # How long an open incident may go without a human update before the commander is
    # nudged; "none" for never.
    update_cadence: Duration | Literal["none"] = "none"
    # What must be done before an incident of this severity can be closed.
    close_checklist: tuple[ChecklistItem, ...] = (
        ChecklistItem.RESOLUTION,
        ChecklistItem.ROOT_CAUSE,
        ChecklistItem.CATEGORY,
        ChecklistItem.FOLLOW_UP,
        ChecklistItem.RUNBOOK,
    )
    # After resolution, how long it is watched before the commander is asked to close;
    # "none" for not at all. A recurrence in that time reopens it.
    verification_window: Duration | Literal["none"] = "none"
    # A workaround opens (or links) a problem record, so the real fix is tracked.
    workaround_opens_problem: bool = False
    # Where status updates of its (non-private) incidents are posted besides their channel.
    stakeholder_channels: tuple[Annotated[str, Field(pattern=r"^[CG][A-Za-z0-9_]+$")], ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _defaults_by_key(cls, data: Any) -> Any:
        """The worst severities get an automatic post-mortem due in 48 hours and tighter
        update cadences, unless set."""
        if isinstance(data, dict):
            return {**_KEY_DEFAULTS.get(str(data.get("key")), {}), **data}
        return data

    @property
    def label(self) -> str:
        return self.key.upper()

    @property
    def postmortem_due_after(self) -> timedelta:
        return parse_duration(self.postmortem_due)

    @property
    def verify_for(self) -> timedelta | None:
        return (
            None if self.verification_window == "none" else parse_duration(self.verification_window)
        )

    @property
    def cadence(self) -> timedelta | None:
        return None if self.update_cadence == "none" else parse_duration(self.update_cadence)

    @property
    def respond_within(self) -> timedelta | None:
        """The response target as a duration; None for "next business day"."""
        if self.response_target.strip().lower() == NEXT_BUSINESS_DAY:
            return None
        return parse_duration(self.response_target)


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=80)]
    team: str = ""
    description: str = ""
    # Who is on call for it: a schedule of `[[oncall.schedules]]`.
    schedule: str | None = None
    # Who is paged when it has an incident: a `[[oncall.escalation_policies]]` name. Without
    # one, a service with a schedule pages the schedule's first layer.
    escalation_policy: str | None = None
    # Shown on the public status page as `component` (default: its name).
    public: bool = False
    component: Annotated[str, Field(max_length=80)] = ""

    @property
    def component_name(self) -> str:
        return self.component or self.name


DEFAULT_SEVERITIES = (
    Severity(
        key="sev1",
        name="Critical",
        response_target="15m",
        description="Customer-facing outage or data loss; all hands.",
    ),
    Severity(
        key="sev2",
        name="Major",
        response_target="30m",
        description="Major feature degraded for many customers.",
    ),
    Severity(
        key="sev3",
        name="Minor",
        response_target="2h",
        description="Limited impact or a workaround exists.",
    ),
    Severity(
        key="sev4",
        name="Low",
        response_target=NEXT_BUSINESS_DAY,
        description="Cosmetic or internal; fix in normal hours.",
    ),
)


class Reminders(BaseModel):
    """When scheduled reminders and escalations fire."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A commander should be in place this soon after declaration.
    commander_within: Duration = "5m"
    # Mitigated this long without being resolved, or resolved without being closed.
    stale_mitigated: Duration = "24h"
    stale_resolved: Duration = "3d"
    # Where an incident not acknowledged within its response target is escalated (IDs).
    escalation_channel: Annotated[str, Field(pattern=r"^[CG][A-Za-z0-9_]+$")] | None = None
    escalation_users: tuple[Annotated[str, Field(pattern=r"^[UW][A-Za-z0-9_]+$")], ...] = ()
    # How long a nudge may be snoozed for, in minutes: the nudge's buttons.
    snoozes: tuple[int, ...] = (15, 30, 60)

    @property
    def commander_grace(self) -> timedelta:
        return parse_duration(self.commander_within)

    @property
    def stale_mitigated_after(self) -> timedelta:
        return parse_duration(self.stale_mitigated)

    @property
    def stale_resolved_after(self) -> timedelta:
        return parse_duration(self.stale_resolved)


Priority = Literal["p0", "p1", "p2", "p3"]
DEFAULT_DUE: dict[Priority, str] = {"p0": "7d", "p1": "14d", "p2": "30d", "p3": "90d"}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")  # seconds: for demos
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _time_of_day(value: str) -> str:
    if not _CLOCK.match(value.strip()):
        raise ValueError(f"{value!r} is not a time of day like '09:00'")
    return value.strip()


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekly_moment(value: str) -> str:
    day, _, clock = value.strip().lower().partition(" ")
    if day not in (*WEEKDAYS, *_DAY_NAMES) or not _CLOCK.match(clock.strip()):
        raise ValueError(f"{value!r} is not a day and time like 'mon 09:00'")
    return value


def _working_hours(value: str) -> str:
    start, _, end = value.strip().partition("-")
    if not (_CLOCK.match(start.strip()) and _CLOCK.match(end.strip())) or _clock_time(
        start
    ) >= _clock_time(end):
        raise ValueError(f"{value!r} is not working hours like '09:00-18:00'")
    return value.replace(" ", "")


def _clock_time(value: str) -> time:
    hours, minutes, seconds = [*value.strip().split(":"), "0"][:3]
    return time(int(hours), int(minutes), int(seconds))


class ItemReminders(BaseModel):
    """When action-item owners are reminded, in the organisation's timezone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The time of day reminders about a due date arrive.
    remind_at: Annotated[str, AfterValidator(_time_of_day)] = "09:00"
    # A direct message this long before the due day's reminder time ("none": never).
    before_due: Duration | Literal["none"] = "2d"
    # A direct message on the due day, at `remind_at`.
    on_due_day: bool = True
    # Owners with overdue items get a summary, and incidents with overdue items a roll-up,
    # this often ("none": never), counted from `overdue_from`.
    overdue_every: Duration | Literal["none"] = "1w"
    overdue_from: Annotated[str, AfterValidator(_weekly_moment)] = "mon 09:00"

    @property
    def remind_time(self) -> time:
        return _clock_time(self.remind_at)

    @property
    def before(self) -> timedelta | None:
        return None if self.before_due == "none" else parse_duration(self.before_due)

    @property
    def overdue_period(self) -> timedelta | None:
        return None if self.overdue_every == "none" else parse_duration(self.overdue_every)

    @property
    def overdue_weekday(self) -> int:
        """Monday is 0."""
        return WEEKDAYS.index(self.overdue_from.strip().lower()[:3])

    @property
    def overdue_time(self) -> time:
        return _clock_time(self.overdue_from.strip().partition(" ")[2])


class Insights(BaseModel):
    """What the incident metrics count, and where the weekly digest goes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Working hours, for the out-of-hours counts (the organisation's timezone).
    working_hours: Annotated[str, AfterValidator(_working_hours)] = "09:00-18:00"
    working_days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon", "tue", "wed", "thu", "fri",
    )  # fmt: skip
    # The severities counted as severe in a person's load.
    severe_severities: tuple[str, ...] = ("sev0", "sev1", "sev2")
    # A person who handles more than `load_limit` incidents within `load_period` is flagged.
    load_limit: int = Field(default=5, ge=1)
    load_period: Duration = "7d"
    # An incident is a repeat when a shared service had one this recently.
    repeat_within: Duration = "90d"
    # An incident whose impact started this soon after a linked deploy counts as after it.
    deploy_window: Duration = "2h"
    # The weekly digest: where (a channel ID; none: no digest) and when.
    digest_channel: Annotated[str, Field(pattern=r"^[CG][A-Za-z0-9_]+$")] | None = None
    digest_at: Annotated[str, AfterValidator(_weekly_moment)] = "mon 09:00"
    # How often the digest comes: a week, or seconds in a demo.
    digest_every: Duration = "1w"

    @property
    def severe(self) -> frozenset[str]:
        return frozenset(self.severe_severities)

    @property
    def load_window(self) -> timedelta:
        return parse_duration(self.load_period)

    @property
    def repeat_window(self) -> timedelta:
        return parse_duration(self.repeat_within)

    @property
    def deploy_period(self) -> timedelta:
        return parse_duration(self.deploy_window)

    @property
    def digest_period(self) -> timedelta:
        return parse_duration(self.digest_every)

    @property
    def digest_weekday(self) -> int:
        return WEEKDAYS.index(self.digest_at.strip().lower()[:3])

    @property
    def digest_time(self) -> time:
        return _clock_time(self.digest_at.strip().partition(" ")[2])

    def in_hours(self) -> Callable[[datetime], bool]:
        """A test of whether a local time falls in working hours on a working day."""
        start, end = (_clock_time(t) for t in self.working_hours.split("-"))
        days = {WEEKDAYS.index(day) for day in self.working_days}
        return lambda local: local.weekday() in days and start <= local.time() < end


AlertAction = Literal["declare", "triage", "ignore"]
ALERT_SOURCES = ("alertmanager", "grafana", "datadog", "pagerduty", "opsgenie", "generic")
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class AlertSource(BaseModel):
    """A monitoring tool allowed to send alerts, and how it proves who it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A shared token, sent as "Authorization: Bearer <token>" or "?token=<token>"; better
    # kept out of the file: `token_env` names the environment variable that holds it.
    token: str | None = None
    token_env: Annotated[str, Field(pattern=_ENV_NAME)] | None = None
    # The source signs each delivery with this secret (PagerDuty: X-PagerDuty-Signature).
    signing_secret: str | None = None
    signing_secret_env: Annotated[str, Field(pattern=_ENV_NAME)] | None = None
    # Deliveries per minute accepted from this source (per replica); more get 429.
    rate_per_minute: int = Field(default=120, ge=1)

    @model_validator(mode="after")
    def _some_secret(self) -> Self:
        # (Which sources may sign is checked by Alerts: only PagerDuty's signature is read.)
        if not (self.token or self.token_env or self.signing_secret or self.signing_secret_env):
            raise ValueError("needs a token, token_env, signing_secret or signing_secret_env")
        return self


class AlertMatch(BaseModel):
    """What an alert must have for a rule to apply: every given field matches (shell-style
    patterns like "db-*", case-insensitive); labels match one by one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = None
    alertname: str | None = None
    severity: str | None = None
    service: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)


class AlertRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    match: AlertMatch = AlertMatch()
    action: AlertAction = "declare"
    # The severity to declare at (a severity key); otherwise mapped from the alert's own.
    severity: str | None = None
    # When all of an incident's alerts have resolved: ask in the channel, or move it on.
    when_resolved: Literal["prompt", "mitigate", "resolve"] = "prompt"


_SEVERITY_MAP = {
    "critical": "sev2", "high": "sev2", "error": "sev3", "warning": "sev3", "warn": "sev3",
    "medium": "sev3", "low": "sev4", "info": "sev4",
    "p1": "sev1", "p2": "sev2", "p3": "sev3", "p4": "sev4", "p5": "sev4",
}  # fmt: skip


class Alerts(BaseModel):
    """Alerts in: which sources may send them and what they do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[
        Literal["alertmanager", "grafana", "datadog", "pagerduty", "opsgenie", "generic"],
        AlertSource,
    ] = Field(default_factory=dict)
    # The first rule that matches decides; no match: `default_action`.
    rules: tuple[AlertRule, ...] = ()
    default_action: AlertAction = "declare"
    # Where alerts a rule sends to triage are posted (a channel ID).
    triage_channel: Annotated[str, Field(pattern=r"^[CG][A-Za-z0-9_]+$")] | None = None
    # An alert left undecided this long stops waiting: if it fires again, it is posted again.
    triage_expires: Duration = "24h"
    # Alerts for the same service this close together join one incident.
    group_window: Duration = "10m"
    # The alert's own severity (lower case) to a severity key; unmapped: `default_severity`.
    severity_map: dict[str, str] = Field(default_factory=lambda: dict(_SEVERITY_MAP))
    default_severity: str = "sev3"
    # The labels that name the affected service, tried in order.
    service_labels: tuple[str, ...] = ("service", "app", "application", "job")
    # Larger deliveries are refused with 413.
    max_body_kb: int = Field(default=1024, ge=1, le=16 * 1024)

    # Alerts with these severities of their own are ignored unless a rule says otherwise.
    ignore_severities: tuple[str, ...] = ("info", "none")

    @property
    def grouping(self) -> timedelta:
        return parse_duration(self.group_window)

    @property
    def triage_lifetime(self) -> timedelta:
        return parse_duration(self.triage_expires)

    @field_validator("severity_map")
    @classmethod
    def _lower_keys(cls, mapping: dict[str, str]) -> dict[str, str]:
        return {key.strip().lower(): value for key, value in mapping.items()}

    @model_validator(mode="after")
    def _signing_only_where_read(self) -> Self:
        for name, source in self.sources.items():
            signs = source.signing_secret or source.signing_secret_env
            if signs and name != "pagerduty":
                raise ValueError(
                    f"alerts.sources.{name}: only PagerDuty's signature is checked; "
                    "use token or token_env"
                )
        return self


def _web_url(value: str) -> str:
    """The same check `/incident link` makes."""
    try:
        return web_address(value)
    except IncidentError as error:
        raise ValueError(str(error)) from None


def _markdown_path(value: str) -> str:
    path = Path(value)
    if path.is_absolute() or ".." in path.parts or path.suffix.lower() not in (".md", ".markdown"):
        raise ValueError(f"{value!r} must be a Markdown file (.md) inside runbooks_folder")
    return value


class Runbook(BaseModel):
    """A runbook in the library: a web page, or a Markdown file in `runbooks_folder`, and
    which incidents it is for (shell-style alert patterns, case-insensitive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, AfterValidator(_web_url)] | None = None
    file: Annotated[str, AfterValidator(_markdown_path)] | None = None
    services: tuple[str, ...] = ()
    # `Database` serves every Database/… incident; `Database/replication` only those.
    categories: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _url_or_file(self) -> Self:
        if (self.url is None) == (self.file is None):
            raise ValueError("give either url or file (a Markdown file in runbooks_folder)")
        return self


class Policy(BaseModel):
    """The organisation's incident policy (the TOML file). Every key is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"
    announcements_channel: str | None = None
    channel_prefix: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,19}$")] = "inc"
    severities: tuple[Severity, ...] = DEFAULT_SEVERITIES
    services: tuple[Service, ...] = ()
    reminders: Reminders = Reminders()
    # Default due dates of action items by priority.
    action_item_due: dict[Priority, Duration] = Field(default_factory=lambda: dict(DEFAULT_DUE))
    action_item_reminders: ItemReminders = ItemReminders()
    insights: Insights = Insights()
    # Follow-through: the share of action items done within this long of their creation.
    follow_through_within: Duration = "30d"
    alerts: Alerts = Alerts()
    # The runbook library; file runbooks are read from `runbooks_folder`, relative to the
    # policy file's folder.
    runbooks_folder: str = "runbooks"
    runbooks: tuple[Runbook, ...] = ()
    # The category taxonomy: `[[categories]]` with `name`, `keywords` and `[[categories.sub]]`;
    # an incident's category is written `Database/replication` (or just `Database`).
    categories: tuple[Category, ...] = DEFAULT_CATEGORIES
    # What went wrong, recognised by its signs (`[[failure_modes]]` with `name` and `signs`,
    # replacing the defaults): similar incidents share one however they are worded.
    failure_modes: tuple[FailureMode, ...] = DEFAULT_FAILURE_MODES
    # ITIL's impact-by-urgency priority (P1 to P5), off unless `enabled`.
    priority_matrix: PriorityMatrix = PriorityMatrix()
    # On-call schedules (`[[oncall.schedules]]`) and their calendar feeds.
    oncall: Oncall = Oncall()
    # The public status page (`GET /status`).
    status_page: StatusPage = StatusPage()
    # Incident events sent, signed, to the endpoints named (`[[outgoing_webhooks.endpoints]]`).
    outgoing_webhooks: OutgoingWebhooks = OutgoingWebhooks()
    # Who may do what (`[permissions]`): admins, and per action who may (default anyone).
    permissions: PermissionsPolicy = PermissionsPolicy()

    @model_validator(mode="after")
    def _alert_severities(self) -> Self:
        """Every severity alerts may declare at is configured, and triage has a channel."""
        keys = set(self.severity_keys)
        alerts = self.alerts
        named = {
            "alerts.default_severity": [alerts.default_severity],
            "alerts.severity_map": list(alerts.severity_map.values()),
            "alerts.rules": [rule.severity for rule in alerts.rules if rule.severity],
        }
        for where, severities in named.items():
            unknown = sorted({s for s in severities if s.lower() not in keys})
            # The built-in defaults name SEV1 to SEV4: with fewer severities, the alerts
            # they would map fall back to the least severe (bot.alerts.rules).
            defaulted = where.removeprefix("alerts.") not in alerts.model_fields_set
            if unknown and not defaulted:
                raise ValueError(f"{where}: {', '.join(unknown)} is not a configured severity")
        triaging = alerts.default_action == "triage" or any(
            rule.action == "triage" for rule in alerts.rules
        )
        if triaging and alerts.triage_channel is None:
            raise ValueError("alerts.triage_channel: needed by the triage action")
        return self

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        keys = [s.key for s in self.severities]
        if not keys:
            raise ValueError("severities: at least one severity is needed")
        if len(set(keys)) != len(keys):
            raise ValueError("severities: each key must be unique")
        names = [s.name for s in self.services]
        if len(set(names)) != len(names):
            raise ValueError("services: each name must be unique")
        categories = [c.name.casefold() for c in self.categories]
        if len(set(categories)) != len(categories):
            raise ValueError("categories: each name must be unique")
        if "urgency" in self.priority_matrix.model_fields_set:
            unknown_severities = sorted(set(self.priority_matrix.urgency) - set(keys))
            if unknown_severities:
                raise ValueError(
                    f"priority_matrix.urgency: {', '.join(unknown_severities)} is not a "
                    "configured severity"
                )
        schedules = {s.name for s in self.oncall.schedules}
        for i, service in enumerate(self.services):
            if service.schedule is not None and service.schedule not in schedules:
                known = ", ".join(sorted(schedules)) or "none configured"
                raise ValueError(
                    f"services.{i}.schedule: {service.schedule!r} is not in "
                    f"oncall.schedules ({known})"
                )
        policies = {p.name for p in self.oncall.escalation_policies}
        for i, service in enumerate(self.services):
            if service.escalation_policy is not None and service.escalation_policy not in policies:
                known = ", ".join(sorted(policies)) or "none configured"
                raise ValueError(
                    f"services.{i}.escalation_policy: {service.escalation_policy!r} is not in "
                    f"oncall.escalation_policies ({known})"
                )
        unknown_states = sorted(set(self.status_page.states) - set(keys))
        if unknown_states:
            raise ValueError(
                f"status_page.states: {', '.join(unknown_states)} is not a configured severity"
            )
        titles = [r.title.casefold() for r in self.runbooks]
        if len(set(titles)) != len(titles):
            raise ValueError("runbooks: each title must be unique")
        for i, runbook in enumerate(self.runbooks):
            unknown = [s for s in runbook.services if names and s not in names]
            if unknown:
                raise ValueError(
                    f"runbooks.{i}.services: {', '.join(unknown)} is not in the service catalogue"
                )
        return self

    def due_after(self, priority: Priority) -> timedelta:
        """How long an action item of `priority` has, by default."""
        return parse_duration(self.action_item_due.get(priority, DEFAULT_DUE[priority]))

    @property
    def follow_through_window(self) -> timedelta:
        return parse_duration(self.follow_through_within)

    def severity(self, key: str) -> Severity | None:
        return next((s for s in self.severities if s.key == key.lower()), None)

    @property
    def severity_keys(self) -> list[str]:
        return [s.key for s in self.severities]


def load_policy(path: Path | None) -> Policy:
    """The policy from `path` (or `sitrep.toml` if it exists), else the defaults."""
    if path is None:
        default = Path("sitrep.toml")
        if not default.exists():
            return Policy()
        path = default
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"SITREP_CONFIG: no such file {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        reason = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        reason = reason.removeprefix("Value error, ")
        # A check across keys names its keys itself.
        raise ConfigError(f"{path}: {key}: {reason}" if key else f"{path}: {reason}") from None
