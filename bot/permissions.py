"""Who may do what (`[permissions]` in the policy file). Pure: the facts about an incident
(its commander, whether someone is one of its members) are given by the caller.

Anyone may declare. Changing severity, status or roles, resolving, closing and reopening may
be restricted per action to the incident's `members` (its declarer, its role holders and
whoever has written in its channel or changed it), its `commander`, the `admins`, or named
people. Admins may always. Sitrep itself (alerts, the scheduler: no actor) may always.
Admin commands are for admins once any are configured; with none, anyone may run them."""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.actors import api_name
from bot.errors import IncidentError

USER_ID: Final = r"^[UW][A-Za-z0-9_]+$"


class Permission(StrEnum):
    """The incident actions the policy may restrict, with the words a refusal uses."""

    CHANGE_SEVERITY = "change_severity"
    CHANGE_STATUS = "change_status"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    ASSIGN_ROLE = "assign_role"

    @property
    def verb(self) -> str:
        return {
            Permission.CHANGE_SEVERITY: "change the severity of",
            Permission.CHANGE_STATUS: "change the status of",
            Permission.RESOLVE: "resolve",
            Permission.CLOSE: "close",
            Permission.REOPEN: "reopen",
            Permission.ASSIGN_ROLE: "assign roles in",
        }[self]


class Who(StrEnum):
    ANYONE = "anyone"
    MEMBERS = "members"
    COMMANDER = "commander"
    ADMINS = "admins"


_WHO_WORDS: Final = frozenset(w.value for w in Who)


def _who(value: object) -> tuple[str, ...]:
    """`"members"` or `["commander", "U0123456789"]`: keywords (any case) and user IDs."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError("give anyone, members, commander, admins or a list of those and user IDs")
    who: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not a string")
        word = item.strip()
        if word.lower() in _WHO_WORDS:
            who.append(word.lower())
        elif _is_user_id(word):
            who.append(word)
        else:
            raise ValueError(
                f"{item!r} is not anyone, members, commander, admins or a user ID like U0123456789"
            )
    return tuple(who)


def _is_user_id(text: str) -> bool:
    return len(text) > 1 and text[0] in "UW" and all(c.isalnum() or c == "_" for c in text[1:])


Allowed = Annotated[tuple[str, ...], BeforeValidator(_who)]
UserId = Annotated[str, Field(pattern=USER_ID)]
_ANYONE: Final = (Who.ANYONE.value,)


class PermissionsPolicy(BaseModel):
    """`[permissions]`: admins (user IDs) and, per action, who may (default: anyone)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    admins: tuple[UserId, ...] = ()
    change_severity: Allowed = _ANYONE
    change_status: Allowed = _ANYONE
    resolve: Allowed = _ANYONE
    close: Allowed = _ANYONE
    reopen: Allowed = _ANYONE
    assign_role: Allowed = _ANYONE

    def allowed(self, permission: Permission) -> tuple[str, ...]:
        who: tuple[str, ...] = getattr(self, permission.value)
        return who


class NotPermitted(IncidentError):
    """The person may not do that here; the message says who may, politely."""


class Permissions:
    """The permission checks of the policy's `[permissions]` table."""

    def __init__(self, policy: PermissionsPolicy) -> None:
        self._policy = policy

    def is_admin(self, user_id: str | None) -> bool:
        """Whether `user_id` is one of the configured admins (False when none are)."""
        return user_id is not None and user_id in self._policy.admins

    def may_administer(self, user_id: str | None) -> bool:
        """Whether `user_id` may run admin commands: an admin, or anyone while no admins
        are configured."""
        return not self._policy.admins or self.is_admin(user_id)

    def check_admin(self, user_id: str, what: str) -> None:
        """Raises NotPermitted unless `user_id` may run the admin command doing `what`."""
        if not self.may_administer(user_id):
            raise NotPermitted(
                f"Sorry, only Sitrep's admins may {what}. Ask one of "
                f"{_people(self._policy.admins)} if you need it."
            )

    def restricted(self, permission: Permission) -> bool:
        """False when anyone may: no facts need reading."""
        return Who.ANYONE.value not in self._policy.allowed(permission)

    def check(
        self,
        permission: Permission,
        actor: str | None,
        ref: str,
        *,
        commander: str | None,
        member: Callable[[], bool],
    ) -> None:
        """Raises NotPermitted unless `actor` may do `permission` to the incident `ref`.
        `member` says whether the actor is one of its members (read only when needed)."""
        if not actor or not self.restricted(permission) or self.is_admin(actor):
            return
        if api_name(actor) is not None:
            return  # an admin created the token, and its scope said it may change incidents
        allowed = self._policy.allowed(permission)
        if actor in allowed or (Who.COMMANDER.value in allowed and actor == commander):
            return
        if Who.MEMBERS.value in allowed and member():
            return
        raise NotPermitted(
            f"Sorry, only {self._describe(allowed, commander)} may "
            f"{permission.verb} {ref}. Nothing was changed."
        )

    def _describe(self, allowed: tuple[str, ...], commander: str | None) -> str:
        parts: list[str] = []
        for who in allowed:
            if who == Who.MEMBERS:
                parts.append(
                    "its members (who declared it, hold a role or have written in its channel)"
                )
            elif who == Who.COMMANDER:
                parts.append(f"its commander (<@{commander}>)" if commander else "its commander")
            elif who == Who.ADMINS:
                parts.append("Sitrep's admins")
            else:
                parts.append(f"<@{who}>")
        if Who.ADMINS.value not in allowed and self._policy.admins:
            parts.append("Sitrep's admins")
        return ", ".join(parts[:-1]) + (" or " if len(parts) > 1 else "") + parts[-1]


def _people(users: tuple[str, ...]) -> str:
    return ", ".join(f"<@{u}>" for u in users[:5]) or "them"
