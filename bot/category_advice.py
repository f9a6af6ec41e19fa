"""A category suggested by the model (when an Anthropic key is set), beside the one the
keywords suggest: posted with its own Confirm button when the two differ."""

from contextlib import suppress

from bot.categories import category_names, suggest
from bot.config import Policy
from bot.errors import NothingChanged
from bot.incidents import IncidentService
from bot.ports import CategoryClassifier
from models import EntryKind


class CategoryAdvisor:
    def __init__(
        self, incidents: IncidentService, classifier: CategoryClassifier | None, policy: Policy
    ) -> None:
        self._incidents, self._classifier, self._policy = incidents, classifier, policy

    @property
    def enabled(self) -> bool:
        return self._classifier is not None

    def advise(self, incident_id: int) -> str | None:
        """Records the model's category for an incident nobody has categorised, when it
        differs from the keywords' (once, however often asked); returns it, else None."""
        if self._classifier is None:
            return None
        incident = self._incidents.get(incident_id)
        if incident.category:
            return None
        categories = self._policy.categories
        chosen = self._classifier.classify(
            incident.title, incident.description, incident.services, category_names(categories)
        )
        words = (incident.title, incident.description, *incident.services)
        if chosen is None or chosen == suggest(categories, *words):
            return None
        with suppress(NothingChanged):
            self._incidents.record_event(
                incident_id,
                EntryKind.CATEGORY_SUGGESTED,
                "",
                f"Suggested category {chosen} (by the model)",
                {"category": chosen, "by": "model"},
                unless_same="category",
            )
            return chosen
        return None
