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


class Callback(StrEnum):
    DECLARE = "incident.declare"  # the global shortcut and the modal it opens
    UPDATE = "incident.update"  # the status-update modal


class Field(StrEnum):
    """block_id == action_id of each input in the declare and update modals."""

    TITLE = "declare.title"
    SEVERITY = "declare.severity"
    SERVICES = "declare.services"
    DESCRIPTION = "declare.description"
    IMPACT_STARTED = "declare.impact_started"
    COMMANDER = "declare.commander"
    PRIVATE = "declare.private"
    HAPPENING = "update.happening"
    IMPACT = "update.impact"
    NEXT_STEPS = "update.next_steps"


def status_action_id(target: Status) -> str:
    return f"{Action.SET_STATUS}.{target.value}"


def status_from_action_id(action_id: str) -> Status:
    """Raises ValueError unless `action_id` came from `status_action_id`."""
    prefix, _, status = action_id.rpartition(".")
    if prefix != Action.SET_STATUS:
        raise ValueError(action_id)
    return Status(status)
