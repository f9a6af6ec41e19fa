"""The status page's use case: read what is published and build the page."""

from bot.config import Policy
from bot.ports import Clock
from bot.statuspage.page import Page, StatusPageStore, build_page


class StatusPageService:
    def __init__(self, store: StatusPageStore, policy: Policy, clock: Clock) -> None:
        self._store, self._policy, self._clock = store, policy, clock

    def page(self) -> Page:
        """The page as it is now: one read of the published incidents."""
        now = self._clock()
        published = self._store.published(now - self._policy.status_page.history)
        return build_page(published, self._policy, now)
