"""Block Kit for every Sitrep surface, built with slack_sdk's typed blocks: pure functions,
one module per surface, all reached through this package."""

from bot.adapters.slack.blocks.action_items import (
    action_item_list,
    close_item_modal,
    create_item_modal,
    exported_reply,
)
from bot.adapters.slack.blocks.audit import audit_blocks, token_issued, tokens_listed
from bot.adapters.slack.blocks.closing import FIELD_OF, close_modal, close_refused_modal
from bot.adapters.slack.blocks.home import home
from bot.adapters.slack.blocks.incident import (
    announcement,
    announcement_fallback,
    channel_topic,
    declared_reply,
    entry_post,
    not_invited,
    notice,
)
from bot.adapters.slack.blocks.insights import stats_blocks, stats_text, without_pictures
from bot.adapters.slack.blocks.links import bookmark_title
from bot.adapters.slack.blocks.modals import declare_modal
from bot.adapters.slack.blocks.notices import snoozed
from bot.adapters.slack.blocks.oncall import (
    cancelled_reply,
    oncall_blocks,
    oncall_fallback,
    override_reply,
    overrides_blocks,
    rotation_reply,
)
from bot.adapters.slack.blocks.postmortem import drafted_reply
from bot.adapters.slack.blocks.problems import (
    linked_reply,
    opened_reply,
    owner_reply,
    problem_blocks,
    problem_list,
    recurrence_handled,
    status_reply,
)
from bot.adapters.slack.blocks.replies import (
    LIST_LIMIT,
    help_blocks,
    incident_list,
    summary_blocks,
    usage,
)
from bot.adapters.slack.blocks.runbooks import runbook_reply
from bot.adapters.slack.blocks.search import (
    read_page_value,
    search_fallback,
    search_results,
)
from bot.adapters.slack.blocks.similar import similar_reply
from bot.adapters.slack.blocks.text import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_SECTION,
    clip,
    defang,
    duration,
    editable,
    escape,
    from_form,
    plain,
    when,
)
from bot.adapters.slack.blocks.updates import update_modal

__all__ = [
    "FIELD_OF",
    "LIST_LIMIT",
    "MAX_BLOCKS",
    "MAX_FALLBACK",
    "MAX_SECTION",
    "action_item_list",
    "announcement",
    "announcement_fallback",
    "audit_blocks",
    "bookmark_title",
    "cancelled_reply",
    "channel_topic",
    "clip",
    "close_item_modal",
    "close_modal",
    "close_refused_modal",
    "create_item_modal",
    "declare_modal",
    "declared_reply",
    "defang",
    "drafted_reply",
    "duration",
    "editable",
    "entry_post",
    "escape",
    "exported_reply",
    "from_form",
    "help_blocks",
    "home",
    "incident_list",
    "linked_reply",
    "not_invited",
    "notice",
    "oncall_blocks",
    "oncall_fallback",
    "opened_reply",
    "override_reply",
    "overrides_blocks",
    "owner_reply",
    "plain",
    "problem_blocks",
    "problem_list",
    "read_page_value",
    "recurrence_handled",
    "rotation_reply",
    "runbook_reply",
    "search_fallback",
    "search_results",
    "similar_reply",
    "snoozed",
    "stats_blocks",
    "stats_text",
    "status_reply",
    "summary_blocks",
    "token_issued",
    "tokens_listed",
    "update_modal",
    "usage",
    "when",
    "without_pictures",
]
