"""Drafter on Claude: the post-mortem narrative as structured output from the Messages API.

Every failure (no answer in time, an error, an answer that isn't the structure asked for)
becomes DraftFailed with a reason in plain words; the caller falls back to the template.
"""

import logging
from collections.abc import Sequence
from typing import Any

import anthropic
from pydantic import BaseModel, ValidationError

from bot.adapters.templates import Templates
from bot.errors import DraftFailed
from bot.postmortem.condense import Omitted
from bot.postmortem.draft import Material
from bot.postmortem.facts import Facts
from bot.postmortem.narrative import Narrative

log = logging.getLogger(__name__)


def make_client(
    api_key: str, base_url: str | None, *, timeout: float, max_retries: int
) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
    )


class ClaudeDrafter:
    def __init__(
        self, client: anthropic.Anthropic, templates: Templates, *, model: str, max_tokens: int
    ) -> None:
        self._client, self._templates = client, templates
        self._model, self._max_tokens = model, max_tokens

    def write(self, material: Material) -> Narrative:
        system = self._templates.render("postmortem_system.j2")
        prompt = self.prompt(material)
        try:
            answer = self._client.messages.parse(
                model=self._model,
                max_tokens=self._max_tokens,
                system=system,
                messages=[{"role": "user", "content": prompt}],
                output_format=Narrative,
            )
        except anthropic.APITimeoutError as error:
            tries = self._client.max_retries + 1
            again = f", {tries} times" if tries > 1 else ""
            raise DraftFailed(
                f"Claude didn't answer within {self._client.timeout} seconds{again}"
            ) from error
        except anthropic.AuthenticationError as error:
            raise DraftFailed("Anthropic refused the API key") from error
        except anthropic.RateLimitError as error:
            raise DraftFailed("Claude is busy (rate limited); try again later") from error
        except anthropic.APIStatusError as error:
            raise DraftFailed(
                f"Claude's API answered with an error ({error.status_code})"
            ) from error
        except anthropic.APIConnectionError as error:
            raise DraftFailed("I couldn't reach Claude's API") from error
        except (ValidationError, ValueError) as error:
            log.warning("unusable answer from %s: %s", self._model, error)
            raise DraftFailed("Claude's answer wasn't a usable draft") from error
        if answer.stop_reason == "max_tokens":
            raise DraftFailed("Claude's answer was cut off before it was complete")
        narrative = answer.parsed_output
        if not isinstance(narrative, Narrative):
            raise DraftFailed("Claude's answer wasn't a usable draft")
        return narrative

    def prompt(self, material: Material) -> str:
        """The user turn: the facts and the condensed timeline, fenced as data."""
        timeline = material.timeline
        return self._templates.render(
            "postmortem_user.j2",
            ref=material.facts.incident.ref,
            facts=prompt_facts(material.facts),
            lines=prompt_lines(material),
            omitted=timeline.omitted,
            messages=timeline.messages,
        )


class CategoryChoice(BaseModel):
    """What the model answers when asked for a category."""

    category: str  # one of the choices, or "none"


class ClaudeClassifier:
    """Asks Claude which of the taxonomy's categories an incident belongs to. Any failure,
    or an answer outside the choices, is no suggestion: keywords still suggest one."""

    def __init__(self, client: anthropic.Anthropic, templates: Templates, *, model: str) -> None:
        self._client, self._templates, self._model = client, templates, model

    def classify(
        self, title: str, description: str, services: Sequence[str], choices: Sequence[str]
    ) -> str | None:
        incident = {"title": title, "description": description, "services": list(services)}
        try:
            answer = self._client.messages.parse(
                model=self._model,
                max_tokens=200,
                system=self._templates.render("category_system.j2"),
                messages=[
                    {
                        "role": "user",
                        "content": self._templates.render(
                            "category_user.j2", categories=list(choices), incident=incident
                        ),
                    }
                ],
                output_format=CategoryChoice,
            )
        except (anthropic.APIError, ValidationError, ValueError) as error:
            log.info("no category from %s: %s", self._model, error)
            return None
        chosen = answer.parsed_output
        if not isinstance(chosen, CategoryChoice):
            return None
        wanted = chosen.category.strip().casefold()
        return next((name for name in choices if name.casefold() == wanted), None)


def prompt_facts(facts: Facts) -> dict[str, Any]:
    incident = facts.incident

    def at(value: Any) -> str | None:
        return value.isoformat(timespec="minutes") if value else None

    return {
        "id": incident.ref,
        "title": incident.title,
        "description": incident.description,
        "severity": f"{incident.severity.upper()} ({facts.severity_name})",
        "status": incident.status.value,
        "services": incident.services,
        "impact_started": at(incident.impact_started_at),
        "declared": at(incident.declared_at),
        "mitigated": at(incident.mitigated_at),
        "resolved": at(incident.resolved_at),
        "resolution_summary": incident.resolution_summary,
        "roles": {role.value: user for role, user in facts.roles.items()},
        "responders": list(facts.responders),
        "links": [
            {
                "kind": link.kind.value,
                "url": link.url,
                "title": link.title,
                "happened": at(link.happened_at),
            }
            for link in facts.links
        ],
    }


def prompt_lines(material: Material) -> list[dict[str, Any]]:
    """Key events and conversation merged in time order, one JSON object each."""
    timeline = material.timeline
    lines: list[tuple[Any, int, dict[str, Any]]] = []
    for order, entry in enumerate(timeline.key_events):
        line: dict[str, Any] = {
            "time": entry.occurred_at.isoformat(timespec="seconds"),
            "kind": entry.kind.value,
            "who": entry.author,
            "text": entry.text,
            "key_event": True,
        }
        lines.append((entry.occurred_at, order, line))
    for order, said in enumerate(timeline.conversation, start=len(lines)):
        if isinstance(said, Omitted):
            line = {
                "omitted": said.count,
                "from": said.first.isoformat(timespec="seconds"),
                "to": said.last.isoformat(timespec="seconds"),
                "who": list(said.authors),
            }
            lines.append((said.first, order, line))
        else:
            entry = said.entry
            line = {
                "time": entry.occurred_at.isoformat(timespec="seconds"),
                "kind": "message",
                "who": entry.author,
                "text": said.text,
            }
            if entry.thread_ts:
                line["in_thread"] = True
            lines.append((entry.occurred_at, order, line))
    return [line for _, _, line in sorted(lines, key=lambda item: (item[0], item[1]))]
