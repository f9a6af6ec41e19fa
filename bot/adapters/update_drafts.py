"""Status-update drafts on Claude: what is happening, the impact, what is being done, from
the incident's latest timeline. The same untrusted-input rules as the post-mortem: the
timeline is fenced data the model is told never to obey, and its answer is cleaned (no
broadcasts, no mentions, no links that were not in the data). Any failure gives None: the
form keeps what it showed."""

import logging
from collections.abc import Sequence
from typing import Annotated, Final

import anthropic
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.adapters.templates import Templates
from bot.postmortem.narrative import links_in, safe_text
from bot.update_entries import MAX_UPDATE_FIELD, Update
from models import EntryKind, Incident, TimelineEntry

log = logging.getLogger(__name__)

UPDATE_DRAFT_TIMEOUT: Final = 20.0  # seconds: the person is waiting at the form
UPDATE_DRAFT_ENTRIES: Final = 60  # the latest timeline entries the draft is written from
_MAX_TOKENS: Final = 1200


class UpdateDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    happening: Annotated[str, Field(max_length=MAX_UPDATE_FIELD)]
    impact: Annotated[str, Field(max_length=MAX_UPDATE_FIELD)] = ""
    next_steps: Annotated[str, Field(max_length=MAX_UPDATE_FIELD)] = ""


class ClaudeUpdateDrafter:
    def __init__(self, client: anthropic.Anthropic, templates: Templates, *, model: str) -> None:
        self._client, self._templates, self._model = client, templates, model

    def draft(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Update | None:
        try:
            answer = self._client.messages.parse(
                model=self._model,
                max_tokens=_MAX_TOKENS,
                system=self._templates.render("update_system.j2"),
                messages=[{"role": "user", "content": self.prompt(incident, entries)}],
                output_format=UpdateDraft,
            )
        except (anthropic.APIError, ValidationError, ValueError) as error:
            log.warning("no update draft for %s: %s", incident.ref, type(error).__name__)
            return None
        drafted = answer.parsed_output
        if answer.stop_reason == "max_tokens" or not isinstance(drafted, UpdateDraft):
            log.warning("no update draft for %s: unusable answer", incident.ref)
            return None
        texts = [incident.title, incident.description, *(e.text for e in entries)]
        links = links_in(texts)

        def clean(text: str) -> str:
            return safe_text(text, links=links, people=set())[:MAX_UPDATE_FIELD]

        if not clean(drafted.happening).strip():
            return None
        return Update(
            happening=clean(drafted.happening),
            impact=clean(drafted.impact),
            next_steps=clean(drafted.next_steps),
        )

    def prompt(self, incident: Incident, entries: Sequence[TimelineEntry]) -> str:
        facts = {
            "id": incident.ref,
            "title": incident.title,
            "description": incident.description,
            "severity": incident.severity.upper(),
            "status": incident.status.value,
            "services": incident.services,
        }
        lines = [
            {
                "time": e.occurred_at.isoformat(timespec="seconds"),
                "kind": e.kind.value,
                "text": e.text,
            }
            for e in entries
            if not e.hidden and e.kind is not EntryKind.DECLARED
        ]
        return self._templates.render("update_user.j2", ref=incident.ref, facts=facts, lines=lines)
