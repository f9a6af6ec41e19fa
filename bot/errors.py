"""Domain errors. Every message is written for the person who caused it and is safe to show."""

from collections.abc import Iterable
from datetime import date


class IncidentError(Exception):
    """Base of every error the user may see; `str(error)` is the friendly message."""


class UsageError(IncidentError):
    """The command could not be understood; `usage` shows the right form."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class IncidentNotFound(IncidentError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"I can't find an incident called `{ref}`.")


class ProblemNotFound(IncidentError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"I can't find a problem called `{ref[:30]}`.")


class NotAnIncidentChannel(IncidentError):
    def __init__(self, usage: str = "") -> None:
        super().__init__(
            "This isn't an incident channel. Run the command in the incident's channel, "
            "or name the incident, e.g. `INC-2026-0042`."
        )
        self.usage = usage


class InvalidTransition(IncidentError):
    """The lifecycle forbids the change; the message names the legal ones."""

    def __init__(self, ref: str, current: str, target: str, legal: Iterable[str]) -> None:
        legal = tuple(legal)
        options = ", ".join(f"`{s}`" for s in legal)
        if current == target:
            message = f"{ref} is already {current}."
        else:
            message = f"{ref} can't go from {current} to {target}."
        message += (
            f" From {current} it can move to: {options}."
            if options
            else (f" {ref} is {current}: that is final.")
        )
        super().__init__(message)
        self.current, self.target, self.legal = current, target, legal


class IncidentClosed(IncidentError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"{ref} is closed; closed incidents can't change.")


class DueDateInPast(IncidentError):
    def __init__(self, due_on: date) -> None:
        super().__init__(f"{due_on.isoformat()} is in the past; pick a later due date.")


class ChecklistIncomplete(IncidentError):
    """Closing refused: the closing checklist has items missing (the message names them)."""


class NothingChanged(IncidentError):
    """The request would leave the incident as it is (e.g. same severity again)."""


class EditConflict(IncidentError):
    """Another edit of the same thing was stored first; reading again and retrying works."""


class ChatUnavailable(IncidentError):
    """The chat platform refused or failed a call; the message says so in plain words, and
    `code` is the platform's own name for the refusal, where it gave one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class Undeliverable(ChatUnavailable):
    """The platform will never accept this message (the channel is gone or archived, a
    permission is missing): trying again cannot help."""


class ChannelArchived(Undeliverable):
    """The channel is archived: nothing can be posted in it until someone unarchives it."""


class RateLimited(ChatUnavailable):
    """The platform asked to wait `retry_after` seconds before trying again."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NameTaken(Exception):
    """The channel name is in use; another name should be tried."""


class ConfigError(Exception):
    """A setting or policy key is missing or wrong; the message names it. Stops start-up."""


class DraftFailed(Exception):
    """The writer of a post-mortem narrative (Claude) gave nothing usable; the message says
    why in plain words, for the reply that says the template was used instead."""


class ExportFailed(IncidentError):
    """The external tracker (Jira) refused or failed; the message says why in plain words.
    `uncertain`: the request may have been carried out (its answer was lost)."""

    def __init__(self, message: str, *, uncertain: bool = False) -> None:
        super().__init__(message)
        self.uncertain = uncertain


class UnknownSchedule(IncidentError):
    """Names the schedules (and services with one) that do exist."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        names = ", ".join(f"`{n}`" for n in known)
        choices = f" Known: {names}." if names else " No schedules are configured yet."
        super().__init__(f"I don't know a schedule or service called `{name[:40]}`.{choices}")


class WebhookUnreachable(Exception):
    """An outgoing webhook's receiver gave no answer (refused, timed out, bad address)."""
