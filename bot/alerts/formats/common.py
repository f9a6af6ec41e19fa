"""What every vendor's parser shares: reading the body, Sitrep's limits, and lenient readers.

Structure is checked strictly (an object where an object belongs), values leniently: a number
where text belongs is read as text, a time that cannot be read is no time, a URL that is not
http(s) is no link. Every event leaves through `alert_event`, which applies the limits.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice
from types import MappingProxyType
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from bot.alerts.events import AlertEvent, AlertLink, BadPayload, Notification
from models import AlertStatus, LinkKind

# Limits, so that one notification cannot blow up storage or a Slack message.
MAX_EVENTS = 200
MAX_TITLE = 250
MAX_DESCRIPTION = 3000
MAX_LABELS = 100
MAX_LABEL = 200  # a label's key, and its value
MAX_LINKS = 10
MAX_URL = 2000
MAX_LINK_TITLE = 200
MAX_FINGERPRINT = 128
# The widths of the columns these are stored in (models/alert.py).
MAX_SEVERITY = 32
MAX_SERVICE = 80
# Longer group keys are hashed: cutting them could merge two groups.
MAX_GROUP_KEY = 1000

JsonObject = dict[str, object]
Location = tuple[int | str, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

_EMPTY: Mapping[str, str] = MappingProxyType({})
_GO_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
    r"\s*(?:[Zz]|([+-])(\d\d)(?::?(\d\d))?)?",
    re.ASCII,
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
_NOT_IN_URLS = re.compile(r"[\s\x00-\x1f\x7f]")


# -- Reading the body ------------------------------------------------------------------------


def read_object(body: bytes) -> JsonObject:
    """The body as a JSON object; raises BadPayload saying what is wrong with it."""
    try:
        # A byte-order mark is harmless; some HTTP clients add one.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadPayload(f"not valid UTF-8: {error.reason} at byte {error.start}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadPayload(
            f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise BadPayload("not valid JSON: nested too deeply") from None
    except ValueError:
        # Python refuses to read integers of thousands of digits.
        raise BadPayload("not valid JSON: a number has too many digits") from None
    if not isinstance(value, dict):
        raise BadPayload("the top level must be a JSON object")
    return value


class Model(BaseModel):
    """A vendor's format: the fields Sitrep reads; anything else is ignored."""

    model_config = ConfigDict(extra="ignore")


def validate(model: type[ModelT], value: object, at: Location = ()) -> ModelT:
    """`value` read as `model`; raises BadPayload naming the first problem and where it is."""
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise BadPayload(describe(error.errors(include_url=False)[0], at)) from None


_MUST_BE = {
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
    "string_type": "must be a string",
}


def describe(error: ErrorDetails, at: Location = ()) -> str:
    """One pydantic error as a short sentence for the sender: where, and what is expected."""
    where = path((*at, *error["loc"]))
    kind, context = error["type"], error.get("ctx", {})
    if kind == "missing":
        return f"missing field: {where}"
    if kind in ("enum", "literal_error"):
        problem = f"must be {context['expected']}"
    elif kind == "value_error":
        problem = str(context["error"])
    else:
        problem = _MUST_BE.get(kind) or error["msg"][:1].lower() + error["msg"][1:]
    return f"{where or 'the top level'}: {problem}"


def path(location: Location) -> str:
    """('alerts', 0, 'labels') as 'alerts[0].labels', the way a sender writes it."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


# -- Lenient field types ---------------------------------------------------------------------


def scalar_text(value: object) -> str | None:
    """A JSON scalar as text (numbers as Python prints them, booleans as JSON spells them);
    None for null, objects and lists."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def _as_text(value: object) -> object:
    # Senders write IDs as numbers ("alert_id": $ALERT_ID unquoted); null means absent.
    if value is None:
        return ""
    text = scalar_text(value)
    return value if text is None else text


def _as_object(value: object) -> object:
    return {} if value is None else value


def as_list(value: object) -> object:
    """Null read as an empty list, for list fields of models."""
    return [] if value is None else value


def lowercase(value: object) -> object:
    """Text stripped and lowercased, for values matched against an enumeration."""
    return value.strip().lower() if isinstance(value, str) else value


def _as_tags(value: object) -> object:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split(",")
    if isinstance(value, list):
        return [text for item in value if (text := scalar_text(item)) is not None]
    raise ValueError("must be a comma-separated string or a list of strings")


Text = Annotated[str, BeforeValidator(_as_text)]
Object = Annotated[dict[str, object], BeforeValidator(_as_object)]
Status = Annotated[AlertStatus, BeforeValidator(lowercase)]
# Tags as Datadog and Opsgenie send them: "key:value" or bare, in a list or comma-separated.
Tags = Annotated[list[str], BeforeValidator(_as_tags)]


# -- Text within limits ----------------------------------------------------------------------


def storable(text: str) -> str:
    """`text` without NUL characters (PostgreSQL refuses them) or lone surrogates (which are
    not UTF-8, and JSON can smuggle them in as escapes)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def cut(text: str, limit: int) -> str:
    """`text` storable, stripped and cut to `limit` characters."""
    return storable(text).strip()[:limit]


def one_line(text: str, limit: int) -> str:
    """`text` on one line, whitespace runs as one space, clipped to `limit` with an ellipsis."""
    return clip(" ".join(storable(text).split()), limit)


def clip(text: str, limit: int) -> str:
    """`text` storable and stripped; past `limit` characters, cut and ended with an ellipsis."""
    text = storable(text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_text(*candidates: object) -> str:
    """The first candidate with any text on one line; "" if none has."""
    for candidate in candidates:
        text = scalar_text(candidate)
        if text is not None and one_line(text, MAX_TITLE):
            return text
    return ""


def digest(*parts: str) -> str:
    """A sha256 hex digest of `parts`, for identities a source does not give."""
    joined = "\x1f".join(parts).encode("utf-8", "replace")
    return hashlib.sha256(joined).hexdigest()


def fit_fingerprint(text: str) -> str:
    """A source's identity for an alert, as stored: hashed when too long to store whole."""
    text = storable(text).strip()
    return text if len(text) <= MAX_FINGERPRINT else digest(text)


def group_key(text: str) -> str:
    """A source's group key, hashed when too long to keep."""
    text = storable(text)
    return text if len(text) <= MAX_GROUP_KEY else digest(text)


def make_labels(pairs: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Labels as text, later pairs winning; objects, lists, nulls and empty keys dropped; keys
    and values cut; the first MAX_LABELS in key order kept."""
    merged: dict[str, str] = {}
    for key, value in pairs:
        text, name = scalar_text(value), cut(key, MAX_LABEL)
        if text is not None and name:
            merged[name] = cut(text, MAX_LABEL)
    return {key: merged[key] for key in sorted(merged)[:MAX_LABELS]}


def tag_labels(tags: Iterable[str]) -> list[tuple[str, str]]:
    """Tags as label pairs: "key:value" as key=value, a bare tag as tag=""."""
    pairs = []
    for tag in tags:
        key, _, value = tag.partition(":")
        if key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs


def labels_digest(found: Mapping[str, str]) -> str:
    """An identity for an alert known only by its labels."""
    return digest(json.dumps(found, sort_keys=True))


# -- Links and times -------------------------------------------------------------------------


def link(url: object, kind: LinkKind, title: str = "") -> AlertLink | None:
    """An absolute http(s) URL as a link, cut to MAX_URL; None for anything else."""
    if not isinstance(url, str) or _NOT_IN_URLS.search(url := url.strip()):
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not one
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return AlertLink(url=cut(url, MAX_URL), kind=kind, title=one_line(title, MAX_LINK_TITLE))


def make_links(found: Iterable[AlertLink | None]) -> tuple[AlertLink, ...]:
    """The links found, each URL once, at most MAX_LINKS."""
    kept: dict[str, AlertLink] = {}
    for each in found:
        if each is not None and each.url not in kept and len(kept) < MAX_LINKS:
            kept[each.url] = each
    return tuple(kept.values())


def iso_time(value: object) -> datetime | None:
    """An ISO 8601 time as aware UTC (naive read as UTC); None for Go's zero time, or for
    anything that is not a real time."""
    match = _ISO_TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    # Go prints nanoseconds; Python keeps microseconds.
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
        zone = timezone(-offset if sign == "-" else offset)
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros, zone
        ).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return None if moment == _GO_ZERO_TIME else moment


def epoch_ms_time(value: object) -> datetime | None:
    """Epoch milliseconds (a number or a numeric string) as aware UTC; None otherwise."""
    milliseconds = _number(value)
    if milliseconds is None:
        return None
    try:
        return _EPOCH + timedelta(milliseconds=milliseconds)
    except (ValueError, OverflowError):  # NaN, infinity, or past year 9999
        return None


def _number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value := value.strip()):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:  # int() refuses thousands of digits
            return None
    return None


# -- The event and the notification ----------------------------------------------------------


def alert_event(
    *,
    fingerprint: str,
    status: AlertStatus,
    title: str,
    description: str = "",
    severity: str = "",
    service: str = "",
    alertname: str = "",
    labels: Mapping[str, str] = _EMPTY,
    links: Iterable[AlertLink | None] = (),
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> AlertEvent:
    """An event within Sitrep's limits. Without a fingerprint, title and service identify it."""
    title = one_line(title, MAX_TITLE) or "Alert"
    service = one_line(service, MAX_SERVICE)
    return AlertEvent(
        fingerprint=fit_fingerprint(fingerprint) or digest(title, service),
        status=status,
        title=title,
        description=clip(description, MAX_DESCRIPTION),
        severity=one_line(severity, MAX_SEVERITY),
        service=service,
        alertname=one_line(alertname, MAX_LABEL),
        # Both idempotent: what the parsers made comes through unchanged.
        labels=make_labels(labels.items()),
        links=make_links(links),
        started_at=started_at,
        ended_at=ended_at,
    )


def notification(source: str, events: Iterable[AlertEvent], key: str = "") -> Notification:
    """A delivery of at most MAX_EVENTS events (the rest dropped, as Alertmanager does with
    `truncatedAlerts`); one with none says so in `skipped`."""
    kept = tuple(islice(events, MAX_EVENTS))
    reason = "" if kept else "no alerts in the notification"
    return Notification(source=source, events=kept, group_key=group_key(key), skipped=reason)


def skipped(source: str, reason: str) -> Notification:
    """A delivery Sitrep reads but does not act on, and why."""
    return Notification(source=source, events=(), skipped=one_line(reason, MAX_TITLE))
