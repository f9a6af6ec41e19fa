"""Monitoring webhook bodies, whatever the vendor, read as Sitrep's one alert shape. Pure."""

from collections.abc import Callable, Mapping
from types import MappingProxyType

from bot.alerts.events import Notification
from bot.alerts.formats.alertmanager import parse_alertmanager, parse_grafana
from bot.alerts.formats.common import JsonObject, read_object
from bot.alerts.formats.datadog import parse_datadog
from bot.alerts.formats.generic import parse_generic
from bot.alerts.formats.opsgenie import parse_opsgenie
from bot.alerts.formats.pagerduty import parse_pagerduty

_PARSERS: Mapping[str, Callable[[JsonObject], Notification]] = MappingProxyType(
    {
        "alertmanager": parse_alertmanager,
        "grafana": parse_grafana,
        "datadog": parse_datadog,
        "pagerduty": parse_pagerduty,
        "opsgenie": parse_opsgenie,
        "generic": parse_generic,
    }
)
SOURCES: tuple[str, ...] = tuple(_PARSERS)


def parse(source: str, body: bytes) -> Notification:
    """The notification a raw webhook `body` from `source` carries. Raises BadPayload, with a
    reason the sender can act on, for any body it cannot read; ValueError for an unknown source."""
    parser = _PARSERS.get(source)
    if parser is None:
        raise ValueError(f"unknown alert source {source!r}; known: {', '.join(SOURCES)}")
    return parser(read_object(body))


__all__ = ["SOURCES", "parse"]
