"""Charts of incident metrics as PNG, drawn with matplotlib's Agg renderer (no display).

Sized to read at Slack's preview width, with labelled axes and the Okabe-Ito palette, which
people with the common colour-vision deficiencies tell apart."""

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.insights.metrics import Metrics
from bot.ports import Chart

# Okabe & Ito (2008): distinguishable with protanopia, deuteranopia and tritanopia.
PALETTE = ("#D55E00", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#F0E442")
_SIZE = (8, 4.2)  # inches: 800 x 420 pixels at 100 dpi, Slack's preview shows it whole
_DPI = 100
_TOP_SERVICES = 8


class MatplotlibCharts:
    def trends(self, metrics: Metrics, limit: int = 3) -> list[Chart]:
        drawers = [self._volume, self._resolve_trend]
        if metrics.by_service:
            drawers.append(self._services)
        return [draw(metrics) for draw in drawers[:limit]]

    def _volume(self, metrics: Metrics) -> Chart:
        figure, axes = _figure()
        labels = _week_labels(metrics.weeks)
        bottom = [0] * len(labels)
        drawn = []
        for index, (severity, counts) in enumerate(metrics.weekly_volume.items()):
            if not any(counts):
                continue
            colour = PALETTE[index % len(PALETTE)]
            axes.bar(labels, counts, bottom=bottom, color=colour, label=severity.upper())
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
            drawn.append(severity.upper())
        axes.set_title("Incidents per week, by severity")
        axes.set_xlabel("Week starting")
        axes.set_ylabel("Incidents")
        axes.yaxis.get_major_locator().set_params(integer=True)
        if drawn:
            axes.legend(loc="upper left", frameon=False, ncols=min(len(drawn), 5))
        total = sum(bottom)
        alt = (
            f"Bar chart: {total} incidents over the {len(labels)} weeks from {labels[0]} to "
            f"{labels[-1]}, {max(bottom)} in the busiest week."
            if labels
            else "Bar chart of incidents per week."
        )
        return _chart(figure, "incidents-per-week.png", "Incidents per week", alt)

    def _resolve_trend(self, metrics: Metrics) -> Chart:
        figure, axes = _figure()
        labels = _week_labels(metrics.weeks)
        hours = [None if v is None else v / timedelta(hours=1) for v in metrics.weekly_resolve]
        # Weeks without a resolved incident are gaps, not zeros.
        points = [(n, value) for n, value in enumerate(hours) if value is not None]
        axes.plot([n for n, _ in points], [v for _, v in points], marker="o", color=PALETTE[2])
        axes.set_xticks(range(len(labels)), labels)
        axes.set_xlim(-0.5, len(labels) - 0.5)
        axes.set_title("Median time to resolve, per week of declaration")
        axes.set_xlabel("Week starting")
        axes.set_ylabel("Hours")
        axes.set_ylim(bottom=0)
        if points:
            week, latest = points[-1]
            alt = (
                f"Line chart of the weekly median time to resolve: {latest:.1f} hours in "
                f"the week of {labels[week]}, over {len(points)} weeks with resolved incidents."
            )
        else:
            alt = "Line chart of the weekly median time to resolve: no incident resolved yet."
        return _chart(figure, "time-to-resolve.png", "Median time to resolve", alt)

    def _services(self, metrics: Metrics) -> Chart:
        figure, axes = _figure(weeks=False)
        top = metrics.top_services(_TOP_SERVICES)[::-1]  # the busiest at the top
        names, counts = [name for name, _ in top], [count for _, count in top]
        axes.barh(names, counts, height=0.6, color=PALETTE[3])
        axes.set_title(f"Services with the most incidents, {metrics.period.label}")
        axes.set_xlabel("Incidents")
        axes.set_ylabel("Service")
        axes.xaxis.get_major_locator().set_params(integer=True)
        busiest = ", ".join(f"{name} {count}" for name, count in reversed(top[-3:]))
        alt = f"Bar chart of incidents per service: {busiest}."
        return _chart(figure, "top-services.png", "Top services", alt)


def _figure(*, weeks: bool = True) -> tuple[Any, Any]:
    """A figure with one set of axes; `weeks`: the x axis is labelled with weeks."""
    # Imported here: only the processes that draw pay for matplotlib.
    from matplotlib.figure import Figure

    figure = Figure(figsize=_SIZE, dpi=_DPI, layout="constrained")
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    if weeks:
        axes.tick_params(axis="x", labelrotation=45, labelsize=9)
    axes.grid(axis="y" if weeks else "x", alpha=0.3)
    return figure, axes


def _chart(figure: Any, filename: str, title: str, alt: str) -> Chart:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return Chart(filename, title, alt, buffer.getvalue())


def _week_labels(weeks: Sequence[datetime]) -> list[str]:
    return [f"{week.day} {week:%b}" for week in weeks]
