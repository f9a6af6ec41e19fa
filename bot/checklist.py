"""The closing checklist: what an incident must have before it is closed, and the answers
that complete it. Pure: what is done is read from the incident, its post-mortem and its
action items, handed in."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from models import ChecklistItem, Incident, PostmortemStatus

MAX_REASON: Final = 500
MAX_ROOT_CAUSE: Final = 3000
RunbookReview = Literal["reviewed", "not_applicable"]


@dataclass(frozen=True)
class Checked:
    item: ChecklistItem
    done: bool
    # What completes it ("waived: no customer impact"), or what is missing.
    detail: str


@dataclass(frozen=True)
class Checklist:
    items: tuple[Checked, ...]

    @property
    def missing(self) -> list[ChecklistItem]:
        return [c.item for c in self.items if not c.done]

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_data(self) -> list[dict[str, object]]:
        """As a timeline entry stores it."""
        return [{"item": c.item.value, "done": c.done, "detail": c.detail} for c in self.items]


@dataclass(frozen=True)
class Answers:
    """What someone closing fills in; None (or False) leaves an item as it is."""

    resolution: str | None = None
    root_cause: str | None = None
    root_cause_unknown: bool = False
    category: str | None = None
    postmortem_waiver: str | None = None  # the commander's reason for no post-mortem
    no_follow_up: str | None = None  # why no action item is needed
    runbook: RunbookReview | None = None

    @property
    def given(self) -> bool:
        return any(
            (
                self.resolution,
                self.root_cause,
                self.root_cause_unknown,
                self.category,
                self.postmortem_waiver,
                self.no_follow_up,
                self.runbook,
            )
        )


def assess(
    incident: Incident,
    required: Sequence[ChecklistItem],
    *,
    postmortem: PostmortemStatus | None,
    action_items: int,
) -> Checklist:
    """Each required item, done or not, with what shows it. `postmortem`: its status, None
    when there is none; `action_items`: how many the incident has, cancelled ones aside."""
    closing = incident.closing
    checks: dict[ChecklistItem, tuple[bool, str]] = {
        ChecklistItem.RESOLUTION: _text(incident.resolution_summary, "no resolution summary"),
        ChecklistItem.ROOT_CAUSE: (True, "unknown, deliberately")
        if incident.root_cause_unknown and not incident.root_cause.strip()
        else _text(incident.root_cause, "no root cause recorded"),
        ChecklistItem.CATEGORY: _text(incident.category or "", "no category set"),
        ChecklistItem.POSTMORTEM: (True, "published")
        if postmortem is PostmortemStatus.PUBLISHED
        else (True, f"waived: {closing['postmortem']}")
        if closing.get("postmortem")
        else (False, "not published" if postmortem else "not written"),
        ChecklistItem.FOLLOW_UP: (True, f"{action_items} action item(s)")
        if action_items
        else (True, f"none needed: {closing['follow_up']}")
        if closing.get("follow_up")
        else (False, "no action item"),
        ChecklistItem.RUNBOOK: (True, closing["runbook"].replace("_", " "))
        if closing.get("runbook") in ("reviewed", "not_applicable")
        else (False, "not reviewed"),
    }
    ordered = [item for item in ChecklistItem if item in required]
    return Checklist(tuple(Checked(item, *checks[item]) for item in ordered))


def _text(value: str, missing: str) -> tuple[bool, str]:
    value = value.strip()
    return (True, value) if value else (False, missing)


def missing_text(ref: str, checklist: Checklist) -> str:
    """Why `ref` can't be closed yet, naming each missing item."""
    missing = [c for c in checklist.items if not c.done]
    named = "; ".join(f"{c.item.label.lower()} ({c.detail})" for c in missing)
    return (
        f"{ref} can't be closed yet. Missing: {named}. `/incident close` opens the checklist "
        "to fill them in."
    )
