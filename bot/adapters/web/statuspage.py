"""The status page as HTML (Jinja2, autoescaped), JSON and Atom. Pure rendering of a Page."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.statuspage.page import Page, PublicIncident
from bot.statuspage.policy import ComponentState

_ATOM = "http://www.w3.org/2005/Atom"
_OVERALL = {
    ComponentState.OPERATIONAL: "All systems operational",
    ComponentState.DEGRADED: "Some systems are degraded",
    ComponentState.PARTIAL_OUTAGE: "Partial outage",
    ComponentState.MAJOR_OUTAGE: "Major outage",
}


class StatusPageRenderer:
    def __init__(self) -> None:
        self._env = Environment(
            loader=FileSystemLoader(Path(__file__).parent),
            # Everything shown came from people typing in Slack: escape all of it.
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def html(self, page: Page) -> str:
        return self._env.get_template("status.html.j2").render(
            page=page,
            heading=heading(page),
            overall_text=_OVERALL[page.overall],
            base=page.url.rstrip("/"),
            stamp=_stamp,
        )

    def unavailable(self, page_title: str) -> str:
        """The page shown when the status can't be read (the database is down)."""
        title = self._env.from_string("{{ t }}").render(t=page_title)
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title></head><body><h1>{title}</h1>"
            "<p>The status page is temporarily unavailable. Please try again in a minute."
            "</p></body></html>"
        )


def heading(page: Page) -> str:
    return f"{page.organisation} {page.title}".strip()


def as_json(page: Page) -> dict[str, Any]:
    def incident(i: PublicIncident) -> dict[str, Any]:
        return {
            "id": i.ref,
            "title": i.title,
            "status": i.status,
            "impact": i.state.value if i.resolved_at is None else None,
            "components": list(i.components),
            "started_at": _iso(i.declared_at),
            "resolved_at": _iso(i.resolved_at) if i.resolved_at else None,
            "updates": [
                {
                    "at": _iso(u.at),
                    "happening": u.happening,
                    "impact": u.impact,
                    "next_steps": u.next_steps,
                    "final": u.final,
                }
                for u in i.updates
            ],
        }

    return {
        "page": {"name": heading(page), "updated_at": _iso(page.generated_at)},
        "status": {"indicator": page.overall.value, "description": _OVERALL[page.overall]},
        "components": [{"name": c.name, "status": c.state.value} for c in page.components],
        "incidents": [incident(i) for i in page.active],
        "history": [incident(i) for i in page.history],
    }


def as_atom(page: Page) -> bytes:
    """An Atom feed (RFC 4287): one entry per public update, newest first."""
    base = page.url.rstrip("/")
    ElementTree.register_namespace("", _ATOM)
    feed = ElementTree.Element(f"{{{_ATOM}}}feed")

    def add(parent: ElementTree.Element, tag: str, text: str = "", **attrs: str) -> None:
        child = ElementTree.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
        if text:
            child.text = text

    add(feed, "id", f"{base}/status" if base else "urn:sitrep:status")
    add(feed, "title", heading(page))
    add(feed, "updated", _iso(page.updated_at or page.generated_at))
    add(feed, "link", rel="alternate", type="text/html", href=f"{base}/status")
    add(feed, "link", rel="self", href=f"{base}/status/feed.atom")
    author = ElementTree.SubElement(feed, f"{{{_ATOM}}}author")
    add(author, "name", heading(page))
    shown = [(i, u) for i in (*page.active, *page.history) for u in i.updates]
    for incident, update in sorted(shown, key=lambda pair: pair[1].at, reverse=True):
        entry = ElementTree.SubElement(feed, f"{{{_ATOM}}}entry")
        stamp = int(update.at.timestamp() * 1000)
        add(entry, "id", f"urn:sitrep:{incident.ref}:update:{stamp}")
        add(entry, "title", f"{incident.ref}: {incident.title} ({incident.status})")
        add(entry, "updated", _iso(update.at))
        add(entry, "link", rel="alternate", type="text/html", href=f"{base}/status#{incident.ref}")
        text = update.happening
        text += f"\nImpact: {update.impact}" if update.impact else ""
        text += f"\nWhat we are doing: {update.next_steps}" if update.next_steps else ""
        add(entry, "content", text, type="text")
    body: bytes = ElementTree.tostring(feed, "utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")
