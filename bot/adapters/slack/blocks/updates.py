"""Status updates in Slack: the update form, the post stakeholder channels and subscribers
get, and the reminder that the next update is due. Pure."""

import json
from datetime import datetime
from typing import Any

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
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.adapters.slack.blocks.text import MAX_SECTION, actor_mention, clip, defang, editable, when
from bot.adapters.slack.ids import Action, Callback, Field
from bot.update_entries import MAX_UPDATE_FIELD, NEXT_UPDATE_CHOICES, Update
from models import Incident

# The form's fields get new block IDs when a draft replaces what it showed: Slack keeps
# what a person typed in blocks whose IDs stay, so the draft would not show otherwise.
DRAFTED = ".drafted"


def update_modal(
    incident: Incident,
    previous: Update | None = None,
    *,
    drafting: bool = False,
    drafted: bool = False,
) -> View:
    """The status-update form: the proven shape of an incident update, started from
    `previous` (the last update, or a draft)."""
    suffix = DRAFTED if drafted else ""
    start = previous or Update(happening="")

    def field(block: Field, label: str, hint: str, value: str, optional: bool) -> InputBlock:
        return InputBlock(
            block_id=block + suffix,
            label=label,
            optional=optional,
            element=PlainTextInputElement(
                action_id=block,
                multiline=True,
                max_length=MAX_UPDATE_FIELD,
                placeholder=hint,
                initial_value=clip(editable(value), MAX_UPDATE_FIELD) or None,
            ),
        )

    choices = [Option(value="none", text="No promise")] + [
        Option(value=c, text=f"In {c}") for c in NEXT_UPDATE_CHOICES
    ]
    blocks: list[Block] = [
        field(
            Field.HAPPENING, "What is happening?", "Checkout errors are down to 2%",
            start.happening, False,
        ),
        field(
            Field.IMPACT, "Impact, in users' terms", "Some card payments fail", start.impact, True
        ),
        field(
            Field.NEXT_STEPS, "What are we doing?", "Rolling back; watching for 30 minutes",
            start.next_steps, True,
        ),
        InputBlock(
            block_id=Field.NEXT_UPDATE,
            label="Next update expected",
            optional=True,
            element=StaticSelectElement(
                action_id=Field.NEXT_UPDATE, options=choices, initial_option=choices[2]
            ),
        ),
    ]  # fmt: skip
    if not incident.private:
        blocks.append(
            InputBlock(
                block_id=Field.PUBLIC,
                label="Status page",
                optional=True,
                element=CheckboxesElement(
                    action_id=Field.PUBLIC,
                    options=[Option(value="public", text="Public: show it on the status page")],
                ),
            )
        )
    note = ""
    if drafting:
        note = (
            ":hourglass_flowing_sand: Drafting from the timeline: "
            "the draft replaces this in a few seconds."
        )
    elif drafted:
        note = ":robot_face: Drafted from the timeline by Claude. Check every word before posting."
    elif previous is not None:
        note = "Started from the previous update."
    if note:
        blocks.insert(0, ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return View(
        type="modal",
        callback_id=Callback.UPDATE,
        title=clip(f"Update {incident.ref}", 24),
        submit="Post update",
        close="Cancel",
        blocks=blocks,
        # The incident the update is for.
        private_metadata=json.dumps({"incident": incident.id}),
    )


def update_post(data: dict[str, Any]) -> list[Block]:
    """A status update as stakeholder channels and subscribers see it (`data`: see
    bot.scheduling.updates.update_data)."""
    text = update_text(data)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]
    if data.get("channel"):
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"Follow along in <#{data['channel']}>")]
            )
        )
    return blocks


def update_text(data: dict[str, Any]) -> str:
    who = actor_mention(data.get("author"))
    text = (
        f":loudspeaker: *{data['ref']}* ({str(data['severity']).upper()}: "
        f"{defang(data['title'])}): update from {who}\n"
        f"*What is happening:* {defang(data['happening'])}"
    )
    text += f"\n*Impact:* {defang(data['impact'])}" if data.get("impact") else ""
    text += f"\n*What we are doing:* {defang(data['next_steps'])}" if data.get("next_steps") else ""
    if data.get("next_update_at"):
        text += f"\n*Next update:* {when(datetime.fromisoformat(data['next_update_at']))}"
    return text


def next_update_text(incident: Incident, commander: str | None) -> str:
    who = f"<@{commander}>" if commander else "Commander"
    return (
        f":alarm_clock: The last update on {incident.ref} promised the next one by now. "
        f"{who}, post it: what is happening, the impact, what we are doing."
    )


def post_update_button() -> ActionsBlock:
    return ActionsBlock(
        elements=[ButtonElement(text="Post update", action_id=Action.POST_UPDATE, style="primary")]
    )
