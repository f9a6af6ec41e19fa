"""API tokens: created and revoked by admins, shown once, kept only as a hash. A token acts
in incidents under its name (`api:<name>`), so the timeline says which system did what."""

import hashlib
import re
import secrets
from dataclasses import dataclass

from bot.errors import IncidentError, UsageError
from bot.ports import Clock, TokenStore
from models import ApiToken, TokenScope

PREFIX = "sitrep_"
ACTOR_PREFIX = "api:"
# An actor is stored where a Slack user ID fits (32 characters), prefix included.
MAX_NAME = 28
_NAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{MAX_NAME - 1}}}")
USAGE = "/incident admin token create <name> [read|write] [private] · revoke <name> · list"


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str  # shown to its creator once; never stored


def actor_of(token: ApiToken) -> str:
    """How the token appears as the author of what it does."""
    return f"{ACTOR_PREFIX}{token.name}"


def api_name(actor: str | None) -> str | None:
    """The token name when `actor` is an API token, else None (a person or Sitrep)."""
    return actor.removeprefix(ACTOR_PREFIX) if actor and actor.startswith(ACTOR_PREFIX) else None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenService:
    def __init__(self, store: TokenStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    def create(self, name: str, scope: TokenScope, private: bool, actor: str) -> Issued:
        """A new live token called `name`; raises when the name is bad or already live."""
        name = name.strip().lower()
        if not _NAME.fullmatch(name):
            raise UsageError(
                f"A token name is 1 to {MAX_NAME} lower-case letters, digits, `.`, `_` or `-`,"
                " starting with a letter or digit.",
                USAGE,
            )
        secret = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.model_validate(
            {
                "name": name,
                "secret_hash": _hash(secret),
                "scope": scope,
                "private": private,
                "created_by": actor,
                "created_at": self._clock(),
            }
        )
        stored = self._store.add(token)
        if stored is None:
            raise IncidentError(f"A token called `{name}` already exists; revoke it first.")
        return Issued(stored, secret)

    def revoke(self, name: str) -> ApiToken:
        """Revokes the live token called `name`: it stops working at once."""
        revoked = self._store.revoke(name.strip().lower(), self._clock())
        if revoked is None:
            raise IncidentError(f"There is no live token called `{name[:MAX_NAME]}`.")
        return revoked

    def live(self) -> list[ApiToken]:
        return self._store.live()

    def authenticate(self, secret: str) -> ApiToken | None:
        """The live token whose secret this is, else None."""
        if not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        return self._store.by_hash(_hash(secret))
