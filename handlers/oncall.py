"""`/incident oncall …`: who is on call, overrides made, taken, listed and cancelled, and
everyone's on-call load. Each
is one short read or write, answered in the ack, privately."""

from typing import Any

from bot.adapters.slack import blocks
from bot.adapters.slack.blocks.load import load_blocks, load_text
from bot.errors import IncidentError
from bot.requests import (
    AddOverride,
    CancelOverride,
    EditRotation,
    ListOverrides,
    OncallRequest,
    ShowLoad,
    ShowOncall,
    TakeShift,
)
from handlers.deps import Deps

NO_SCHEDULES = (
    "No on-call schedules are configured yet: add `[[oncall.schedules]]` to the policy file "
    "(see the README's configuration example)."
)


def answer(
    request: OncallRequest, user: str, channel: str | None, request_key: str, deps: Deps
) -> dict[str, Any]:
    """Does the request and returns the ack's content."""
    oncall = deps.oncall
    if not oncall.schedules:
        raise IncidentError(NO_SCHEDULES)
    match request:
        case ShowOncall():
            return _show(request, channel, deps)
        case AddOverride():
            return _private(blocks.override_reply(oncall.override(request, user, request_key)))
        case TakeShift():
            taken = oncall.take(request.schedule, request.layer, user, request_key)
            return _private(blocks.override_reply(taken))
        case ListOverrides():
            found = oncall.upcoming(request.schedule)
            shown = blocks.overrides_blocks(found, request.schedule)
            return {"response_type": "ephemeral", "blocks": shown, "text": "Overrides"}
        case ShowLoad():
            report = deps.load.report(request.schedule)
            return {
                "response_type": "ephemeral",
                "blocks": load_blocks(report),
                "text": load_text(report),
            }
        case CancelOverride():
            return _private(blocks.cancelled_reply(oncall.cancel(request.override_id, user)))
        case EditRotation():
            return _private(blocks.rotation_reply(oncall.edit_rotation(request, user, request_key)))


def _show(request: ShowOncall, channel: str | None, deps: Deps) -> dict[str, Any]:
    """A named schedule (or service's), else those of the channel's incident, else all."""
    oncall, heading = deps.oncall, "Who is on call"
    if request.name is not None:
        schedules = [oncall.schedule(request.name)]
    else:
        incident = deps.incidents.by_channel(channel) if channel else None
        schedules = oncall.for_services(incident.services) if incident else []
        if schedules and incident is not None:
            heading = f"Who is on call for {incident.ref}"
        else:
            schedules = list(oncall.schedules)
    found = [oncall.now_and_next(schedule) for schedule in schedules]
    return {
        "response_type": "ephemeral",
        "blocks": blocks.oncall_blocks(found, heading),
        "text": blocks.oncall_fallback(found),
    }


def _private(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}
