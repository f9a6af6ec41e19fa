"""Action items into an external issue tracker (Jira): each item becomes one issue, however
often it is exported and whichever process dies on the way."""

from dataclasses import dataclass
from datetime import timedelta

from bot.action_items import ActionItemService
from bot.errors import ExportFailed, IncidentError, NothingChanged
from bot.incidents import IncidentService
from bot.ports import IssueRequest, IssueTracker
from models import ActionItem, Incident

# Longer than a tracker call with its retries: a claim older than this was left by a
# process that died, and the next export first looks for the issue it may have made.
EXPORT_LEASE = timedelta(minutes=2)
NOT_CONFIGURED = (
    "Jira is not set up: set JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN and JIRA_PROJECT (README: Jira)."
)


@dataclass(frozen=True)
class Exported:
    incident: Incident
    exported: tuple[ActionItem, ...]  # by this request
    already: tuple[ActionItem, ...]  # open items that had their issue before
    busy: tuple[ActionItem, ...] = ()  # being exported by another request
    failure: str = ""  # why the rest were not exported, in plain words


class ExportService:
    def __init__(
        self,
        items: ActionItemService,
        incidents: IncidentService,
        tracker: IssueTracker | None,
        lease: timedelta = EXPORT_LEASE,
    ) -> None:
        self._items, self._incidents, self._tracker = items, incidents, tracker
        self._lease = lease

    def check(self) -> None:
        """Raises, saying what to set, unless a tracker is configured."""
        if self._tracker is None:
            raise IncidentError(NOT_CONFIGURED)

    def export_incident(self, incident_id: int, actor: str) -> Exported:
        """Creates an issue for each open action item of the incident that has none yet.
        Stops at the first refusal, saying why; what was exported stays exported."""
        self.check()
        incident = self._incidents.get(incident_id)
        found = self._items.list(actor, "open", incident_id, incident.channel_id, limit=200)
        done, already, busy = [], [i for i in found if i.external_key], []
        for item in (i for i in found if not i.external_key):
            assert item.id is not None
            try:
                done.append(self.export(item.id, actor))
            except NothingChanged:
                busy.append(item)  # another request is exporting it, or just did
            except ExportFailed as error:
                return Exported(incident, tuple(done), tuple(already), tuple(busy), str(error))
        return Exported(incident, tuple(done), tuple(already), tuple(busy))

    def export(self, item_id: int, actor: str) -> ActionItem:
        """Creates the item's issue and records its key on the item and the timeline.
        Raises NothingChanged when it has one or another process is making it."""
        self.check()
        assert self._tracker is not None
        item, interrupted = self._items.claim_export(item_id, actor, self._lease)
        label = f"sitrep-item-{item_id}"
        try:
            # A process that died mid-export may have made the issue: find it, don't repeat it.
            issue = self._tracker.find_issue(label) if interrupted else None
            issue = issue or self._tracker.create_issue(self._request(item, label))
        except ExportFailed as error:
            if not error.uncertain:
                self._items.release_export(item_id, actor)
                raise
            # The issue may exist: the claim is kept, and once it lapses the next export
            # looks for the issue before making one.
            minutes = max(1, round(self._lease.total_seconds() / 60))
            raise ExportFailed(
                f"{error} Export again in {minutes} minutes or more: I'll look for it first.",
                uncertain=True,
            ) from error
        return self._items.attach_issue(item_id, actor, issue.key, issue.url)

    def _request(self, item: ActionItem, label: str) -> IssueRequest:
        incident = self._incidents.get(item.incident_id)
        lines = [
            f"Action item from {incident.ref}: {incident.title}",
            f"Priority {item.priority.upper()}, due {item.due_on.isoformat()}.",
            f"Owner in Slack: {item.owner} (user ID).",
        ]
        if item.source_url:
            lines.append(f"From the Slack message: {item.source_url}")
        lines.append("Created by Sitrep; complete it in Slack with evidence of what was done.")
        return IssueRequest(
            summary=item.title,
            description="\n".join(lines),
            due_on=item.due_on,
            priority=item.priority,
            label=label,
            labels=("sitrep", incident.ref.lower()),
        )
