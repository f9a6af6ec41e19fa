"""Every action_id and callback_id Sitrep puts in Slack, named `noun.verb`."""

from enum import StrEnum

from models import Status


class Action(StrEnum):
    # One button per legal target status; action IDs must be unique within a block, so the
    # target is the suffix: incident.set_status.mitigated.
    SET_STATUS = "incident.set_status"
    CHANGE_SEVERITY = "incident.change_severity"
    CLAIM_COMMANDER = "incident.claim_commander"
    ASSIGN_COMMANDER = "incident.assign_commander"
    POST_UPDATE = "incident.post_update"  # opens the update form
    SNOOZE = "incident.snooze"  # value: minutes
    # On a suggested category's post; the value is the category (`Database/replication`).
    CONFIRM_CATEGORY = "incident.confirm_category"
    CHOOSE_CATEGORY = "incident.choose_category"  # the other categories, on the same post
    SHOW_SIMILAR = "incident.show_similar"  # value: the incident's ID
    # On the announcement: follow the incident's updates by DM, and the status page.
    SUBSCRIBE = "incident.subscribe"
    PUBLISH = "incident.publish"
    UNPUBLISH = "incident.unpublish"
    # Under a resolution's post; the value is the incident's ID (the select's: a duration).
    FIX_PERMANENT = "incident.fix_permanent"
    FIX_WORKAROUND = "incident.fix_workaround"
    VERIFY_REPORTER = "incident.verify_reporter"
    VERIFY_METRICS = "incident.verify_metrics"
    MONITOR = "incident.monitor"
    # On a recurrence post: open a problem from the incident, or link it to the problem
    # the earlier incidents belong to (the value is its ref, PRB-0003).
    OPEN_PROBLEM = "problem.open"
    LINK_PROBLEM = "problem.link"
    # On each listed action item; the value (or the block ID, for pickers) is the item's ID.
    COMPLETE_ITEM = "action_item.complete"
    CANCEL_ITEM = "action_item.cancel"
    REASSIGN_ITEM = "action_item.reassign"
    RESCHEDULE_ITEM = "action_item.reschedule"
    ACCEPT_PROPOSAL = "action_item.accept_proposal"  # value: "<draft>:<index>"
    # On an alert in the triage channel; the value is the triage's ID.
    DECLARE_FROM_ALERT = "alert.declare"
    # On a page; the value is the page's ID.
    ACK_PAGE = "page.acknowledge"
    ESCALATE_PAGE = "page.escalate"
    DISMISS_ALERT = "alert.dismiss"
    # Under search results; the value is SearchPage.value(): the search and the next page.
    MORE_RESULTS = "search.more"


class Callback(StrEnum):
    DECLARE = "incident.declare"  # the global shortcut and the modal it opens
    UPDATE = "incident.update"  # the status-update modal
    COMPLETE_ITEM = "action_item.complete"  # asks for the evidence
    CANCEL_ITEM = "action_item.cancel"  # asks for the reason
    CREATE_ITEM = "action_item.create"  # the message shortcut and the form it opens
    CLOSE = "incident.close"  # the closing checklist


class Field(StrEnum):
    """block_id == action_id of each input in the declare and update modals."""

    TITLE = "declare.title"
    SEVERITY = "declare.severity"
    SERVICES = "declare.services"
    DESCRIPTION = "declare.description"
    IMPACT_STARTED = "declare.impact_started"
    COMMANDER = "declare.commander"
    PRIVATE = "declare.private"
    DETECTION = "declare.detection"
    IMPACT_SCOPE = "declare.impact_scope"
    HAPPENING = "update.happening"
    IMPACT = "update.impact"
    NEXT_STEPS = "update.next_steps"
    NEXT_UPDATE = "update.next_update"
    PUBLIC = "update.public"
    EVIDENCE = "action_item.evidence"
    REASON = "action_item.reason"
    ITEM_TITLE = "action_item.title"
    ITEM_OWNER = "action_item.owner"
    ITEM_DUE = "action_item.due"
    ITEM_PRIORITY = "action_item.priority"
    # The closing checklist's answers.
    CLOSE_RESOLUTION = "close.resolution"
    CLOSE_ROOT_CAUSE = "close.root_cause"
    CLOSE_ROOT_UNKNOWN = "close.root_unknown"
    CLOSE_CATEGORY = "close.category"
    CLOSE_POSTMORTEM = "close.postmortem"
    CLOSE_FOLLOW_UP = "close.follow_up"
    CLOSE_RUNBOOK = "close.runbook"


def status_action_id(target: Status) -> str:
    return f"{Action.SET_STATUS}.{target.value}"


def status_from_action_id(action_id: str) -> Status:
    """Raises ValueError unless `action_id` came from `status_action_id`."""
    prefix, _, status = action_id.rpartition(".")
    if prefix != Action.SET_STATUS:
        raise ValueError(action_id)
    return Status(status)
