"""Deployment settings and secrets, from the environment."""

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError


class Settings(BaseSettings):
    """Deployment settings and secrets, read from the environment."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Seconds a Web API call may take before Sitrep gives up waiting for Slack's answer.
    sitrep_slack_timeout: int = 15
    database_url: str = "sqlite:///sitrep.db"
    # PostgreSQL out of reach: a connection not made in this many seconds (at least 2)
    # fails, and a request is answered 503 (Slack retries it) rather than left hanging.
    sitrep_db_connect_timeout: int = 5
    # ...and a statement, commit or rollback unanswered this long drops its connection: a
    # server gone silent mid-query (a partition dropping packets) can't hold a thread.
    sitrep_db_answer_timeout: float = 10.0
    sitrep_config: Path | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    # Run migrations at start-up (under a lock on PostgreSQL). Off when a separate
    # `python app.py migrate` step owns the schema.
    sitrep_migrate_on_start: bool = True
    sitrep_http_threads: int = 16
    # Threads for the slow work after acknowledgements (channels, Slack updates). Few on
    # purpose: more would compete with acknowledgements for the interpreter.
    sitrep_worker_threads: int = 4
    # Periodic jobs (reminders, nudges, escalations, recovery). Every replica may run them:
    # they coordinate through the database. Off for replicas when a dedicated worker runs them.
    sitrep_scheduler: bool = True
    # How often the scheduler looks for due work; also the precision of reminders.
    sitrep_tick_seconds: float = 10.0
    # On SIGTERM: how long to finish in-flight requests, work started after acknowledgements
    # and claimed sends before exiting anyway (under Kubernetes' 30s grace period).
    sitrep_shutdown_seconds: float = 25.0
    # How long a sender holds a notification before another may take it over.
    sitrep_outbox_lease_seconds: float = 120.0
    # Claude writes the post-mortem narrative when a key is set; the template otherwise.
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    sitrep_ai_model: str = "claude-sonnet-4-6"
    # With a key: Claude also suggests each new incident's category.
    sitrep_ai_categories: bool = True
    sitrep_ai_timeout: float = 60.0
    sitrep_ai_max_retries: int = 2
    # The incident data in a prompt is condensed to fit this many (estimated) tokens.
    sitrep_ai_prompt_tokens: int = 30_000
    sitrep_ai_output_tokens: int = 8_000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # "json": one JSON object per line with the request ID and incident, for log pipelines.
    log_format: Literal["text", "json"] = "text"
    # Action items can be exported as Jira issues when all four are set.
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_project: str | None = None
    jira_issue_type: str = "Task"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def require_slack(self) -> None:
        """Stops start-up with one line naming the first missing token."""
        needed = ["slack_bot_token"] + (
            ["slack_app_token"] if self.socket_mode else ["slack_signing_secret"]
        )
        for name in needed:
            value = getattr(self, name)
            if value is None or not value.get_secret_value().strip():
                raise ConfigError(
                    f"{name.upper()} is not set: Sitrep needs it to talk to Slack "
                    "(README: Create the Slack app)."
                )

    @property
    def jira_configured(self) -> bool:
        """True when Jira is fully set; raises ConfigError naming what is missing when it is
        only partly set."""
        needed = ["jira_url", "jira_email", "jira_api_token", "jira_project"]
        missing = [name for name in needed if not _given(getattr(self, name))]
        if len(missing) == len(needed):
            return False
        if missing:
            raise ConfigError(
                f"{missing[0].upper()} is not set: Jira export needs JIRA_URL, JIRA_EMAIL, "
                "JIRA_API_TOKEN and JIRA_PROJECT (README: Jira)."
            )
        return True


def _given(value: str | SecretStr | None) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(value and value.strip())


def load_settings() -> Settings:
    """The settings from the environment; a bad value raises ConfigError naming it."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"{name}: {first['msg']}") from None
