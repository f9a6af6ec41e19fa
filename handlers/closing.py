"""Closing with discipline: the checklist form, the Close button that opens it, and the
buttons under a resolution (what the fix was, how it was verified).

The form's answers are stored, and the incident closed, before the ack: what is still
missing is said on the form next to its field."""

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import Action, Callback, Field
from bot.checklist import Answers, RunbookReview
from bot.closing import AnswerRefused
from bot.config import parse_duration
from bot.errors import ChecklistIncomplete, IncidentError
from bot.incidents import Change
from handlers.actions import control
from handlers.deps import Deps, draft_if_due
from handlers.errors import REFUSAL, reported
from handlers.modals import input_values, view_metadata
from models import ChecklistItem, Fix, Verification


def register(app: App, deps: Deps) -> None:
    closing, incidents = deps.closing, deps.incidents

    def close_from_form(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        incident_id = int(view_metadata(view).get("incident") or 0)
        shown = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]

        def refuse(errors: dict[str, str]) -> None:
            if placed := _on_form(errors, shown):
                ack(response_action="errors", errors=placed)
            else:  # a form with no field to show it on (a stale one): show it instead
                reason = " ".join(errors.values())
                ack(response_action="update", view=blocks.close_refused_modal(reason))

        try:
            closing.close(incident_id, body["user"]["id"], _answers(view))
        except AnswerRefused as refused:
            field = blocks.FIELD_OF[ChecklistItem(refused.item)]
            refuse({field: str(refused)})
            return
        except ChecklistIncomplete:
            checklist = closing.checklist(incident_id)
            errors: dict[str, str] = {
                blocks.FIELD_OF[c.item]: f"Still missing: {c.detail}."
                for c in checklist.items
                if not c.done
            }
            refuse(errors)
            return
        except IncidentError as error:
            refuse({"": str(error)})
            return
        ack()

    @reported
    def show_closed(body: dict[str, Any], view: dict[str, Any]) -> None:
        incident_id = view_metadata(view).get("incident")
        if incident_id:
            # The post-mortem's canvas says how it closed (and the room is refreshed).
            deps.postmortems.show_status(int(incident_id))

    app.view(Callback.CLOSE)(ack=close_from_form, lazy=[show_closed])

    @reported
    def show(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        incident = incidents.by_channel((body.get("channel") or {}).get("id", ""))
        if incident is not None and incident.id is not None:
            deps.rooms.refresh(incident.id)
            draft_if_due(deps, incident.id, body["user"]["id"])

    def fixed(fix: Fix) -> Any:
        return control(incidents, lambda iid, user, _: closing.record_fix(iid, user, fix).change)

    def verified(how: Verification) -> Any:
        return control(incidents, lambda iid, user, _: closing.verify(iid, user, how))

    def monitor(incident_id: int, user: str, action: dict[str, Any]) -> Change:
        chosen = action["selected_option"]["value"]
        return closing.verify(
            incident_id, user, Verification.MONITORING, deps.clock() + parse_duration(chosen)
        )

    app.action(Action.FIX_PERMANENT)(ack=fixed(Fix.PERMANENT), lazy=[show])
    app.action(Action.FIX_WORKAROUND)(ack=fixed(Fix.WORKAROUND), lazy=[show])
    app.action(Action.VERIFY_REPORTER)(ack=verified(Verification.REPORTER), lazy=[show])
    app.action(Action.VERIFY_METRICS)(ack=verified(Verification.METRICS), lazy=[show])
    app.action(Action.MONITOR)(ack=control(incidents, monitor), lazy=[show])


def _answers(view: dict[str, Any]) -> Answers:
    """What the form says, as typed (escaped into Slack markup, as commands carry text)."""
    values = input_values(view)

    def text(field: Field) -> str | None:
        typed = ((values.get(field) or {}).get("value") or "").strip()
        return blocks.escape(typed) if typed else None

    def chosen(field: Field) -> str | None:
        option = (values.get(field) or {}).get("selected_option") or {}
        return option.get("value")

    unknown = bool((values.get(Field.CLOSE_ROOT_UNKNOWN) or {}).get("selected_options"))
    runbook = chosen(Field.CLOSE_RUNBOOK)
    review: RunbookReview | None = (
        "reviewed" if runbook == "reviewed" else "not_applicable" if runbook else None
    )
    return Answers(
        resolution=text(Field.CLOSE_RESOLUTION),
        root_cause=text(Field.CLOSE_ROOT_CAUSE),
        root_cause_unknown=unknown,
        category=chosen(Field.CLOSE_CATEGORY),
        postmortem_waiver=text(Field.CLOSE_POSTMORTEM),
        no_follow_up=text(Field.CLOSE_FOLLOW_UP),
        runbook=review,
    )


def _on_form(errors: dict[str, str], fields: list[str]) -> dict[str, str]:
    """Errors Slack can show: each on a field the form has; the rest on its first field."""
    placed = {field: message for field, message in errors.items() if field in fields}
    stray = [message for field, message in errors.items() if field not in fields]
    if stray and fields:
        placed[fields[0]] = " ".join([placed.get(fields[0], ""), *stray]).strip()
    return placed
