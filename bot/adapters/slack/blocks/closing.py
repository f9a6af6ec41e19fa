"""Closing with discipline: the checklist form, and the posts about the fix, the
verification, the root cause and the checklist. Pure."""

import json
from datetime import datetime
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.adapters.slack.blocks.text import MAX_OPTION, MAX_SECTION, clip, defang, escape, when
from bot.adapters.slack.ids import Action, Callback, Field
from bot.categories import category_names
from bot.checklist import MAX_REASON, MAX_ROOT_CAUSE, Checked, Checklist
from bot.config import Policy
from models import ChecklistItem, EntryKind, Fix, Incident, TimelineEntry, Verification

# How long "Monitor for" offers.
MONITOR_OPTIONS: Final = (("30m", "30 minutes"), ("1h", "1 hour"), ("4h", "4 hours"),
                          ("24h", "24 hours"), ("48h", "48 hours"))  # fmt: skip
# Which form field answers each item (the one an error points at).
FIELD_OF: Final = {
    ChecklistItem.RESOLUTION: Field.CLOSE_RESOLUTION,
    ChecklistItem.ROOT_CAUSE: Field.CLOSE_ROOT_CAUSE,
    ChecklistItem.CATEGORY: Field.CLOSE_CATEGORY,
    ChecklistItem.POSTMORTEM: Field.CLOSE_POSTMORTEM,
    ChecklistItem.FOLLOW_UP: Field.CLOSE_FOLLOW_UP,
    ChecklistItem.RUNBOOK: Field.CLOSE_RUNBOOK,
}


def close_refused_modal(reason: str) -> View:
    """What a closing form without the field a refusal belongs to turns into: the reason."""
    return View(
        type="modal",
        callback_id=Callback.CLOSE,
        title="Close incident",
        close="OK",
        blocks=[_section(f":warning: {escape(reason)}")],
    )


def close_modal(incident: Incident, checklist: Checklist, policy: Policy) -> View:
    """Each item done (shown) or missing (to fill in here); submitting closes once all are
    done."""
    blocks: list[Block] = [
        _section(
            f"*Closing {incident.ref}.* Every item below must be done first; fill in what is "
            "missing and submit."
        )
    ]
    for checked in checklist.items:
        if checked.done:
            blocks.append(_section(f":white_check_mark: *{checked.item.label}:* {_shown(checked)}"))
        else:
            blocks += _inputs(checked, policy)
    return View(
        type="modal",
        callback_id=Callback.CLOSE,
        title=clip(f"Close {incident.ref}", 24),
        submit="Close incident",
        close="Cancel",
        blocks=blocks,
        private_metadata=json.dumps({"incident": incident.id}),
    )


def _shown(checked: Checked) -> str:
    return clip(defang(checked.detail).replace("\n", " "), 500)


def _inputs(checked: Checked, policy: Policy) -> list[Block]:
    item = checked.item
    hint = f":x: *{item.label}:* {checked.detail}"
    if item is ChecklistItem.RESOLUTION:
        element: Any = PlainTextInputElement(
            action_id=Field.CLOSE_RESOLUTION, multiline=True, max_length=3000,
            placeholder="What restored service?",
        )  # fmt: skip
        return [_input(Field.CLOSE_RESOLUTION, "Resolution summary", element)]
    if item is ChecklistItem.ROOT_CAUSE:
        cause = PlainTextInputElement(
            action_id=Field.CLOSE_ROOT_CAUSE, multiline=True, max_length=MAX_ROOT_CAUSE,
            placeholder="Why it happened, as far as known",
        )  # fmt: skip
        unknown = CheckboxesElement(
            action_id=Field.CLOSE_ROOT_UNKNOWN,
            options=[Option(value="unknown", text="Unknown: we decided not to dig further")],
        )
        return [
            _input(Field.CLOSE_ROOT_CAUSE, "Root cause", cause),
            _input(Field.CLOSE_ROOT_UNKNOWN, "Or", unknown),
        ]
    if item is ChecklistItem.CATEGORY:
        options = [
            Option(value=name, text=clip(name, MAX_OPTION))
            for name in category_names(policy.categories)[:100]
        ]
        select = StaticSelectElement(action_id=Field.CLOSE_CATEGORY, options=options)
        return [_input(Field.CLOSE_CATEGORY, "Category", select)]
    if item is ChecklistItem.POSTMORTEM:
        reason = PlainTextInputElement(
            action_id=Field.CLOSE_POSTMORTEM, max_length=MAX_REASON,
            placeholder="Why no post-mortem is needed",
        )  # fmt: skip
        return [
            _section(
                f"{hint}. Publish it with `/incident postmortem publish`, or the commander "
                "waives it here."
            ),
            _input(Field.CLOSE_POSTMORTEM, "Waive the post-mortem (commander only)", reason),
        ]
    if item is ChecklistItem.FOLLOW_UP:
        reason = PlainTextInputElement(
            action_id=Field.CLOSE_FOLLOW_UP, max_length=MAX_REASON,
            placeholder="Why no action item is needed",
        )  # fmt: skip
        return [
            _section(f"{hint}. Add one with `/incident action`, or say why none is needed."),
            _input(Field.CLOSE_FOLLOW_UP, "No follow-up needed because", reason),
        ]
    review = RadioButtonsElement(
        action_id=Field.CLOSE_RUNBOOK,
        options=[
            Option(value="reviewed", text="Reviewed (and updated if needed)"),
            Option(value="not_applicable", text="Not applicable"),
        ],
    )
    return [_input(Field.CLOSE_RUNBOOK, "Runbook", review)]


def _input(field: Field, label: str, element: Any) -> InputBlock:
    # Optional for Slack: what is still missing is said on submit, next to its field.
    return InputBlock(block_id=field, label=label, optional=True, element=element)


def resolved_controls(incident_id: int) -> list[Block]:
    """Under the resolution's post: what the fix was and how it was verified, one click
    each (or a choice of how long to monitor)."""
    value = str(incident_id)
    elements: list[Any] = [
        ButtonElement(text="Fixed permanently", action_id=Action.FIX_PERMANENT, value=value),
        ButtonElement(text="Temporary workaround", action_id=Action.FIX_WORKAROUND, value=value),
        ButtonElement(text="Reporter confirmed", action_id=Action.VERIFY_REPORTER, value=value),
        ButtonElement(text="Metrics normal", action_id=Action.VERIFY_METRICS, value=value),
        StaticSelectElement(
            action_id=Action.MONITOR,
            placeholder="Monitor for…",
            options=[Option(value=v, text=t) for v, t in MONITOR_OPTIONS],
        ),
    ]
    return [
        ContextBlock(
            elements=[MarkdownTextObject(text="What was the fix, and how was it verified?")]
        ),
        ActionsBlock(block_id="incident.resolution", elements=elements),
    ]


def closing_post(entry: TimelineEntry, who: str) -> str | None:
    """The channel post of a closing step; None for another kind of entry."""
    data = entry.data
    match entry.kind:
        case EntryKind.ROOT_CAUSE:
            if data.get("unknown"):
                return f":grey_question: {who} recorded the root cause as unknown, deliberately"
            return f":mag_right: {who} recorded the root cause: {defang(data['root_cause'])}"
        case EntryKind.FIX_RECORDED:
            fix = Fix(data["to"])
            if fix is Fix.WORKAROUND:
                return (
                    f":adhesive_bandage: {who}: *temporary workaround*, a permanent fix is pending"
                )
            return f":hammer_and_wrench: {who}: *fixed permanently*"
        case EntryKind.VERIFIED:
            how = Verification(data["how"])
            text = f":eyes: {who} verified the resolution: {how.label}"
            if until := data.get("until"):
                text += f" until {when(datetime.fromisoformat(until))}"
            return text
        case EntryKind.CHECKLIST:
            said = "; ".join(escape(a) for a in data.get("answers", []))
            return f":clipboard: {who} filled in the closing checklist: {said}"
    return None


def checklist_outcome(items: list[dict[str, Any]]) -> str:
    """The checklist as it stood when the incident closed."""
    return "\n".join(
        f"{':white_check_mark:' if i['done'] else ':x:'} "
        f"{ChecklistItem(i['item']).label}: {clip(defang(str(i['detail'])), 200)}"
        for i in items
    )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))
