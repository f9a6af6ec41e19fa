"""What the listeners need, bound by closure in each `register`."""

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.action_items import ActionItemService
from bot.api_tokens import TokenService
from bot.audit import AuditService
from bot.closing import ClosingService
from bot.config import Policy
from bot.exports import ExportService
from bot.incidents import IncidentService
from bot.insights.service import InsightsService
from bot.oncall.load_service import LoadService
from bot.oncall.paging import PagingService
from bot.oncall.service import OncallService
from bot.ports import Clock
from bot.postmortem.service import PostmortemService
from bot.problems import ProblemService
from bot.rooms import RoomService
from bot.runbooks import RunbookService
from bot.scheduling.service import SchedulerService
from bot.search import SearchService
from bot.similar import SimilarService
from bot.statuspage.service import StatusPageService
from bot.timeline import TimelineService
from bot.updates import UpdateService

log = logging.getLogger(__name__)


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose work runs in the context of whoever submitted it: the work after
    an ack keeps the request's surface (slash command, button…) for the audit log, and its
    request ID (and incident) for the logs."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


class Background:
    """Slow work that must not hold the threads that follow acknowledgements: drafting a
    post-mortem with Claude can take minutes. A failure is logged, not lost in a future."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def run(self, work: Callable[[], object], what: str) -> None:
        def guarded() -> None:
            try:
                work()
            except Exception:
                log.exception("%s failed", what)

        self._executor.submit(guarded)


@dataclass(frozen=True)
class Deps:
    incidents: IncidentService
    timeline: TimelineService
    rooms: RoomService
    postmortems: PostmortemService
    schedule: SchedulerService
    background: Background
    # The work after an acknowledgement that Bolt's lazy listeners do for Slack requests,
    # for requests Bolt does not see (alert webhooks).
    after_ack: Background
    action_items: ActionItemService
    exports: ExportService
    insights: InsightsService
    search: SearchService
    runbooks: RunbookService
    similar: SimilarService
    problems: ProblemService
    closing: ClosingService
    oncall: OncallService
    paging: PagingService
    load: LoadService
    updates: UpdateService
    status_page: StatusPageService
    audit: AuditService
    tokens: TokenService
    policy: Policy
    clock: Clock


def draft_if_due(deps: Deps, incident_id: int, actor: str) -> None:
    """After any change: a resolution may be owed its post-mortem draft."""
    deps.background.run(
        lambda: deps.postmortems.draft_if_due(incident_id, actor),
        f"drafting the post-mortem of incident {incident_id}",
    )


def link_runbooks(deps: Deps, incident_id: int) -> None:
    """At declaration, before the room opens (which shows them), and when services or the
    category change: the matching runbooks. A failure is logged."""
    try:
        deps.runbooks.link_matching(incident_id)
    except Exception:
        log.exception("could not link the runbooks of incident %s", incident_id)


def reclassified(deps: Deps, incident_id: int) -> None:
    """After a change of services or category: the runbooks now matching are linked, the
    incident checked for recurrence, and the similar past incidents recorded when they
    differ from those shown; each told in its channel by the refresh that follows. A
    failure is logged; the change stands."""
    link_runbooks(deps, incident_id)
    for work, what in (
        (deps.problems.check_recurrence, "check for recurrence"),
        (deps.similar.suggest, "suggest similar incidents for"),
    ):
        try:
            work(incident_id)
        except Exception:
            log.exception("could not %s incident %s", what, incident_id)
