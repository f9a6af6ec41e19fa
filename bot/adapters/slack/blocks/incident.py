"""What Slack shows of one incident: the pinned announcement, the topic, the notice in the
announcements channel and the posts for recorded changes. Pure."""

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)

from bot.adapters.slack.blocks.action_items import action_item_post
from bot.adapters.slack.blocks.alerts import alert_post
from bot.adapters.slack.blocks.closing import (
    checklist_outcome,
    closing_post,
    resolved_controls,
)
from bot.adapters.slack.blocks.links import link_list, link_post
from bot.adapters.slack.blocks.paging import paging_post
from bot.adapters.slack.blocks.postmortem import postmortem_post
from bot.adapters.slack.blocks.problems import problem_post, recurrence_post
from bot.adapters.slack.blocks.runbooks import runbook_post
from bot.adapters.slack.blocks.similar import similar_post
from bot.adapters.slack.blocks.text import (
    MAX_FALLBACK,
    MAX_FIELD,
    MAX_HEADER,
    MAX_OPTION,
    MAX_SECTION,
    STATUS_EMOJI,
    actor_mention,
    clip,
    defang,
    duration,
    escape,
    plain,
    when,
)
from bot.adapters.slack.ids import Action, status_action_id
from bot.alerts.records import source_name
from bot.categories import category_names
from bot.config import Policy
from bot.lifecycle import legal_targets
from models import (
    Detection,
    EntryKind,
    Fix,
    ImpactScope,
    Incident,
    IncidentLink,
    Role,
    Status,
    TimelineEntry,
)

_STATUS_VERB: Final = {
    Status.INVESTIGATING: "Investigating",
    Status.IDENTIFIED: "Identified",
    Status.MITIGATED: "Mitigated",
    Status.RESOLVED: "Resolve",
    Status.CLOSED: "Close",
}


# Slack takes at most 100 options in a static select.
_MAX_OPTIONS: Final = 100


def channel_topic(incident: Incident, roles: dict[Role, str]) -> str:
    commander = roles.get(Role.COMMANDER)
    who = f"Commander <@{commander}>" if commander else "No commander yet"
    return clip(
        f"{incident.ref} | {incident.severity.upper()} | {incident.status.label} | {who}", 250
    )


def announcement(
    incident: Incident,
    roles: dict[Role, str],
    policy: Policy,
    now: datetime,
    links: Sequence[IncidentLink] = (),
) -> list[Block]:
    """The pinned message at the top of the incident channel, rebuilt after every change."""
    severity = policy.severity(incident.severity)
    severity_text = f"{incident.severity.upper()}" + (f" ({severity.name})" if severity else "")
    end = incident.resolved_at or now
    fields = [
        _field("Severity", severity_text),
        _field("Status", _status_text(incident, now)),
        _field(
            "Commander",
            f"<@{roles[Role.COMMANDER]}>" if Role.COMMANDER in roles else "_unassigned_",
        ),
        _field("Declared by", declared_by(incident)),
        _field(
            "Duration" if incident.resolved_at else "Duration so far",
            duration(incident.declared_at, end),
        ),
        _field("Services", escape(", ".join(incident.services)) or "_none named_"),
    ]
    if incident.fix is Fix.WORKAROUND:
        fields.append(_field("Fix", ":adhesive_bandage: Workaround: permanent fix pending"))
    fields += [
        _field(role.label, f"<@{user}>")
        for role, user in roles.items()
        if role is not Role.COMMANDER
    ]
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"{incident.ref}: {plain(incident.title)}", MAX_HEADER)),
        SectionBlock(fields=fields[:10]),
    ]
    if incident.description:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(defang(incident.description), MAX_SECTION))
            )
        )
    if incident.resolution_summary:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(f"*Resolution:* {defang(incident.resolution_summary)}", MAX_SECTION)
                )
            )
        )
    if described := classification(incident, policy):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(described, MAX_SECTION))))
    blocks += link_list(links)
    if incident.status is not Status.CLOSED:
        blocks.append(
            ActionsBlock(block_id="incident.controls", elements=_controls(incident, roles, policy))
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Declared {when(incident.declared_at)} · updated {when(now, '{time}')}"
                )
            ]
        )
    )
    return blocks


def _status_text(incident: Incident, now: datetime) -> str:
    """The status; a resolution still being watched says until when."""
    text = f"{STATUS_EMOJI[incident.status]} {incident.status.label}"
    until = incident.monitoring_until
    if incident.status is Status.RESOLVED and until is not None and now < until:
        text += f", monitoring until {when(until)}"
    elif incident.verification is not None and incident.status is Status.RESOLVED:
        text += f", {incident.verification.label}"
    return text


def classification(incident: Incident, policy: Policy) -> str:
    """Priority, category, tags, detection method and scope of impact, those that are
    known, on one line; "" when none is."""
    parts = []
    if priority := policy.priority_matrix.of(incident.severity, incident.impact_scope):
        parts.append(f"*Priority:* {priority}")
    if incident.category:
        parts.append(f"*Category:* {escape(incident.category)}")
    if incident.tags:
        parts.append("*Tags:* " + " ".join(f"`{escape(tag)}`" for tag in incident.tags))
    if incident.detection:
        parts.append(f"*Detected by:* {incident.detection.label.lower()}")
    if incident.impact_scope:
        parts.append(f"*Scope:* {incident.impact_scope.label.lower()}")
    return " · ".join(parts)


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(f"*{label}*\n{value}", MAX_FIELD))


def _controls(
    incident: Incident, roles: dict[Role, str], policy: Policy
) -> list[ButtonElement | StaticSelectElement | UserSelectElement]:
    assert incident.id is not None
    value = str(incident.id)
    elements: list[ButtonElement | StaticSelectElement | UserSelectElement] = [
        ButtonElement(
            text="Reopen"
            if incident.status is Status.RESOLVED and target is Status.INVESTIGATING
            else _STATUS_VERB[target],
            action_id=status_action_id(target),
            value=value,
            style="primary" if target is Status.RESOLVED else None,
        )
        for target in legal_targets(incident.status)
    ]
    if incident.status.is_open:
        options = severity_options(policy)
        elements.append(
            StaticSelectElement(
                action_id=Action.CHANGE_SEVERITY,
                placeholder="Change severity",
                options=options,
                initial_option=next((o for o in options if o.value == incident.severity), None),
            )
        )
        if Role.COMMANDER not in roles:
            elements.append(
                ButtonElement(text="Claim commander", value=value, action_id=Action.CLAIM_COMMANDER)
            )
        elements.append(
            UserSelectElement(action_id=Action.ASSIGN_COMMANDER, placeholder="Assign commander")
        )
    elements.append(
        ButtonElement(text="Similar incidents", value=value, action_id=Action.SHOW_SIMILAR)
    )
    if incident.status is not Status.CLOSED:
        elements.append(ButtonElement(text="Subscribe", value=value, action_id=Action.SUBSCRIBE))
    if not incident.private:  # a private incident is never published
        elements.append(
            ButtonElement(text="Publish to status page", value=value, action_id=Action.PUBLISH)
            if incident.published_at is None
            else ButtonElement(text="Unpublish", value=value, action_id=Action.UNPUBLISH)
        )
    return elements


def severity_options(policy: Policy) -> list[Option]:
    return [
        Option(value=s.key, text=clip(f"{s.label} · {s.name}", MAX_OPTION))
        for s in policy.severities
    ]


def declared_by(incident: Incident) -> str:
    """Who declared it: a person, a monitoring alert, a person from an alert, or another
    system through the API."""
    person = f"<@{incident.reporter}>" if incident.reporter else ""
    if not incident.detected_by:
        return person or "the API"  # neither a person nor an alert: another system
    alert = f"{source_name(incident.detected_by)} alert"
    return f"{person} ({alert})" if person else alert


def announcement_fallback(incident: Incident) -> str:
    return clip(
        f"{incident.ref} ({incident.severity.upper()}, {incident.status.label}): "
        f"{defang(incident.title)}",
        MAX_FALLBACK,
    )


def notice(incident: Incident, policy: Policy) -> list[Block]:
    """The short post in the announcements channel that points to the incident channel."""
    severity = policy.severity(incident.severity)
    name = f" ({severity.name})" if severity else ""
    text = (
        f":rotating_light: *{incident.severity.upper()}{name}* {defang(incident.title)}\n"
        f"{incident.ref} declared by {declared_by(incident)} · join <#{incident.channel_id}>"
    )
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]


def entry_post(entry: TimelineEntry, policy: Policy) -> list[Block] | None:
    """How a change or a note is shown in the incident channel; None for what isn't shown."""
    who = actor_mention(entry.author)
    if entry.kind is EntryKind.NOTE:
        text = f":pushpin: *Key event* from {who}: {defang(entry.text)}"
    elif entry.kind is EntryKind.STATUS_CHANGED:
        return _status_post(entry, who)
    elif closing := closing_post(entry, who):
        text = closing
    elif entry.kind is EntryKind.SEVERITY_CHANGED:
        text = (
            f":warning: {who} changed severity from *{entry.data['from'].upper()}* to "
            f"*{entry.data['to'].upper()}*"
        )
        text += f": {defang(entry.data['reason'])}" if entry.data.get("reason") else ""
    elif entry.kind is EntryKind.TITLE_CHANGED:
        text = f":pencil2: {who} renamed the incident: *{defang(entry.data['to'])}*"
    elif entry.kind is EntryKind.SERVICES_CHANGED:
        names = ", ".join(entry.data["to"]) or "none"
        text = f":gear: {who} set the affected services: {defang(names)}"
    elif entry.kind is EntryKind.ROLE_CHANGED:
        role = Role(entry.data["role"])
        text = f":bust_in_silhouette: {who} made <@{entry.data['to']}> {role.label.lower()}"
    elif entry.kind is EntryKind.POSTMORTEM:
        return postmortem_post(entry)
    elif entry.kind is EntryKind.ALERT:
        return alert_post(entry)
    elif entry.kind is EntryKind.ACTION_ITEM:
        text = action_item_post(entry)
    elif entry.kind is EntryKind.UPDATE:
        data = entry.data
        text = (
            f":loudspeaker: *Update* from {who}\n*What is happening:* {defang(data['happening'])}"
        )
        text += f"\n*Impact:* {defang(data['impact'])}" if data.get("impact") else ""
        text += f"\n*Next:* {defang(data['next_steps'])}" if data.get("next_steps") else ""
        if data.get("next_update_at"):
            text += f"\n*Next update:* {when(datetime.fromisoformat(data['next_update_at']))}"
        text += "\n_Public: on the status page_" if data.get("public") else ""
    elif entry.kind is EntryKind.PUBLICATION:
        verb = "published it to" if entry.data.get("published") else "took it off"
        text = f":globe_with_meridians: {who} {verb} the status page"
    elif entry.kind is EntryKind.LINK:
        text = link_post(entry, who)
    elif entry.kind is EntryKind.RUNBOOK:
        return runbook_post(entry)
    elif entry.kind is EntryKind.SIMILAR_INCIDENTS:
        return similar_post(entry.data["similar"])
    elif entry.kind is EntryKind.CATEGORY_SUGGESTED:
        return category_suggestion(
            entry.data["category"], policy, by_model=entry.data.get("by") == "model"
        )
    elif entry.kind is EntryKind.CATEGORY_CHANGED:
        verb = "confirmed the category" if entry.data.get("confirmed") else "set the category to"
        text = f":label: {who} {verb} *{escape(entry.data['to'])}*"
    elif entry.kind is EntryKind.TAGS_ADDED:
        text = f":label: {who} tagged it " + " ".join(
            f"`{escape(tag)}`" for tag in entry.data["added"]
        )
    elif entry.kind is EntryKind.DETECTION_CHANGED:
        detection = Detection(entry.data["to"])
        text = f":satellite: {who} recorded the detection method: *{detection.label.lower()}*"
    elif entry.kind in (EntryKind.PROBLEM_LINKED, EntryKind.PROBLEM_UNLINKED):
        text = problem_post(entry, who)
    elif entry.kind is EntryKind.RECURRENCE:
        return recurrence_post(entry)
    elif paged := paging_post(entry):
        text = paged
    elif entry.kind is EntryKind.SCOPE_CHANGED:
        scope = ImpactScope(entry.data["to"])
        text = f":busts_in_silhouette: {who} recorded the scope of impact: *{scope.label.lower()}*"
    else:
        return None
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]


def _status_post(entry: TimelineEntry, who: str) -> list[Block]:
    """A change of status; a resolution asks what the fix was and how it was verified, a
    closing shows its checklist."""
    before, after = Status(entry.data["from"]), Status(entry.data["to"])
    text = (
        f"{STATUS_EMOJI[after]} {who} moved the incident from *{before.label}* to *{after.label}*"
    )
    text += f": {defang(entry.data['note'])}" if entry.data.get("note") else ""
    if entry.data.get("checklist"):
        text += "\n" + checklist_outcome(entry.data["checklist"])
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]
    if after is Status.RESOLVED and entry.incident_id:
        blocks += resolved_controls(entry.incident_id)
    return blocks


def category_suggestion(category: str, policy: Policy, *, by_model: bool = False) -> list[Block]:
    """The suggested category, confirmed with one click, or another chosen from the list."""
    said = "Claude suggests" if by_model else "Looks like"
    text = f":label: {said} *{escape(category)}*. Confirm it, or choose another."
    others = [
        Option(value=name, text=clip(name, MAX_OPTION))
        for name in category_names(policy.categories)
        if name != category
    ][:_MAX_OPTIONS]
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION))),
        ActionsBlock(
            block_id="incident.category",
            elements=[
                ButtonElement(
                    text="Confirm",
                    action_id=Action.CONFIRM_CATEGORY,
                    value=clip(category, 150),
                    style="primary",
                ),
                StaticSelectElement(
                    action_id=Action.CHOOSE_CATEGORY,
                    placeholder="Choose another",
                    options=others,
                ),
            ],
        ),
    ]


def declared_reply(incident: Incident) -> str:
    if incident.channel_id:
        return f":rotating_light: {incident.ref} is declared. Join <#{incident.channel_id}>."
    return f":rotating_light: {incident.ref} is declared; opening its channel now…"


def not_invited(user: str) -> str:
    return (
        f"<@{user}> has the role, but I couldn't add them to the channel "
        "(see the logs); please invite them."
    )
