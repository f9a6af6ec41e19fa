"""Pages: `/incident ack`, `/incident page …` and a page's Acknowledge and Escalate
buttons. The change is stored before the ack (one short write); Slack is brought up to
date after it (the pages sent, the answered pages updated, the channel told)."""

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.adapters.slack.ids import Action
from bot.errors import IncidentError
from bot.requests import AckPages, PageSomeone, PagingRequest
from handlers.deps import Deps
from handlers.errors import REFUSAL, reported

_INCIDENT = "sitrep_incident"


def answer(request: PagingRequest, user: str, channel: str | None, deps: Deps) -> dict[str, Any]:
    """Does the request and returns the ack's content."""
    incident = deps.incidents.find(request.ref, channel, user)
    assert incident.id is not None
    match request:
        case AckPages():
            deps.paging.acknowledge(incident.id, user)
            if incident.channel_id == channel:
                return {}  # the channel sees it posted
            text = f"Acknowledged the pages of {incident.ref}: escalation stops."
        case PageSomeone():
            [page, *_] = deps.paging.page_by_hand(incident, request.who, user)
            who = f"<@{page.target}>" + (f" ({page.via})" if "/" in page.via else "")
            text = f"Paging {who} into {incident.ref}; they are invited to its channel."
    return {"response_type": "ephemeral", "text": text}


def follow_up(request: PagingRequest, user: str, channel: str | None, deps: Deps) -> None:
    """After the ack: the pages go out, and the answered pages say who answered."""
    incident = deps.incidents.find(request.ref, channel, user)
    assert incident.id is not None
    if isinstance(request, AckPages):
        deps.paging.show_answered(incident.id)
    deps.paging.send_now(incident.id)


def register(app: App, deps: Deps) -> None:
    paging = deps.paging

    def acknowledge(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            page = _page_of(body, deps)
            context[_INCIDENT] = page
            paging.acknowledge(page, body["user"]["id"])
        except IncidentError as error:
            context[REFUSAL] = str(error)
        ack()

    def escalate(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            page_id = _page_id(body)
            context[_INCIDENT] = paging.incident_of(page_id)
            paging.escalate(page_id, body["user"]["id"])
        except IncidentError as error:
            context[REFUSAL] = str(error)
        ack()

    @reported
    def show(respond: Respond, context: BoltContext) -> None:
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        incident_id = int(context[_INCIDENT])
        paging.show_answered(incident_id)
        paging.send_now(incident_id)

    app.action(Action.ACK_PAGE)(ack=acknowledge, lazy=[show])
    app.action(Action.ESCALATE_PAGE)(ack=escalate, lazy=[show])


def _page_id(body: dict[str, Any]) -> int:
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, ValueError):
        raise IncidentError("That page is not one I know.") from None


def _page_of(body: dict[str, Any], deps: Deps) -> int:
    """The incident of the clicked page."""
    return deps.paging.incident_of(_page_id(body))
