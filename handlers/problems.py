"""`/incident problem …`: open, link and unlink problems, show and list them, change their
status and owner. The change is made before the ack (one short write); the incident's
channel shows a link or unlink after it."""

from typing import Any

from bot.adapters.slack import blocks
from bot.errors import IncidentError
from bot.requests import (
    LinkProblem,
    ListProblems,
    OpenProblem,
    ProblemRequest,
    SetProblemOwner,
    SetProblemStatus,
    ShowProblem,
    UnlinkProblem,
)
from handlers.deps import Deps
from models import Problem


def answer(request: ProblemRequest, user: str, channel: str | None, deps: Deps) -> dict[str, Any]:
    """Does the request and returns the ack's content."""
    problems, incidents = deps.problems, deps.incidents
    match request:
        case OpenProblem():
            here = incidents.by_channel(channel) if channel else None
            opened = problems.open(request.title, user, here.id if here else None)
            # In the incident channel everyone sees it posted.
            return {} if opened.change else _private(blocks.opened_reply(opened))
        case LinkProblem():
            incident = incidents.find(request.ref, channel, user)
            assert incident.id is not None
            linked = problems.link(request.problem, incident.id, user)
            seen = incident.channel_id == channel and not linked.reopened
            return {} if seen else _private(blocks.linked_reply(linked))
        case UnlinkProblem():
            incident = incidents.find(request.ref, channel, user)
            assert incident.id is not None
            change = problems.unlink(incident.id, user)
            if incident.channel_id == channel:
                return {}
            return _private(f"{incident.ref}: {blocks.defang(change.entries[-1].text)}.")
        case ShowProblem():
            if request.problem is None and not (channel and incidents.by_channel(channel)):
                return _list(deps, include_resolved=False)
            problem = (
                problems.get(request.problem)
                if request.problem
                else _channels_problem(deps, channel)
            )
            shown = blocks.problem_blocks(problems.details(problem, user, channel))
            return _ephemeral(shown, f"{problem.ref}: {blocks.defang(problem.title)}")
        case ListProblems():
            return _list(deps, include_resolved=request.include_resolved)
        case SetProblemStatus():
            problem = problems.set_status(request.problem, request.status, user, request.note)
            return _private(blocks.status_reply(problem))
        case SetProblemOwner():
            return _private(
                blocks.owner_reply(problems.set_owner(request.problem, request.owner, user))
            )


def follow_up(request: ProblemRequest, user: str, channel: str | None, deps: Deps) -> None:
    """After the ack: the incident's channel shows the link or unlink."""
    if not isinstance(request, OpenProblem | LinkProblem | UnlinkProblem):
        return
    try:
        incident = deps.incidents.find(getattr(request, "ref", None), channel, user)
    except IncidentError:
        return  # opened outside an incident channel, or the ack said why
    assert incident.id is not None
    deps.rooms.refresh(incident.id)


def _channels_problem(deps: Deps, channel: str | None) -> Problem:
    incident = deps.incidents.find(None, channel)
    problem = deps.problems.of_incident(incident)
    if problem is None:
        raise IncidentError(
            f"{incident.ref} is not linked to a problem. Open one with "
            "`/incident problem new <title>`, or link one: `/incident problem link PRB-…`."
        )
    return problem


def _list(deps: Deps, *, include_resolved: bool) -> dict[str, Any]:
    found = deps.problems.list_problems(include_resolved=include_resolved)
    return _ephemeral(blocks.problem_list(found, include_resolved), "Problems")


def _private(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}


def _ephemeral(content: list[Any], fallback: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "blocks": content, "text": fallback}
