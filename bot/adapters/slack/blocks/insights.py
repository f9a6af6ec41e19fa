"""What Slack shows of the metrics: `/incident stats` and the weekly digest. Pure."""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_HEADER, MAX_SECTION, clip, defang
from bot.follow_through import Report
from bot.insights.metrics import Metrics, Spread
from bot.insights.service import Digest, Picture, Stats
from bot.metrics import Measures

_MEASURES: Final = {
    "to_acknowledge": "Time to acknowledge",
    "to_resolve": "Time to resolve",
    "to_detect": "Time to detect",
    "to_mitigate": "Time to mitigate",
}
_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LISTED: Final = 15


def stats_blocks(stats: Stats, pictures: Sequence[Picture]) -> list[Block]:
    """`/incident stats`: the headline numbers against the period before, where the
    incidents came from, when, who carried them, what repeated, and a chart."""
    current, previous = stats.current, stats.previous
    scope = f" · {stats.scope}" if stats.scope else ""
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"Incidents, {current.period.label}{scope}", MAX_HEADER))
    ]
    if not current.volume:
        was = f" ({previous.volume} in {previous.period.label})" if previous.volume else ""
        return [*blocks, _section(f"No incidents declared. :tada:{was}")]
    fields = [
        f"*Incidents*\n{current.volume} (was {previous.volume})",
        f"*Still open*\n{current.open}",
        f"*Response targets met*\n{_rate(current.on_target, current.targeted)}",
        *(_measure(name, current, previous) for name in _MEASURES),
    ]
    blocks.append(SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]))
    blocks += _where_and_when(current, previous)
    blocks += [_picture(p) for p in pictures]
    blocks.append(
        _context(
            "Incidents declared in the period; times from their recorded milestones. Also: "
            "`/incident stats 7d|90d|quarter|2026-Q3 service:<name> sev:<N> public`, "
            "`/incident export`."
        )
    )
    return blocks


def stats_text(stats: Stats) -> str:
    """The fallback text of the stats answer."""
    current = stats.current
    resolve = current.spreads["to_resolve"].median
    return (
        f"{current.volume} incidents, {current.period.label}; median time to resolve "
        f"{_span(resolve)}."
    )


def digest_blocks(digest: Digest, window: str, limit: int = 50) -> list[Block]:
    """The weekly digest: the week's incidents, time to respond against last week and the
    quarter, where they came from, the action items' follow-through, and charts."""
    week, previous, quarter = digest.week, digest.previous, digest.quarter
    blocks: list[Block] = [HeaderBlock(text=clip(_digest_title(digest), MAX_HEADER))]
    total, before = week.volume + digest.private, previous.volume + digest.private_before
    count = f"*{total} incident{'s' if total != 1 else ''}* (was {before})"
    severities = " · ".join(f"{k.upper()} {n}" for k, n in sorted(week.by_severity.items()))
    blocks.append(_section(f"{count}{': ' + severities if severities else '.'}"))
    if total:
        blocks.append(_section(_incident_lines(week, digest.private)))
    fields = [
        f"*{label}* (median)\nthis week {_span(week.spreads[name].median)} · last week "
        f"{_span(previous.spreads[name].median)} · quarter {_span(quarter.spreads[name].median)}"
        for name, label in _MEASURES.items()
    ]
    fields.append(
        f"*Response targets met*\nthis week {_rate(week.on_target, week.targeted)} · quarter "
        f"{_rate(quarter.on_target, quarter.targeted)}"
    )
    blocks.append(SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]))
    blocks += _where_and_when(week, digest.previous)
    blocks.append(_section(_follow_through_line(digest.follow_through, window)))
    if digest.oncall:
        carried = " · ".join(
            f"<@{p.person}> {p.pages} page{'s' if p.pages != 1 else ''}"
            + (f" ({p.out_of_hours} out of hours)" if p.out_of_hours else "")
            for p in digest.oncall[:5]
        )
        blocks.append(_section(f"*On call:* {carried}"))
    blocks += [_picture(p) for p in digest.pictures]
    return blocks[:limit]


def digest_text(digest: Digest) -> str:
    week = digest.week
    total = week.volume + digest.private
    before = digest.previous.volume + digest.private_before
    return (
        f"{_digest_title(digest)}: {total} incidents (was {before}), "
        f"median time to resolve {_span(week.spreads['to_resolve'].median)}."
    )


def _digest_title(digest: Digest) -> str:
    end = digest.period.end - timedelta(seconds=1)
    return f"Incident digest: the {digest.period.length_words} to {end:%a} {end.day} {end:%b}"


def by_top_category(metrics: Metrics) -> dict[str, int]:
    """Incidents per top-level category (`Database` counts `Database/replication`), most
    first: the trend people ask about ("are database incidents increasing?")."""
    totals: Counter[str] = Counter()
    for name, count in metrics.by_category.items():
        totals[name.split("/")[0]] += count
    return dict(totals.most_common())


def _measure(name: str, current: Metrics, previous: Metrics) -> str:
    now, before = current.spreads[name], previous.spreads[name]
    if not now.count:
        return f"*{_MEASURES[name]}*\nnot recorded"
    was = f", was {_span(before.median)}" if before.count else ""
    return (
        f"*{_MEASURES[name]}*\nmedian {_span(now.median)}{was}\n"
        f"mean {_span(now.mean)} · p90 {_span(now.p90)} · of {now.count}"
    )


def _where_and_when(metrics: Metrics, previous: Metrics | None = None) -> list[Block]:
    """Severity, service and category breakdowns, time of day, load and repeats; with
    `previous`, each category against the period before."""
    lines = []
    if len(metrics.by_month) > 1:
        months = " · ".join(
            f"{datetime.strptime(month, '%Y-%m'):%b %Y} {count}"
            for month, count in sorted(metrics.by_month.items())
        )
        lines.append(f"*By month:* {months}")
    by_severity = [
        f"{key.upper()} {_span(found['to_resolve'].median)}"
        for key, found in sorted(metrics.by_severity_spreads.items())
        if found["to_resolve"].count
    ]
    if by_severity:
        lines.append(f"*Median time to resolve by severity:* {' · '.join(by_severity)}")
    by_service = [
        f"{defang(name)} {_span(metrics.by_service_spreads[name]['to_resolve'].median)}"
        for name, _ in metrics.top_services(5)
        if metrics.by_service_spreads.get(name, {}).get("to_resolve", Spread.of([])).count
    ]
    if by_service:
        lines.append(f"*…by service:* {' · '.join(by_service)}")
    if metrics.by_service:
        impact = metrics.impact_by_service
        top = " · ".join(
            f"{defang(name)} {count}"
            + (f" ({_span(impact[name])} of impact)" if name in impact else "")
            for name, count in metrics.top_services(5)
        )
        lines.append(f"*Top services:* {top}")
    if metrics.by_category:
        now, before = by_top_category(metrics), by_top_category(previous) if previous else {}
        categories = " · ".join(
            f"{defang(name)} {count}" + (f" (was {before.get(name, 0)})" if previous else "")
            for name, count in list(now.items())[:6]
        )
        lines.append(f"*By category:* {categories}")
    if metrics.volume:
        busiest_hour = max(range(24), key=lambda h: metrics.by_hour[h])
        busiest_day = max(range(7), key=lambda d: metrics.by_weekday[d])
        lines.append(
            f"*When:* most often around {busiest_hour:02d}:00 and on {_DAYS[busiest_day]}s; "
            f"{metrics.weekend} at weekends, {metrics.out_of_hours} out of working hours"
        )
    if metrics.by_monitoring or metrics.after_deploy:
        lines.append(
            f"*Detection:* {metrics.by_monitoring} of {metrics.volume} declared from monitoring"
            f" · {metrics.after_deploy} began within {_span(metrics.deploy_window)} of a linked"
            " deploy"
        )
    heavy = [load for load in metrics.load if load.overloaded]
    if metrics.load:
        names = " · ".join(
            f"<@{load.person}> {load.incidents} ({load.severe} severe, {load.out_of_hours} out "
            "of hours)"
            for load in metrics.load[:5]
        )
        lines.append(f"*Load:* {names}")
    if heavy:
        lines.append(
            ":warning: *Heavy load:* "
            + " · ".join(f"<@{load.person}> {load.busiest} at once" for load in heavy)
            + ". Rotate on-call, or get them help."
        )
    if metrics.repeats:
        named = ", ".join(
            f"{r.incident.ref} ({defang(r.service)}, after {r.earlier.ref})"
            for r in metrics.repeats[:5]
        )
        lines.append(f"*Repeats* (a service hit again soon after): {len(metrics.repeats)}: {named}")
    return [_section("\n".join(lines))] if lines else []


def _incident_lines(week: Metrics, private: int) -> str:
    lines = []
    for incident in week.incidents[:_LISTED]:
        where = f"<#{incident.channel_id}>" if incident.channel_id else incident.ref
        took = Measures.of(incident).to_resolve
        state = f"resolved in {_span(took)}" if took is not None else incident.status.label.lower()
        lines.append(f"• {where} {incident.severity.upper()} {defang(incident.title)} · {state}")
    if week.volume > _LISTED:
        lines.append(f"and {week.volume - _LISTED} more")
    if private:
        lines.append(f"and {private} private incident{'s' if private > 1 else ''}")
    return "\n".join(lines)


def _follow_through_line(report: Report, window: str) -> str:
    overall = report.overall
    return (
        f"*Action items:* {overall.open} open, {overall.overdue} overdue · done within {window} "
        f"{_rate(overall.done_within.met, overall.done_within.of)} · done by their due date "
        f"{_rate(overall.done_by_due.met, overall.done_by_due.of)}"
    )


def without_pictures(blocks: Sequence[Block]) -> list[Block]:
    """The blocks with their charts left out and a line saying so: Slack refuses a message
    showing an image it is still processing."""
    kept = [b for b in blocks if not isinstance(b, ImageBlock)]
    return [*kept, _context("The charts weren't ready to show: Slack was still processing them.")]


def _picture(picture: Picture) -> ImageBlock:
    return ImageBlock(
        slack_file={"id": picture.file_id}, alt_text=clip(picture.alt_text, 2000),
        title=clip(picture.title, 2000),
    )  # fmt: skip


def _rate(met: int, of: int) -> str:
    return f"{round(100 * met / of)}% ({met} of {of})" if of else "none to count"


def _span(span: timedelta | None) -> str:
    if span is None:
        return "—"
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION))])
