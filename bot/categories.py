"""The category taxonomy (from the policy), tags, and suggesting a category from an
incident's words. Pure: no I/O."""

import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.errors import UsageError
from models import Incident

_NAME = r"^[A-Za-z0-9][A-Za-z0-9 &()._-]{0,39}$"  # no "/": it joins the levels
MAX_CATEGORY: Final = 100  # characters of `Top/sub/detail`, as stored
MAX_TAGS: Final = 20  # per incident
MAX_TAG: Final = 40  # characters per tag
_TAG: Final = re.compile(r"^[a-z0-9][a-z0-9._:+-]*$")
CAMEL_HUMPS: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

Keyword = Annotated[str, Field(min_length=2, max_length=60)]


class Detail(BaseModel):
    """The optional third level, e.g. `lag` under `Database/replication`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=_NAME)]
    keywords: tuple[Keyword, ...] = ()


class Subcategory(BaseModel):
    """The second level of the taxonomy, e.g. `replication` under `Database`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=_NAME)]
    # Words or phrases (case-insensitive, whole words) that suggest this category.
    keywords: tuple[Keyword, ...] = ()
    sub: tuple[Detail, ...] = ()

    @model_validator(mode="after")
    def _unique_details(self) -> Self:
        names = [d.name.casefold() for d in self.sub]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: each name under it must be unique")
        return self


class Category(BaseModel):
    """The first level, e.g. `Database`; its own keywords suggest it without a subcategory."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=_NAME)]
    keywords: tuple[Keyword, ...] = ()
    sub: tuple[Subcategory, ...] = ()

    @model_validator(mode="after")
    def _unique_subs(self) -> Self:
        names = [s.name.casefold() for s in self.sub]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: each subcategory name must be unique")
        full = [f"{self.name}/{s.name}/{d.name}" for s in self.sub for d in s.sub]
        too_long = next((name for name in full if len(name) > MAX_CATEGORY), None)
        if too_long:
            raise ValueError(f"{too_long[:60]}…: a category is at most {MAX_CATEGORY} characters")
        return self


def _category(name: str, keywords: Sequence[str], subs: dict[str, Sequence[str]]) -> Category:
    return Category(
        name=name,
        keywords=tuple(keywords),
        sub=tuple(Subcategory(name=n, keywords=tuple(k)) for n, k in subs.items()),
    )


DEFAULT_CATEGORIES: Final = (
    _category(
        "Network",
        ["network", "packet loss", "latency spike"],
        {
            "LAN": ["lan", "switch", "office network"],
            "WAN": ["wan", "isp", "uplink", "bgp"],
            "VPN": ["vpn", "tunnel"],
            "DNS": ["dns", "nxdomain", "resolver", "name resolution"],
            "CDN": ["cdn", "cloudflare", "akamai", "fastly", "edge cache"],
        },
    ),
    _category(
        "Application",
        ["application", "app crash"],
        {
            "web": ["website", "web app", "frontend", "front end", "page load"],
            "API": ["api", "endpoint", "5xx", "500s", "502", "503", "504"],
            "batch": ["batch", "cron", "nightly job", "etl"],
            "microservices": ["microservice", "microservices", "service mesh"],
        },
    ),
    _category(
        "Infrastructure",
        ["infrastructure"],
        {
            "servers": ["server", "host", "vm", "cpu", "memory", "oom"],
            "storage": ["disk", "disk full", "storage", "volume", "s3", "bucket"],
            "cloud": ["aws", "gcp", "azure", "cloud", "region"],
            "containers": ["kubernetes", "k8s", "pod", "pods", "container", "docker"],
        },
    ),
    _category(
        "Database",
        ["database", "db", "postgres", "postgresql", "mysql", "sql"],
        {
            "replication": ["replication", "replica", "replica lag", "failover"],
            "connection pool": ["connection pool", "too many connections", "pgbouncer"],
            "caching": ["cache", "redis", "memcached", "cache miss"],
        },
    ),
    _category(
        "Security",
        ["security", "vulnerability", "cve"],
        {
            "authentication": ["login", "sso", "oauth", "mfa", "2fa", "authentication"],
            "unauthorised access": ["unauthorised", "unauthorized", "intrusion", "compromised"],
            "data breach": ["breach", "data leak", "leaked", "exfiltration"],
            "DDoS": ["ddos", "dos attack", "flood", "botnet"],
        },
    ),
)


def category_names(categories: Iterable[Category]) -> list[str]:
    """Every category that may be set, written `Top`, `Top/sub` or `Top/sub/detail`, in
    taxonomy order."""
    names: list[str] = []
    for category in categories:
        names.append(category.name)
        for sub in category.sub:
            names.append(f"{category.name}/{sub.name}")
            names += [f"{category.name}/{sub.name}/{detail.name}" for detail in sub.sub]
    return names


def find_category(categories: Sequence[Category], text: str) -> str | None:
    """`database/Replication` -> `Database/replication` (as the taxonomy spells it); None
    when the taxonomy has no such category."""
    wanted = "/".join(part.strip() for part in text.strip().split("/")).casefold()
    return next((name for name in category_names(categories) if name.casefold() == wanted), None)


def _matches(keyword: str, words: str) -> bool:
    pattern = rf"(?<![a-z0-9]){re.escape(keyword.casefold())}(?![a-z0-9])"
    return re.search(pattern, words) is not None


def suggest(categories: Sequence[Category], *texts: str) -> str | None:
    """The category whose keywords best match `texts` (title, description, services, alert
    names): the most keywords matched (a level counting those above it), the deeper on a tie,
    then the taxonomy's order. None when no keyword matches."""
    # Alert names are often written `PostgresReplicationLag` or `dns_failures`.
    words = " ".join(CAMEL_HUMPS.sub(" ", t).replace("_", " ") for t in texts).casefold()
    best: tuple[int, int] = (0, 0)
    found = None
    for category in categories:
        parent_hits = sum(_matches(k, words) for k in category.keywords)
        for sub in category.sub:
            hits = sum(_matches(k, words) for k in sub.keywords)
            for detail in sub.sub:
                own = sum(_matches(k, words) for k in detail.keywords)
                # The levels above back up a detail their keywords also point to.
                score = (own + hits + parent_hits, 2) if own else (0, 0)
                if score > best:
                    best, found = score, f"{category.name}/{sub.name}/{detail.name}"
            score = (hits + parent_hits, 1) if hits else (0, 0)
            if score > best:
                best, found = score, f"{category.name}/{sub.name}"
        if (parent_hits, 0) > best:
            best, found = (parent_hits, 0), category.name
    return found


def category_of(categories: Sequence[Category], incident: Incident) -> str | None:
    """The incident's category as set, else the one its words suggest."""
    return incident.category or suggest(
        categories, incident.title, incident.description, *incident.services
    )


def within(category: str | None, wanted: str) -> bool:
    """Whether `category` is `wanted` or below it (`Database/replication/lag` is within
    `Database` and `Database/replication`), any case."""
    if not category:
        return False
    mine, theirs = category.casefold(), wanted.strip().casefold()
    return mine == theirs or mine.startswith(theirs + "/")


def normalise_tags(words: Iterable[str]) -> tuple[str, ...]:
    """`#DB  Replica-Lag, db` -> ("db", "replica-lag"): lower case, without `#`, commas or
    repeats; raises UsageError for a tag that is too long or has other characters."""
    tags: dict[str, None] = {}
    for word in words:
        for part in word.split(","):
            tag = part.strip().lstrip("#").casefold()
            if not tag:
                continue
            if len(tag) > MAX_TAG:
                raise UsageError(f"Tags are at most {MAX_TAG} characters (`{tag[:20]}…`).")
            if not _TAG.match(tag):
                raise UsageError(
                    f"`{tag[:MAX_TAG]}` is not a tag: use letters, digits and `-`, `_`, `.`, `:`."
                )
            tags[tag] = None
    return tuple(tags)
