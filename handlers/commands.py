"""`/incident`: parse the text, call one service, answer; slow Slack work runs after the ack."""

import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import log_context
from bot.action_items import NewItem
from bot.adapters.slack import blocks
from bot.audit import AUDIT_PAGE
from bot.checklist import Answers
from bot.commands import parse, usage_for
from bot.errors import ChatUnavailable, IncidentError, NotAnIncidentChannel
from bot.incidents import Change, Declaration, IncidentService
from bot.permissions import Permission
from bot.postmortem.service import PostmortemService
from bot.requests import (
    AckPages,
    AddAction,
    AddLink,
    AddNote,
    AddTags,
    AssignRole,
    AuditLogRequest,
    Close,
    Declare,
    DraftPostmortem,
    ExportActions,
    ExportIncidents,
    ExportPostmortem,
    FindRunbooks,
    Help,
    ListActions,
    ListIncidents,
    ManageTokens,
    OncallRequest,
    PageSomeone,
    ProblemRequest,
    PublishPostmortem,
    RecordFix,
    RecordRootCause,
    Reopen,
    Request,
    Resolve,
    ReviewPostmortem,
    SearchIncidents,
    SetCategory,
    SetDetection,
    SetImpactScope,
    SetServices,
    SetSeverity,
    SetStatus,
    Show,
    ShowStats,
    UpdateRequest,
    Verify,
)
from handlers import oncall, paging, problems, updates
from handlers.deps import Deps, draft_if_due, link_runbooks, reclassified
from handlers.errors import reported
from handlers.modals import open_modal
from models import Status

log = logging.getLogger(__name__)

COMMAND = "/incident"


def command_key(command: dict[str, Any]) -> str:
    """Identifies one invocation, so the ack and the follow-up agree on the incident."""
    return f"command:{command['trigger_id']}"


def register(app: App, deps: Deps) -> None:
    def run_command(
        ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        try:
            request = parse(command.get("text", ""), deps.policy.severity_keys)
            if isinstance(request, UpdateRequest):
                reply = updates.answer(request, command, deps, client, context)
            else:
                reply = _act(request, command, deps, client)
        except IncidentError as error:
            usage = getattr(error, "usage", "") or _usage_of(command.get("text", ""), error)
            ack(response_type="ephemeral", text=str(error), blocks=blocks.usage(str(error), usage))
            return
        ack(**reply)

    @reported
    def finish_command(
        command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        try:
            request = parse(command.get("text", ""), deps.policy.severity_keys)
        except IncidentError:
            return  # answered in the ack; nothing to do
        if isinstance(request, UpdateRequest):
            updates.follow_up(request, command, deps, client, context.get(updates.FORM))
            return
        try:
            _follow_up(request, command, deps, respond)
        except (ChatUnavailable, IncidentError) as error:
            respond(response_type="ephemeral", replace_original=False, text=str(error))

    app.command(COMMAND)(ack=run_command, lazy=[finish_command])


def _act(
    request: Request, command: dict[str, Any], deps: Deps, client: WebClient
) -> dict[str, Any]:
    """Does the fast part (one DB write, or opening the modal) and returns the ack's content."""
    user, channel = command["user_id"], command.get("channel_id")
    incidents = deps.incidents
    if isinstance(request, ProblemRequest):
        return problems.answer(request, user, channel, deps)
    if isinstance(request, OncallRequest):
        return oncall.answer(request, user, channel, command_key(command), deps)
    if isinstance(request, AckPages | PageSomeone):
        return paging.answer(request, user, channel, deps)
    match request:
        case Help():
            return _ephemeral(blocks.help_blocks(deps.policy), "Sitrep commands")
        case ManageTokens():
            return _tokens(request, user, deps)
        case AuditLogRequest(export=True):
            incidents.permissions.check_admin(user, "export the audit log")
            query = deps.audit.query(request.query)
            text = (
                f"Exporting the audit log of {query.label} as CSV: the file arrives in your "
                "direct messages with Sitrep."
            )
            return {"response_type": "ephemeral", "text": text}
        case AuditLogRequest():
            query = deps.audit.query(request.query)
            logged = deps.audit.find(user, query)
            shown = blocks.audit_blocks(logged, query.label, AUDIT_PAGE)
            return _ephemeral(shown, f"Audit log: {query.label}")
        case Declare() if request.complete:
            assert request.severity is not None and request.title is not None
            incident = incidents.declare(
                Declaration(
                    title=request.title,
                    severity=request.severity,
                    reporter=user,
                    request_key=command_key(command),
                )
            )
            return {"response_type": "ephemeral", "text": blocks.declared_reply(incident)}
        case Declare():
            # Opened before the ack: its trigger_id lives 3 seconds, and work queued after
            # acks (which may be waiting out a Slack rate limit) must not make it expire.
            modal = blocks.declare_modal(
                deps.policy,
                title=request.title,
                severity=request.severity,
                reply_to=command.get("response_url"),
            )
            open_modal(client, command["trigger_id"], modal)
            return {}
        case FindRunbooks():
            return _runbooks(request, channel, user, deps)
        case ListIncidents():
            found = incidents.list_incidents(
                include_resolved=request.include_resolved, viewer=user, limit=blocks.LIST_LIMIT
            )
            return _ephemeral(
                blocks.incident_list(found, request.include_resolved, deps.clock()), "Incidents"
            )
        case SearchIncidents():
            results = deps.search.search(request, user, channel)
            return _ephemeral(blocks.search_results(results), blocks.search_fallback(results))
        case Show():
            incident = incidents.find(request.ref, channel, user)
            assert incident.id is not None
            summary = incidents.summary(incident.id)
            problem = deps.problems.of_incident(incident)
            on_call = deps.oncall.on_call_at(
                deps.oncall.for_services(incident.services),
                incident.impact_started_at or incident.declared_at,
            )
            return _ephemeral(
                blocks.summary_blocks(summary, deps.policy, deps.clock(), problem, on_call),
                blocks.announcement_fallback(incident),
            )
        case DraftPostmortem() | ExportPostmortem() | ReviewPostmortem() | PublishPostmortem():
            return _postmortem(request, user, channel, deps.postmortems, incidents)
        case ListActions():
            scoped = incidents.find(request.ref, channel, user) if request.ref else None
            items = deps.action_items.list(
                user, request.scope, scoped.id if scoped else None, channel
            )
            refs = deps.action_items.refs(items)
            shown = blocks.action_item_list(items, request.scope, refs, deps.action_items.today())
            return _ephemeral(shown, "Action items")
        case ShowStats():
            period = deps.insights.period(request.range)
            text = f"Working out the numbers for {period.label}…"
            return {"response_type": "ephemeral", "text": text}
        case ExportIncidents():
            incidents.permissions.check_admin(user, "export incidents")
            period = deps.insights.period(request.range)
            text = (
                f"Exporting the incidents of {period.label} as CSV: the file arrives in your "
                "direct messages with Sitrep."
            )
            return {"response_type": "ephemeral", "text": text}
        case ExportActions():
            incidents.permissions.check_admin(user, "export action items")
            deps.exports.check()
            incident = incidents.find(request.ref, channel, user)
            text = f"Sending the open action items of {incident.ref} to Jira…"
            return {"response_type": "ephemeral", "text": text}
        case AddAction():
            incident = incidents.find(request.ref, channel, user)
            assert incident.id is not None
            wanted = NewItem(
                request.title, request.owner, request.due_on, request.due_in, request.priority
            )
            item = deps.action_items.create(incident.id, user, wanted)
            if incident.channel_id == channel:
                return {}  # the channel sees it posted
            text = f"{incident.ref}: action item for <@{item.owner}>, due {item.due_on}."
            return {"response_type": "ephemeral", "text": text}
    if isinstance(request, Close):
        incident = incidents.find(request.ref, channel, user)
        assert incident.id is not None
        checklist = deps.closing.checklist(incident.id)
        if incident.status is Status.RESOLVED and not checklist.complete:
            incidents.authorize(Permission.CLOSE, incident.id, user)
            # The checklist to finish, before the ack: its trigger_id lives 3 seconds.
            form = blocks.close_modal(incident, checklist, deps.policy)
            open_modal(client, command["trigger_id"], form)
            return {}
    change = _change(request, user, channel, deps)
    in_channel = change.incident.channel_id == channel
    # In the incident channel everyone sees the change posted; elsewhere, confirm privately.
    return {} if in_channel else {"response_type": "ephemeral", "text": _confirmation(change)}


def _runbooks(request: FindRunbooks, channel: str | None, user: str, deps: Deps) -> dict[str, Any]:
    """Search results, the incident channel's own runbooks, or the whole library."""
    runbooks = deps.runbooks
    if not runbooks.all():
        text = "The runbook library is empty: add `[[runbooks]]` to the policy file."
        return {"response_type": "ephemeral", "text": text}
    if request.words:
        found = runbooks.search(request.words)
        heading = f"Runbooks for `{blocks.escape(request.words)}`"
        empty = f"No runbook mentions `{blocks.escape(request.words)}`. Try other words."
    else:
        incident = deps.incidents.by_channel(channel) if channel else None
        if incident is not None and incident.id is not None:
            found = runbooks.for_incident(incident.id)
            heading = f"Runbooks for {incident.ref}"
            empty = (
                f"No runbook matches the services or alerts of {incident.ref}. "
                "Search with words: `/incident runbook disk full`."
            )
        else:
            found, heading, empty = runbooks.all(), "The runbook library", ""
    shown = blocks.runbook_reply(runbooks.found(found), heading, empty)
    return _ephemeral(shown, heading if found else empty)


PostmortemRequest = DraftPostmortem | ExportPostmortem | ReviewPostmortem | PublishPostmortem


def _postmortem(
    request: PostmortemRequest,
    user: str,
    channel: str | None,
    postmortems: PostmortemService,
    incidents: IncidentService,
) -> dict[str, Any]:
    """Reviews and publications are recorded now; drafts and exports are promised, and made
    after the ack (they call Claude and Slack)."""
    incident = incidents.find(request.ref, channel, user)
    assert incident.id is not None
    room = f"<#{incident.channel_id}>" if incident.channel_id else "its channel"
    match request:
        case DraftPostmortem():
            text = f"Drafting the post-mortem of {incident.ref}; it appears in {room} in a moment."
        case ExportPostmortem():
            postmortems.exportable(incident.id)
            text = f"Exporting the post-mortem draft of {incident.ref} to {room}."
        case ReviewPostmortem():
            postmortems.review(incident.id, user, request.reviewers)
            text = f"Sent the post-mortem of {incident.ref} for review."
        case PublishPostmortem():
            postmortems.publish(incident.id, user)
            text = f"Published the post-mortem of {incident.ref}."
    if channel == incident.channel_id and not isinstance(
        request, DraftPostmortem | ExportPostmortem
    ):
        return {}  # the channel sees the step posted
    return {"response_type": "ephemeral", "text": text}


def _change(request: Request, user: str, channel: str | None, deps: Deps) -> Change:
    incidents = deps.incidents
    incident = incidents.find(getattr(request, "ref", None), channel, user)
    assert incident.id is not None
    log_context.note(incident=incident.ref)
    match request:
        case SetStatus():
            return incidents.change_status(incident.id, request.status, user, request.note)
        case SetSeverity():
            return incidents.change_severity(incident.id, request.severity, user, request.reason)
        case AssignRole():
            return incidents.assign_role(incident.id, request.role, request.user_id, user)
        case SetServices():
            return incidents.change_services(incident.id, request.services, user)
        case SetCategory():
            return incidents.set_category(incident.id, request.category, user)
        case AddTags():
            return incidents.add_tags(incident.id, request.tags, user)
        case SetDetection():
            return incidents.set_detection(incident.id, request.detection, user)
        case SetImpactScope():
            return incidents.set_impact_scope(incident.id, request.scope, user)
        case AddNote():
            return incidents.add_note(incident.id, user, request.text)
        case AddLink():
            return incidents.add_link(
                incident.id, user, request.url, request.kind, request.title, request.at
            )
        case Resolve():
            return deps.closing.resolve(incident.id, user, request.summary, request.fix).change
        case Reopen():
            return incidents.reopen(incident.id, user, request.reason)
        case Close():
            return deps.closing.close(incident.id, user)
        case RecordFix():
            return deps.closing.record_fix(incident.id, user, request.fix).change
        case Verify():
            until = deps.clock() + request.monitor_for if request.monitor_for else None
            return deps.closing.verify(incident.id, user, request.how, until)
        case RecordRootCause():
            answers = Answers(root_cause=request.text, root_cause_unknown=request.unknown)
            return deps.closing.answer(incident.id, user, answers)
    raise AssertionError(f"unhandled request {request!r}")


def _usage_of(text: str, error: IncidentError) -> str:
    """For a command run outside an incident channel, the usage that shows how to name one."""
    if not isinstance(error, NotAnIncidentChannel):
        return ""
    return usage_for(text)


def _follow_up(request: Request, command: dict[str, Any], deps: Deps, respond: Respond) -> None:
    """The slow part after the ack: channel creation, modals, refreshing Slack."""
    channel = command.get("channel_id")
    if isinstance(request, ProblemRequest):
        problems.follow_up(request, command["user_id"], channel, deps)
        return
    if isinstance(request, OncallRequest):
        return  # answered in the ack
    if isinstance(request, AckPages | PageSomeone):
        paging.follow_up(request, command["user_id"], channel, deps)
        return
    match request:
        case Declare() if request.complete:
            incident = deps.incidents.by_request_key(command_key(command))
            if incident is None or incident.id is None:
                return  # the ack failed before storing anything, and said so
            link_runbooks(deps, incident.id)
            opened = deps.rooms.open_room(incident.id)
            if opened is not None:
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=blocks.declared_reply(opened),
                )
        case AuditLogRequest(export=True):
            _export_audit(request, command["user_id"], deps, respond)
        case (
            Declare()
            | Help()
            | AuditLogRequest()
            | ManageTokens()
            | ListIncidents()
            | Show()
            | ListActions()
            | SearchIncidents()
            | FindRunbooks()
        ):
            return
        case DraftPostmortem() | ExportPostmortem() | ReviewPostmortem() | PublishPostmortem():
            _follow_postmortem(request, command, deps, respond)
        case ShowStats() | ExportIncidents():
            _follow_insights(request, command, deps, respond)
        case ExportActions():
            try:
                deps.incidents.permissions.check_admin(command["user_id"], "export action items")
                deps.exports.check()
                incident = deps.incidents.find(request.ref, channel, command["user_id"])
            except IncidentError:
                return  # the ack said why
            incident_id = incident.id
            assert incident_id is not None

            def export() -> None:  # Jira may be slow: off the threads acknowledged work needs
                try:
                    result = deps.exports.export_incident(incident_id, command["user_id"])
                    text = blocks.exported_reply(result)
                except IncidentError as error:
                    text = str(error)
                respond(response_type="ephemeral", replace_original=False, text=text)
                deps.rooms.refresh(incident_id)

            deps.background.run(export, f"exporting the action items of {incident.ref}")
        case _:
            try:
                incident = deps.incidents.find(
                    getattr(request, "ref", None), channel, command["user_id"]
                )
            except IncidentError:
                return
            assert incident.id is not None
            if isinstance(request, AssignRole) and not deps.rooms.invite(
                incident.id, request.user_id
            ):
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=blocks.not_invited(request.user_id),
                )
            if isinstance(request, SetServices | SetCategory):
                # Other services or another category may call for other runbooks, tell of
                # a recurrence, or find other similar incidents; posted with the refresh.
                reclassified(deps, incident.id)
            if isinstance(request, SetServices):
                # A service named after the declaration pages its on-call people too (those
                # of services paged already are not paged again).
                deps.paging.page_incident(incident.id)
            closing = isinstance(request, SetStatus) and request.status is Status.CLOSED
            if closing or isinstance(request, Close):
                deps.postmortems.show_status(incident.id)  # refreshes the room too
            else:
                deps.rooms.refresh(incident.id)
            draft_if_due(deps, incident.id, command["user_id"])


def _follow_postmortem(
    request: PostmortemRequest, command: dict[str, Any], deps: Deps, respond: Respond
) -> None:
    user = command["user_id"]
    incident = deps.incidents.find(request.ref, command.get("channel_id"), user)
    assert incident.id is not None
    match request:
        case DraftPostmortem():
            incident_id = incident.id

            def draft() -> None:
                try:
                    text = blocks.drafted_reply(deps.postmortems.draft(incident_id, user))
                except (ChatUnavailable, IncidentError) as error:
                    text = str(error)
                respond(response_type="ephemeral", replace_original=False, text=text)

            deps.background.run(draft, f"drafting the post-mortem of {incident.ref}")
        case ExportPostmortem():
            deps.postmortems.export(incident.id, user)
        case ReviewPostmortem() | PublishPostmortem():
            deps.postmortems.show_status(incident.id)


def _follow_insights(
    request: ShowStats | ExportIncidents, command: dict[str, Any], deps: Deps, respond: Respond
) -> None:
    """Numbers and charts are worked out off the threads acknowledged work needs."""
    user, insights = command["user_id"], deps.insights
    try:
        if isinstance(request, ExportIncidents):
            deps.incidents.permissions.check_admin(user, "export incidents")
        period = insights.period(request.range)
    except IncidentError:
        return  # the ack said why

    def stats(request: ShowStats) -> None:
        try:
            found = insights.stats(
                user, period, request.service, request.severity, public=request.public
            )
        except IncidentError as error:
            respond(response_type="ephemeral", replace_original=False, text=str(error))
            return
        try:
            pictures = insights.pictures(found.current, count=1) if found.current.volume else ()
        except ChatUnavailable as error:
            log.warning("stats chart not uploaded: %s", error)
            pictures = ()  # the numbers still answer the question
        where = "in_channel" if request.public else "ephemeral"
        text, shown = blocks.stats_text(found), blocks.stats_blocks(found, pictures)
        sent = respond(response_type=where, replace_original=False, text=text, blocks=shown)
        if sent.status_code >= 400 and pictures:
            # Slack refuses an image it is still processing: the numbers go without it.
            shown = blocks.without_pictures(shown)
            respond(response_type=where, replace_original=False, text=text, blocks=shown)

    def export() -> None:
        try:
            insights.send_export(user, period)
        except ChatUnavailable as error:
            respond(response_type="ephemeral", replace_original=False, text=str(error))

    def answered(work: Callable[[], None]) -> Callable[[], None]:
        """Whatever fails, the person who was told "working on it" hears back."""

        def run() -> None:
            try:
                work()
            except Exception:
                error_id = uuid.uuid4().hex[:8]
                log.exception("error %s in %s for %s", error_id, type(request).__name__, user)
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=f":confused: Something went wrong on my side (error `{error_id}`). "
                    "Please try again.",
                )

        return run

    if isinstance(request, ShowStats):
        deps.background.run(answered(lambda: stats(request)), f"stats for {user}")
    else:
        deps.background.run(answered(export), f"the export for {user}")


def _export_audit(request: AuditLogRequest, user: str, deps: Deps, respond: Respond) -> None:
    """The audit log's CSV to the admin's direct messages, off the acknowledged work's threads."""
    try:
        deps.incidents.permissions.check_admin(user, "export the audit log")
        query = deps.audit.query(request.query)
    except IncidentError:
        return  # the ack said why

    def export() -> None:
        try:
            deps.audit.send_export(user, query)
        except ChatUnavailable as error:
            respond(response_type="ephemeral", replace_original=False, text=str(error))

    deps.background.run(export, f"the audit export for {user}")


def _tokens(request: ManageTokens, user: str, deps: Deps) -> dict[str, Any]:
    tokens = deps.tokens
    if request.action == "create":
        issued = tokens.create(request.name, request.scope, request.private, user)
        return _ephemeral(blocks.token_issued(issued), f"API token {issued.token.name}")
    if request.action == "revoke":
        revoked = tokens.revoke(request.name, user)
        return {"response_type": "ephemeral", "text": f"Revoked the API token *{revoked.name}*."}
    return _ephemeral(blocks.tokens_listed(tokens.live(user)), "API tokens")


def _ephemeral(content: list[Any], fallback: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "blocks": content, "text": fallback}


def _confirmation(change: Change) -> str:
    incident = change.incident
    where = f" in <#{incident.channel_id}>" if incident.channel_id else ""
    latest = blocks.defang(change.entries[-1].text) if change.entries else "Done"
    return f"{incident.ref}: {latest}{where}."
