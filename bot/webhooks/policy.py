"""The outgoing webhooks' part of the policy file (`[outgoing_webhooks]`). Pure."""

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.errors import ConfigError

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class WebhookEvent(StrEnum):
    """What an endpoint may subscribe to; sent as the event's `type`."""

    DECLARED = "incident.declared"
    STATUS_CHANGED = "incident.status_changed"
    SEVERITY_CHANGED = "incident.severity_changed"
    RESOLVED = "incident.resolved"
    CLOSED = "incident.closed"
    POSTMORTEM_PUBLISHED = "postmortem.published"
    ACTION_ITEM_CREATED = "action_item.created"
    ACTION_ITEM_COMPLETED = "action_item.completed"


class WebhookEndpointPolicy(BaseModel):
    """One receiver: where, with which secret, which events, and whether private incidents."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Lower case, digits, - and _: the endpoint's identity (renaming it starts it afresh).
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)]
    # Better kept out of the file: `secret_env` names the environment variable holding it.
    secret: Annotated[str, Field(min_length=16)] | None = None
    secret_env: Annotated[str, Field(pattern=_ENV_NAME)] | None = None
    events: tuple[WebhookEvent, ...] = tuple(WebhookEvent)
    include_private: bool = False

    @model_validator(mode="after")
    def _one_secret(self) -> Self:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give either secret (16+ characters) or secret_env")
        return self

    @field_validator("events")
    @classmethod
    def _some_events(cls, events: tuple[WebhookEvent, ...]) -> tuple[WebhookEvent, ...]:
        if not events:
            raise ValueError("name at least one event")
        return tuple(dict.fromkeys(events))

    def read_secret(self, environ: Mapping[str, str]) -> str:
        """The signing secret, from the policy or the environment; ConfigError if the
        environment variable the policy names is not set."""
        if self.secret_env is None:
            assert self.secret is not None
            return self.secret
        found = environ.get(self.secret_env, "").strip()
        if not found:
            raise ConfigError(
                f"{self.secret_env} is not set: outgoing_webhooks.endpoints "
                f"{self.name!r} names it as secret_env."
            )
        return found


class OutgoingWebhooks(BaseModel):
    """`[outgoing_webhooks]`: the endpoints, and how hard Sitrep tries each."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoints: tuple[WebhookEndpointPolicy, ...] = ()
    # Where a disabled endpoint is announced (a channel ID); default: announcements_channel.
    notice_channel: Annotated[str, Field(pattern=r"^[CG][A-Za-z0-9_]+$")] | None = None
    # Consecutive failed attempts (each after the backoff) that disable an endpoint.
    disable_after: int = Field(default=10, ge=1, le=100)
    # The first retry waits this long, each next one twice as long, up to retry_max_seconds.
    retry_seconds: int = Field(default=30, ge=1)
    retry_max_seconds: int = Field(default=3600, ge=1)
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        names = [e.name for e in self.endpoints]
        if len(set(names)) != len(names):
            raise ValueError("endpoints: each name must be unique")
        return self

    def backoff(self, failures: int) -> timedelta:
        """How long to wait after the `failures`-th failure in a row (1, 2, …)."""
        seconds = self.retry_seconds * 2 ** min(max(failures - 1, 0), 30)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


def fingerprint(url: str, secret: str) -> str:
    """A hash of an endpoint's URL and secret: a change in either re-enables it."""
    return hashlib.sha256(f"{url}\n{secret}".encode()).hexdigest()
