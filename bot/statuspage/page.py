"""What the public status page shows, from the published incidents. Pure.

Only what was explicitly published appears: incidents someone published (never private
ones) and, of their timeline, only the updates marked public. Texts are stored as Slack
markup; here they become plain text (the renderer escapes them for HTML, XML or JSON)."""

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.config import Policy
from bot.statuspage.policy import ComponentState
from models import EntryKind, Incident, Status, TimelineEntry

_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>", re.IGNORECASE)
_MENTION = re.compile(r"<[@#!][^>]*>")


@dataclass(frozen=True)
class PublicUpdate:
    at: datetime
    happening: str
    impact: str
    next_steps: str
    final: bool


@dataclass(frozen=True)
class PublicIncident:
    ref: str
    title: str
    status: str
    state: ComponentState
    components: tuple[str, ...]
    declared_at: datetime
    resolved_at: datetime | None
    # Newest first.
    updates: tuple[PublicUpdate, ...]

    @property
    def updated_at(self) -> datetime:
        return max([self.declared_at, *(u.at for u in self.updates)])


@dataclass(frozen=True)
class Component:
    name: str
    state: ComponentState


@dataclass(frozen=True)
class Page:
    title: str
    organisation: str
    colour: str
    url: str
    generated_at: datetime
    overall: ComponentState
    components: tuple[Component, ...]
    active: tuple[PublicIncident, ...]
    history: tuple[PublicIncident, ...]
    history_days: int

    @property
    def updated_at(self) -> datetime | None:
        """When anything shown last changed; None for a page with nothing on it."""
        times = [i.updated_at for i in (*self.active, *self.history)]
        return max(times) if times else None


class StatusPageStore(Protocol):
    def published(self, resolved_since: datetime) -> list[tuple[Incident, list[TimelineEntry]]]:
        """Published, non-private incidents still open or resolved since `resolved_since`,
        each with its status updates, oldest first."""
        ...


def plain(markup: str) -> str:
    """Slack markup as plain text: links as their label, mentions left out, entities
    decoded. The renderer escapes the result."""
    text = _LINK.sub(lambda m: m[2] or m[1], markup)
    text = _MENTION.sub("", text)
    return " ".join(html.unescape(text).split())


def build_page(
    published: Sequence[tuple[Incident, Sequence[TimelineEntry]]], policy: Policy, now: datetime
) -> Page:
    settings = policy.status_page
    shown = [
        _public(incident, entries, policy)
        for incident, entries in published
        if incident.published_at is not None and not incident.private
    ]
    active = [i for i in shown if i.resolved_at is None]
    history = [
        i for i in shown if i.resolved_at is not None and now - i.resolved_at <= settings.history
    ]
    components = tuple(
        Component(name, _worst(i.state for i in active if name in i.components))
        for name in dict.fromkeys(s.component_name for s in policy.services if s.public)
    )
    overall = _worst([c.state for c in components] + [i.state for i in active])
    return Page(
        title=settings.title,
        organisation=settings.organisation,
        colour=settings.colour,
        url=settings.url,
        generated_at=now,
        overall=overall,
        components=components,
        active=tuple(sorted(active, key=lambda i: i.declared_at, reverse=True)),
        history=tuple(sorted(history, key=lambda i: i.resolved_at or now, reverse=True)),
        history_days=settings.history_days,
    )


def _public(incident: Incident, entries: Sequence[TimelineEntry], policy: Policy) -> PublicIncident:
    open_ = incident.status.is_open
    state = policy.status_page.state_of(incident.severity) if open_ else ComponentState.OPERATIONAL
    if incident.status is Status.MITIGATED:  # the fix is in; people may still notice
        state = min(state, ComponentState.DEGRADED, key=lambda s: s.rank)
    names = {s.name: s.component_name for s in policy.services if s.public}
    updates = tuple(
        PublicUpdate(
            at=entry.occurred_at,
            happening=plain(str(entry.data.get("happening", ""))),
            impact=plain(str(entry.data.get("impact", ""))),
            next_steps=plain(str(entry.data.get("next_steps", ""))),
            final=bool(entry.data.get("final")),
        )
        for entry in sorted(entries, key=lambda e: e.occurred_at, reverse=True)
        if entry.kind is EntryKind.UPDATE and entry.data.get("public") is True
    )
    return PublicIncident(
        ref=incident.ref,
        title=plain(incident.title),
        status=incident.status.label,
        state=state,
        components=tuple(names[s] for s in incident.services if s in names),
        declared_at=incident.declared_at,
        resolved_at=None if open_ else (incident.resolved_at or incident.updated_at),
        updates=updates,
    )


def _worst(states: Iterable[ComponentState]) -> ComponentState:
    found = list(states)
    return max(found, key=lambda s: s.rank) if found else ComponentState.OPERATIONAL
