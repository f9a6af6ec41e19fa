"""Demo data: six months of past incidents (sandbox/demo.toml) played through the bot's own
services with the clock set back, so search, stats, digests, action items and similar-incident
suggestions have a history to show.

Each incident is declared, its room opened, talked about in its channel, moved through
investigating to resolved, followed up, written up and closed, as people would have done it
then: the services' clock and the fake Slack's are the story's moment. An incident already
loaded (found by its request key) is skipped, so loading twice adds nothing."""

from __future__ import annotations

import logging
import random
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from bot.action_items import NewItem
from bot.categories import find_category
from bot.checklist import Answers
from bot.config import Policy, Priority
from bot.incidents import Declaration
from bot.timeline import ChannelMessage
from handlers.deps import Deps
from models import ActionItem, ChecklistItem, Detection, Fix, Role, Status

from .slack.server import FakeSlack

log = logging.getLogger(__name__)

PEOPLE = {"alice": "U_ALICE", "bob": "U_BOB", "carol": "U_CAROL", "dave": "U_DAVE"}
KEY_PREFIX = "sandbox-demo:"
_STEPS = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED)
_LOADING = threading.Lock()  # one load at a time: a second waits, then skips what is loaded


class DemoClock:
    """The time the demo's services (and, while loading, the fake Slack) see: the story's
    moment when one is set, else now."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)

    def seconds(self) -> float:
        return self().timestamp()


@dataclass(frozen=True)
class Action:
    title: str
    priority: Priority
    owner: str
    done: bool


@dataclass(frozen=True)
class Story:
    """One kind of incident of the demo data, and when it happened (see demo.toml)."""

    title: str
    severity: str
    services: tuple[str, ...]
    category: str
    detection: Detection
    description: str
    people: tuple[str, str]  # the reporter and the commander
    days_ago: tuple[int, ...]
    minutes: tuple[int, int, int, int]  # investigating, identified, mitigated, resolved
    chat: tuple[tuple[str, str], ...]  # (user, text)
    cause: str
    resolution: str
    fix: Fix = Fix.PERMANENT
    postmortem: bool = False
    actions: tuple[Action, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Occurrence:
    story: Story
    declared_at: datetime
    key: str  # the declaration's request key: how a loaded one is recognised
    pace: float  # how much faster or slower than the story's minutes


def stories() -> list[Story]:
    """The demo data's stories, as demo.toml tells them."""
    text = resources.files("sandbox").joinpath("demo.toml").read_text(encoding="utf-8")
    return [_story(raw) for raw in tomllib.loads(text)["story"]]


def _story(raw: dict[str, Any]) -> Story:
    reporter, commander = (PEOPLE[p] for p in raw["people"])
    chat = tuple((PEOPLE[who.strip()], said.strip()) for who, said in
                 (line.split(":", 1) for line in raw["chat"]))  # fmt: skip
    actions = tuple(
        Action(a["title"], a["priority"], PEOPLE[a["owner"]], a["done"])
        for a in raw.get("actions", ())
    )
    investigating, identified, mitigated, resolved = raw["minutes"]
    return Story(
        title=raw["title"],
        severity=raw["severity"],
        services=tuple(raw["services"]),
        category=raw["category"],
        detection=Detection(raw["detection"]),
        description=raw["description"],
        people=(reporter, commander),
        days_ago=tuple(raw["days_ago"]),
        minutes=(investigating, identified, mitigated, resolved),
        chat=chat,
        cause=raw["cause"],
        resolution=raw["resolution"],
        fix=Fix(raw.get("fix", "permanent")),
        postmortem=raw.get("postmortem", False),
        actions=actions,
    )


def occurrences(now: datetime) -> list[Occurrence]:
    """Every incident of the demo data, oldest first, at working hours `days_ago` before
    `now` (the same ones for the same day, so their keys are stable)."""
    found = []
    for story in stories():
        for days in story.days_ago:
            pick = random.Random(f"{story.title}:{days}")
            day = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
            at = day + timedelta(hours=pick.randint(8, 17), minutes=pick.randint(0, 59))
            slug = "-".join(story.title.lower().split())[:40]
            key = f"{KEY_PREFIX}{slug}:{days}"
            found.append(Occurrence(story, at, key, pick.uniform(0.6, 1.6)))
    return sorted(found, key=lambda o: o.declared_at)


class DemoLoader:
    """Loads the demo data through `deps`, services whose clock is `clock`, into `slack`."""

    def __init__(self, deps: Deps, slack: FakeSlack, clock: DemoClock, policy: Policy) -> None:
        self.deps, self.slack, self.clock, self.policy = deps, slack, clock, policy

    def load(self) -> int:
        """Plays every demo incident not loaded yet; returns how many it added. One that
        fails is logged and left as far as it got; the others are still loaded."""
        added = 0
        with _LOADING, self.slack.backdated(self.clock.seconds):
            try:
                for occurrence in occurrences(datetime.now(UTC)):
                    if self.deps.incidents.by_request_key(occurrence.key) is not None:
                        continue
                    try:
                        self._play(occurrence)
                    except Exception:
                        log.exception("demo data: could not load %s", occurrence.key)
                        continue
                    added += 1
            finally:
                self.clock.at = None
        return added

    def _at(self, occurrence: Occurrence, minutes: float) -> None:
        self.clock.at = occurrence.declared_at + timedelta(minutes=minutes * occurrence.pace)

    def _play(self, occurrence: Occurrence) -> None:
        story, deps = occurrence.story, self.deps
        reporter, commander = story.people
        self._at(occurrence, 0)
        incident = deps.incidents.declare(
            Declaration(
                title=story.title,
                severity=self._severity(story.severity),
                reporter=reporter,
                description=story.description,
                services=story.services,
                detection=story.detection,
                request_key=occurrence.key,
            )
        )
        assert incident.id is not None
        incident_id = incident.id
        opened = deps.rooms.open_room(incident_id)
        assert opened is not None and opened.channel_id is not None
        channel = opened.channel_id
        self._at(occurrence, 1)
        deps.incidents.assign_role(incident_id, Role.COMMANDER, commander, commander)
        self._refresh(incident_id)
        investigating, *later = story.minutes
        said = iter(story.chat)
        for status, minutes in zip(_STEPS, [investigating, *later[:2]], strict=True):
            self._at(occurrence, minutes)
            deps.incidents.change_status(incident_id, status, commander)
            self._refresh(incident_id)
            # A share of the conversation after each step; the rest before resolving.
            for _ in range(max(1, len(story.chat) // 3)):
                if (line := next(said, None)) is not None:
                    self._say(occurrence, channel, *line, minutes + 2)
                    minutes += 2
        for line in said:
            self._say(occurrence, channel, *line, later[-1] - 3)
        self._at(occurrence, later[-1])
        deps.closing.resolve(incident_id, commander, story.resolution, story.fix)
        self._refresh(incident_id)
        items = self._follow_up(occurrence, incident_id)
        self._close(occurrence, incident_id, channel)
        self._complete(occurrence, items)

    def _say(self, occurrence: Occurrence, channel: str, user: str, text: str, at: float) -> None:
        """A person says something in the channel; the bot records it, as from Slack's event."""
        self._at(occurrence, at)
        if user not in self.slack.members(channel):
            self.slack.user_joins(channel, user)
        event = self.slack.user_posts(channel, user, text)
        self.deps.timeline.record_message(
            ChannelMessage(channel_id=channel, ts=event["ts"], user=user, text=text)
        )

    def _follow_up(self, occurrence: Occurrence, incident_id: int) -> list[ActionItem]:
        """The action items, and the post-mortem: published for the severities whose
        closing checklist asks for it."""
        story, deps = occurrence.story, self.deps
        resolved = story.minutes[-1]
        self._at(occurrence, resolved + 30)
        created = [
            deps.action_items.create(
                incident_id,
                story.people[1],
                NewItem(
                    title=a.title,
                    owner=a.owner,
                    priority=a.priority,
                    request_key=f"{occurrence.key}:{n}",
                ),
            )
            for n, a in enumerate(story.actions)
        ]
        if story.postmortem or self._postmortem_required(story.severity):
            self._at(occurrence, resolved + 90)
            deps.postmortems.draft(incident_id, story.people[1])
            if self._postmortem_required(story.severity):
                self._at(occurrence, resolved + 60 * 24)
                deps.postmortems.publish(incident_id, story.people[1])
        return created

    def _complete(self, occurrence: Occurrence, items: list[ActionItem]) -> None:
        """The action items marked done were done five days later (if that has come)."""
        done_at = occurrence.declared_at + timedelta(days=5)
        if done_at >= datetime.now(UTC):
            return
        self.clock.at = done_at
        for action, item in zip(occurrence.story.actions, items, strict=True):
            if action.done and item.id is not None:
                self.deps.action_items.complete(item.id, action.owner, "Done: see the change.")

    def _close(self, occurrence: Occurrence, incident_id: int, channel: str) -> None:
        story, deps = occurrence.story, self.deps
        self._at(occurrence, story.minutes[-1] + 60 * 25)
        answers = Answers(
            root_cause=story.cause,
            category=self._category(story.category),
            runbook="reviewed",
            no_follow_up=None if story.actions else "A one-off; nothing to change.",
        )
        deps.closing.close(incident_id, story.people[1], answers)
        self._refresh(incident_id)
        self._at(occurrence, story.minutes[-1] + 60 * 26)
        self.slack.user_archives(channel, story.people[1])
        deps.incidents.channel_archived(channel, archived=True)

    def _refresh(self, incident_id: int) -> None:
        """The room brought up to date after a change, as the handlers do."""
        self.deps.rooms.refresh(incident_id)

    def _severity(self, wanted: str) -> str:
        """The story's severity, or the policy's mildest when it has no such one."""
        return wanted if self.policy.severity(wanted) else self.policy.severities[-1].key

    def _postmortem_required(self, severity: str) -> bool:
        found = self.policy.severity(self._severity(severity))
        return found is not None and ChecklistItem.POSTMORTEM in found.close_checklist

    def _category(self, wanted: str) -> str:
        """The story's category, or the policy's first when its taxonomy has no such one."""
        if find_category(self.policy.categories, wanted) is not None:
            return wanted
        return self.policy.categories[0].name
