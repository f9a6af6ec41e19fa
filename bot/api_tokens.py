"""API tokens: created and revoked by admins, shown once, kept only as a hash. A token acts
in incidents under its name (`api:<name>`), so the timeline says which system did what."""

import hashlib
import re
import secrets
from dataclasses import dataclass

from bot.actors import API_PREFIX, api_actor
from bot.audit import change_audit
from bot.errors import IncidentError, UsageError
from bot.permissions import NotPermitted, Permissions
from bot.ports import Clock, TokenStore
from models import ApiToken, AuditEntry, TokenScope

PREFIX = "sitrep_"
# A token's actor (`api:<name>`) must fit where a Slack user ID goes: 32 characters.
MAX_NAME = 32 - len(API_PREFIX)
_NAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{MAX_NAME - 1}}}")
USAGE = "/incident admin token create <name> [read|write] [private] · revoke <name> · list"


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str  # shown to its creator once; never stored


def actor_of(token: ApiToken) -> str:
    """How the token appears as the author of what it does."""
    return api_actor(token.name)


def _audit(token: ApiToken, action: str, actor: str | None) -> AuditEntry:
    """The audit row of a change to a token, written in the change's transaction: its name,
    scope and private access, never its secret or hash (`actor` None: the operator)."""
    return change_audit(
        token.revoked_at or token.created_at,
        actor,
        action,
        token.name,
        {"scope": token.scope.value, "private": token.private},
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenService:
    """Tokens are managed by the policy's admins in Slack (there must be some: a token may
    change any incident), or by the operator at the command line (`actor` None); each
    creation and revocation is audited in its own transaction."""

    def __init__(self, store: TokenStore, clock: Clock, permissions: Permissions) -> None:
        self._store, self._clock, self._permissions = store, clock, permissions

    def create(self, name: str, scope: TokenScope, private: bool, actor: str | None) -> Issued:
        """A new live token called `name`; raises when the name is bad or already live."""
        self._check(actor)
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
                "created_by": actor or "operator",
                "created_at": self._clock(),
            }
        )
        stored = self._store.add(token, _audit(token, "api_token_created", actor))
        if stored is None:
            raise IncidentError(f"A token called `{name}` already exists; revoke it first.")
        return Issued(stored, secret)

    def revoke(self, name: str, actor: str | None) -> ApiToken:
        """Revokes the live token called `name`: it stops working at once."""
        self._check(actor)
        revoked = self._store.revoke(
            name.strip().lower(),
            self._clock(),
            lambda found: _audit(found, "api_token_revoked", actor),
        )
        if revoked is None:
            raise IncidentError(f"There is no live token called `{name[:MAX_NAME]}`.")
        return revoked

    def live(self, actor: str | None) -> list[ApiToken]:
        self._check(actor)
        return self._store.live()

    def authenticate(self, secret: str) -> ApiToken | None:
        """The live token whose secret this is, else None."""
        if not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        return self._store.by_hash(_hash(secret))

    def _check(self, actor: str | None) -> None:
        if actor is not None and not self._permissions.is_admin(actor):
            raise NotPermitted(
                "Sorry, only Sitrep's admins may manage API tokens"
                " (the policy's `[permissions] admins`)."
            )
