"""Who did something: a Slack user ID, an API token (`api:<name>`), or None for Sitrep
itself. Actors are stored where a Slack user ID fits (32 characters)."""

API_PREFIX = "api:"


def api_actor(name: str) -> str:
    """How an API token called `name` appears as the author of what it does."""
    return f"{API_PREFIX}{name}"


def api_name(actor: str | None) -> str | None:
    """The token name when `actor` is an API token, else None (a person or Sitrep)."""
    return actor.removeprefix(API_PREFIX) if actor and actor.startswith(API_PREFIX) else None
