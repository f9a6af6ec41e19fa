"""Similar past incidents: which ones to show a responder, best first.

The index finds candidates and scores their words against the new incident's (weighted by
how rare each word is); here that score is combined with what people set by hand: a shared
service, the same category, and whether the past incident left a post-mortem to read."""

import re
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.categories import category_of
from bot.config import Policy
from bot.errors import NothingChanged
from bot.failure_modes import modes_in, modes_of, signs_of
from bot.incidents import IncidentService
from bot.ports import Related, SimilarIndex, SimilarQuery, Term
from models import EntryKind, Incident

SHOWN: Final = 3
# Weights of the parts of a similarity; they sum to 1.
TEXT: Final = 0.38
FAILURE_MODE: Final = 0.35  # a failure mode in common
SERVICE: Final = 0.04
CATEGORY: Final = 0.19
WRITTEN_UP: Final = 0.04  # resolved, with a post-mortem to learn from
# Below this a candidate is more likely noise than help: one good suggestion beats three
# weak ones.
THRESHOLD: Final = 0.19
MAX_TERMS: Final = 24
_CANDIDATES: Final = 40

# Words that say nothing about what went wrong (the English stop words PostgreSQL's
# dictionary drops, so both databases weigh the same words).
STOP_WORDS: Final = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with you
    your yours yourself yourselves also via get getting got
    """.split()  # noqa: SIM905
)

# Spellings responders use for the same thing; each matches any of its group.
SYNONYMS: Final = (
    frozenset({"5xx", "500", "500s", "502", "503", "504"}),
    frozenset({"k8s", "kubernetes", "kube"}),
    frozenset({"pg", "postgres", "postgresql"}),
    frozenset({"db", "database"}),
    frozenset({"cert", "certs", "certificate", "certificates"}),
    frozenset({"tls", "ssl"}),
    frozenset({"oom", "oomkilled"}),
    frozenset({"auth", "authentication"}),
    frozenset({"latency", "slow", "slowness"}),
    frozenset({"timeout", "timeouts", "timing"}),
)
_SYNONYMS_OF: Final = {word: group for group in SYNONYMS for word in group}
_WORD: Final = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Similar:
    incident: Incident
    score: float  # 0 to 1
    postmortem_url: str | None
    failure_modes: tuple[str, ...] = ()  # the ones both show


def terms(title: str, description: str, services: Sequence[str] = ()) -> tuple[Term, ...]:
    """The words an incident is searched by: the title's count twice as much as the
    description's; stop words, lone characters and the names of its services (a shared
    service counts on its own) dropped, synonyms grouped."""
    named = {word for service in services for word in _WORD.findall(service.casefold())}
    found: dict[frozenset[str], Term] = {}
    for text, weight in ((title, 2.0), (description, 1.0)):
        for word in _WORD.findall(text.casefold()):
            if len(word) < 2 or word in STOP_WORDS or word in named:
                continue
            if word.isdigit() and len(word) > 4:
                continue
            group = _SYNONYMS_OF.get(word, frozenset({word}))
            if group not in found and len(found) < MAX_TERMS:
                found[group] = Term(tuple(sorted(group)), weight)
    return tuple(found.values())


def rank(
    incident: Incident,
    candidates: Sequence[Related],
    policy: Policy,
    shown: int = SHOWN,
    modes: frozenset[str] | None = None,
) -> list[Similar]:
    """The `shown` candidates most like `incident` above the threshold, best first; the more
    recent first on a tie. `modes`: its failure modes, if more is known than its own words
    show (what was said in its channel)."""
    category = category_of(policy.categories, incident)
    services = {s.casefold() for s in incident.services}
    if modes is None:
        modes = modes_of(policy.failure_modes, incident)
    scored = []
    for candidate in candidates:
        past = candidate.incident
        if past.id == incident.id:
            continue
        score = TEXT * candidate.text
        shared = modes & modes_of(policy.failure_modes, past)
        if shared:
            score += FAILURE_MODE
        if services & {s.casefold() for s in past.services}:
            score += SERVICE
        score += CATEGORY * _category_match(category, category_of(policy.categories, past))
        if candidate.postmortem_url and past.resolved_at is not None:
            score += WRITTEN_UP
        if score >= THRESHOLD:
            scored.append(
                Similar(past, round(score, 4), candidate.postmortem_url, tuple(sorted(shared)))
            )
    scored.sort(key=lambda s: (-s.score, -_declared(s.incident)))
    return scored[:shown]


def _category_match(mine: str | None, theirs: str | None) -> float:
    """1 for the same category, 0.5 when only the top level is shared, else 0."""
    if not mine or not theirs:
        return 0.0
    if mine.casefold() == theirs.casefold():
        return 1.0
    return 0.5 if mine.split("/")[0].casefold() == theirs.split("/")[0].casefold() else 0.0


def _declared(incident: Incident) -> float:
    return incident.declared_at.timestamp() if isinstance(incident.declared_at, datetime) else 0


def snapshot(similar: Sequence[Similar]) -> list[dict[str, object]]:
    """What a channel post of `similar` shows, stored with its timeline entry so the post
    says what was found then, however the past incidents change later."""
    return [
        {
            "ref": s.incident.ref,
            "title": s.incident.title,
            "declared_at": s.incident.declared_at.isoformat(),
            "status": s.incident.status.value,
            "resolution": s.incident.resolution_summary,
            "channel_id": s.incident.channel_id,
            "postmortem_url": s.postmortem_url,
            "score": s.score,
            "failure_modes": list(s.failure_modes),
        }
        for s in similar
    ]


class SimilarService:
    def __init__(self, index: SimilarIndex, incidents: IncidentService, policy: Policy) -> None:
        self._index, self._incidents, self._policy = index, incidents, policy

    def find(
        self,
        incident_id: int,
        viewer: str | None = None,
        channel_id: str | None = None,
        shown: int = SHOWN,
    ) -> list[Similar]:
        """The past incidents most like this one that `viewer` (in `channel_id`) may see;
        with no viewer, public incidents only (what a channel post may show). What went
        wrong is read from its channel's messages too: often only they say it."""
        incident = self._incidents.get(incident_id)
        modes = modes_of(self._policy.failure_modes, incident) | self._said(incident_id)
        return self.like(incident, viewer, channel_id, shown, exclude_id=incident_id, modes=modes)

    def like(
        self,
        incident: Incident,
        viewer: str | None = None,
        channel_id: str | None = None,
        shown: int = SHOWN,
        *,
        exclude_id: int | None = None,
        modes: frozenset[str] | None = None,
    ) -> list[Similar]:
        """The stored incidents most like `incident` (stored or not), `exclude_id` aside;
        `modes`, its failure modes, when more is known than its own words show."""
        if modes is None:
            modes = modes_of(self._policy.failure_modes, incident)
        query = SimilarQuery(
            terms=terms(incident.title, incident.description, incident.services),
            services=tuple(incident.services),
            exclude_id=exclude_id,
            viewer=viewer,
            channel_id=channel_id,
            public_only=viewer is None,
            limit=_CANDIDATES,
            signs=signs_of(self._policy.failure_modes, modes),
        )
        candidates = [
            c
            for c in self._index.related(query)
            if viewer is None or self._incidents.visible(c.incident, viewer, channel_id)
        ]
        return rank(incident, candidates, self._policy, shown, modes)

    def follow(self, channel_id: str, text: str, ts: str) -> int | None:
        """A message said in a channel (stored, with Slack's `ts`): when it names a failure
        mode nothing said before in its incident's channel did, the similar incidents are
        asked again and recorded if they changed. The incident's id when some were found
        (its room shows them once refreshed), else None. Most messages name none and cost a
        few pattern matches: the incident is looked up only for one that does."""
        named = modes_in(self._policy.failure_modes, text)
        if not named:
            return None
        incident = self._incidents.by_channel(channel_id)
        if incident is None or incident.id is None:
            return None
        known = modes_of(self._policy.failure_modes, incident) | self._said(incident.id, ts)
        if named <= known or not self.suggest(incident.id):
            return None
        return incident.id

    def _said(self, incident_id: int, but: str | None = None) -> frozenset[str]:
        """The failure modes the incident's channel messages name (`but` the one of that ts)."""
        said = [
            entry.text
            for entry in self._incidents.timeline(incident_id)
            if entry.kind is EntryKind.MESSAGE and entry.slack_ts != but
        ]
        return modes_in(self._policy.failure_modes, *said)

    def suggest(self, incident_id: int) -> list[Similar]:
        """Records the similar incidents for the channel (posted in the announcement's
        thread) when they differ from the ones it was last shown; safe to repeat."""
        found = self.find(incident_id)
        if found:
            refs = [s.incident.ref for s in found]
            data = {"refs": refs, "similar": snapshot(found)}
            text = "Similar past incidents: " + ", ".join(refs)
            with suppress(NothingChanged):
                self._incidents.record_event(
                    incident_id, EntryKind.SIMILAR_INCIDENTS, "", text, data, unless_same="refs"
                )
        return found
